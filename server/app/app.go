// Package app assembles Parley from its parts: the store, the domain
// services and the HTTP API, with the account's credentials.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"time"

	"parley/server/agents"
	"parley/server/auth"
	"parley/server/canned"
	"parley/server/channels"
	"parley/server/cluster"
	"parley/server/conversations"
	"parley/server/frontend"
	"parley/server/httpapi"
	"parley/server/interactions"
	"parley/server/live"
	"parley/server/mail"
	"parley/server/media"
	"parley/server/outbox"
	"parley/server/realtime"
	"parley/server/reports"
	"parley/server/routing"
	"parley/server/store"
	"parley/server/webchat"
	"parley/server/webhooks"
)

// Config is what an App needs to start.
type Config struct {
	// DataDir holds what is local to a node: the SQLite database unless
	// Database names another, generated credentials, uploads.
	DataDir string
	// Database is a postgres:// URL selecting PostgreSQL; empty means
	// SQLite, in DataDir.
	Database string
	// NATS names the NATS servers (nats://host:4222, comma-separated) that
	// link this node to the others of a cluster sharing Database, which
	// must then be PostgreSQL; empty runs the node alone.
	NATS    string
	BaseURL string // public URL, no trailing slash
	// AccountSID and AuthToken are the account's credentials; when both are
	// empty they are read from (or generated into) the data directory.
	AccountSID, AuthToken string
	Logger                *slog.Logger
	// Synchronous is SQLite's synchronous mode; empty means FULL.
	Synchronous string
	// StoreProbeInterval is how often, while the store cannot write (disk
	// full, read-only), a probe write checks whether it can again; zero
	// means store.DefaultProbeInterval.
	StoreProbeInterval time.Duration
	// TimerInterval is how often conversation timers are applied.
	TimerInterval time.Duration
	// HoursInterval is how often chats left outside business hours are
	// checked against their deployment's hours (routed once it opens);
	// zero means DefaultHoursInterval.
	HoursInterval time.Duration
	// AllowedOrigins are the browser origins (host patterns such as
	// "shop.example.com" or "*.example.com") allowed on the realtime socket
	// besides the server's own.
	AllowedOrigins []string
	// MaxSessionsPerIdentity and MaxSessionsPerAddress cap concurrent
	// realtime sessions; zero means realtime's defaults, negative no cap.
	MaxSessionsPerIdentity, MaxSessionsPerAddress int
	// EventRetention is how long the event log keeps events for clients
	// resuming a session; default 24 hours.
	EventRetention time.Duration
	// GuestTokenTTL is how long a webchat visitor's token lives (the widget
	// refreshes it at three quarters of its life); zero means an hour.
	GuestTokenTTL time.Duration
	// GuestLimits rate-limit the public webchat endpoints per client;
	// zero means httpapi.DefaultGuestLimits.
	GuestLimits httpapi.GuestLimits
	// SignInLimits throttle desktop sign-ins; zero fields take
	// httpapi.DefaultSignInLimits'.
	SignInLimits httpapi.SignInLimits
	// MediaMaxBytes is the largest file the account and agents may upload;
	// zero means media.DefaultMaxBytes. Webchat deployments set their own.
	MediaMaxBytes int64
	// Now is the clock tokens and temporary media links expire by; nil
	// means time.Now.
	Now func() time.Time
	// Channels connects SMS and WhatsApp providers.
	Channels ChannelConfig
	// Outbox tunes durable deliveries; zero fields take outbox's defaults.
	Outbox OutboxConfig
	// Demo makes a demo webchat deployment on first start and lets the
	// page at / embed it. Off, / only describes the server: a public page
	// that starts chats is for trying Parley, not for running it.
	Demo bool
	// OutboundAllow are the ranges Parley may call besides the public
	// internet (serve --outbound-allow): webhooks, callbacks and providers
	// on a private network. Empty refuses every special range.
	OutboundAllow []netip.Prefix
	// Mail is the SMTP server Parley emails visitors through (serve's
	// --smtp-url); nil means no email: no unread replies by email and no
	// transcripts.
	Mail *mail.Config
	// MailMinute is how long a minute of a deployment's
	// EmailReplies.UnreadMinutes lasts; zero means a minute (tests
	// shorten it rather than wait).
	MailMinute time.Duration
	// Desk tunes the agent desk (serve's --wait-amber, --wait-red).
	Desk DeskConfig
}

