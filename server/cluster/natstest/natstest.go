// Package natstest starts a real NATS server for a test: Debian's
// nats-server (make test installs it), on a free loopback port, stopped
// when the test ends. It is an ordinary package so that every package's
// tests can import it.
package natstest

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Server is a nats-server process a test started.
type Server struct {
	URL  string
	port int
	cmd  *exec.Cmd
	tb   testing.TB
}

// Start runs nats-server on a free loopback port until the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{URL: fmt.Sprintf("nats://127.0.0.1:%d", port), port: port, tb: tb}
	s.start()
	tb.Cleanup(s.Stop)
	return s
}

func binary(tb testing.TB) string {
	for _, p := range []string{"nats-server", "/usr/sbin/nats-server", "/usr/bin/nats-server"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	tb.Fatal("natstest: nats-server is not installed; run `make test`, which installs Debian's nats-server package, or `apt-get install nats-server`")
	return ""
}

func (s *Server) start() {
	s.tb.Helper()
	s.cmd = exec.Command(binary(s.tb), "-a", "127.0.0.1", "-p", strconv.Itoa(s.port))
	if err := s.cmd.Start(); err != nil {
		s.tb.Fatalf("natstest: starting nats-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("natstest: nats-server did not listen on port %d within 10 s", s.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server (as a crash would); Restart brings it back on the
// same port.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// Restart starts the server again on its port after Stop.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	s.start()
}
