package app

import (
	"errors"

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
