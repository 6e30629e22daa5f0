package app

import (
	"context"

	"parley/server/auth"
	"parley/server/live"
	"parley/server/realtime"
	"parley/server/render"
)

// sockets are Parley's realtime side: the hub of socket sessions, the
// live fan-out of events to them, and the socket endpoint.
type sockets struct {
	hub    *realtime.Hub
	render *render.Renderer
	live   *live.Live
	queue  *live.QueueWatch
	server *realtime.Server
}

// startLive starts the fan-out of conversation and routing events to the
// sockets entitled to them, and closes sockets whose access ends.
func startLive(cfg Config, creds Credentials, c core, s staff, m *metrics) sockets {
	hub := realtime.NewHub(m.realtime)
	r := render.New(cfg.BaseURL)
	glue := live.New(c.conv, c.auth, hub, r, cfg.Logger)
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
	return sockets{hub: hub, render: r, live: glue, queue: queue, server: server}
}