// ChannelConfig connects the messaging adapters. An adapter whose
// credentials are empty is off.
type ChannelConfig struct {
	// Twilio's account credentials: Parley sends through its Messages API
	// and checks its webhooks' signatures with the auth token.
	TwilioAccountSID, TwilioAuthToken string
	// TwilioAPIBase replaces https://api.twilio.com (tests use a fake).
	TwilioAPIBase string
	// GenericSendURL and GenericSecret connect the generic JSON adapter.
	GenericSendURL, GenericSecret string
	// Simulator turns on the phone simulator at /simulator, with a demo
	// number routed to the desk.
	Simulator bool
}

// OutboxConfig tunes retries of webhooks and outgoing messages.
type OutboxConfig struct {
	FirstRetry, MaxRetryWait, GiveUpAfter time.Duration
}

// App is a running Parley.
type App struct {
	Credentials   Credentials
	Conversations *conversations.Service
	Auth          *auth.Service
	Webchat       *webchat.Service
	Media         *media.Service
	Routing       routing.Router
	Interactions  *interactions.Service
	Agents        *agents.Service
	Canned        *canned.Service
	Reports       *reports.Service
	Events        *webhooks.Events
	Messaging     *channels.Messaging
	Outbox        *outbox.Runner
	Hub           *realtime.Hub

	db       *store.DB
	node     *cluster.Node // nil when running alone
	relay    *live.Clustered
	counts   *store.SessionCounts // nil when running alone
	desk     *agents.Provisioner
	facts    *reports.Recorder
	realtime *realtime.Server
	live     *live.Live
	queue    *live.QueueWatch // closed before the store: its rounds read it
	front    *frontend.Server
	api      *httpapi.API // its Routes are checked against docs/openapi.yaml
	demo     bool         // Config.Demo
	handler  http.Handler
	log      *slog.Logger
	stop     context.CancelFunc
	done     chan struct{}
	jobsDone chan struct{} // closed when the outbox runner has stopped and saved its progress

	// closeRouting stops routing: the engine, or in a cluster this node's
	// part (the lease, and the engine while it holds it).
	closeRouting func()
}

// Credentials authenticate API callers as the account.
type Credentials struct {
	AccountSID, AuthToken string
	// Generated is true when they were made on this start.
	Generated bool
}

// Open opens the data directory and starts Parley's background work. Close
// releases it.
//
// It makes Parley concern by concern, each step a function given what it
// needs and returning what it makes: the store, the core services, the
// agents and their desk, the live fan-out, deliveries, messaging
// channels, email, the desk's work, the HTTP surface, then the background
// work. Each step attaches what it makes to what earlier steps made
// (an observer, a subscriber, a callback, an outbox handler), in the order
// those hooks run, and never reaches forward. A step makes what can fail
// before what must be released, and Open keeps each step's parts in the
// App as soon as it has them, so that if a later step fails the one
// cleanup, release, frees exactly what was made.
func Open(cfg Config) (_ *App, err error) {
	cfg = withDefaults(cfg)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	ctx := context.Background()
	db, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{db: db, log: cfg.Logger, demo: cfg.Demo}
	defer func() {
		if err != nil {
			a.release()
		}
	}()
	creds, err := loadCredentials(ctx, cfg, db)
	if err != nil {
		return nil, err
	}
	a.Credentials = creds
	if a.node, err = joinCluster(cfg, db); err != nil {
		return nil, err
	}
	ids, err := loadInstance(ctx, db)
	if err != nil {
		return nil, err
	}
	m := newMetrics(db)
	svc, err := openCore(ctx, cfg, creds, ids, db, a.node, m)
	if err != nil {
		return nil, err
	}
	a.Conversations, a.Auth, a.Webchat, a.Media, a.Routing = svc.conv, svc.auth, svc.chat, svc.files, svc.router
	a.closeRouting = svc.closeRouting
	team, err := openStaff(ctx, db, svc)
	if err != nil {
		return nil, err
	}
	a.Agents, a.desk = team.agents, team.desk
	rt, err := startLive(cfg, creds, db, a.node, svc, team, m)
	if err != nil {
		return nil, err
	}
	a.Hub, a.live, a.queue, a.realtime, a.relay, a.counts = rt.hub, rt.live, rt.queue, rt.server, rt.relay, rt.counts
	if a.relay != nil {
		registerClusterMetrics(m.reg, a.node, a.relay)
	}
	out, err := openDelivery(ctx, cfg, creds, ids, db, svc, m)
	if err != nil {
		return nil, err
	}
	a.Outbox, a.Events = out.jobs, out.events
	if err := a.shareChanges(svc, team, out); err != nil {
		return nil, err
	}
	msg, err := openMessaging(ctx, cfg, db, svc, out)
	if err != nil {
		return nil, err
	}
	a.Messaging = msg.messaging
	follow := newFollowup(cfg, svc.conv, svc.chat, db, out.jobs)
	daily := startWork(cfg, creds, db, svc, team, rt, out, m)
	a.Interactions, a.Canned, a.Reports, a.facts = daily.interactions, daily.canned, daily.reports, daily.facts
	a.Interactions.JoinsElsewhere = a.node != nil
	site, err := newWeb(cfg, creds, svc, team, out, msg, daily, follow, a.DemoDeployment)
	if err != nil {
		return nil, err
	}
	a.api, a.front = site.api, site.front
	a.handler = a.routes(cfg, site, msg.sim != nil, rt.server, m)
	a.routeCustomers(svc.chat, msg.messaging)
	if err := a.startDemos(ctx, cfg.Demo, msg.sim != nil); err != nil {
		return nil, err
	}
	a.startBackground(cfg)
	return a, nil
}

