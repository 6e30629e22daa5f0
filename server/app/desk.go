package app

import (
	"context"
	"encoding/json"

	"parley/server/channels"
	"parley/server/conversations"
	"parley/server/interactions"
	"parley/server/webchat"
	"parley/shared/model"
)

// routeCustomers hands the chats customers start to the desk: web
// chats (routeChat; a chat left outside business hours once its team is
// in), chats on a web address (routeWebAddress) and SMS or WhatsApp
// conversations (routeMessaging).
func (a *App) routeCustomers(chat *webchat.Service, m *channels.Messaging) {
	chat.Started = a.routeChat
	chat.Routed = a.routedAlready
	chat.AddressStarted = a.routeWebAddress
	m.Route = a.routeMessaging
}

// routeChat hands a new web chat to the desk: an inbound interaction on
// its conversation, whose task the desk's workflow offers to an agent.
// Without a desk (no agent yet) the chat waits for an API integration.
func (a *App) routeChat(ctx context.Context, dep webchat.Deployment, c conversations.Conversation) error {
	k, err := a.desk.Ensure(ctx) // a chat before the first agent waits in the queue for one
	if err != nil {
		return err
	}
	var attrs struct {
		PreEngagement map[string]string `json:"pre_engagement_data"`
		CustomerName  string            `json:"customer_name"`
		LeftWhileAway string            `json:"left_while_away_at"`
	}
	_ = json.Unmarshal([]byte(c.Attributes), &attrs)
	// The desk names the answers as the form asked for them.
	labels := map[string]string{}
	for _, f := range dep.Form {
		if f.Label != "" {
			labels[f.Name] = f.Label
		}
	}
	channel, _ := json.Marshal(map[string]any{"type": "web", "initiated_by": "customer",
		"properties": map[string]string{"media_channel_sid": c.SID}})
	task := model.TaskAttributes{CustomerName: attrs.CustomerName, PreEngagement: attrs.PreEngagement,
		Labels: labels, DeploymentKey: dep.Key, DeploymentName: dep.FriendlyName}
	if attrs.LeftWhileAway != "" {
		a.markLeftWhileAway(&task, attrs.LeftWhileAway)
	}
	routingDoc, _ := json.Marshal(map[string]any{"properties": map[string]any{
		"workspace_sid": k.WorkspaceSID, "workflow_sid": k.WorkflowSID, "task_channel_unique_name": "chat",
		"attributes": task}})
	_, err = a.Interactions.Create(ctx, interactions.Params{Channel: string(channel), Routing: string(routingDoc)})
	return err
}

func ptr[T any](v T) *T { return &v }
