package webhooks

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"parley/server/conversations"
	"parley/server/outbox"
	"parley/shared/sid"
)

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

// Events sends conversation events to integrators: post-events through the
// outbox (durable, ordered per conversation and URL, post.go), pre-events at
// once (pre.go). It keeps the service-level configuration (config.go) and
// the conversation-scoped hooks (hooks.go) in memory, written through to
// the Store.
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
	// Changed, when set, hears of each change this node made to the
	// configuration ("") or to a conversation's hooks (its SID), once it
	// is stored: in a cluster it tells the other nodes to Reload. It must
	// be quick.
	Changed func(conversationSID string)

	mu     sync.RWMutex
	config Config
	hooks  map[string][]Hook // by conversation SID
}

// NewEvents loads the configuration and hooks.
func NewEvents(ctx context.Context, store Store, convs Conversations, accountSID, serviceSID string, poster *Poster) (*Events, error) {
	e := &Events{store: store, convs: convs, accountSID: accountSID, serviceSID: serviceSID,
		client: poster, Now: time.Now}
	if err := e.load(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// Reload reads the configuration and every conversation's hooks again and
// posts by them from then on: in a cluster another node changed them. It
// reads under the lock, so a change made here meanwhile is not overwritten
// by an older read.
func (e *Events) Reload(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.load(ctx)
}

// load reads the configuration and hooks into memory; the caller holds
// the lock, or has not shared e yet.
func (e *Events) load(ctx context.Context) error {
	cfg, ok, err := e.store.Config(ctx)
	if err != nil {
		return err
	}
	if !ok {
		cfg = Config{Method: "POST", Target: "webhook", Filters: []string{}}
	}
	all, err := e.store.AllHooks(ctx)
	if err != nil {
		return err
	}
	hooks := map[string][]Hook{}
	for _, h := range all {
		h.AccountSID = e.accountSID
		hooks[h.ConversationSID] = append(hooks[h.ConversationSID], h)
	}
	e.config, e.hooks = cfg, hooks
	return nil
}

// changed tells Changed, if set, of a change the store has.
func (e *Events) changed(conversationSID string) {
	if e.Changed != nil {
		e.Changed(conversationSID)
	}
}

// delivery is a webhook job's payload.
type delivery struct {
	URL    string     `json:"url"`
	Method string     `json:"method"`
	Form   url.Values `json:"form"`
}

// newJob is a webhook as an outbox job, in line with the URL's other
// events about the same thing (a conversation, a workspace).
func newJob(rawURL, method string, form url.Values, about string, at time.Time) outbox.Job {
	payload, _ := json.Marshal(delivery{URL: rawURL, Method: method, Form: form})
	return outbox.Job{SID: sid.New(sid.Delivery), Kind: Kind, Key: rawURL + " " + about, Payload: payload, Created: at}
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// fields is a webhook's form as it is built. set leaves out an empty value,
// as Twilio leaves out a field that has none.
type fields url.Values

func (f fields) set(k, v string) {
	if v != "" {
		url.Values(f).Set(k, v)
	}
}

// setOpt sets a field a change may not carry (nil: left out).
func (f fields) setOpt(k string, v *string) {
	if v != nil {
		f.set(k, *v)
	}
}

// envelope starts the form of a Conversations webhook, post-event or
// pre-event, with the fields every one carries: whose service, which event
// about which conversation, where the change came from (Source,
// ClientIdentity) and RetryCount (0; Deliver counts later attempts). The
// event's own fields are set on it.
func (e *Events) envelope(name, convSID string, origin conversations.Origin) fields {
	f := fields{}
	f.set("AccountSid", e.accountSID)
	f.set("ChatServiceSid", e.serviceSID)
	f.set("ConversationSid", convSID)
	f.set("EventType", name)
	f.set("Source", origin.Source)
	f.set("ClientIdentity", origin.Identity)
	f.set("RetryCount", "0")
	return f
}
