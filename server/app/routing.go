package app

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"parley/server/cluster"
	"parley/server/routing"
	"parley/server/store"
	"parley/server/store/postgres"
)

// openRouting starts routing. Alone, the node runs the engine. In a
// cluster one node runs it, the one holding the routing lease (a session
// advisory lock, postgres.RoutingLease): two engines over one database
// would each offer the same task. The others forward every call to it
// over NATS. The returned stop releases what was made.
func openRouting(ctx context.Context, cfg Config, db *store.DB, node *cluster.Node, accountSID string,
	checkURL func(param, raw string) error, m *metrics,
) (routing.Router, func(), error) {
	open := func(ctx context.Context) (*routing.Service, error) {
		svc, err := routing.NewService(ctx, store.NewRouting(db), accountSID)
		if err != nil {
			return nil, err
		}
		svc.CheckURL = checkURL
		return svc, nil
	}
	if node == nil {
		svc, err := open(ctx)
		if err != nil {
			return nil, nil, err
		}
		return svc, svc.Close, nil
	}
	lease, err := postgres.NewLease(cfg.Database, postgres.RoutingLease)
	if err != nil {
		return nil, nil, err
	}
	l := &routingLease{lease: lease, open: open, nc: node.Conn(), log: cfg.Logger, node: node.ID,
		stop: make(chan struct{}), done: make(chan struct{})}
	l.remote = &routing.Remote{Send: l.send, Forwarded: func() { l.forwarded.Add(1) }}
	m.countRouting(l)
	l.tick() // the first node up runs the engine from its start
	go l.run()
	return l.remote, l.close, nil
}

// leaseInterval is how often a node that does not hold the routing lease
// tries to take it, and how often its holder checks it still does: a dead
// holder is replaced within about this long.
const leaseInterval = time.Second

// routingSubject is where routing calls go, followed by the method's name;
// only the lease holder subscribes (in one queue group, so that in a
// handover's overlap one engine answers each call).
const routingSubject = "parley.routing."

// callTimeout bounds one forwarded call: the engine answers from memory,
// in a round trip to PostgreSQL at most.
const callTimeout = 10 * time.Second

// routingLease takes and watches the routing lease on a node of a
// cluster, starting the engine when it takes it and stopping it the
// moment it is lost.
type routingLease struct {
	lease  *postgres.Lease
	open   func(context.Context) (*routing.Service, error)
	remote *routing.Remote
	nc     *nats.Conn
	log    *slog.Logger
	node   string

	sub       *nats.Subscription // the engine's answering, while held
	forwarded atomic.Int64
	stopOnce  sync.Once
	stop      chan struct{}
	done      chan struct{}
}

func (l *routingLease) run() {
	defer close(l.done)
	t := time.NewTicker(leaseInterval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			l.stepDown()
			return
		case <-t.C:
			l.tick()
		}
	}
}

// holds says whether this node holds the lease: it then runs the engine,
// which is where that is kept (routing.Remote), so it is never said
// twice.
func (l *routingLease) holds() bool { return l.remote.Engine() != nil }

// tick checks the lease when held, and tries to take it when not.
func (l *routingLease) tick() {
	ctx, cancel := context.WithTimeout(context.Background(), leaseInterval)
	defer cancel()
	if l.holds() {
		if err := l.lease.Check(ctx); err != nil {
			// Another node may take the lease from now on: this one's
			// engine stops before its next timer can offer anything.
			l.log.Error("cluster: lost the routing lease; this node stops routing", "node", l.node, "err", err)
			l.stepDown()
		}
		return
	}
	ok, err := l.lease.Try(ctx)
	if err != nil || !ok {
		return
	}
	// The engine starts from what the database holds: what the last
	// holder stored (a reservation it offered is still pending, and times
	// out as it would have; an accepted one stays accepted).
	svc, err := l.open(context.Background())
	if err != nil {
		l.log.Error("cluster: took the routing lease but cannot load routing; giving it up", "node", l.node, "err", err)
		l.lease.Release()
		return
	}
	sub, err := l.nc.QueueSubscribe(routingSubject+"*", "routing", func(m *nats.Msg) {
		go l.answer(svc, m)
	})
	if err != nil {
		l.log.Error("cluster: took the routing lease but cannot answer calls; giving it up", "node", l.node, "err", err)
		svc.Close()
		l.lease.Release()
		return
	}
	l.sub = sub
	l.remote.Run(svc)
	l.log.Info("cluster: this node runs routing", "node", l.node)
}

// answer runs a call another node forwarded.
func (l *routingLease) answer(svc *routing.Service, m *nats.Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	method := strings.TrimPrefix(m.Subject, routingSubject)
	if err := m.Respond(routing.Serve(ctx, svc, method, m.Data)); err != nil {
		l.log.Error("cluster: answer a routing call", "method", method, "err", err)
	}
}

// stepDown stops answering and stops the engine (its timers, its events
// delivered), then frees the lease for another node.
func (l *routingLease) stepDown() {
	if l.sub != nil {
		l.sub.Unsubscribe()
		l.sub = nil
	}
	if svc := l.remote.Stop(); svc != nil {
		svc.Close()
	}
	l.lease.Release()
}

// send forwards a call to the lease holder.
func (l *routingLease) send(ctx context.Context, method string, args []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	msg, err := l.nc.RequestWithContext(ctx, routingSubject+method, args)
	if errors.Is(err, nats.ErrNoResponders) {
		return nil, routing.ErrNoEngine
	}
	if err != nil {
		return nil, err
	}
	return msg.Data, nil
}

// close steps down and stops trying.
func (l *routingLease) close() {
	l.stopOnce.Do(func() { close(l.stop) })
	<-l.done
}

// countRouting exposes whether this node runs routing, and how many calls
// it forwarded to the node that does.
func (m *metrics) countRouting(l *routingLease) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "parley_cluster_routing_lease_held",
		Help: "1 while this node holds the routing lease and runs the routing engine, else 0."},
		func() float64 {
			if l.holds() {
				return 1
			}
			return 0
		}))
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "parley_cluster_routing_forwarded_total",
		Help: "Routing calls this node forwarded to the node that runs routing."},
		func() float64 { return float64(l.forwarded.Load()) }))
}
