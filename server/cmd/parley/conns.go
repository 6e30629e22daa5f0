package main

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// silentConns closes, when the server shuts down, the connections that
// never sent a byte. http.Server.Shutdown counts a new connection as
// active for 5 s, so one a browser or an HTTP client opened ahead of need
// held every SIGTERM up that long. A connection that has sent part of a
// request is left to finish it: http.Server marks a connection active only
// once its request's header is read, which is why silentConns watches the
// bytes itself.
type silentConns struct {
	mu       sync.Mutex
	new      map[*watchedConn]struct{} // in http.StateNew
	shutdown bool
}

func newSilentConns() *silentConns {
	return &silentConns{new: map[*watchedConn]struct{}{}}
}

// listen wraps ln so that its connections are watched.
func (s *silentConns) listen(ln net.Listener) net.Listener { return watchedListener{ln} }

// track is the server's ConnState hook.
func (s *silentConns) track(c net.Conn, state http.ConnState) {
	w, ok := c.(*watchedConn)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if state != http.StateNew {
		delete(s.new, w)
		return
	}
	if s.shutdown && !w.spoke.Load() {
		w.Close() // accepted as the server stops
		return
	}
	s.new[w] = struct{}{}
}

// closeSilent is registered with the server's RegisterOnShutdown.
func (s *silentConns) closeSilent() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutdown = true
	for w := range s.new {
		if !w.spoke.Load() {
			w.Close()
			delete(s.new, w)
		}
	}
}

type watchedListener struct{ net.Listener }

func (l watchedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &watchedConn{Conn: c}, nil
}

// watchedConn knows whether its peer has sent anything.
type watchedConn struct {
	net.Conn
	spoke atomic.Bool
}

func (c *watchedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.spoke.Load() {
		c.spoke.Store(true)
	}
	return n, err
}
