// Package app assembles Parley from its parts: the store, the domain
// services and the HTTP API, with the account's credentials.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"parley/server/agents"
	"parley/server/apperr"
	"parley/server/auth"
	"parley/server/canned"
	"parley/server/channels"
	"parley/server/conversations"
	"parley/server/csat"
	"parley/server/frontend"
	"parley/server/httpapi"
	"parley/server/interactions"
	"parley/server/live"
	"parley/server/mail"
	"parley/server/media"
	"parley/server/notes"
	"parley/server/outbound"
	"parley/server/outbox"
	"parley/server/realtime"
	"parley/server/render"
	"parley/server/reports"
	"parley/server/routing"
	"parley/server/store"
	"parley/server/store/postgres"
	"parley/server/webchat"
	"parley/server/webhooks"
	"parley/shared/sid"
)

// Config is what an App needs to start.
type Config struct {
	// DataDir holds what is local to a node: the SQLite database unless
	// Database names another, generated credentials, uploads.
	DataDir string
	// Database is a postgres:// URL selecting PostgreSQL; empty means
	// SQLite, in DataDir.
	Database string
	BaseURL  string // public URL, no trailing slash
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
	Routing       *routing.Service
	Interactions  *interactions.Service
	Agents        *agents.Service
	Canned        *canned.Service
	Reports       *reports.Service
	Events        *webhooks.Events
	Messaging     *channels.Messaging
	Outbox        *outbox.Runner
	Hub           *realtime.Hub

	db       *store.DB
	desk     *desk
	facts    *reports.Recorder
	realtime *realtime.Server
	live     *live.Live
	front    *frontend.Server
	api      *httpapi.API // its Routes are checked against docs/openapi.yaml
	demo     bool         // Config.Demo
	handler  http.Handler
	log      *slog.Logger
	stop     context.CancelFunc
	done     chan struct{}
	jobsDone chan struct{} // closed when the outbox runner has stopped and saved its progress
}

// Credentials authenticate API callers as the account.
type Credentials struct {
	AccountSID, AuthToken string
	// Generated is true when they were made on this start.
	Generated bool
}

