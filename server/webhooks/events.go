package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/outbound"
	"parley/server/outbox"
	"parley/server/paging"
	"parley/shared/sid"
)

// Post-event names, as Twilio's Conversations sends them.
var PostEvents = []string{
	"onConversationAdded", "onConversationUpdated", "onConversationRemoved", "onConversationStateUpdated",
	"onParticipantAdded", "onParticipantUpdated", "onParticipantRemoved",
	"onMessageAdded", "onMessageUpdated", "onMessageRemoved", "onDeliveryUpdated",
	// Parley's own: a customer rated a conversation (Score, Comment).
	"onCsatSubmitted",
}

// PreEvents are the pre-event names Parley asks about.
var PreEvents = []string{"onConversationAdd", "onConversationUpdate", "onConversationRemove",
	"onParticipantAdd", "onParticipantUpdate", "onParticipantRemove",
	"onMessageAdd", "onMessageUpdate", "onMessageRemove"}

// Config is the service-level webhook configuration
// (/conversations/v1/Configuration/Webhooks).
type Config struct {
	Method  string   `json:"method"`
	Filters []string `json:"filters"`
	PreURL  string   `json:"pre_webhook_url"`
	PostURL string   `json:"post_webhook_url"`
	Target  string   `json:"target"` // webhook or flex; Parley posts for either
}

// ConfigParams are Config's settable fields; nil leaves one as it is.
type ConfigParams struct {
	Method, PreURL, PostURL, Target *string
	Filters                         []string // nil leaves them; empty clears
}

// Hook is a conversation-scoped webhook (/Conversations/{sid}/Webhooks).
type Hook struct {
	Key             int64
	SID             string
	AccountSID      string
	ConversationSID string
	Target          string // webhook or trigger
	HookConfig
	Created, Updated time.Time
}

// HookConfig is a Hook's Configuration.
type HookConfig struct {
	URL      string   `json:"url,omitempty"`
	Method   string   `json:"method,omitempty"`
	Filters  []string `json:"filters,omitempty"`
	Triggers []string `json:"triggers,omitempty"`
	FlowSID  string   `json:"flow_sid,omitempty"`
}

// HookParams are a Hook's settable fields.
type HookParams struct {
	Target, URL, Method, FlowSID *string
	Filters, Triggers            []string
}

// Store keeps the configuration and conversation-scoped hooks.
type Store interface {
	Config(ctx context.Context) (Config, bool, error)
	SaveConfig(ctx context.Context, c Config) error
	InsertHook(ctx context.Context, h Hook) (int64, error)
	UpdateHook(ctx context.Context, h Hook) error
	DeleteHook(ctx context.Context, sid string) error
	// AllHooks lists every conversation-scoped hook, for the cache.
	AllHooks(ctx context.Context) ([]Hook, error)
}

// Conversations is what the service needs of the conversations service.
type Conversations interface {
	Conversation(ctx context.Context, ref string) (conversations.Conversation, error)
}

// MaxHooksPerConversation is Twilio's limit.
const MaxHooksPerConversation = 5

// Events sends conversation events to integrators: post-events through the
// outbox (durable, ordered per conversation and URL), pre-events at once.
type Events struct {
	store      Store
	convs      Conversations
	accountSID string
	serviceSID string
	authToken  string
	client     *Poster
	Now        func() time.Time
	// Log hears why pre-event webhooks refused changes; nil is slog's
	// default.
	Log *slog.Logger
	// Record keeps a failed pre-event webhook with the deliveries, for
	// the operator (the outbox store's Record); nil only logs it.
	Record func(ctx context.Context, jobs ...outbox.Job) error

	mu     sync.RWMutex
	config Config
	hooks  map[string][]Hook // by conversation SID
}

// Kind is the outbox kind of webhook jobs.
const Kind = "webhook"

// NewEvents loads the configuration and hooks.
func NewEvents(ctx context.Context, store Store, convs Conversations, accountSID, serviceSID string, poster *Poster) (*Events, error) {
	e := &Events{store: store, convs: convs, accountSID: accountSID, serviceSID: serviceSID,
		client: poster, Now: time.Now, hooks: map[string][]Hook{}}
	cfg, ok, err := store.Config(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		cfg = Config{Method: "POST", Target: "webhook", Filters: []string{}}
	}
	e.config = cfg
	all, err := store.AllHooks(ctx)
	if err != nil {
		return nil, err
	}
	for _, h := range all {
		h.AccountSID = accountSID
		e.hooks[h.ConversationSID] = append(e.hooks[h.ConversationSID], h)
	}
	return e, nil
}

