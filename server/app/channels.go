package app

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"parley/server/apperr"
	"parley/server/channels"
	"parley/server/conversations"
	"parley/server/httpapi"
	"parley/server/interactions"
	"parley/server/media"
	"parley/server/outbound"
	"parley/server/render"
	"parley/server/routing"
	"parley/server/store"
	"parley/shared/model"
)

// DeliveryRetention is how long finished deliveries stay listed.
const DeliveryRetention = 7 * 24 * time.Hour

// DemoPhoneNumber is the number the phone simulator texts.
const DemoPhoneNumber = "+15550100100"

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
func waitingOf(router *routing.Service) channels.Waiting {
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
		k, err := a.desk.ensure(ctx)
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

// demoPhone makes the simulator's demo number on first start: an SMS
// address on the simulator adapter whose new conversations go to the desk.
func (a *App) demoPhone(ctx context.Context) error {
	_, err := a.Messaging.Addresses.AddressByValue(ctx, "sms", DemoPhoneNumber)
	if err == nil || !apperr.Is(err, apperr.NotFound) {
		return err
	}
	_, err = a.Messaging.Addresses.CreateAddress(ctx, channels.AddressParams{Type: ptr("sms"), Address: ptr(DemoPhoneNumber),
		FriendlyName: ptr("Phone simulator"), Adapter: ptr("simulator"),
		AutoCreation: channels.AutoCreationParams{Enabled: ptr(true), Type: ptr("default")}})
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

// outboxMetrics counts delivery attempts by kind and outcome.
type outboxMetrics struct {
	attempts *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
}

func newOutboxMetrics(reg prometheus.Registerer) *outboxMetrics {
	m := &outboxMetrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parley_delivery_attempts_total",
			Help: "Attempts to deliver a webhook (kind webhook) or an outgoing message (kind send), by outcome."}, []string{"kind", "outcome"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "parley_delivery_attempt_seconds",
			Help: "How long one delivery attempt took.", Buckets: prometheus.ExponentialBuckets(0.005, 4, 7)}, []string{"kind"}),
	}
	reg.MustRegister(m.attempts, m.seconds)
	return m
}

func (m *outboxMetrics) Attempted(kind string, delivered bool, took time.Duration) {
	outcome := "failed"
	if delivered {
		outcome = "delivered"
	}
	m.attempts.WithLabelValues(kind, outcome).Inc()
	m.seconds.WithLabelValues(kind).Observe(took.Seconds())
}

// registerOutboxMetrics exposes how many deliveries wait.
func registerOutboxMetrics(reg prometheus.Registerer, db *store.DB) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "parley_deliveries_pending",
		Help: "Webhooks and outgoing messages not yet delivered nor given up."}, func() float64 {
		n, _ := store.NewOutbox(db).Pending(context.Background())
		return float64(n)
	}))
}

func cmpOr(s *string, fallback string) *string {
	if s == nil || *s == "" {
		return &fallback
	}
	return s
}
