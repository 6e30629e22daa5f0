package app

import (
	"errors"
	"sync/atomic"

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
