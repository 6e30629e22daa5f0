package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

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
		Locale        string            `json:"locale"`
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
	if attrs.Locale != "" { // the visitor's language, for the agent's eye
		locale, _ := json.Marshal(attrs.Locale)
		task.Other = map[string]json.RawMessage{"locale": locale}
	}
	routingDoc, _ := json.Marshal(map[string]any{"properties": map[string]any{
		"workspace_sid": k.WorkspaceSID, "workflow_sid": k.WorkflowSID, "task_channel_unique_name": "chat",
		"attributes": task}})
	_, err = a.Interactions.Create(ctx, interactions.Params{Channel: string(channel), Routing: string(routingDoc)})
	return err
}

func ptr[T any](v T) *T { return &v }

// DeskConfig tunes the agent desk; the desk reads it at sign-in.
type DeskConfig struct {
	// WaitAmber and WaitRed are how long a customer may await a reply
	// before their chat's wait turns amber, then red, in the agent's chat
	// list; zero means a minute and three minutes. Whole seconds: red
	// must come after amber.
	WaitAmber, WaitRed time.Duration
}

// settings checks the desk's configuration and says it as the desk reads
// it.
func (d DeskConfig) settings() (model.DeskSettings, error) {
	secs := func(name string, v time.Duration) (int, error) {
		if v < 0 || (v > 0 && v < time.Second) || v > 24*time.Hour {
			return 0, fmt.Errorf("desk: %s %v: want between 1s and 24h", name, v)
		}
		return int(v / time.Second), nil
	}
	amber, err := secs("wait amber (--wait-amber)", d.WaitAmber)
	if err != nil {
		return model.DeskSettings{}, err
	}
	red, err := secs("wait red (--wait-red)", d.WaitRed)
	if err != nil {
		return model.DeskSettings{}, err
	}
	if amber == 0 {
		amber = model.DefaultWaitAmberSeconds
	}
	if red == 0 {
		red = model.DefaultWaitRedSeconds
	}
	if red <= amber {
		return model.DeskSettings{}, fmt.Errorf("desk: wait red (--wait-red %v) must be longer than wait amber (--wait-amber %v)",
			time.Duration(red)*time.Second, time.Duration(amber)*time.Second)
	}
	return model.DeskSettings{WaitAmberSeconds: amber, WaitRedSeconds: red}, nil
}