// Open opens the data directory and starts Parley's background work. Close
// releases it.
func Open(cfg Config) (*App, error) {
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
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	creds, err := loadCredentials(cfg)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	db, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	serviceSID, err := db.SetSettingIfUnset(ctx, "default_chat_service_sid", sid.New(sid.ChatService))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("create default chat service: %w", err)
	}
	systemKey, err := loadSystemKey(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	conv := conversations.NewService(store.NewConversations(db), creds.AccountSID, serviceSID)
	if err := conv.LoadConfiguration(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	authSvc := auth.NewService(store.NewKeys(db), creds.AccountSID, serviceSID, systemKey)
	chanStore := store.NewChannels(db)
	// Every call Parley makes to a URL it was given goes through calls.
	calls := outbound.NewPolicy(cfg.OutboundAllow)
	addresses := channels.NewService(chanStore, creds.AccountSID)
	addresses.CheckURL = calls.Check
	chat := webchat.NewService(chanStore, addresses, conv, authSvc, originOf(cfg.BaseURL))
	if cfg.GuestTokenTTL > 0 {
		chat.GuestTokenTTL = cfg.GuestTokenTTL
	}
	if cfg.Now != nil {
		authSvc.Now, chat.Now = cfg.Now, cfg.Now
	}
	chat.Held = chanStore // chats left outside business hours
	files, policy, err := openMedia(ctx, cfg, db, creds.AccountSID, serviceSID)
	if err != nil {
		db.Close()
		return nil, err
	}
	router, err := routing.NewService(ctx, store.NewRouting(db), creds.AccountSID)
	if err != nil {
		db.Close()
		return nil, err
	}
	router.CheckURL = calls.Check
	if cfg.GuestLimits == (httpapi.GuestLimits{}) {
		cfg.GuestLimits = httpapi.DefaultGuestLimits
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	metrics := realtime.NewMetrics(reg)
	registerStoreMetrics(reg, db)
	hub := realtime.NewHub(metrics)
	renderer := render.New(cfg.BaseURL)
	glue := live.New(conv, authSvc, hub, renderer, cfg.Logger)
	deskOf := &desk{db: db, router: router}
	team, err := agents.NewService(ctx, store.NewAgents(db), router, authSvc, deskOf.ensure)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("load agents: %w", err)
	}
	authSvc.CheckDesk = team.Check
	authSvc.CheckGuest = chat.CheckGuest
	// Access that ends closes the sockets it opened.
	team.Revoked = func(agentSID string) {
		glue.RevokeDesk(agentSID, func(g auth.DeskGrant) error { return team.Check(ctx, g) })
	}
	authSvc.KeyRevoked = func(keySID string) { glue.RevokeKey(keySID) }
	chat.Deleted = func(key string) { glue.RevokeDeployment(key) }
	router.Subscribe(glue.RoutingListener(creds.AccountSID, team.Watchers))
	// Waiting customers hear where they stand in line.
	router.Subscribe(glue.NewQueueWatch(router, renderer, creds.AccountSID).Listen)
	box := store.NewOutbox(db)
	// On PostgreSQL, other nodes may run the same outbox: claims keep each
	// key's line to one of them at a time.
	jobs := &outbox.Runner{Store: box, Claims: box.Claims(), Log: cfg.Logger, Metrics: newOutboxMetrics(reg),
		FirstRetry: cfg.Outbox.FirstRetry, MaxRetryWait: cfg.Outbox.MaxRetryWait, GiveUpAfter: cfg.Outbox.GiveUpAfter}
	db.OnEnqueue(jobs.Wake)
	registerOutboxMetrics(reg, db)
	router.Subscribe(func(e routing.Event) {
		if e.CallbackURL != "" {
			if err := jobs.Enqueue(context.Background(), webhooks.TaskRouterJob(creds.AccountSID, e)); err != nil {
				cfg.Logger.Error("queue a TaskRouter event callback", "url", e.CallbackURL, "err", err)
			}
		}
	})
	events, err := webhooks.NewEvents(ctx, store.NewWebhooks(db), conv, creds.AccountSID, serviceSID, webhooks.NewPoster(creds.AuthToken, calls))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("load webhook settings: %w", err)
	}
	events.Log, events.Record = cfg.Logger, jobs.Store.Record
	conv.Observe(events)
	conv.SetPreHook(events)
	adapters, twilio, generic, sim := channelAdapters(cfg, calls)
	messaging := &channels.Messaging{Addresses: addresses, Conversations: conv, Adapters: adapters,
		Media: &channelMedia{files: files, policy: policy, baseURL: strings.TrimRight(cfg.BaseURL, "/")},
		Hooks: func(ctx context.Context, convSID string, ac channels.AutoCreation) error {
			url, method := ac.WebhookURL, ac.WebhookMethod
			_, err := events.CreateHook(ctx, convSID, webhooks.HookParams{Target: ptr("webhook"), URL: &url,
				Method: cmpOr(&method, "POST"), Filters: ac.WebhookFilters})
			return err
		},
		Log: cfg.Logger}
	reached, err := store.NewConversations(db).ConversationsWithBindings(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("load messaging conversations: %w", err)
	}
	messaging.Known(reached)
	conv.Observe(messaging)
	jobs.Handlers = map[string]outbox.Handler{webhooks.Kind: events.Deliver, webhooks.PreKind: events.Deliver, channels.SendKind: messaging.Deliver,
		channels.TextKind: messaging.DeliverSurveyText, channels.QueueTextKind: messaging.DeliverQueueText}
	messaging.QueueTexts, messaging.Waiting, messaging.Now = chanStore, waitingOf(router), cfg.Now
	follow := newFollowup(cfg, conv, chat, db, jobs)

	flex := interactions.NewService(store.NewInteractions(db), conv, router, cfg.Logger)
	replies := canned.NewService(store.NewCanned(db))
	reportFacts := store.NewReports(db)
	scorer := &csat.Scorer{Facts: reportFacts, Tasks: router, Log: cfg.Logger}
	conv.Observe(scorer)
	jobs.Handlers[csat.Kind] = scorer.Deliver
	facts := reports.NewRecorder(reportFacts, cfg.Logger)
	router.Subscribe(facts.Record)
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "parley_report_facts_lost_total",
		Help: "Report facts never stored (the recorder's buffer stayed full, or a write failed): reports miss those tasks."},
		func() float64 { return float64(facts.Lost()) }))
	summaries := reports.NewService(reportFacts)
	privateNotes := notes.NewService(store.NewNotes(db))
	privateNotes.Tell = tellNote(creds.AccountSID, conv, team, glue, renderer, func() string {
		k, _, _ := deskOf.find(context.Background())
		return k.WorkspaceSID
	}, cfg.Logger)
	api := httpapi.New(httpapi.Config{
		BaseURL:       cfg.BaseURL,
		AccountSID:    creds.AccountSID,
		AuthToken:     creds.AuthToken,
		Conversations: conv,
		Auth:          authSvc,
		Channels:      addresses,
		Webchat:       chat,
		Media:         files,
		Routing:       router,
		Interactions:  flex,
		Agents:        team,
		Notes:         privateNotes,
		Canned:        replies,
		Reports:       summaries,
		Events:        events,
		Outbox:        jobs,
		Followup:      follow,
		Messaging:     messaging,
		Twilio:        twilio,
		Generic:       generic,
		Simulator:     sim,
		MediaPolicy:   policy,
		Logger:        cfg.Logger,
	})
	rt := &realtime.Server{Hub: hub, Handler: glue, OriginPatterns: cfg.AllowedOrigins,
		AllowOrigin: chat.AnyAllows, MaxPerIdentity: cfg.MaxSessionsPerIdentity, MaxPerAddress: cfg.MaxSessionsPerAddress,
		Log: cfg.Logger, Metrics: metrics}
	a := &App{Credentials: creds, Conversations: conv, Auth: authSvc, Webchat: chat, Media: files, Routing: router, Interactions: flex, Agents: team, Canned: replies, Reports: summaries, Events: events, Messaging: messaging, Outbox: jobs, Hub: hub, db: db, desk: deskOf, facts: facts, realtime: rt, live: glue, log: cfg.Logger, demo: cfg.Demo, done: make(chan struct{})}
	var demoKey func(context.Context) (string, error)
	if cfg.Demo {
		demoKey = a.DemoDeployment
	}
	front, err := frontend.New(chat, demoKey, cfg.Logger)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("load the front-end files: %w", err)
	}
	a.front = front
	front.EmailTranscripts = follow.On()
	front.Now = chat.Now // the widget's page says whether the team is in
	chat.Started = a.routeChat
	chat.Routed = a.routedAlready
	chat.AddressStarted = a.routeWebAddress
	messaging.Route = a.routeMessaging
	if sim != nil {
		if err := a.demoPhone(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("create the simulator's demo number: %w", err)
		}
	}
	if err := a.startDemo(ctx, cfg.Demo); err != nil {
		db.Close()
		return nil, fmt.Errorf("create the demo webchat deployment: %w", err)
	}
	a.api = api
	a.handler = a.routes(api, api.Guest(cfg.GuestLimits), api.Desktop(cfg.SignInLimits), api.Channels(), sim != nil, front, rt, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	bg, stop := context.WithCancel(context.Background())
	a.stop = stop
	go func() {
		defer close(a.done)
		a.background(bg, cfg)
	}()
	go files.Run(bg)
	a.jobsDone = make(chan struct{})
	go func() {
		defer close(a.jobsDone)
		jobs.Run(bg)
	}()
	return a, nil
}

