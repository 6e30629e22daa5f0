package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"parley/server/cluster"
	"parley/server/live"
	"parley/server/store"
)

// joinCluster links this node to the others when cfg names NATS. A
// cluster's nodes share one PostgreSQL database: SQLite is one machine's.
func joinCluster(cfg Config, db *store.DB) (*cluster.Node, error) {
	if cfg.NATS == "" {
		return nil, nil
	}
	if db.Engine() != "postgres" {
		return nil, errors.New("--nats makes this node one of a cluster, whose nodes share a PostgreSQL database: give --database postgres://... too (SQLite is one machine's)")
	}
	return cluster.Join(cfg.NATS, cfg.Logger)
}

// clusterReady says why this node cannot reach the other nodes, or nil.
func (a *App) clusterReady() error {
	if a.node == nil {
		return nil
	}
	return a.node.Ready()
}

// Node names this node in its cluster, or "" when it runs alone.
func (a *App) Node() string {
	if a.node == nil {
		return ""
	}
	return a.node.ID
}

// registerClusterMetrics exposes how this node keeps up with the others,
// labelled with its ID: its link to NATS, the batches of events it sent
// and heard, the ranges it had to read from the database instead (NATS
// dropped them, was away, or a node died before publishing), and the
// notices it passed on.
func registerClusterMetrics(reg prometheus.Registerer, node *cluster.Node, relay *live.Clustered) {
	labels := prometheus.Labels{"node": node.ID}
	gauge := func(name, help string, v func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels}, v))
	}
	counter := func(name, help string, v *atomic.Int64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return float64(v.Load()) }))
	}
	gauge("parley_cluster_nats_connected", "1 while this node is connected to NATS; 0 while it is not (it serves from the database, and takes no new socket).",
		func() float64 {
			if node.Ready() == nil {
				return 1
			}
			return 0
		})
	gauge("parley_cluster_nats_rtt_seconds", "A round trip to the NATS server, measured as the metrics are read (0 while unreachable).",
		func() float64 {
			rtt, err := node.RTT()
			if err != nil {
				return 0
			}
			return rtt.Seconds()
		})
	gauge("parley_cluster_event_position", "The last event seq this node has handed to its sockets: every event up to it has been.",
		func() float64 { return float64(relay.Stream.Position()) })
	counter("parley_cluster_batches_published_total", "Batches of committed events this node sent to the others.", &relay.Stream.Published)
	counter("parley_cluster_batches_received_total", "Batches of committed events this node heard from the others.", &relay.Stream.Received)
	counter("parley_cluster_ranges_filled_total", "Ranges of events read from the database because they did not come over NATS in time.", &relay.Stream.Filled)
	counter("parley_cluster_notices_sent_total", "Live-only frames (typing, presence, offers) sent to the other nodes.", &relay.Notices.Sent)
	counter("parley_cluster_notices_received_total", "Live-only frames heard from the other nodes for this node's sockets.", &relay.Notices.Received)
}

// What a node Tells the other nodes of a cluster (cluster.Node.Tell), and
// each runs On hearing it.
const (
	// toldAgent: an agent was made, changed, signed out or deleted (its
	// SID); the others reload their agents.
	toldAgent = "agent"
	// toldConfiguration: the Conversations configuration changed.
	toldConfiguration = "configuration"
	// toldWebhooks: the webhook configuration ("") or a conversation's
	// webhooks (its SID) changed.
	toldWebhooks = "webhooks"
	// toldKeyRevoked: an API key was deleted (its SID); the others close
	// their sockets its tokens opened.
	toldKeyRevoked = "key-revoked"
	// toldDeploymentDeleted: a webchat deployment was deleted (its key);
	// the others close their sockets of its visitors.
	toldDeploymentDeleted = "deployment-deleted"
)

// shareChanges keeps what each node of a cluster holds in memory in step
// with the others. Agents, the Conversations configuration and webhook
// settings are loaded at start and served from memory: a change made
// through one node is told to the others, which read it again from the
// database they share. Access ended through one node (an agent's sign-in,
// an API key, a webchat deployment) closes the sockets it opened on every
// node. A node running alone is left exactly as it was.
//
// It runs after startLive, which set what closes this node's sockets: it
// adds the telling to that.
func (a *App) shareChanges(c core, s staff, d delivery) error {
	if a.node == nil {
		return nil
	}
	n, lg := a.node, a.log
	s.agents.Changed = func(agentSID string) { n.Tell(toldAgent, agentSID) }
	c.conv.ConfigurationChanged = func() { n.Tell(toldConfiguration, "") }
	d.events.Changed = func(convSID string) { n.Tell(toldWebhooks, convSID) }
	closeKey, closeDeployment := c.auth.KeyRevoked, c.chat.Deleted
	c.auth.KeyRevoked = func(keySID string) {
		closeKey(keySID)
		n.Tell(toldKeyRevoked, keySID)
	}
	c.chat.Deleted = func(key string) {
		closeDeployment(key)
		n.Tell(toldDeploymentDeleted, key)
	}
	// The reloads read the whole of what they keep (hundreds of agents, a
	// few webhooks), so that whatever a missed notice left behind, the
	// next one mends.
	on := map[string]func(string){
		toldAgent:             reloader(lg, "agents", s.agents.Reload),
		toldConfiguration:     reloader(lg, "the Conversations configuration", c.conv.ReloadConfiguration),
		toldWebhooks:          reloader(lg, "webhook settings", d.events.Reload),
		toldKeyRevoked:        closeKey,
		toldDeploymentDeleted: closeDeployment,
	}
	for name, fn := range on {
		if err := n.On(name, fn); err != nil {
			return fmt.Errorf("cluster: listen for %s: %w", name, err)
		}
	}
	// What was Told while NATS was away may never have come (its node died
	// with it unsent): read it all again, and ask again whether the keys
	// and deployments this node's sockets were opened with still exist.
	n.OnReconnect(func() {
		for _, name := range []string{toldAgent, toldConfiguration, toldWebhooks} {
			on[name]("")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		closed, err := a.live.RecheckAccess(ctx, c.auth.Signs, c.chat.Deployment)
		if err != nil {
			lg.Error("cluster: ask again whether sockets' keys and deployments still exist", "err", err)
		}
		if closed > 0 {
			lg.Info("cluster: closed sockets whose access ended while NATS was away", "sockets", closed)
		}
	})
	return nil
}

// reloader returns what runs reload when another node says something
// changed. NATS's goroutine must not wait on the database, so reload runs
// on a goroutine of its own; notices that come while it runs make one more
// run, not one each: a reload reads everything there is.
func reloader(lg *slog.Logger, what string, reload func(context.Context) error) func(string) {
	var (
		mu               sync.Mutex
		running, pending bool
	)
	return func(string) {
		mu.Lock()
		defer mu.Unlock()
		if running {
			pending = true
			return
		}
		running = true
		go func() {
			for {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				if err := reload(ctx); err != nil {
					lg.Error("cluster: reload what another node changed", "what", what, "err", err)
				}
				cancel()
				mu.Lock()
				if !pending {
					running = false
					mu.Unlock()
					return
				}
				pending = false
				mu.Unlock()
			}
		}()
	}
}
