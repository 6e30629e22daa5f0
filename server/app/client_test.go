package app

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/shared/client"
	proto "parley/shared/realtime"
)

// cable is a TCP proxy in front of the server that a test can cut, to
// break every connection through it as a network would.
type cable struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func newCable(t *testing.T, target string) *cable {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cable{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); c.cut() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	return c
}

func (c *cable) url() string { return "http://" + c.ln.Addr().String() }

// cut drops every connection through the cable.
func (c *cable) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}

func TestClientResumesAcrossACutConnection(t *testing.T) {
	s := startServer(t)
	conv := s.conversationWith(t, "agent", "guest")
	link := newCable(t, strings.TrimPrefix(s.baseURL, "http://"))
	rest := client.NewREST(s.baseURL, client.AccountAuth(s.accountSID, s.authToken), nil)

	var mu sync.Mutex
	var indexes []int
	var seqs []int64
	states := make(chan client.State, 100)
	sess, err := client.Dial(context.Background(), client.SessionOptions{
		URL:        link.url(),
		Token:      func(ctx context.Context) (string, error) { return rest.MintToken(ctx, "guest", time.Hour) },
		MinBackoff: 10 * time.Millisecond,
		OnState:    func(st client.State) { states <- st },
		OnEvent: func(f proto.ServerFrame) {
			if f.Event != proto.MessageAdded {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			indexes = append(indexes, messageIndex(t, f))
			seqs = append(seqs, f.Seq)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if sess.Identity() != "guest" {
		t.Errorf("session identity %q, want guest", sess.Identity())
	}

	const total = 300
	for i := range total {
		if _, err := rest.SendMessage(context.Background(), conv, "agent", strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
		if i == total/3 || i == 2*total/3 {
			link.cut() // twice, mid-burst
		}
	}
	// A send while the link may be down still lands, once.
	link.cut()
	ack, err := sess.Send(context.Background(), conv, "sent across a cut", "")
	if err != nil || ack.SID == "" {
		t.Fatalf("send across a cut: %+v, %v", ack, err)
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(indexes)
		mu.Unlock()
		if n >= total+1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(indexes) != total+1 {
		t.Fatalf("received %d messages, want %d", len(indexes), total+1)
	}
	for i, idx := range indexes {
		if idx != i || (i > 0 && seqs[i] <= seqs[i-1]) {
			t.Fatalf("message %d arrived as index %d (seq %d after %d): want every index once, in order", i, idx, seqs[i], seqs[max(i-1, 0)])
		}
	}
	if msgs, _ := rest.ListMessages(context.Background(), conv); len(msgs) != total+1 {
		t.Errorf("the conversation holds %d messages, want %d: a resent send must not duplicate", len(msgs), total+1)
	}
	reconnects := 0
	for len(states) > 0 {
		if <-states == client.Disconnected {
			reconnects++
		}
	}
	if reconnects < 2 {
		t.Errorf("the session noticed %d disconnects, want at least 2", reconnects)
	}
}

func TestClientReportsARefusedToken(t *testing.T) {
	s := startServer(t)
	_, err := client.Dial(context.Background(), client.SessionOptions{
		URL:   s.baseURL,
		Token: func(context.Context) (string, error) { return "not-a-token", nil },
	})
	if err == nil || !strings.Contains(err.Error(), "token refused") {
		t.Errorf("Dial with a bad token: %v, want a token refusal", err)
	}
	var apiErr *client.APIError
	rest := client.NewREST(s.baseURL, client.AccountAuth(s.accountSID, "wrong-token-000000000000"), nil)
	if _, err := rest.CreateConversation(context.Background(), "x"); !errors.As(err, &apiErr) || apiErr.Code != 20003 {
		t.Errorf("REST with a wrong auth token: %v, want APIError 20003", err)
	}
}
