package app

import (
	"context"
	"fmt"
	"path/filepath"

	"parley/server/agents"
	"parley/server/auth"
	"parley/server/canned"
	"parley/server/channels"
	"parley/server/cluster"
	"parley/server/conversations"
	"parley/server/csat"
	"parley/server/interactions"
	"parley/server/media"
	"parley/server/notes"
	"parley/server/outbound"
	"parley/server/outbox"
	"parley/server/ratelimit"
	"parley/server/reports"
	"parley/server/routing"
	"parley/server/store"
	"parley/server/webchat"
	"parley/server/webhooks"
)

// core are the domain services the other parts are made over:
// conversations, tokens, addresses and webchat, media and routing.
type core struct {
	// calls is the policy every call Parley makes to a URL it was given
	// goes through.
	calls     *outbound.Policy
	conv      *conversations.Service
	auth      *auth.Service
	channels  *store.Channels
	addresses *channels.Service
	chat      *webchat.Service
	files     *media.Service
	policy    media.Policy // uploads by the account and agents
	router    routing.Router
	// closeRouting stops the engine, or this node's part in the cluster's.
	closeRouting func()
	// shared are the rate limits and sign-in throttles a cluster's nodes
	// count together, in the database; nil for a node alone, which counts
	// in memory.
	shared ratelimit.Shared
}

// openCore loads the core services. Routing is made last: it starts
// dispatching its events, so it must be released if anything after it
// fails.
func openCore(ctx context.Context, cfg Config, creds Credentials, ids instance, db *store.DB, node *cluster.Node, m *metrics) (core, error) {
	c := core{calls: outbound.NewPolicy(cfg.OutboundAllow), channels: store.NewChannels(db)}
	c.conv = conversations.NewService(store.NewConversations(db), creds.AccountSID, ids.serviceSID)
	if err := c.conv.LoadConfiguration(ctx, db); err != nil {
		return core{}, err
	}
	c.auth = auth.NewService(store.NewKeys(db), creds.AccountSID, ids.serviceSID, ids.systemKey)
	c.addresses = channels.NewService(c.channels, creds.AccountSID)
	c.addresses.CheckURL = c.calls.Check
	c.chat = webchat.NewService(c.channels, c.addresses, c.conv, c.auth, originOf(cfg.BaseURL))
	if cfg.GuestTokenTTL > 0 {
		c.chat.GuestTokenTTL = cfg.GuestTokenTTL
	}
	if cfg.Now != nil {
		c.auth.Now, c.chat.Now = cfg.Now, cfg.Now
	}
	c.chat.Held = c.channels // chats left outside business hours
	c.auth.CheckGuest = c.chat.CheckGuest
	var err error
	if c.files, c.policy, err = openMedia(ctx, cfg, db, node, creds.AccountSID, ids.serviceSID); err != nil {
		return core{}, err
	}
	if node != nil {
		if c.shared, err = store.NewLimits(db); err != nil {
			return core{}, err
		}
	}
	if c.router, c.closeRouting, err = openRouting(ctx, cfg, db, node, creds.AccountSID, c.calls.Check, m); err != nil {
		return core{}, err
	}
	return c, nil
}

// openMedia starts the media service, with blobs under the data directory
// or, for a cluster's node, in the database every node reads, and returns
// it with the upload policy for the account and agents.
func openMedia(ctx context.Context, cfg Config, db *store.DB, node *cluster.Node, accountSID, serviceSID string) (*media.Service, media.Policy, error) {
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
	var blobs media.BlobStore // files in the data directory
	if node != nil {
		if blobs, err = store.NewBlobs(db); err != nil {
			return nil, policy, err
		}
	}
	files, err := media.New(ctx, media.Config{Store: store.NewMedia(db), Blobs: blobs, Dir: filepath.Join(cfg.DataDir, "media"),
		AccountSID: accountSID, ServiceSID: serviceSID, SigningKey: []byte(key), Now: cfg.Now})
	if err != nil {
		return nil, policy, fmt.Errorf("open the media store: %w", err)
	}
	db.OnMediaGone(files.Gone)
	return files, policy, nil
}

