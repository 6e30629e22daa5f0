package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"parley/shared/realtime"
)

// realtimeServer is a socket that speaks the start of the protocol: it
// refuses the first `down` connections outright (a server restarting),
// then reads a hello and either refuses its token or says ready.
type realtimeServer struct {
	*httptest.Server
	mu     sync.Mutex
	dials  int
	tokens []string // the hellos' tokens, in order
}

func newRealtimeServer(t *testing.T, down int, refuse bool) *realtimeServer {
	t.Helper()
	rs := &realtimeServer{}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		rs.dials++
		n := rs.dials
		rs.mu.Unlock()
		if n <= down {
			http.Error(w, "restarting", http.StatusServiceUnavailable)
			return
		}
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx := r.Context()
		_, b, err := ws.Read(ctx)
		if err != nil {
			return
		}
		hello, err := realtime.DecodeClient(b)
		if err != nil || hello.Type != realtime.TypeHello {
			ws.Close(websocket.StatusPolicyViolation, "hello first")
			return
		}
		rs.mu.Lock()
		rs.tokens = append(rs.tokens, hello.Token)
		rs.mu.Unlock()
		if refuse {
			b, _ := realtime.Encode(realtime.ServerFrame{Type: realtime.TypeError, Status: 401, Message: "token expired"})
			ws.Write(ctx, websocket.MessageText, b)
			ws.Close(realtime.CloseUnauthorized, "token expired")
			return
		}
		b, _ = realtime.Encode(realtime.ServerFrame{Type: realtime.TypeReady, Version: realtime.Version, Identity: "agent_1"})
		if ws.Write(ctx, websocket.MessageText, b) != nil {
			return
		}
		for { // until the client leaves
			if _, _, err := ws.Read(ctx); err != nil {
				return
			}
		}
	}))
	t.Cleanup(rs.Close)
	return rs
}

func (rs *realtimeServer) counts() (dials int, tokens []string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.dials, append([]string(nil), rs.tokens...)
}

// countingToken hands out tok-1, tok-2 ...: a fresh token per attempt.
func countingToken() func(context.Context) (string, error) {
	var mu sync.Mutex
	n := 0
	return func(context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		n++
		return "tok-" + string(rune('0'+n)), nil
	}
}

func TestConnectTriesAgainEachTimeLongerUntilTheServerIsBack(t *testing.T) {
	rs := newRealtimeServer(t, 3, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waits []time.Duration
	s, err := Connect(ctx, SessionOptions{URL: rs.URL, Token: countingToken(),
		RedialStep: 10 * time.Millisecond, RedialMax: 25 * time.Millisecond},
		func(err error, wait time.Duration) { waits = append(waits, wait) })
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 25 * time.Millisecond}; !slices.Equal(waits, want) {
		t.Errorf("waited %v between attempts, want %v", waits, want)
	}
	dials, tokens := rs.counts()
	if dials != 4 || len(tokens) != 1 || tokens[0] != "tok-4" {
		t.Errorf("%d dials and hellos with %v; want 4 dials, the last with the fourth token asked for", dials, tokens)
	}
	if s.Identity() != "agent_1" {
		t.Errorf("identity %q", s.Identity())
	}
	// Leaving is cancelling: the session closes with its context.
	cancel()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the session outlived its context")
	}
}

func TestConnectStopsAtARefusedToken(t *testing.T) {
	rs := newRealtimeServer(t, 1, true)
	var fails int
	_, err := Connect(context.Background(), SessionOptions{URL: rs.URL, Token: countingToken(), RedialStep: time.Millisecond},
		func(error, time.Duration) { fails++ })
	var refused *TokenRefusedError
	if !errors.As(err, &refused) || refused.Reason != "token expired" {
		t.Fatalf("Connect = %v, want the refusal", err)
	}
	if dials, _ := rs.counts(); dials != 2 || fails != 1 {
		t.Errorf("%d dials, %d failures heard; want one failure (the server down), then the refusal and no more", dials, fails)
	}
}

func TestConnectGivesUpWhenItsContextEnds(t *testing.T) {
	rs := newRealtimeServer(t, 1<<30, false) // never back
	ctx, cancel := context.WithCancel(context.Background())
	failed := make(chan struct{}, 100)
	done := make(chan error)
	go func() {
		_, err := Connect(ctx, SessionOptions{URL: rs.URL, Token: countingToken(), RedialStep: time.Hour},
			func(error, time.Duration) { failed <- struct{}{} })
		done <- err
	}()
	<-failed // waiting an hour for the next attempt
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Connect = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Connect went on waiting after its context ended")
	}
}
