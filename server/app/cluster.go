package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"parley/server/cluster"
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
