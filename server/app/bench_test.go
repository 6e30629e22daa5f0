package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"

	"parley/server/app"
	"parley/server/conversations"
	"parley/server/store/pgtest"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// benchServer is a Parley on a loopback port with a real SQLite file.
type benchServer struct {
	app     *app.App
	baseURL string
	client  *http.Client
	// webhooks asks REST calls to fire webhooks (X-Twilio-Webhook-Enabled).
	webhooks bool
}

func startBenchServer(b *testing.B, synchronous string) *benchServer {
	return startBenchServerOn(b, synchronous, "")
}

// startBenchServerOn is startBenchServer on the PostgreSQL database at
// database, or SQLite when it is "".
func startBenchServerOn(b *testing.B, synchronous, database string) *benchServer {
	b.Helper()
	return startBenchWith(b, func(c *app.Config) { c.Synchronous, c.Database = synchronous, database })
}

// startBenchWith starts a bench server whose configuration tweak changes.
func startBenchWith(b *testing.B, tweak func(*app.Config)) *benchServer {
	b.Helper()
	cfg := app.Config{
		DataDir:    b.TempDir(),
		AccountSID: "AC00000000000000000000000000000001",
		AuthToken:  "00000000000000000000000000000001",
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		BaseURL:    "http://bench",
		// The webhook benchmark's receiver listens on 127.0.0.1.
		OutboundAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	}
	tweak(&cfg)
	a, err := app.Open(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return serve(b, a.Handler(), a)
}

func serve(b *testing.B, h http.Handler, a *app.App) *benchServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	tr := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}
	b.Cleanup(func() {
		srv.Close()
		tr.CloseIdleConnections()
		if a != nil {
			a.Close()
		}
	})
	return &benchServer{app: a, baseURL: "http://" + ln.Addr().String(), client: &http.Client{Transport: tr}}
}

func (s *benchServer) post(b *testing.B, path string, form url.Values, want int) {
	req, _ := http.NewRequest("POST", s.baseURL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if s.webhooks {
		req.Header.Set("X-Twilio-Webhook-Enabled", "true")
	}
	req.SetBasicAuth("AC00000000000000000000000000000001", "00000000000000000000000000000001")
	s.do(b, req, want)
}

func (s *benchServer) get(b *testing.B, path string, want int) {
	req, _ := http.NewRequest("GET", s.baseURL+path, nil)
	req.SetBasicAuth("AC00000000000000000000000000000001", "00000000000000000000000000000001")
	s.do(b, req, want)
}

func (s *benchServer) do(b *testing.B, req *http.Request, want int) {
	resp, err := s.client.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Errorf("%s %s: status %d, want %d", req.Method, req.URL.Path, resp.StatusCode, want)
	}
}

// BenchmarkMessageCreateHTTP measures POST .../Messages end to end: HTTP,
// basic auth, form parsing, validation, a durable commit and the JSON
// response. Requests come from 64 concurrent keep-alive clients in the same
// process (they share the machine's two cores with the server). Messages are
// spread over 16 conversations, like many customers chatting at once. On
// SQLite in both durability modes, and on PostgreSQL (the server
// PARLEY_TEST_DATABASE names, beside Parley; its synchronous_commit as the
// server has it, on by default). On PostgreSQL also over 1,024
// conversations, each client's messages going round 16 of them, so that a
// batch's messages mostly go to conversations of their own: the writer reads
// a batch's conversations ahead, and that must not depend on their sharing
// a few.
func BenchmarkMessageCreateHTTP(b *testing.B) {
	for _, mode := range []string{"FULL", "NORMAL"} {
		b.Run("sqlite/synchronous="+mode, func(b *testing.B) {
			createMessages(b, startBenchServer(b, mode), 16)
		})
	}
	b.Run("postgres", func(b *testing.B) {
		createMessages(b, startBenchServerOn(b, "", pgtest.Database(b)), 16)
	})
	b.Run("postgres-conversations=1024", func(b *testing.B) {
		createMessages(b, startBenchServerOn(b, "", pgtest.Database(b)), 1024)
	})
}

// createMessages runs the message-create load: b.N POSTs from 64 clients
// over n conversations, client k's j-th going to conversation (k+64j) mod n
// (with 16, each client keeps to one); it reports msgs/s.
func createMessages(b *testing.B, s *benchServer, n int) {
	ctx := context.Background()
	var paths []string
	for range n {
		c, err := s.app.Conversations.CreateConversation(ctx, conversations.ConversationParams{})
		if err != nil {
			b.Fatal(err)
		}
		paths = append(paths, "/conversations/v1/Conversations/"+c.SID+"/Messages")
	}
	form := url.Values{"Author": {"customer"}, "Body": {"Hello, my order #1234 has not arrived yet."}}
	const clients = 64
	var mu sync.Mutex
	next := 0
	b.SetParallelism(clients / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		k := next
		next++
		mu.Unlock()
		for j := 0; pb.Next(); j++ {
			s.post(b, paths[(k+clients*j)%n], form, http.StatusCreated)
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkBaselineHTTP is the ceiling for BenchmarkMessageCreateHTTP on the
// same machine and client: a handler that reads the form and answers 201 with
// a small JSON body, with no auth, no validation and no database.
func BenchmarkBaselineHTTP(b *testing.B) {
	s := serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"body":%q}`, r.Form.Get("Body"))
	}), nil)
	form := url.Values{"Author": {"customer"}, "Body": {"Hello, my order #1234 has not arrived yet."}}
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.post(b, "/conversations/v1/Conversations/CH/Messages", form, http.StatusCreated)
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkMessageListHTTP lists one page of 50 messages at the start and
// deep inside a conversation of 100,000 messages. Keyset paging makes both
// cost the same; OFFSET paging would make the deep page scan 90,000 rows.
func BenchmarkMessageListHTTP(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { listMessages(b, startBenchServer(b, "NORMAL")) })
	b.Run("postgres", func(b *testing.B) { listMessages(b, startBenchServerOn(b, "", pgtest.Database(b))) })
}

func listMessages(b *testing.B, s *benchServer) {
	ctx := context.Background()
	c, err := s.app.Conversations.CreateConversation(ctx, conversations.ConversationParams{})
	if err != nil {
		b.Fatal(err)
	}
	const total = 100_000
	fill(b, s.app.Conversations, c.SID, total)
	path := "/conversations/v1/Conversations/" + c.SID + "/Messages?PageSize=50"
	for _, tc := range []struct{ name, query string }{
		{"first-page", ""},
		{"page-at-index-90000", "&Page=1800&PageToken=PA89999"},
		{"last-page-desc", "&Order=desc"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s.get(b, path+tc.query, http.StatusOK)
			}
		})
	}
}

// fill appends n messages to a conversation from many goroutines, so the
// store's writer commits them in large groups.
func fill(b *testing.B, svc *conversations.Service, conv string, n int) {
	body := "a message of ordinary length, about as long as people type in chats"
	var wg sync.WaitGroup
	work := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		work <- struct{}{}
	}
	close(work)
	for w := 0; w < 128; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				if _, err := svc.SendMessage(context.Background(), conv, conversations.MessageParams{Body: &body}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
