package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"parley/server/webhooks"
)

// BenchmarkMessageCreateWithWebhook is BenchmarkMessageCreateHTTP with a
// post-event webhook on every message: each create also writes an outbox
// row in its transaction, and the runner posts it, signed, to a local
// receiver. It reports the creates per second and, after the last create,
// how long the outbox took to deliver what was still queued. The baseline,
// in the same run, is the same creates with no webhook configured.
func BenchmarkMessageCreateWithWebhook(b *testing.B) {
	for _, hooked := range []bool{false, true} {
		name := "no webhook (baseline)"
		if hooked {
			name = "post-event webhook"
		}
		b.Run(name, func(b *testing.B) {
			var delivered atomic.Int64
			receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.ParseForm()
				delivered.Add(1)
			}))
			defer receiver.Close()
			s := startBenchServer(b, "FULL")
			if hooked {
				s.webhooks = true
				post, filters := receiver.URL+"/events", []string{"onMessageAdded"}
				if _, err := s.app.Events.UpdateConfig(context.Background(), webhooks.ConfigParams{PostURL: &post, Filters: filters}); err != nil {
					b.Fatal(err)
				}
			}
			createMessages(b, s, 16)
			if !hooked {
				return
			}
			drainStart := time.Now()
			for delivered.Load() < int64(b.N) {
				if time.Since(drainStart) > time.Minute {
					b.Fatalf("%d of %d webhooks delivered after a minute", delivered.Load(), b.N)
				}
				time.Sleep(time.Millisecond)
			}
			drain := time.Since(drainStart)
			b.ReportMetric(drain.Seconds()*1000, "drain-ms")
			b.ReportMetric(float64(b.N)/(b.Elapsed().Seconds()+drain.Seconds()), "hooks/s")
		})
	}
}
