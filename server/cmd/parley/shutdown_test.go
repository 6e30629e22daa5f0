package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// countingReceiver is a webhook receiver on loopback that counts every
// delivery by its idempotency token and by the message it announces, and
// takes a little while to answer, so that deliveries are in flight when
// Parley is told to stop.
type countingReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	tokens   map[string]int
	messages map[string]int
	// tokensOf are the idempotency tokens each message's deliveries bore.
	tokensOf map[string]map[string]bool
}

func startCountingReceiver(t *testing.T, delay time.Duration) *countingReceiver {
	rc := &countingReceiver{tokens: map[string]int{}, messages: map[string]int{}, tokensOf: map[string]map[string]bool{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		rc.mu.Lock()
		rc.tokens[r.Header.Get("I-Twilio-Idempotency-Token")]++
		rc.messages[r.Form.Get("MessageSid")]++
		sid := r.Form.Get("MessageSid")
		if rc.tokensOf[sid] == nil {
			rc.tokensOf[sid] = map[string]bool{}
		}
		rc.tokensOf[sid][r.Header.Get("I-Twilio-Idempotency-Token")] = true
		rc.mu.Unlock()
		time.Sleep(delay)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *countingReceiver) deliveries() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := 0
	for _, c := range rc.tokens {
		n += c
	}
	return n
}

// account calls a Parley's API as the account.
type account struct {
	base, sid, token string
}

func (a account) call(method, path string, form url.Values, header map[string]string, out any) (int, error) {
	req, err := http.NewRequest(method, a.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth(a.sid, a.token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode, nil
}

func (a account) must(t *testing.T, method, path string, form url.Values, want int, out any) {
	t.Helper()
	if got, err := a.call(method, path, form, nil, out); err != nil || got != want {
		t.Fatalf("%s %s: %d %v, want %d", method, path, got, err, want)
	}
}

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "0123456789abcdef0123456789abcdef"
)

// SIGTERM while webhooks are being delivered: the deliveries in flight
// finish and their progress is saved before the database closes, so after
// a restart every event reaches the receiver exactly once.
func TestSIGTERMDuringWebhookDeliveryDeliversEachEventOnce(t *testing.T) {
	bin := buildParley(t)
	data := t.TempDir()
	env := []string{"PARLEY_ACCOUNT_SID=" + testSID, "PARLEY_AUTH_TOKEN=" + testToken}
	flags := []string{"--outbound-allow", "127.0.0.0/8"}
	rc := startCountingReceiver(t, 20*time.Millisecond)

	first := startParleyWith(t, bin, data, flags, env...)
	api := account{"http://" + first.addr, testSID, testToken}
	api.must(t, "POST", "/conversations/v1/Configuration/Webhooks", url.Values{"PostWebhookUrl": {rc.URL + "/events"},
		"Method": {"POST"}, "Filters": {"onMessageAdded"}, "Target": {"webhook"}}, http.StatusOK, nil)

	// Six conversations, each with a steady stream of messages asking for
	// webhooks: six lines of deliveries run at once.
	var (
		mu      sync.Mutex
		created = map[string]bool{}
		wg      sync.WaitGroup
	)
	for i := range 6 {
		var c struct{ SID string }
		api.must(t, "POST", "/conversations/v1/Conversations", url.Values{"FriendlyName": {fmt.Sprint("stream ", i)}}, http.StatusCreated, &c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				var m struct{ SID string }
				status, err := api.call("POST", "/conversations/v1/Conversations/"+c.SID+"/Messages",
					url.Values{"Author": {"support"}, "Body": {fmt.Sprint("message ", n)}},
					map[string]string{"X-Twilio-Webhook-Enabled": "true"}, &m)
				if err != nil || status != http.StatusCreated {
					return // the server is stopping
				}
				mu.Lock()
				created[m.SID] = true
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	waitFor(t, 10*time.Second, func() bool { return rc.deliveries() >= 60 }, "the receiver got fewer than 60 webhooks")
	first.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-first.exited:
		if err != nil {
			t.Fatalf("parley exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("parley did not stop within 30 s of SIGTERM")
	}
	wg.Wait()
	if log := first.stderr.String(); strings.Contains(log, "database is closed") || strings.Contains(log, "save jobs' progress") {
		t.Errorf("the outbox lost its progress on shutdown:\n%s", grep(log, "outbox"))
	}
	before := rc.deliveries()

	// The restart delivers what was left, and nothing twice.
	second := startParleyWith(t, bin, data, flags, env...)
	api.base = "http://" + second.addr
	waitFor(t, 30*time.Second, func() bool {
		var list struct{ Deliveries []any }
		api.call("GET", "/parley/v1/Deliveries?State=pending", nil, nil, &list)
		return len(list.Deliveries) == 0
	}, "deliveries still pending after the restart")
	second.stop(t)

	t.Logf("%d messages made; %d webhooks before SIGTERM's exit, %d in all", len(created), before, rc.deliveries())
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for tok, n := range rc.tokens {
		if tok == "" || n != 1 {
			t.Errorf("idempotency token %q was delivered %d times", tok, n)
		}
	}
	for sid := range created {
		if n := rc.messages[sid]; n != 1 {
			t.Errorf("the webhook of message %s reached the receiver %d times, want once", sid, n)
		}
	}
	if len(rc.messages) != len(created) {
		t.Errorf("the receiver heard of %d messages, %d were made", len(rc.messages), len(created))
	}
}

// A connection that never sent a request does not hold up a shutdown:
// browsers and HTTP clients open such connections ahead of need.
func TestSIGTERMDoesNotWaitForAnIdleConnection(t *testing.T) {
	bin := buildParley(t)
	p := startParley(t, bin, t.TempDir(), "PARLEY_ACCOUNT_SID="+testSID, "PARLEY_AUTH_TOKEN="+testToken)
	conn, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(100 * time.Millisecond) // the server has accepted it
	start := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("parley exited with %v after SIGTERM", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("parley still running 3 s after SIGTERM, held by a connection that never sent a request")
	}
	t.Logf("stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, cond func() bool, failure string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(failure)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// grep keeps the lines of text that contain substr.
func grep(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