// withDefaults fills in what cfg leaves to Parley.
func withDefaults(cfg Config) Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HoursInterval == 0 {
		cfg.HoursInterval = DefaultHoursInterval
	}
	if cfg.TimerInterval == 0 {
		cfg.TimerInterval = 5 * time.Second
	}
	if cfg.EventRetention == 0 {
		cfg.EventRetention = 24 * time.Hour
	}
	if cfg.GuestLimits == (httpapi.GuestLimits{}) {
		cfg.GuestLimits = httpapi.DefaultGuestLimits
	}
	return cfg
}

// Handler serves every HTTP route of Parley.
func (a *App) Handler() http.Handler { return a.handler }

// Store says which database the app keeps its data in, for logs: the
// engine ("sqlite" or "postgres") and where (a path, or user@host:port/db).
func (a *App) Store() (engine, where string) { return a.db.Engine(), a.db.Where() }

// Close ends realtime sessions (telling clients to reconnect), stops
// background work and closes the database. Call it after the HTTP server
// has finished its in-flight requests. Deliveries in flight finish (each
// within the outbox's attempt timeout) and their progress is saved before
// the database closes: otherwise a restart posts again webhooks their
// receivers already took.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rtErr := a.realtime.Shutdown(ctx)
	a.stop()
	<-a.done
	<-a.jobsDone
	return errors.Join(rtErr, a.release())
}

// release is the one cleanup of what Open made, for Close and for an Open
// that failed part way (when only the parts made so far are set). Its
// order loses nothing: routing's last events reach interactions and the
// report recorder before they stop, what those write reaches the store
// before it closes, and once the store is closed nothing more is
// published, so the live fan-out can stop.
func (a *App) release() error {
	if a.closeRouting != nil {
		a.closeRouting() // its last events out, its timers stopped, before the store goes
	}
	if a.Interactions != nil {
		a.Interactions.Close()
	}
	if a.facts != nil {
		a.facts.Close() // stores the facts of routing's last events
	}
	if a.queue != nil {
		a.queue.Close() // no round after this reads the store
	}
	if a.counts != nil {
		// Its sessions have ended: the others need not wait for its
		// heartbeat to lapse to stop counting them.
		if err := a.counts.Leave(context.Background()); err != nil {
			a.log.Warn("cluster: drop this node's session counts; they lapse in a while", "err", err)
		}
	}
	err := a.db.Close() // after this, nothing more is published here
	if a.relay != nil {
		a.relay.Close() // nor from the other nodes
	}
	if a.live != nil {
		a.live.Close()
	}
	if a.node != nil {
		a.node.Close()
	}
	return err
}