// staff are the agents and the desk they work in.
type staff struct {
	desk   *agents.Provisioner
	agents *agents.Service
}

// openStaff loads the agents; their desk is made with the first of them.
func openStaff(ctx context.Context, db *store.DB, c core) (staff, error) {
	desk := agents.NewProvisioner(db, c.router)
	team, err := agents.NewService(ctx, store.NewAgents(db), c.router, c.auth, desk.Ensure)
	if err != nil {
		return staff{}, fmt.Errorf("load agents: %w", err)
	}
	c.auth.CheckDesk = team.Check
	return staff{desk: desk, agents: team}, nil
}

// delivery is the outbox, which delivers webhooks and outgoing messages
// durably, and the webhook events it delivers.
type delivery struct {
	jobs   *outbox.Runner
	events *webhooks.Events
}

// openDelivery makes the outbox (each part that queues jobs adds its
// handlers) and loads the webhook settings.
func openDelivery(ctx context.Context, cfg Config, creds Credentials, ids instance, db *store.DB, c core, m *metrics) (delivery, error) {
	box := store.NewOutbox(db)
	// On PostgreSQL, other nodes may run the same outbox: claims keep each
	// key's line to one of them at a time.
	claims := box.Claims()
	if held, ok := claims.(interface{ Held() int64 }); ok {
		m.countClaims(held.Held)
	}
	jobs := &outbox.Runner{Store: box, Claims: claims, Log: cfg.Logger, Metrics: m.outbox,
		FirstRetry: cfg.Outbox.FirstRetry, MaxRetryWait: cfg.Outbox.MaxRetryWait, GiveUpAfter: cfg.Outbox.GiveUpAfter,
		Handlers: map[string]outbox.Handler{}}
	db.OnEnqueue(jobs.Wake)
	c.router.Subscribe(func(e routing.Event) {
		if e.CallbackURL != "" {
			if err := jobs.Enqueue(context.Background(), webhooks.TaskRouterJob(creds.AccountSID, e)); err != nil {
				cfg.Logger.Error("queue a TaskRouter event callback", "url", e.CallbackURL, "err", err)
			}
		}
	})
	events, err := webhooks.NewEvents(ctx, store.NewWebhooks(db), c.conv, creds.AccountSID, ids.serviceSID, webhooks.NewPoster(creds.AuthToken, c.calls))
	if err != nil {
		return delivery{}, fmt.Errorf("load webhook settings: %w", err)
	}
	events.Log, events.Record = cfg.Logger, box.Record
	c.conv.Observe(events)
	c.conv.SetPreHook(events)
	jobs.Handlers[webhooks.Kind] = events.Deliver
	jobs.Handlers[webhooks.PreKind] = events.Deliver
	return delivery{jobs: jobs, events: events}, nil
}

// work are the services of the desk's daily work: Flex's Interactions,
// canned responses, reports (with CSAT scores) and private notes.
type work struct {
	interactions *interactions.Service
	canned       *canned.Service
	facts        *reports.Recorder
	reports      *reports.Service
	notes        *notes.Service
}

// startWork starts the desk's work services; none of them can fail.
func startWork(cfg Config, creds Credentials, db *store.DB, c core, s staff, l sockets, d delivery, m *metrics) work {
	w := work{interactions: interactions.NewService(store.NewInteractions(db), c.conv, c.router, cfg.Logger),
		canned: canned.NewService(store.NewCanned(db))}
	reportFacts := store.NewReports(db)
	scorer := &csat.Scorer{Facts: reportFacts, Tasks: c.router, Log: cfg.Logger}
	c.conv.Observe(scorer)
	d.jobs.Handlers[csat.Kind] = scorer.Deliver
	w.facts = reports.NewRecorder(reportFacts, cfg.Logger)
	c.router.Subscribe(w.facts.Record)
	m.countLostFacts(w.facts)
	w.reports = reports.NewService(reportFacts)
	w.notes = notes.NewService(store.NewNotes(db))
	w.notes.Tell = tellNote(creds.AccountSID, c.conv, s.agents, l.live, l.render, func() string {
		k, _, _ := s.desk.Find(context.Background())
		return k.WorkspaceSID
	}, cfg.Logger)
	return w
}
