package realtime

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the hub's Prometheus metrics.
type Metrics struct {
	Sessions      prometheus.Gauge
	Published     prometheus.Counter
	FramesSent    prometheus.Counter
	Overflows     prometheus.Counter
	AuthFailures  prometheus.Counter
	RateLimited   prometheus.Counter
	CommandErrors prometheus.Counter
	Capped        prometheus.Counter
	Revoked       prometheus.Counter
}

// NewMetrics makes the hub's metrics and registers them with reg (when not
// nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Sessions:      prometheus.NewGauge(prometheus.GaugeOpts{Name: "parley_realtime_sessions", Help: "Open realtime sessions."}),
		Published:     prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_realtime_published_total", Help: "Frames published to topics or identities."}),
		FramesSent:    prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_realtime_frames_sent_total", Help: "Frames written to sessions."}),
		Overflows:     prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_realtime_overflows_total", Help: "Sessions disconnected because they fell behind."}),
		AuthFailures:  prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_realtime_auth_failures_total", Help: "Sessions refused for their token."}),
		RateLimited:   prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_realtime_rate_limited_total", Help: "Commands refused by rate limits."}),
		CommandErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_realtime_command_errors_total", Help: "Commands answered with an error."}),
		Capped:        prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_realtime_capped_total", Help: "Sessions refused because their identity or address had too many."}),
		Revoked:       prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_realtime_revoked_total", Help: "Sessions closed because their access ended (sign-out, revoked key, ended chat ...)."}),
	}
	if reg != nil {
		reg.MustRegister(m.Sessions, m.Published, m.FramesSent, m.Overflows, m.AuthFailures, m.RateLimited, m.CommandErrors, m.Capped, m.Revoked)
	}
	return m
}
