package app

import (
	"context"
	"fmt"

	"parley/server/auth"
	"parley/server/cluster"
	"parley/server/conversations"
	"parley/server/live"
	"parley/server/realtime"
	"parley/server/render"
	"parley/server/store"
)

// sockets are Parley's realtime side: the hub of socket sessions, the
// live fan-out of events to them, and the socket endpoint.
type sockets struct {
	hub    *realtime.Hub
	render *render.Renderer
	live   *live.Live
	queue  *live.QueueWatch
	server *realtime.Server
	// relay links this node's sockets to the other nodes'; nil alone.
	relay *live.Clustered
	// counts count sessions against the caps across the cluster; nil alone.
	counts *store.SessionCounts
}

// startLive starts the fan-out of conversation and routing events to the
// sockets entitled to them, and closes sockets whose access ends.
func startLive(cfg Config, creds Credentials, db *store.DB, node *cluster.Node, c core, s staff, m *metrics) (sockets, error) {
	hub := realtime.NewHub(m.realtime)
	r := render.New(cfg.BaseURL)
	glue := live.New(c.conv, c.auth, hub, r, cfg.Logger)
	hub.OnPresence = glue.Presence
	var relay *live.Clustered
	if node != nil {
		// Every node's events reach this node's sockets, in order.
		log := store.NewEventLog(db)
		var err error
		if relay, err = glue.JoinCluster(node, cluster.Source[conversations.Event]{Head: log.Head, Between: log.Between}); err != nil {
			glue.Close()
			return sockets{}, fmt.Errorf("cluster: follow the other nodes' events: %w", err)
		}
		hub.OnInterest = relay.Notices.Want // the other nodes send here what this hub wants
		db.OnBatch(relay.Committed)
	}
	// Access that ends closes the sockets it opened.
	s.agents.Revoked = func(agentSID string) {
		glue.RevokeDesk(agentSID, func(g auth.DeskGrant) error { return s.agents.Check(context.Background(), g) })
	}
	c.auth.KeyRevoked = func(keySID string) { glue.RevokeKey(keySID) }
	c.chat.Deleted = func(key string) { glue.RevokeDeployment(key) }
	c.router.Subscribe(glue.RoutingListener(creds.AccountSID, s.agents.Watchers))
	// Waiting customers hear where they stand in line.
	queue := glue.NewQueueWatch(c.router, r, creds.AccountSID)
	c.router.Subscribe(queue.Listen)
	server := &realtime.Server{Hub: hub, Handler: glue, OriginPatterns: cfg.AllowedOrigins,
		AllowOrigin: c.chat.AnyAllows, MaxPerIdentity: cfg.MaxSessionsPerIdentity, MaxPerAddress: cfg.MaxSessionsPerAddress,
		Log: cfg.Logger, Metrics: m.realtime}
	var counts *store.SessionCounts
	if node != nil {
		server.Ready = node.Ready
		// The caps hold for the cluster, not per node.
		counts = store.NewSessionCounts(db, node.ID)
		if err := counts.Heartbeat(context.Background()); err != nil {
			relay.Close()
			glue.Close()
			return sockets{}, fmt.Errorf("cluster: count this node's sessions: %w", err)
		}
		server.Shared = counts
	}
	return sockets{hub: hub, render: r, live: glue, queue: queue, server: server, relay: relay, counts: counts}, nil
}
