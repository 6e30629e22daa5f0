package app

import (
	"context"
	"encoding/json"
	"io"
	"strings"

	"parley/server/channels"
	"parley/server/conversations"
	"parley/server/httpapi"
	"parley/server/interactions"
	"parley/server/media"
	"parley/server/outbound"
	"parley/server/render"
	"parley/server/routing"
	"parley/server/store"
	"parley/server/webhooks"
	"parley/shared/model"
)

// messaging is Parley's SMS and WhatsApp side: the conversations of
// customers on a provider's number, and the adapters that reach them.
type messaging struct {
	messaging *channels.Messaging
	twilio    *channels.Twilio
	generic   *channels.Generic
	sim       *channels.Simulator // the phone simulator, when on
}

// openMessaging connects the messaging adapters cfg configures.
func openMessaging(ctx context.Context, cfg Config, db *store.DB, c core, d delivery) (messaging, error) {
	adapters, twilio, generic, sim := channelAdapters(cfg, c.calls)
	m := &channels.Messaging{Addresses: c.addresses, Conversations: c.conv, Adapters: adapters,
		Media: &channelMedia{files: c.files, policy: c.policy, baseURL: strings.TrimRight(cfg.BaseURL, "/")},
		Hooks: func(ctx context.Context, convSID string, ac channels.AutoCreation) error {
			url, method := ac.WebhookURL, ac.WebhookMethod
			_, err := d.events.CreateHook(ctx, convSID, webhooks.HookParams{Target: ptr("webhook"), URL: &url,
				Method: cmpOr(&method, "POST"), Filters: ac.WebhookFilters})
			return err
		},
		QueueTexts: c.channels, Waiting: waitingOf(c.router), Now: cfg.Now, Log: cfg.Logger}
	c.conv.Observe(m)
	d.jobs.Handlers[channels.SendKind] = m.Deliver
	d.jobs.Handlers[channels.TextKind] = m.DeliverSurveyText
	d.jobs.Handlers[channels.QueueTextKind] = m.DeliverQueueText
	return messaging{messaging: m, twilio: twilio, generic: generic, sim: sim}, nil
}

// channelAdapters makes the adapters cfg configures. Their calls go
// through the outbound policy too: the operator sets their URLs, but the
// media URLs they download come from the provider's messages.
func channelAdapters(cfg Config, calls *outbound.Policy) (map[string]channels.Adapter, *channels.Twilio, *channels.Generic, *channels.Simulator) {
	adapters := map[string]channels.Adapter{}
	c := cfg.Channels
	var tw *channels.Twilio
	if c.TwilioAccountSID != "" && c.TwilioAuthToken != "" {
		tw = &channels.Twilio{AccountSID: c.TwilioAccountSID, AuthToken: c.TwilioAuthToken, APIBase: c.TwilioAPIBase,
			StatusCallback: cfg.BaseURL + httpapi.TwilioStatusPath, Policy: calls}
		adapters["twilio"] = tw
	}
	var gen *channels.Generic
	if c.GenericSendURL != "" && c.GenericSecret != "" {
		gen = &channels.Generic{SendURL: c.GenericSendURL, Secret: c.GenericSecret,
			StatusCallback: cfg.BaseURL + httpapi.GenericStatusPath, Policy: calls}
		adapters["generic"] = gen
	}
	var sim *channels.Simulator
	if c.Simulator {
		sim = channels.NewSimulator()
		adapters["simulator"] = sim
	}
	return adapters, tw, gen, sim
}

// routeMessaging hands a conversation an SMS or WhatsApp customer started
// to routing, as a Studio flow's "Send to Flex" would: an inbound
// Interaction on the address's workflow (the desk's by default).
func (a *App) routeMessaging(ctx context.Context, addr channels.Address, c conversations.Conversation, in channels.Inbound) error {
	return a.routeInbound(ctx, addr, c, addr.Type, model.TaskAttributes{CustomerName: in.From, CustomerAddress: in.From,
		From: in.From, To: in.To, ChannelType: addr.Type})
}