// Config is the service-level configuration.
func (e *Events) Config() Config {
	e.mu.RLock()
	defer e.mu.RUnlock()
	c := e.config
	c.Filters = slices.Clone(c.Filters)
	return c
}

// UpdateConfig changes the service-level configuration.
func (e *Events) UpdateConfig(ctx context.Context, p ConfigParams) (Config, error) {
	c := e.Config()
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&c.PreURL, p.PreURL)
	set(&c.PostURL, p.PostURL)
	set(&c.Target, p.Target)
	if p.Method != nil {
		c.Method = strings.ToUpper(strings.TrimSpace(*p.Method))
	}
	if p.Filters != nil {
		c.Filters = p.Filters
	}
	if err := checkMethod("Method", c.Method); err != nil {
		return c, err
	}
	if c.Target != "webhook" && c.Target != "flex" {
		return c, apperr.Invalidf(apperr.CodeBadRequest, "Target %q is not one of webhook, flex", c.Target)
	}
	for name, u := range map[string]string{"PreWebhookUrl": c.PreURL, "PostWebhookUrl": c.PostURL} {
		if err := e.checkURL(name, u, false); err != nil {
			return c, err
		}
	}
	if err := checkFilters(c.Filters, append(slices.Clone(PostEvents), PreEvents...)); err != nil {
		return c, err
	}
	if err := e.store.SaveConfig(ctx, c); err != nil {
		return c, err
	}
	e.mu.Lock()
	e.config = c
	e.mu.Unlock()
	return c, nil
}

func checkMethod(name, m string) error {
	if m != "GET" && m != "POST" {
		return apperr.Invalidf(apperr.CodeBadRequest, "%s must be GET or POST, got %q", name, m)
	}
	return nil
}

// checkURL checks a webhook URL being saved: an absolute http(s) URL the
// outbound policy lets Parley call.
func (e *Events) checkURL(name, raw string, required bool) error {
	if raw == "" && !required {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return apperr.Invalidf(apperr.CodeBadRequest, "%s %q must be an absolute http(s) URL", name, raw)
	}
	return e.client.Policy.Check(name, raw)
}

func checkFilters(filters, known []string) error {
	for _, f := range filters {
		if !slices.Contains(known, f) {
			return apperr.Invalidf(apperr.CodeBadRequest, "Filter %q is not an event Parley sends; use one of %s", f, strings.Join(known, ", "))
		}
	}
	return nil
}

// Hooks lists a conversation's webhooks.
func (e *Events) Hooks(ctx context.Context, convRef string, p paging.Request) (paging.Page[Hook], error) {
	c, err := e.convs.Conversation(ctx, convRef)
	if err != nil {
		return paging.Page[Hook]{}, err
	}
	e.mu.RLock()
	hooks := slices.Clone(e.hooks[c.SID])
	e.mu.RUnlock()
	// At most five: one page holds them all.
	return paging.Page[Hook]{Items: hooks}, nil
}

