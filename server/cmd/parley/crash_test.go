package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley/server/store/pgtest"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// TestAcknowledgedMessagesSurviveKill9 kills Parley with SIGKILL while 32
// clients send messages into one conversation, restarts it on the same
// data, and checks that every message the server acknowledged (201) is
// there, and that the conversation's indexes are dense: 0..n-1, no gap, no
// repeat. It runs on SQLite, and on PostgreSQL when PARLEY_TEST_DATABASE
// names a server.
func TestAcknowledgedMessagesSurviveKill9(t *testing.T) {
	bin := buildParley(t)
	t.Run("sqlite", func(t *testing.T) { killUnderLoad(t, bin, "sqlite", nil) })
	t.Run("postgres", func(t *testing.T) {
		db := pgtest.Database(t)
		killUnderLoad(t, bin, "postgres", []string{"--database", db})
	})
}

func killUnderLoad(t *testing.T, bin, engine string, flags []string) {
	data := t.TempDir()
	p := startParleyWith(t, bin, data, flags)
	// The log says which store the server runs on, so an operator can tell.
	if !strings.Contains(p.serving, "store="+engine) {
		t.Errorf("the serving line %q does not say store=%s", p.serving, engine)
	}
	creds := readCredentials(t, data)
	api := account{base: "http://" + p.addr, sid: creds["PARLEY_ACCOUNT_SID"], token: creds["PARLEY_AUTH_TOKEN"]}
	var conv struct{ SID string }
	api.must(t, "POST", "/conversations/v1/Conversations", url.Values{"FriendlyName": {"crash"}}, http.StatusCreated, &conv)

	var (
		mu    sync.Mutex
		acked = map[string]bool{} // SIDs the server answered 201 for
	)
	load := startWriters(api, conv.SID, 32,
		func(w, i int) string { return fmt.Sprintf("writer %d message %d", w, i) },
		func(sid string) { mu.Lock(); acked[sid] = true; mu.Unlock() },
		func(error) {}) // the server is gone
	// Kill mid-stream, once plenty of sends have been acknowledged.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 || time.Now().After(deadline) {
			break
		}
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	load.halt()
	if len(acked) < 100 {
		t.Fatalf("only %d sends were acknowledged before the kill; the test needs load to mean anything", len(acked))
	}

	again := startParleyWith(t, bin, data, flags)
	api.base = "http://" + again.addr
	var stored []struct {
		SID   string `json:"sid"`
		Index int    `json:"index"`
	}
	for page := "/conversations/v1/Conversations/" + conv.SID + "/Messages?PageSize=1000"; page != ""; {
		var resp struct {
			Messages []struct {
				SID   string `json:"sid"`
				Index int    `json:"index"`
			} `json:"messages"`
			Meta struct {
				NextPageURL string `json:"next_page_url"`
			} `json:"meta"`
		}
		api.must(t, "GET", page, nil, http.StatusOK, &resp)
		stored = append(stored, resp.Messages...)
		page = strings.TrimPrefix(resp.Meta.NextPageURL, api.base)
		if resp.Meta.NextPageURL != "" && page == resp.Meta.NextPageURL {
			u, _ := url.Parse(resp.Meta.NextPageURL)
			page = u.RequestURI()
		}
	}
	have := map[string]bool{}
	for i, m := range stored {
		if m.Index != i {
			t.Fatalf("message %d of %d has index %d: indexes must be dense from 0", i, len(stored), m.Index)
		}
		if have[m.SID] {
			t.Fatalf("message %s is stored twice", m.SID)
		}
		have[m.SID] = true
	}
	lost := 0
	for sid := range acked {
		if !have[sid] {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged messages are gone after kill -9", lost, len(acked))
	}
	t.Logf("%d sends, %d acknowledged, %d stored after kill -9 and restart, indexes 0..%d", load.sent.Load(), len(acked), len(stored), len(stored)-1)
	again.stop(t)
}

// writers post messages into one conversation from several goroutines
// until halted: the load the backup and kill -9 tests run under.
type writers struct {
	sent atomic.Int64 // sends attempted
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// startWriters starts n writers sending body(writer, i) as their i-th
// message. Each message the server answers 201 for goes to acked, with its
// SID; a send that fails goes to failed and ends its writer.
func startWriters(api account, conversationSID string, n int, body func(w, i int) string, acked func(sid string), failed func(error)) *writers {
	ws := &writers{stop: make(chan struct{})}
	for w := range n {
		ws.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-ws.stop:
					return
				default:
				}
				ws.sent.Add(1)
				var m struct{ SID string }
				code, err := api.call("POST", "/conversations/v1/Conversations/"+conversationSID+"/Messages",
					url.Values{"Author": {"writer"}, "Body": {body(w, i)}}, nil, &m)
				if err == nil && code != http.StatusCreated {
					err = fmt.Errorf("status %d", code)
				}
				if err != nil {
					failed(err)
					return
				}
				acked(m.SID)
			}
		})
	}
	return ws
}

// halt stops the writers and waits for them; it may be called again.
func (ws *writers) halt() {
	ws.once.Do(func() { close(ws.stop); ws.wg.Wait() })
}
