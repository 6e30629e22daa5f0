package cluster

import (
	"encoding/base64"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go"
)

// Notices carry what is not in the event log (typing, presence, routing
// offers, a place in line) to the nodes whose sockets want it, on a
// subject per key: parley.n.<kind>.<key>, the key base64url-encoded (an
// identity may hold any character). A node subscribes to a key while one of
// its sockets wants it, so it hears only what its sockets need. A notice
// NATS drops is lost, as on one node a frame to a socket that just closed
// is: each kind is superseded by the next (typing refreshes, presence
// changes, offers resync over REST).
type Notices struct {
	nc      *nats.Conn
	lg      logger
	deliver func(kind, key string, data []byte)
	// in takes every subscription's messages: nats.go gives a handler's
	// subscription a goroutine of its own, which at two subscriptions a
	// socket would double what an idle socket costs.
	in chan *nats.Msg

	mu   sync.Mutex
	subs map[string]*nats.Subscription // by subject

	Sent, Received atomic.Int64
}

// noticesQueue bounds the notices waiting for delivery; past it NATS
// drops them for this node (a slow consumer), as it would a lost one.
const noticesQueue = 65536

// NewNotices returns notices over n's link; deliver hands what arrives to
// this node's sockets, on one goroutine.
func NewNotices(n *Node, deliver func(kind, key string, data []byte)) *Notices {
	ns := &Notices{nc: n.nc, lg: n.lg, deliver: deliver, subs: map[string]*nats.Subscription{},
		in: make(chan *nats.Msg, noticesQueue)}
	go ns.run()
	return ns
}

const noticesPrefix = "parley.n."

func subject(kind, key string) string {
	return noticesPrefix + kind + "." + base64.RawURLEncoding.EncodeToString([]byte(key))
}

// run delivers what the subscriptions take, reading kind and key back
// from the subject.
func (n *Notices) run() {
	for m := range n.in {
		kind, enc, ok := strings.Cut(strings.TrimPrefix(m.Subject, noticesPrefix), ".")
		key, err := base64.RawURLEncoding.DecodeString(enc)
		if !ok || err != nil {
			continue
		}
		n.Received.Add(1)
		n.deliver(kind, string(key), m.Data)
	}
}

// Send tells the other nodes' sockets that want kind/key.
func (n *Notices) Send(kind, key string, data []byte) {
	if err := n.nc.Publish(subject(kind, key), data); err != nil {
		n.lg.Warn("cluster: send a notice", "kind", kind, "err", err)
		return
	}
	n.Sent.Add(1)
}

// Want subscribes to kind/key (on) or stops (off). It is quick: a
// subscription is a line queued to the NATS server.
func (n *Notices) Want(kind, key string, on bool) {
	subj := subject(kind, key)
	n.mu.Lock()
	defer n.mu.Unlock()
	if !on {
		if s := n.subs[subj]; s != nil {
			s.Unsubscribe()
			delete(n.subs, subj)
		}
		return
	}
	if n.subs[subj] != nil {
		return
	}
	s, err := n.nc.ChanSubscribe(subj, n.in)
	if err != nil {
		n.lg.Error("cluster: subscribe to notices", "kind", kind, "err", err)
		return
	}
	n.subs[subj] = s
}

// On runs fn, on a NATS goroutine, whenever another node Tells name:
// for what each node must do for itself, such as closing its own sockets
// of a revoked key or reloading what it keeps in memory of a changed
// agent. fn must not block for long: it holds up the next such message.
func (n *Node) On(name string, fn func(arg string)) error {
	_, err := n.nc.Subscribe("parley.all."+name, func(m *nats.Msg) { fn(string(m.Data)) })
	return err
}

// Tell has every other node run what it registered On name, with arg. It
// is best effort, as NATS is: what must not be missed is also found in the
// database (a revoked key is refused on its next use anyway).
func (n *Node) Tell(name, arg string) {
	if err := n.nc.Publish("parley.all."+name, []byte(arg)); err != nil {
		n.lg.Warn("cluster: tell the other nodes", "what", name, "err", err)
	}
}
