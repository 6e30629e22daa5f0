package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"parley/server/realtime"
	"parley/server/reports"
	"parley/server/store"
)

// metrics is Parley's Prometheus registry (served at /metrics) and the
// metrics other parts are made with.
type metrics struct {
	reg      *prometheus.Registry
	realtime *realtime.Metrics
	outbox   *outboxMetrics
}

// newMetrics makes the registry with the process's, the store's and the
// outbox's metrics.
func newMetrics(db *store.DB) *metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	m := &metrics{reg: reg, realtime: realtime.NewMetrics(reg), outbox: newOutboxMetrics(reg)}
	registerStoreMetrics(reg, db)
	registerOutboxMetrics(reg, db)
	return m
}

// countClaims exposes how many lines of deliveries this node runs for the
// cluster (outbox claims; PostgreSQL only).
func (m *metrics) countClaims(held func() int64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "parley_outbox_claims_held",
		Help: "Lines of deliveries (one per key, e.g. a conversation's webhooks) this node holds the claim to run; on PostgreSQL, where several nodes may share the outbox."},
		func() float64 { return float64(held()) }))
}

// countLostFacts exposes the report facts the recorder never stored.
func (m *metrics) countLostFacts(facts *reports.Recorder) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "parley_report_facts_lost_total",
		Help: "Report facts never stored (the recorder's buffer stayed full, or a write failed): reports miss those tasks."},
		func() float64 { return float64(facts.Lost()) }))
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

// outboxMetrics counts delivery attempts by kind and outcome.
type outboxMetrics struct {
	attempts *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
}

func newOutboxMetrics(reg prometheus.Registerer) *outboxMetrics {
	m := &outboxMetrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parley_delivery_attempts_total",
			Help: "Attempts to deliver a webhook (kind webhook) or an outgoing message (kind send), by outcome."}, []string{"kind", "outcome"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "parley_delivery_attempt_seconds",
			Help: "How long one delivery attempt took.", Buckets: prometheus.ExponentialBuckets(0.005, 4, 7)}, []string{"kind"}),
	}
	reg.MustRegister(m.attempts, m.seconds)
	return m
}

func (m *outboxMetrics) Attempted(kind string, delivered bool, took time.Duration) {
	outcome := "failed"
	if delivered {
		outcome = "delivered"
	}
	m.attempts.WithLabelValues(kind, outcome).Inc()
	m.seconds.WithLabelValues(kind).Observe(took.Seconds())
}

// registerOutboxMetrics exposes how many deliveries wait.
func registerOutboxMetrics(reg prometheus.Registerer, db *store.DB) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "parley_deliveries_pending",
		Help: "Webhooks and outgoing messages not yet delivered nor given up."}, func() float64 {
		n, _ := store.NewOutbox(db).Pending(context.Background())
		return float64(n)
	}))
}