// Hook fetches one of a conversation's webhooks.
func (e *Events) Hook(ctx context.Context, convRef, hookSID string) (Hook, error) {
	c, err := e.convs.Conversation(ctx, convRef)
	if err != nil {
		return Hook{}, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, h := range e.hooks[c.SID] {
		if h.SID == hookSID {
			return h, nil
		}
	}
	return Hook{}, apperr.NotFoundf("The requested resource Webhook %s was not found in conversation %s", hookSID, c.SID)
}

// CreateHook adds a webhook to a conversation.
func (e *Events) CreateHook(ctx context.Context, convRef string, p HookParams) (Hook, error) {
	c, err := e.convs.Conversation(ctx, convRef)
	if err != nil {
		return Hook{}, err
	}
	now := e.Now().UTC().Truncate(time.Millisecond)
	h := Hook{SID: sid.New(sid.Webhook), AccountSID: e.accountSID, ConversationSID: c.SID, Created: now, Updated: now,
		HookConfig: HookConfig{Method: "POST"}}
	if p.Target == nil || *p.Target == "" {
		return h, apperr.Invalidf(apperr.CodeBadRequest, "Target is required: webhook or trigger")
	}
	if err := e.applyHook(&h, p); err != nil {
		return h, err
	}
	e.mu.Lock()
	defer e.mu.Unlock() // held across the write so two creates cannot both pass the limit
	if len(e.hooks[c.SID]) >= MaxHooksPerConversation {
		return h, apperr.Invalidf(apperr.CodeBadRequest, "Conversation %s already has %d webhooks, the most it may have; delete one first", c.SID, MaxHooksPerConversation)
	}
	if h.Key, err = e.store.InsertHook(ctx, h); err != nil {
		return h, err
	}
	e.hooks[c.SID] = append(e.hooks[c.SID], h)
	return h, nil
}

// UpdateHook changes a conversation's webhook.
func (e *Events) UpdateHook(ctx context.Context, convRef, hookSID string, p HookParams) (Hook, error) {
	h, err := e.Hook(ctx, convRef, hookSID)
	if err != nil {
		return h, err
	}
	if p.Target != nil && *p.Target != h.Target {
		return h, apperr.Invalidf(apperr.CodeBadRequest, "Target cannot change; delete the webhook and create another")
	}
	if err := e.applyHook(&h, p); err != nil {
		return h, err
	}
	h.Updated = e.Now().UTC().Truncate(time.Millisecond)
	if err := e.store.UpdateHook(ctx, h); err != nil {
		return h, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, old := range e.hooks[h.ConversationSID] {
		if old.SID == h.SID {
			e.hooks[h.ConversationSID][i] = h
		}
	}
	return h, nil
}

// DeleteHook removes a conversation's webhook.
func (e *Events) DeleteHook(ctx context.Context, convRef, hookSID string) error {
	h, err := e.Hook(ctx, convRef, hookSID)
	if err != nil {
		return err
	}
	if err := e.store.DeleteHook(ctx, h.SID); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hooks[h.ConversationSID] = slices.DeleteFunc(e.hooks[h.ConversationSID], func(o Hook) bool { return o.SID == h.SID })
	return nil
}

func (e *Events) applyHook(h *Hook, p HookParams) error {
	if p.Target != nil {
		h.Target = strings.TrimSpace(*p.Target)
	}
	if p.URL != nil {
		h.URL = strings.TrimSpace(*p.URL)
	}
	if p.Method != nil {
		h.Method = strings.ToUpper(strings.TrimSpace(*p.Method))
	}
	if p.FlowSID != nil {
		h.FlowSID = strings.TrimSpace(*p.FlowSID)
	}
	if p.Filters != nil {
		h.Filters = p.Filters
	}
	if p.Triggers != nil {
		h.Triggers = p.Triggers
	}
	switch h.Target {
	case "webhook", "trigger":
	case "studio":
		return apperr.Invalidf(apperr.CodeBadRequest, "Target studio needs Twilio Studio, which Parley does not run; use webhook or trigger")
	default:
		return apperr.Invalidf(apperr.CodeBadRequest, "Target %q is not one of webhook, trigger", h.Target)
	}
	if err := e.checkURL("Configuration.Url", h.URL, true); err != nil {
		return err
	}
	if err := checkMethod("Configuration.Method", h.Method); err != nil {
		return err
	}
	if err := checkFilters(h.Filters, PostEvents); err != nil {
		return err
	}
	if h.Target == "trigger" && len(h.Triggers) == 0 {
		return apperr.Invalidf(apperr.CodeBadRequest, "A trigger webhook needs Configuration.Triggers: the words that fire it")
	}
	return nil
}

// delivery is a webhook job's payload.
type delivery struct {
	URL    string     `json:"url"`
	Method string     `json:"method"`
	Form   url.Values `json:"form"`
}

// Observe turns a conversation change into webhook jobs, in the change's
// own transaction. It implements conversations.Observer.
func (e *Events) Observe(tx conversations.Tx, ev conversations.Event) error {
	if ev.Type == conversations.ConversationDeleted {
		e.forget(tx, ev.ConversationSID)
	}
	if ev.Origin.Quiet || ev.Target != "" {
		return nil // a REST call without X-Twilio-Webhook-Enabled, or a per-identity copy
	}
	names := postNames(ev)
	if len(names) == 0 {
		return nil
	}
	e.mu.RLock()
	cfg, hooks := e.config, e.hooks[ev.ConversationSID]
	e.mu.RUnlock()
	var jobs []outbox.Job
	add := func(name, rawURL, method string) {
		jobs = append(jobs, e.job(ev, name, rawURL, method))
	}
	for _, name := range names {
		if cfg.PostURL != "" && slices.Contains(cfg.Filters, name) {
			add(name, cfg.PostURL, cfg.Method)
		}
		for _, h := range hooks {
			switch {
			case h.Target == "webhook" && slices.Contains(h.Filters, name):
				add(name, h.URL, h.Method)
			case h.Target == "trigger" && name == "onMessageAdded" && triggered(ev.Message.Body, h.Triggers):
				add(name, h.URL, h.Method)
			}
		}
	}
	return tx.Enqueue(jobs...)
}

// forget drops a deleted conversation's hooks from the cache once the
// deletion commits (the store drops their rows with the conversation).
func (e *Events) forget(tx conversations.Tx, convSID string) {
	tx.AfterCommit(func() {
		e.mu.Lock()
		delete(e.hooks, convSID)
		e.mu.Unlock()
	})
}

func triggered(body string, words []string) bool {
	fields := strings.FieldsFunc(strings.ToLower(body), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	})
	for _, w := range words {
		if slices.Contains(fields, strings.ToLower(w)) {
			return true
		}
	}
	return false
}

// postNames are the post-event names a change fires.
func postNames(ev conversations.Event) []string {
	switch ev.Type {
	case conversations.ConversationCreated:
		return []string{"onConversationAdded"}
	case conversations.ConversationUpdated:
		if ev.Before != "" {
			return []string{"onConversationUpdated", "onConversationStateUpdated"}
		}
		return []string{"onConversationUpdated"}
	case conversations.ConversationDeleted:
		return []string{"onConversationRemoved"}
	case conversations.ParticipantAdded:
		return []string{"onParticipantAdded"}
	case conversations.ParticipantUpdated:
		return []string{"onParticipantUpdated"}
	case conversations.ParticipantRemoved:
		return []string{"onParticipantRemoved"}
	case conversations.MessageAdded:
		return []string{"onMessageAdded"}
	case conversations.MessageUpdated:
		if ev.Receipt != nil {
			return nil // a receipt's change is onDeliveryUpdated
		}
		return []string{"onMessageUpdated"}
	case conversations.MessageRemoved:
		return []string{"onMessageRemoved"}
	case conversations.DeliveryUpdated:
		return []string{"onDeliveryUpdated"}
	case conversations.CSATSubmitted:
		return []string{"onCsatSubmitted"}
	}
	return nil
}

func (e *Events) job(ev conversations.Event, name, rawURL, method string) outbox.Job {
	return newJob(rawURL, method, e.Form(ev, name), ev.ConversationSID, ev.Time)
}

// newJob is a webhook as an outbox job, in line with the URL's other
// events about the same thing (a conversation, a workspace).
func newJob(rawURL, method string, form url.Values, about string, at time.Time) outbox.Job {
	payload, _ := json.Marshal(delivery{URL: rawURL, Method: method, Form: form})
	return outbox.Job{SID: sid.New(sid.Delivery), Kind: Kind, Key: rawURL + " " + about, Payload: payload, Created: at}
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Form is the post-event name for ev as Twilio posts it.
func (e *Events) Form(ev conversations.Event, name string) url.Values {
	f := url.Values{}
	set := func(k, v string) {
		if v != "" {
			f.Set(k, v)
		}
	}
	set("AccountSid", e.accountSID)
	set("ChatServiceSid", e.serviceSID)
	set("ConversationSid", ev.ConversationSID)
	set("EventType", name)
	set("Source", ev.Origin.Source)
	set("ClientIdentity", ev.Origin.Identity)
	set("RetryCount", "0")
	if c := ev.Conversation; c != nil {
		set("FriendlyName", c.FriendlyName)
		set("UniqueName", c.UniqueName)
		set("Attributes", c.Attributes)
		set("MessagingServiceSid", c.MessagingServiceSID)
		set("DateCreated", stamp(c.Created))
		set("DateUpdated", stamp(c.Updated))
		set("State", string(c.State))
		if name == "onConversationStateUpdated" {
			set("StateFrom", string(ev.Before))
			set("StateTo", string(c.State))
			reason := "API"
			if ev.Origin.Source != "API" || ev.Origin.Identity != "" {
				reason = ev.Origin.Source
			}
			set("Reason", reason)
		}
		if name == "onCsatSubmitted" {
			if r, ok := conversations.RatingOf(*c); ok && r.Score != 0 {
				set("Score", strconv.Itoa(r.Score))
				set("Comment", r.Comment)
				set("Channel", r.Channel)
				if r.DateRated != nil {
					set("DateRated", stamp(*r.DateRated))
				}
			}
		}
	}
	if p := ev.Participant; p != nil {
		set("ParticipantSid", p.SID)
		set("Identity", p.Identity)
		set("Attributes", p.Attributes)
		set("RoleSid", p.RoleSID)
		set("DateCreated", stamp(p.Created))
		set("DateUpdated", stamp(p.Updated))
		if p.LastReadIndex != nil {
			set("LastReadMessageIndex", strconv.Itoa(*p.LastReadIndex))
		}
		if b := p.Binding; b != nil {
			set("MessagingBinding.Address", b.Address)
			set("MessagingBinding.ProxyAddress", b.ProxyAddress)
			set("MessagingBinding.ProjectedAddress", b.ProjectedAddress)
		}
	}
	if m := ev.Message; m != nil {
		set("MessageSid", m.SID)
		set("Index", strconv.Itoa(m.Index))
		set("Author", m.Author)
		set("Body", m.Body)
		set("ParticipantSid", m.ParticipantSID)
		set("DateCreated", stamp(m.Created))
		if ev.Receipt == nil {
			set("Attributes", m.Attributes)
			set("DateUpdated", stamp(m.Updated))
		}
		if len(m.Media) > 0 {
			media := make([]map[string]any, len(m.Media))
			for i, a := range m.Media {
				media[i] = map[string]any{"Sid": a.SID, "ContentType": a.ContentType, "Filename": a.Filename, "Size": a.Size}
			}
			b, _ := json.Marshal(media)
			set("Media", string(b))
		}
	}
	if r := ev.Receipt; r != nil {
		set("ParticipantSid", r.ParticipantSID)
		set("DeliveryReceiptSid", r.SID)
		set("ChannelMessageSid", r.ChannelMessageSID)
		set("Status", string(r.Status))
		set("ErrorCode", strconv.Itoa(r.ErrorCode))
		set("DateCreated", stamp(r.Created))
		set("DateUpdated", stamp(r.Updated))
	}
	return f
}

// Deliver attempts one webhook job. It is the outbox handler for Kind.
func (e *Events) Deliver(ctx context.Context, j outbox.Job) outbox.Result {
	if j.Kind == PreKind {
		return outbox.Result{Err: errors.New("a pre-event webhook counts only while its change waits: this record of one that failed cannot be sent again"), Final: true}
	}
	var d delivery
	if err := json.Unmarshal(j.Payload, &d); err != nil {
		return outbox.Result{Err: fmt.Errorf("damaged webhook job: %w", err), Final: true}
	}
	if j.Attempts > 0 {
		d.Form.Set("RetryCount", strconv.Itoa(j.Attempts))
	}
	status, _, err := e.client.Send(ctx, d.Method, d.URL, d.Form, j.SID)
	// The policy's refusal stands on retry; the operator, who sees it in
	// the delivery, can retry by hand after changing DNS or the allow list.
	return outbox.Result{Status: status, Err: err, Final: err != nil && (final(status) || outbound.IsRefusal(err))}
}

// Wants says whether a pre-event URL is set and its filters name the
// event, for a change that asked for webhooks. With Ask it implements
// conversations.PreHook.
func (e *Events) Wants(ctx context.Context, name string) bool {
	if conversations.OriginOf(ctx).Quiet {
		return false
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.config.PreURL != "" && slices.Contains(e.config.Filters, name)
}

// Ask asks the pre-event URL about a change before it is made. A non-2xx
// answer (or none within the timeout) refuses the change; a JSON answer
// may amend it.
func (e *Events) Ask(ctx context.Context, a conversations.PreAction) error {
	cfg := e.Config()
	origin := conversations.OriginOf(ctx)
	if cfg.PreURL == "" {
		return nil // unset since Wants
	}
	f := url.Values{}
	set := func(k string, v *string) {
		if v != nil && *v != "" {
			f.Set(k, *v)
		}
	}
	str := func(s string) *string { return &s }
	set("AccountSid", str(e.accountSID))
	set("ChatServiceSid", str(e.serviceSID))
	set("EventType", str(a.Name))
	set("Source", str(origin.Source))
	set("ClientIdentity", str(origin.Identity))
	set("RetryCount", str("0"))
	if c := a.Conversation; c != nil {
		set("ConversationSid", &c.SID)
	}
	set("MessageSid", &a.MessageSID)
	if strings.HasPrefix(a.ParticipantRef, "MB") {
		set("ParticipantSid", &a.ParticipantRef)
	} else {
		set("Identity", &a.ParticipantRef)
	}
	if p := a.NewConversation; p != nil {
		set("FriendlyName", p.FriendlyName)
		set("UniqueName", p.UniqueName)
		set("Attributes", p.Attributes)
	}
	if p := a.NewParticipant; p != nil {
		set("Identity", p.Identity)
		set("MessagingBinding.Address", p.Address)
		set("MessagingBinding.ProxyAddress", p.ProxyAddress)
		set("Attributes", p.Attributes)
	}
	if p := a.NewMessage; p != nil {
		set("Author", p.Author)
		set("Body", p.Body)
		set("Attributes", p.Attributes)
		if len(p.MediaSIDs) > 0 {
			set("MediaSids", str(strings.Join(p.MediaSIDs, ",")))
		}
	}
	status, answer, err := e.client.Send(ctx, cfg.Method, cfg.PreURL, f, "")
	if err != nil {
		e.preFailed(ctx, cfg, a, f, status, err)
		// The caller may be a guest: the refusal names no URL, address or
		// network error, which would map the operator's network for them
		// (which ports are open, what answers where).
		return apperr.New(apperr.Forbidden, apperr.CodeForbidden,
			"The pre-event webhook refused %s or could not be reached, so the change was not made; the operator can see why in /parley/v1/Deliveries", a.Name)
	}
	return amend(a, answer)
}

// PreKind is the outbox kind of the records of failed pre-event webhooks.
const PreKind = "pre-webhook"

// preFailed tells the operator why a pre-event webhook refused a change:
// in the log and, when Record is set, as a failed delivery.
func (e *Events) preFailed(ctx context.Context, cfg Config, a conversations.PreAction, f url.Values, status int, err error) {
	log := e.Log
	if log == nil {
		log = slog.Default()
	}
	log.Warn("a pre-event webhook refused a change", "event", a.Name, "url", cfg.PreURL, "status", status, "err", err)
	if e.Record == nil {
		return
	}
	about := ""
	if a.Conversation != nil {
		about = a.Conversation.SID
	}
	now := e.Now().UTC()
	payload, _ := json.Marshal(delivery{URL: cfg.PreURL, Method: cfg.Method, Form: f})
	j := outbox.Job{SID: sid.New(sid.Delivery), Kind: PreKind, Key: cfg.PreURL + " " + about, Payload: payload,
		Created: now, State: outbox.Failed, Attempts: 1, LastStatus: status, LastError: err.Error(), Finished: now}
	if rerr := e.Record(context.WithoutCancel(ctx), j); rerr != nil {
		log.Error("record a failed pre-event webhook", "url", cfg.PreURL, "err", rerr)
	}
}

// amend applies a pre-event webhook's JSON answer to the change: Twilio lets
// it rewrite a message's body, author and attributes, and a conversation's
// or participant's names and attributes.
func amend(a conversations.PreAction, answer []byte) error {
	var ch map[string]json.RawMessage
	if len(answer) == 0 || json.Unmarshal(answer, &ch) != nil {
		return nil // an empty or non-JSON answer accepts the change as it is
	}
	str := func(keys ...string) *string {
		for _, k := range keys {
			var s string
			if raw, ok := ch[k]; ok && json.Unmarshal(raw, &s) == nil {
				return &s
			}
		}
		return nil
	}
	pick := func(dst **string, keys ...string) {
		if v := str(keys...); v != nil {
			*dst = v
		}
	}
	if p := a.NewMessage; p != nil {
		pick(&p.Body, "body", "Body")
		pick(&p.Author, "author", "Author")
		pick(&p.Attributes, "attributes", "Attributes")
	}
	if p := a.NewConversation; p != nil {
		pick(&p.FriendlyName, "friendly_name", "friendlyName", "FriendlyName")
		pick(&p.UniqueName, "unique_name", "uniqueName", "UniqueName")
		pick(&p.Attributes, "attributes", "Attributes")
	}
	if p := a.NewParticipant; p != nil {
		pick(&p.Attributes, "attributes", "Attributes")
	}
	return nil
}

// final says whether a receiver's answer will not change on retry: a 4xx
// other than a timeout or a rate limit.
func final(status int) bool {
	return status >= 400 && status < 500 && status != 408 && status != 429
}
