// Package cluster links the nodes of a Parley cluster: identical processes
// sharing one PostgreSQL database, which holds the truth, and talking over
// NATS, which carries what must reach the other nodes quickly (events for
// their sockets, notices, revocations, routing commands). It knows nothing
// of conversations or routing: the packages that do give it bytes to carry
// and say what to do with what arrives.
package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Node is this process's place in a cluster: its name among the others and
// its connection to NATS.
type Node struct {
	// ID names the node in logs, metrics and what it publishes; random on
	// each start, so a restarted node is a new node.
	ID string
	nc *nats.Conn
	lg *slog.Logger

	mu          sync.Mutex
	reconnected []func()
}

// connectTimeout bounds the first connection: a node that cannot reach
// NATS at start says so rather than serving half a cluster.
const connectTimeout = 5 * time.Second

// Join connects to the NATS servers urls names (comma-separated
// nats://host:port URLs, as --nats takes them). Once connected it
// reconnects forever, keeping its subscriptions; while NATS is away the
// node keeps serving from PostgreSQL and Ready says NATS is unreachable.
func Join(urls string, lg *slog.Logger) (*Node, error) {
	if err := checkURLs(urls); err != nil {
		return nil, err
	}
	id := make([]byte, 4)
	rand.Read(id)
	n := &Node{ID: hex.EncodeToString(id), lg: lg}
	nc, err := nats.Connect(urls,
		nats.Name("parley-"+n.ID),
		// A node hears only the others: what it publishes it has already
		// handed to its own sockets.
		nats.NoEcho(),
		nats.Timeout(connectTimeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.ReconnectJitter(100*time.Millisecond, time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			lg.Warn("cluster: lost NATS; serving from the database until it returns", "node", n.ID, "err", err)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			lg.Info("cluster: NATS is back", "node", n.ID, "server", c.ConnectedUrlRedacted())
			n.mu.Lock()
			fns := n.reconnected
			n.mu.Unlock()
			for _, fn := range fns {
				go fn()
			}
		}),
		nats.ErrorHandler(func(_ *nats.Conn, s *nats.Subscription, err error) {
			subject := ""
			if s != nil {
				subject = s.Subject
			}
			lg.Error("cluster: NATS", "node", n.ID, "subject", subject, "err", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("cluster: cannot reach NATS at %s: %w; check that nats-server runs there and that --nats names it", redact(urls), err)
	}
	n.nc = nc
	return n, nil
}

func checkURLs(urls string) error {
	if strings.TrimSpace(urls) == "" {
		return errors.New("cluster: --nats is empty; give nats://host:4222, or several separated by commas")
	}
	for _, u := range strings.Split(urls, ",") {
		p, err := url.Parse(strings.TrimSpace(u))
		if err != nil || p.Host == "" || (p.Scheme != "nats" && p.Scheme != "tls") {
			return fmt.Errorf("cluster: --nats %q is not a NATS URL; write nats://host:4222 (or tls://), several separated by commas", redact(u))
		}
	}
	return nil
}

// redact hides passwords in NATS URLs for messages and logs.
func redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, u := range parts {
		if p, err := url.Parse(strings.TrimSpace(u)); err == nil && p.User != nil {
			parts[i] = p.Redacted()
		}
	}
	return strings.Join(parts, ",")
}

// OnReconnect runs fn, on a goroutine of its own, each time the node's
// link to NATS comes back: what was Told while it was away never arrived.
func (n *Node) OnReconnect(fn func()) {
	n.mu.Lock()
	n.reconnected = append(n.reconnected, fn)
	n.mu.Unlock()
}

// Conn is the node's NATS connection, for the packages that carry their
// own messages over it.
func (n *Node) Conn() *nats.Conn { return n.nc }

// Ready says why the node cannot reach the others, or nil when it can.
func (n *Node) Ready() error {
	if n.nc.IsConnected() {
		return nil
	}
	return fmt.Errorf("NATS is unreachable (%s)", strings.ToLower(n.nc.Status().String()))
}

// RTT measures a round trip to the NATS server.
func (n *Node) RTT() (time.Duration, error) { return n.nc.RTT() }

// Close drains the node's subscriptions and publications, then closes.
func (n *Node) Close() {
	if err := n.nc.Drain(); err != nil {
		n.nc.Close()
	}
}