// waitingOf tells Messaging where a conversation's chat waits in line:
// routing's place for the task made for it (by its attribute ConversationSID).
func waitingOf(router routing.Router) channels.Waiting {
	return func(ctx context.Context, conversationSID string) (channels.Place, bool) {
		p, ok := router.WaitingWith(ctx, model.TaskAttrConversationSID, conversationSID)
		if !ok || p.Position == 0 {
			return channels.Place{}, false
		}
		return channels.Place{Position: p.Position, Wait: p.EstimatedWait, Estimated: p.Estimated}, true
	}
}

// routeWebAddress hands a web chat the account started on a web address
// of no deployment (Flex's POST /v2/WebChats) on as the address's
// auto-creation says: to routing (type default, the desk unless the
// address names a workflow), or to a conversation-scoped webhook. Parley
// runs no Studio flows: a chat of type studio waits for the API.
func (a *App) routeWebAddress(ctx context.Context, addr channels.Address, c conversations.Conversation) error {
	switch addr.AutoCreation.Type {
	case "webhook":
		return a.Messaging.Hooks(ctx, c.SID, addr.AutoCreation)
	case "default":
		var attrs struct {
			PreEngagement map[string]string `json:"pre_engagement_data"`
			CustomerName  string            `json:"customer_name"`
		}
		_ = json.Unmarshal([]byte(c.Attributes), &attrs)
		return a.routeInbound(ctx, addr, c, "chat", model.TaskAttributes{CustomerName: attrs.CustomerName,
			PreEngagement: attrs.PreEngagement, ChannelType: "web", AddressSID: addr.SID})
	}
	return nil
}

// routeInbound makes the inbound Interaction of a conversation a customer
// started on addr, on the address's workflow (the desk's by default) and
// task channel (taskChannel by default), its task's attributes the
// address's merged with attrs.
func (a *App) routeInbound(ctx context.Context, addr channels.Address, c conversations.Conversation, taskChannel string, attrs model.TaskAttributes) error {
	r := addr.Channel.Routing
	if r.WorkspaceSID == "" || r.WorkflowSID == "" {
		// The desk is made now if no agent has made it yet: the task then
		// waits in its queue for the first agent.
		k, err := a.desk.Ensure(ctx)
		if err != nil {
			return err
		}
		r.WorkspaceSID, r.WorkflowSID = k.WorkspaceSID, k.WorkflowSID
	}
	merged := model.TaskAttributesOf(r.Attributes).Merge(attrs) // the address's were checked when it was saved
	if r.TaskChannel != "" {
		taskChannel = r.TaskChannel
	}
	channel, _ := json.Marshal(map[string]any{"type": addr.Type, "initiated_by": "customer",
		"properties": map[string]string{"media_channel_sid": c.SID}})
	routingDoc, _ := json.Marshal(map[string]any{"properties": map[string]any{
		"workspace_sid": r.WorkspaceSID, "workflow_sid": r.WorkflowSID, "task_channel_unique_name": taskChannel,
		"attributes": merged}})
	_, err := a.Interactions.Create(ctx, interactions.Params{Channel: string(channel), Routing: string(routingDoc)})
	return err
}

// channelMedia stores files customers send over SMS and WhatsApp, and
// links files agents send for the provider to fetch.
type channelMedia struct {
	files   *media.Service
	policy  media.Policy
	baseURL string
}

func (m *channelMedia) Save(ctx context.Context, author, filename, contentType string, body io.Reader) (string, error) {
	f, err := m.files.Upload(ctx, m.policy, media.Upload{Author: author, Filename: filename, DeclaredType: contentType,
		DeclaredSize: -1, Body: body})
	return f.SID, err
}

func (m *channelMedia) Link(ctx context.Context, mediaSID string) (string, error) {
	f, err := m.files.Get(ctx, media.Reader{Account: true}, mediaSID)
	if err != nil {
		return "", err
	}
	return m.files.TemporaryURL(m.baseURL+render.MediaPath(f.ServiceSID, f.SID)+"/Content", f), nil
}

func cmpOr(s *string, fallback string) *string {
	if s == nil || *s == "" {
		return &fallback
	}
	return s
}
