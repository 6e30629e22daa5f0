package main

import (
	"encoding/json"
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
	api := &restClient{base: "http://" + p.addr, sid: creds["PARLEY_ACCOUNT_SID"], token: creds["PARLEY_AUTH_TOKEN"]}
	var conv struct{ SID string }
	api.post(t, "/conversations/v1/Conversations", url.Values{"FriendlyName": {"crash"}}, &conv)

	var (
		mu    sync.Mutex
		acked = map[string]bool{} // SIDs the server answered 201 for
		sent  atomic.Int64
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	client := &http.Client{Timeout: 5 * time.Second}
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				var m struct{ SID string }
				form := url.Values{"Author": {"crash"}, "Body": {fmt.Sprintf("writer %d message %d", w, i)}}
				if api.try(client, "/conversations/v1/Conversations/"+conv.SID+"/Messages", form, &m) != nil {
					return // the server is gone
				}
				mu.Lock()
				acked[m.SID] = true
				mu.Unlock()
			}
		}()
	}
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
	close(stop)
	wg.Wait()
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
		api.get(t, page, &resp)
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
	t.Logf("%d sends, %d acknowledged, %d stored after kill -9 and restart, indexes 0..%d", sent.Load(), len(acked), len(stored), len(stored)-1)
	again.stop(t)
}

// restClient calls the REST API as the account.
type restClient struct{ base, sid, token string }

func (c *restClient) try(client *http.Client, path string, form url.Values, out any) error {
	method, body := "GET", ""
	if form != nil {
		method, body = "POST", form.Encode()
	}
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.SetBasicAuth(c.sid, c.token)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d", method, path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (c *restClient) post(t *testing.T, path string, form url.Values, out any) {
	t.Helper()
	if err := c.try(http.DefaultClient, path, form, out); err != nil {
		t.Fatal(err)
	}
}

func (c *restClient) get(t *testing.T, path string, out any) {
	t.Helper()
	if err := c.try(http.DefaultClient, path, nil, out); err != nil {
		t.Fatal(err)
	}
}