// Handler serves every HTTP route of Parley.
func (a *App) Handler() http.Handler { return a.handler }

// Store says which database the app keeps its data in, for logs: the
// engine ("sqlite" or "postgres") and where (a path, or user@host:port/db).
func (a *App) Store() (engine, where string) { return a.db.Engine(), a.db.Where() }

func (a *App) routes(api *httpapi.API, guest, desktop, providers http.Handler, simulator bool, front *frontend.Server, rt, metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		// Not ready while writes fail: a balancer should send traffic
		// elsewhere, and an operator see why, until there is room again.
		if trouble := a.db.WriteTrouble(); trouble != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]string{"status": "unavailable",
				"reason": "Parley cannot write to its database (" + trouble + ")"})
			return
		}
		if _, err := a.db.Setting(r.Context(), "default_chat_service_sid"); err != nil {
			a.log.Error("health check", "err", err)
			http.Error(w, `{"status":"unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})
	mux.Handle("GET /realtime", rt)
	mux.Handle("GET /metrics", api.AccountOnly(metrics))
	// Profiles for the operator, behind the account's credentials.
	mux.Handle("GET /debug/pprof/", api.AccountOnly(frontend.Page(http.HandlerFunc(pprof.Index))))
	mux.Handle("GET /debug/pprof/profile", api.AccountOnly(http.HandlerFunc(pprof.Profile)))
	mux.Handle("GET /debug/pprof/trace", api.AccountOnly(http.HandlerFunc(pprof.Trace)))
	for _, prefix := range httpapi.Prefixes {
		mux.Handle(prefix, api)
	}
	mux.Handle("/flex/v2/Webchat/", guest)
	mux.Handle("/parley/v1/Desktop/", desktop)
	mux.Handle("/mcs/", api.Media())
	mux.Handle("/channels/", providers)
	if simulator {
		mux.Handle("/simulator/api/", providers)
		mux.Handle("GET /simulator", front.Simulator(DemoPhoneNumber))
	}
	front.Register(mux)
	// A path outside every API is no API resource: a plain 404 (in the
	// API's error shape), not a password prompt to whoever asks.
	mux.Handle("/", api.NotFound())
	return mux
}

// demoDeploymentSetting names the demo deployment's key. It outlives the
// deployment: once set, the demo is never made again, so a demo deployment
// the operator deleted stays deleted.
const demoDeploymentSetting = "demo_deployment_key"

// startDemo makes the demo webchat deployment when the server runs a demo
// and never made one. Without a demo, it warns of one an earlier start
// made that still takes chats: its key was public on /.
func (a *App) startDemo(ctx context.Context, demo bool) error {
	key, err := a.db.Setting(ctx, demoDeploymentSetting)
	if err != nil {
		return err
	}
	if !demo {
		if key != "" {
			if _, err := a.Webchat.Deployment(ctx, key); err == nil {
				a.log.Warn("the demo webchat deployment an earlier start made still takes chats; delete it unless a site uses it",
					"key", key, "delete", "bin/parley deployments delete "+key)
			}
		}
		return nil
	}
	if key != "" {
		return nil
	}
	name := "Demo"
	d, err := a.Webchat.CreateDeployment(ctx, webchat.DeploymentParams{FriendlyName: &name})
	if err != nil {
		return err
	}
	return a.db.SetSetting(ctx, demoDeploymentSetting, d.Key)
}

// DemoDeployment returns the key of the webchat deployment the demo page
// at / embeds: "" when there is none, because the server runs without a
// demo or the operator deleted it (it is not made again).
func (a *App) DemoDeployment(ctx context.Context) (string, error) {
	if !a.demo {
		return "", nil
	}
	key, err := a.db.Setting(ctx, demoDeploymentSetting)
	if err != nil || key == "" {
		return "", err
	}
	if _, err := a.Webchat.Deployment(ctx, key); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return "", nil
		}
		return "", err
	}
	return key, nil
}

// originOf is the scheme://host[:port] of a URL.
func originOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// background runs Parley's periodic upkeep until ctx ends.
func (a *App) background(ctx context.Context, cfg Config) {
	timers := time.NewTicker(cfg.TimerInterval)
	defer timers.Stop()
	prune := time.NewTicker(time.Minute)
	defer prune.Stop()
	held := time.NewTicker(cfg.HoursInterval)
	defer held.Stop()
	a.routeHeld(ctx) // what was left while Parley was down, if its team is in
	for {
		select {
		case <-ctx.Done():
			return
		case <-held.C:
			a.routeHeld(ctx)
		case <-timers.C:
			if _, err := a.Conversations.ApplyTimers(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("apply conversation timers", "err", err)
			}
		case <-prune.C:
			if _, err := a.Conversations.PruneEvents(ctx, cfg.EventRetention); err != nil && ctx.Err() == nil {
				a.log.Error("prune the event log", "err", err)
			}
			if _, err := a.Outbox.Store.Prune(ctx, time.Now().Add(-DeliveryRetention)); err != nil && ctx.Err() == nil {
				a.log.Error("prune finished deliveries", "err", err)
			}
		}
	}
}

// registerStoreMetrics exposes the store writer's totals, with which an
// operator can tell a saturated writer (busy near 1 s per second) from slow
// disks (commit time near busy time), and how long writes take.
func registerStoreMetrics(reg prometheus.Registerer, db *store.DB) {
	counter := func(name, help string, v func(store.WriterStats) float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return v(db.Stats()) }))
	}
	counter("parley_store_write_batches_total", "Write transactions committed.", func(s store.WriterStats) float64 { return float64(s.Batches) })
	counter("parley_store_writes_total", "Writes committed, in any batch.", func(s store.WriterStats) float64 { return float64(s.Ops) })
	counter("parley_store_writer_busy_seconds_total", "Time the writer spent running batches.", func(s store.WriterStats) float64 { return s.Busy.Seconds() })
	counter("parley_store_commit_seconds_total", "Time the writer spent committing.", func(s store.WriterStats) float64 { return s.Commit.Seconds() })
	// The totals give averages; a stall (a checkpoint on a slow disk, a
	// writer waiting for a core) shows only in the distribution.
	written := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "parley_store_write_seconds",
		Help:    "Time from a write being queued to its commit: the store's part of a request's latency.",
		Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5},
	})
	reg.MustRegister(written)
	db.OnWritten(func(d time.Duration) { written.Observe(d.Seconds()) })
	for _, reason := range store.TroubleReasons {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "parley_store_write_failures_total",
			Help:        "Writes that failed because the database could not be written (full, readonly, io, cantopen); /healthz is 503 meanwhile.",
			ConstLabels: prometheus.Labels{"reason": reason}},
			func() float64 { return float64(db.WriteFailures()[reason]) }))
	}
}

// openStore opens PostgreSQL if cfg names it, else SQLite in the data
// directory.
func openStore(ctx context.Context, cfg Config) (*store.DB, error) {
	opts := store.Options{Synchronous: cfg.Synchronous, ProbeInterval: cfg.StoreProbeInterval}
	if cfg.Database != "" {
		if !postgres.IsURL(cfg.Database) {
			return nil, fmt.Errorf("the database setting %q is not a postgres:// URL; leave it empty to keep SQLite in the data directory", cfg.Database)
		}
		return store.OpenPostgres(ctx, cfg.Database, opts)
	}
	return store.Open(filepath.Join(cfg.DataDir, "parley.db"), opts)
}

// loadSystemKey returns Parley's own token-signing key, made on first start.
func loadSystemKey(ctx context.Context, db *store.DB) (auth.Key, error) {
	keySID, err := db.SetSettingIfUnset(ctx, "system_key_sid", sid.New(sid.APIKey))
	if err != nil {
		return auth.Key{}, fmt.Errorf("create the token signing key: %w", err)
	}
	secret, err := db.SetSettingIfUnset(ctx, "system_key_secret", auth.NewSecret())
	if err != nil {
		return auth.Key{}, fmt.Errorf("create the token signing key: %w", err)
	}
	return auth.Key{SID: keySID, FriendlyName: "Parley", Secret: secret}, nil
}

// openMedia starts the media service, with blobs under the data directory,
// and returns it with the upload policy for the account and agents.
func openMedia(ctx context.Context, cfg Config, db *store.DB, accountSID, serviceSID string) (*media.Service, media.Policy, error) {
	policy := media.DefaultPolicy()
	if cfg.MediaMaxBytes != 0 {
		policy.MaxBytes = cfg.MediaMaxBytes
	}
	if err := policy.Check(); err != nil {
		return nil, policy, fmt.Errorf("media size limit: %w", err)
	}
	key, err := db.SetSettingIfUnset(ctx, "media_signing_key", auth.NewSecret())
	if err != nil {
		return nil, policy, fmt.Errorf("create the media link signing key: %w", err)
	}
	files, err := media.New(ctx, media.Config{Store: store.NewMedia(db), Dir: filepath.Join(cfg.DataDir, "media"),
		AccountSID: accountSID, ServiceSID: serviceSID, SigningKey: []byte(key), Now: cfg.Now})
	if err != nil {
		return nil, policy, fmt.Errorf("open the media store: %w", err)
	}
	db.OnMediaGone(files.Gone)
	return files, policy, nil
}

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
	a.Routing.Close() // its last events out, its timers stopped, before the store goes
	a.Interactions.Close()
	a.facts.Close()       // stores the facts of routing's last events
	dbErr := a.db.Close() // after this, nothing more is published
	a.live.Close()
	return errors.Join(rtErr, dbErr)
}

// ReadCredentials reads the account credentials a server generated into
// its data directory (DIR/credentials.env). An error wrapping
// os.ErrNotExist means there are none yet.
func ReadCredentials(dataDir string) (Credentials, error) {
	path := filepath.Join(dataDir, "credentials.env")
	b, err := os.ReadFile(path)
	if err != nil {
		return Credentials{}, err
	}
	var c Credentials
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		switch k {
		case "PARLEY_ACCOUNT_SID":
			c.AccountSID = v
		case "PARLEY_AUTH_TOKEN":
			c.AuthToken = v
		}
	}
	if !sid.Is(sid.Account, c.AccountSID) || c.AuthToken == "" {
		return Credentials{}, fmt.Errorf("%s is damaged: it needs PARLEY_ACCOUNT_SID and PARLEY_AUTH_TOKEN lines; fix or delete it", path)
	}
	return c, nil
}

// loadCredentials takes the account credentials from the config, or from
// the data directory, or makes new ones and keeps them there.
func loadCredentials(cfg Config) (Credentials, error) {
	if cfg.AccountSID != "" || cfg.AuthToken != "" {
		if !sid.Is(sid.Account, cfg.AccountSID) {
			return Credentials{}, fmt.Errorf("PARLEY_ACCOUNT_SID %q is not an account SID (AC followed by 32 lowercase hex digits)", cfg.AccountSID)
		}
		if len(cfg.AuthToken) < 16 || strings.Trim(cfg.AuthToken, "0123456789abcdefABCDEFghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ") != "" {
			return Credentials{}, errors.New("PARLEY_AUTH_TOKEN must be at least 16 letters and digits (Twilio's clients refuse other characters)")
		}
		return Credentials{AccountSID: cfg.AccountSID, AuthToken: cfg.AuthToken}, nil
	}
	path := filepath.Join(cfg.DataDir, "credentials.env")
	if c, err := ReadCredentials(cfg.DataDir); !errors.Is(err, os.ErrNotExist) {
		return c, err
	}
	var tok [16]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return Credentials{}, err
	}
	c := Credentials{AccountSID: sid.New(sid.Account), AuthToken: hex.EncodeToString(tok[:]), Generated: true}
	body := fmt.Sprintf("# Parley account credentials, generated on first start.\nPARLEY_ACCOUNT_SID=%s\nPARLEY_AUTH_TOKEN=%s\n", c.AccountSID, c.AuthToken)
	if err := writeFileAtomic(path, []byte(body)); err != nil {
		return Credentials{}, err
	}
	return c, nil
}

// writeFileAtomic writes a private file through a temporary file and a
// rename, so a crash never leaves half a file.
func writeFileAtomic(path string, body []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, body, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
