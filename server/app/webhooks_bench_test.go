package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley/server/conversations"
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
			ctx := context.Background()
			if hooked {
				s.webhooks = true
				post, filters := receiver.URL+"/events", []string{"onMessageAdded"}
				if _, err := s.app.Events.UpdateConfig(ctx, webhooks.ConfigParams{PostURL: &post, Filters: filters}); err != nil {
					b.Fatal(err)
				}
			}
			var convs []string
			for range 16 {
				c, err := s.app.Conversations.CreateConversation(ctx, conversations.ConversationParams{})
				if err != nil {
					b.Fatal(err)
				}
				convs = append(convs, c.SID)
			}
			form := url.Values{"Author": {"customer"}, "Body": {"Hello, my order #1234 has not arrived yet."}}
			var mu sync.Mutex
			next := 0
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				mu.Lock()
				conv := convs[next%len(convs)]
				next++
				mu.Unlock()
				path := "/conversations/v1/Conversations/" + conv + "/Messages"
				for pb.Next() {
					s.post(b, path, form, http.StatusCreated)
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
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
