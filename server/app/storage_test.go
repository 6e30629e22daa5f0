package app

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	proto "parley/shared/realtime"
)

// When the disk fills up, Parley says so: writes answer 503 with a code
// and a message naming the trouble (REST and socket alike), /healthz
// reports not ready, a metric counts the failures, and it all recovers by
// itself once there is room again. The disk is filled for real: SQLite's
// max_page_count makes every write needing a new page fail with
// SQLITE_FULL.
func TestFullDiskAnswers503AndRecoversByItself(t *testing.T) {
	s := startServerWith(t, func(c *Config) {
		c.GuestLimits = startServerLimits
		c.StoreProbeInterval = 50 * time.Millisecond
	})
	if s.database != "" {
		// The disk fills for real only under SQLite's max_page_count; on
		// PostgreSQL the server's own disk is beyond the test's reach.
		t.Skip("fills the disk with SQLite's max_page_count")
	}
	convo := s.conversationWith(t, "alice", "bob")
	alice, _ := s.connect(t, s.mintToken(t, "alice"), nil)
	ctx := context.Background()
	if err := s.app.db.LimitPages(ctx, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.app.db.LimitPages(ctx, -1) })

	// Send until the pages left over are used up.
	path := "/conversations/v1/Conversations/" + convo + "/Messages"
	big := strings.Repeat("All work and no play makes Jack a dull boy. ", 700)
	var r reply
	for i := 0; ; i++ {
		r = s.postForm(t, path, url.Values{"Author": {"alice"}, "Body": {big}})
		if r.status != http.StatusCreated {
			break
		}
		if i == 1000 {
			t.Fatal("1,000 messages fitted in a database with no room to grow")
		}
	}
	wantTwilioErrorShape(t, r, http.StatusServiceUnavailable, 20503)
	if msg, _ := r.json["message"].(string); !strings.Contains(msg, "disk full") || !strings.Contains(msg, "try again later") {
		t.Errorf("message %q: want it to say the disk is full and to try again later", msg)
	}

	// The socket says the same, not a generic internal error.
	alice.send(proto.ClientFrame{Type: proto.TypeSend, ID: "full", ConversationSID: convo, Body: big})
	f := alice.await(t, "the send's answer", isReply("full"))
	if f.Type != proto.TypeError || f.Status != http.StatusServiceUnavailable || f.Code != 20503 || !strings.Contains(f.Message, "disk full") {
		t.Errorf("a socket send on a full disk answered %+v; want a 503 error frame, code 20503, saying the disk is full", f)
	}

	h := s.do(t, rawRequest{method: http.MethodGet, path: "/healthz", noAuth: true})
	if h.status != http.StatusServiceUnavailable || !strings.Contains(h.text, "disk full") {
		t.Errorf("GET /healthz while writes fail: %d %s; want 503 saying the disk is full", h.status, h.text)
	}
	if n := writeFailures(t, s, "full"); n < 2 {
		t.Errorf("parley_store_write_failures_total{reason=\"full\"} = %v, want at least 2", n)
	}

	// Room again: readiness comes back by itself, and writes work.
	if err := s.app.db.LimitPages(ctx, -1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		h = s.do(t, rawRequest{method: http.MethodGet, path: "/healthz", noAuth: true})
		if h.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /healthz 5 s after room came back: %d %s", h.status, h.text)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := s.postForm(t, path, url.Values{"Author": {"alice"}, "Body": {"back"}}); r.status != http.StatusCreated {
		t.Fatalf("a message after room came back: %d %s", r.status, r.text)
	}
}

// writeFailures reads parley_store_write_failures_total for reason from
// /metrics.
func writeFailures(t *testing.T, s *testServer, reason string) float64 {
	t.Helper()
	m := s.get(t, "/metrics")
	re := regexp.MustCompile(`(?m)^parley_store_write_failures_total\{reason="` + reason + `"\} (\S+)$`)
	got := re.FindStringSubmatch(m.text)
	if got == nil {
		t.Errorf("/metrics has no parley_store_write_failures_total{reason=%q}", reason)
		return 0
	}
	n, _ := strconv.ParseFloat(got[1], 64)
	return n
}
