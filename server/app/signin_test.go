package app

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/server/httpapi"
)

// The sign-in throttle's attacks. Every client is a real TCP connection
// from its own loopback address (127.0.0.0/8 is all loopback on Linux), so
// the server tells them apart by the address it sees, as in production.

// from is the test server as seen from another client address: requests
// leave from ip.
func (s *testServer) from(ip string) *testServer {
	c := *s
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	c.raw = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext}}
	return &c
}

// testClock is a clock tests move by hand, so windows of minutes pass at once.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: time.Now()} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startThrottledServer is a server with the default sign-in limits on a
// clock the test moves.
func startThrottledServer(t *testing.T) (*testServer, *testClock) {
	clock := newTestClock()
	s := startServerWith(t, func(c *Config) {
		c.GuestLimits = startServerLimits
		c.SignInLimits = httpapi.DefaultSignInLimits
		c.SignInLimits.Now = clock.Now
	})
	return s, clock
}

// wantThrottled checks a sign-in answer is a 429 that says when to retry,
// in its Retry-After header and its message.
func wantThrottled(t *testing.T, r reply) {
	t.Helper()
	wantTwilioErrorShape(t, r, http.StatusTooManyRequests, 20429)
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs <= 0 {
		t.Errorf("Retry-After %q: want a number of seconds", r.header.Get("Retry-After"))
	}
	if msg, _ := r.json["message"].(string); !strings.Contains(msg, "try again in") {
		t.Errorf("message %q does not say when to try again", msg)
	}
}

const (
	agentAddr    = "127.0.0.1" // where the agent signs in from
	attackerAddr = "127.0.0.66"
)

// An attacker who guesses an agent's password from its own address is
// stopped there, and whatever it tries, the agent still signs in from the
// address it has used before.
func TestSignInGuessesCannotLockTheAgentOut(t *testing.T) {
	s, clock := startThrottledServer(t)
	ana := s.mustCreateAgent(t, "agent@example.com", "agent")
	if r := s.from(agentAddr).signIn(t, ana.Email, agentPassword); r.status != http.StatusOK {
		t.Fatalf("the agent's first sign-in: %d %s", r.status, r.text)
	}

	// One address guesses 50 times: the 6th and later are refused before
	// the password is looked at.
	attacker := s.from(attackerAddr)
	for i := range 50 {
		r := attacker.signIn(t, ana.Email, fmt.Sprintf("guess number %d", i))
		if i < 5 {
			wantTwilioErrorShape(t, r, http.StatusUnauthorized, 20003)
		} else {
			wantThrottled(t, r)
		}
	}
	r := attacker.signIn(t, ana.Email, "one more guess")
	wantThrottled(t, r)
	if msg := r.json["message"].(string); !strings.Contains(msg, "minutes") {
		t.Errorf("message %q: want the wait in minutes", msg)
	}
	// The right password does not unlock the attacker's address either.
	wantThrottled(t, attacker.signIn(t, ana.Email, agentPassword))

	// Nine more addresses guess 5 times each: with the attacker's 5, the
	// email has had 50 failures from unknown addresses and is now closed
	// to addresses it has never signed in from...
	for i := range 9 {
		spreader := s.from(fmt.Sprintf("127.0.1.%d", i+1))
		for j := range 5 {
			wantTwilioErrorShape(t, spreader.signIn(t, ana.Email, fmt.Sprintf("spread guess %d-%d", i, j)), http.StatusUnauthorized, 20003)
		}
	}
	wantThrottled(t, s.from("127.0.2.1").signIn(t, ana.Email, "fresh address guess"))

	// ...but the agent, from its own address, signs in with its password.
	if r := s.from(agentAddr).signIn(t, ana.Email, agentPassword); r.status != http.StatusOK {
		t.Fatalf("the agent from its own address after the attack: %d %s, want 200", r.status, r.text)
	}

	// Once the window has passed, the attacker may guess again (slowly).
	clock.Advance(15*time.Minute + time.Second)
	wantTwilioErrorShape(t, attacker.signIn(t, ana.Email, "guess after the wait"), http.StatusUnauthorized, 20003)
}

// An agent who has never signed in before is not locked out by another
// address's guesses: each (email, address) pair keeps its own count.
func TestSignInGuessesElsewhereDoNotLockOutANewAgent(t *testing.T) {
	s, _ := startThrottledServer(t)
	ben := s.mustCreateAgent(t, "ben@example.com", "agent")
	attacker := s.from(attackerAddr)
	for i := range 5 {
		wantTwilioErrorShape(t, attacker.signIn(t, ben.Email, fmt.Sprintf("guess %d", i)), http.StatusUnauthorized, 20003)
	}
	wantThrottled(t, attacker.signIn(t, ben.Email, "guess 6"))
	if r := s.from(agentAddr).signIn(t, ben.Email, agentPassword); r.status != http.StatusOK {
		t.Fatalf("the agent's first sign-in after another address guessed: %d %s, want 200", r.status, r.text)
	}
}

// An attacker spraying one guess at each of many emails is stopped by the
// per-address count, and other addresses are not.
func TestSignInSprayingManyEmailsIsStopped(t *testing.T) {
	s, _ := startThrottledServer(t)
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	attacker := s.from(attackerAddr)
	for i := range 20 {
		wantTwilioErrorShape(t, attacker.signIn(t, fmt.Sprintf("user%d@example.com", i), "Winter2024!"), http.StatusUnauthorized, 20003)
	}
	wantThrottled(t, attacker.signIn(t, "user20@example.com", "Winter2024!"))
	wantThrottled(t, attacker.signIn(t, ana.Email, "Winter2024!"))
	if r := s.from(agentAddr).signIn(t, ana.Email, agentPassword); r.status != http.StatusOK {
		t.Fatalf("an agent from another address: %d %s, want 200", r.status, r.text)
	}
}

// A wrong password on the desk is answered to the desk's page, not with
// the browser's own password prompt, which a Basic challenge to a
// page's fetch would open (and which held the answer back in Chromium).
func TestAWrongPasswordFromTheDeskIsNotABasicChallenge(t *testing.T) {
	s := startServer(t)
	s.mustCreateAgent(t, "ana@example.com", "agent")
	for mode, challenged := range map[string]bool{"cors": false, "same-origin": false, "": true} {
		r := s.do(t, rawRequest{method: http.MethodPost, path: "/parley/v1/Desktop/SignIn", noAuth: true,
			contentType: "application/x-www-form-urlencoded", header: map[string]string{"Sec-Fetch-Mode": mode},
			body: url.Values{"Email": {"ana@example.com"}, "Password": {"not it"}}.Encode()})
		wantTwilioErrorShape(t, r, http.StatusUnauthorized, 20003)
		if got := r.header.Get("WWW-Authenticate") != ""; got != challenged {
			t.Errorf("Sec-Fetch-Mode %q: challenged %v, want %v", mode, got, challenged)
		}
	}
}
