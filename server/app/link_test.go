package app

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// link is a TCP relay in front of a test server that a test can cut, as a
// dropped network would: open connections die and new ones are refused
// until it is restored. Browser tests put it between Chromium and Parley.
type link struct {
	ln     net.Listener
	mu     sync.Mutex
	target string // the server's address, set once it listens
	down   bool
	conns  map[net.Conn]struct{}
}

// newLink listens on a free port; serve starts relaying to target.
func newLink(t testing.TB) *link {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &link{ln: ln, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { ln.Close(); l.cut() })
	return l
}

// URL is the link's address as a base URL.
func (l *link) URL() string { return "http://" + l.ln.Addr().String() }

func (l *link) serve(target string) {
	l.target = target
	go func() {
		for {
			c, err := l.ln.Accept()
			if err != nil {
				return
			}
			go l.relay(c)
		}
	}()
}

func (l *link) relay(c net.Conn) {
	l.mu.Lock()
	if l.down {
		l.mu.Unlock()
		c.Close()
		return
	}
	up, err := net.Dial("tcp", l.target)
	if err != nil {
		l.mu.Unlock()
		c.Close()
		return
	}
	l.conns[c], l.conns[up] = struct{}{}, struct{}{}
	l.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) { io.Copy(dst, src); done <- struct{}{} }
	go pipe(up, c)
	go pipe(c, up)
	<-done
	c.Close()
	up.Close()
	l.mu.Lock()
	delete(l.conns, c)
	delete(l.conns, up)
	l.mu.Unlock()
}

// cut drops every connection and refuses new ones.
func (l *link) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = true
	for c := range l.conns {
		c.Close()
	}
}

// restore lets connections through again.
func (l *link) restore() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = false
}

// startServerBehindLink starts a server whose public URL is a link's, so
// browsers reach it only through the link.
func startServerBehindLink(t testing.TB, tweak func(*Config)) (*testServer, *link) {
	t.Helper()
	l := newLink(t)
	s := startServerWith(t, func(c *Config) {
		c.GuestLimits = startServerLimits
		c.BaseURL = l.URL()
		if tweak != nil {
			tweak(c)
		}
	})
	l.serve(strings.TrimPrefix(s.baseURL, "http://"))
	return s, l
}
