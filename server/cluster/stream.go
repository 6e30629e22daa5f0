package cluster

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// A Stream delivers, on every node, the events every node commits, in the
// order of their sequence numbers and each once.
//
// The database hands out seqs in commit order across the cluster (one
// writer at a time holds its write lock) and each commit takes a range of
// them, so batches tile the seq line with no overlap and no hole between
// them. A node publishes each batch it commits with its range; a node
// receiving batches releases them once the ranges before them have been
// released. A range that does not arrive in time (a node died between its
// commit and its publish, NATS dropped it or is away) is read from the
// database: NATS is for speed, the database for truth.
type Stream[E any] struct {
	nc      *nats.Conn
	subject string
	node    string
	sub     *nats.Subscription
	src     Source[E]
	release func(E)
	lg      logger

	in   chan batch[E]
	stop chan struct{}
	done chan struct{}

	// pos is the last seq released: every event at or below it has been.
	pos atomic.Int64
	// Counters for metrics.
	Published, Received, Filled atomic.Int64
}

// Source is the database's side of a stream: where its log ends, and the
// events of a range.
type Source[E any] struct {
	// Head is the last seq committed.
	Head func(ctx context.Context) (int64, error)
	// Between returns the events after after and up to upTo, in order, at
	// most limit of them.
	Between func(ctx context.Context, after, upTo int64, limit int) ([]E, error)
	// Seq is an event's seq.
	Seq func(E) int64
}

type logger interface {
	Warn(msg string, args ...any)
	Error(msg string, args ...any)
}

// batch is a commit's events and the seq range it took, (After, Upto].
type batch[E any] struct {
	Node   string `json:"node"`
	After  int64  `json:"after"`
	UpTo   int64  `json:"up_to"`
	Events []E    `json:"events"`
	at     time.Time
}

// Timing of the stream: how long a gap waits for its batch before it is
// read from the database, and how often the database's end is checked
// (which finds the ranges no later batch points at, as when NATS is down).
var (
	GapWait   = 100 * time.Millisecond
	HeadEvery = 500 * time.Millisecond
)

// fillLimit bounds one read of a missing range.
const fillLimit = 1000

// OpenStream starts releasing, in order, the events committed after the
// database's end as it stands now. release runs on one goroutine, in seq
// order; it may block (back-pressure reaches the batches behind it).
func OpenStream[E any](n *Node, subject string, src Source[E], release func(E)) (*Stream[E], error) {
	s := &Stream[E]{nc: n.nc, subject: subject, node: n.ID, src: src, release: release, lg: n.lg,
		in: make(chan batch[E], 1024), stop: make(chan struct{}), done: make(chan struct{})}
	// Subscribe before reading the end: a batch committed in between
	// arrives, or is found missing and read.
	sub, err := n.nc.Subscribe(subject, s.receive)
	if err != nil {
		return nil, err
	}
	if err := sub.SetPendingLimits(-1, 256<<20); err != nil {
		sub.Unsubscribe()
		return nil, err
	}
	s.sub = sub
	head, err := src.Head(context.Background())
	if err != nil {
		sub.Unsubscribe()
		return nil, err
	}
	s.pos.Store(head)
	go s.run()
	return s, nil
}

// Local hands the stream a batch this node committed: the events with seqs
// after after and up to upTo. It publishes it to the other nodes and
// releases it here in its turn. It must be called in commit order.
func (s *Stream[E]) Local(after, upTo int64, events []E) {
	b := batch[E]{Node: s.node, After: after, UpTo: upTo, Events: events}
	if data, err := json.Marshal(b); err != nil {
		s.lg.Error("cluster: encode a batch", "subject", s.subject, "err", err)
	} else if err := s.nc.Publish(s.subject, data); err != nil {
		// Buffered while NATS is away; an error means the buffer is
		// full or the link closed: the others read the range instead.
		s.lg.Warn("cluster: publish a batch", "subject", s.subject, "err", err)
	} else {
		s.Published.Add(1)
	}
	s.in <- b
}

func (s *Stream[E]) receive(m *nats.Msg) {
	var b batch[E]
	if err := json.Unmarshal(m.Data, &b); err != nil {
		s.lg.Error("cluster: a batch that does not decode", "subject", s.subject, "err", err)
		return
	}
	s.Received.Add(1)
	select {
	case s.in <- b:
	case <-s.stop:
	}
}

// Position is the last seq this node has released.
func (s *Stream[E]) Position() int64 { return s.pos.Load() }

// Close stops the stream; it releases nothing after it returns.
func (s *Stream[E]) Close() {
	s.sub.Unsubscribe()
	close(s.stop)
	<-s.done
}

// run orders what arrives: pending holds batches ahead of pos by their
// start, and each is released as the range before it is.
func (s *Stream[E]) run() {
	defer close(s.done)
	pending := map[int64]batch[E]{}
	head := time.NewTicker(HeadEvery)
	defer head.Stop()
	var gap *time.Timer
	var gapC <-chan time.Time
	// seen is the database's end at the last check: if pos is still
	// short of it at the next, the ranges between never came.
	seen := int64(0)
	for {
		select {
		case <-s.stop:
			return
		case b := <-s.in:
			if b.UpTo <= s.pos.Load() {
				continue // read from the database already, or a duplicate
			}
			b.at = time.Now()
			pending[b.After] = b
		case <-gapC:
			gapC = nil
			// Read the missing range once the batch waiting on it has
			// waited GapWait: with several nodes writing, some batch is
			// nearly always pending, each for a moment only.
			next := s.nextStart(pending)
			b, ok := pending[next]
			if !ok {
				continue // nothing waits
			}
			if time.Since(b.at) < GapWait {
				gap.Reset(GapWait - time.Since(b.at))
				gapC = gap.C
				continue
			}
			s.fillTo(next)
		case <-head.C:
			h, err := s.src.Head(context.Background())
			if err != nil {
				s.lg.Warn("cluster: read the event log's end", "err", err)
				continue
			}
			if seen > s.pos.Load() {
				s.fillTo(min(seen, s.nextStart(pending)))
			}
			seen = h
		}
		s.releaseReady(pending)
		// A batch still pending waits on a range before it: give that
		// range GapWait to arrive, then read it.
		switch {
		case len(pending) == 0 && gapC != nil:
			gap.Stop()
			gapC = nil
		case len(pending) > 0 && gapC == nil:
			if gap == nil {
				gap = time.NewTimer(GapWait)
			} else {
				gap.Reset(GapWait)
			}
			gapC = gap.C
		}
	}
}

// nextStart is where the earliest pending batch starts (its After), or the
// largest seq when none waits.
func (s *Stream[E]) nextStart(pending map[int64]batch[E]) int64 {
	next := int64(1<<63 - 1)
	for after := range pending {
		next = min(next, after)
	}
	return next
}

// releaseReady releases the pending batches that continue pos.
func (s *Stream[E]) releaseReady(pending map[int64]batch[E]) {
	for {
		pos := s.pos.Load()
		b, ok := pending[pos]
		if !ok {
			// A batch may start below pos after a fill read part of it.
			for after, p := range pending {
				if p.UpTo <= pos {
					delete(pending, after)
				} else if after < pos {
					b, ok = p, true
				}
			}
			if !ok {
				return
			}
		}
		delete(pending, b.After)
		for _, e := range b.Events {
			if s.src.Seq(e) > pos {
				s.release(e)
			}
		}
		s.pos.Store(b.UpTo)
	}
}

// fillTo reads from the database the events from pos up to upTo and
// releases them. upTo is committed already: a batch that starts there
// arrived, or the log's end was read there.
func (s *Stream[E]) fillTo(upTo int64) {
	for pos := s.pos.Load(); pos < upTo; pos = s.pos.Load() {
		evs, err := s.src.Between(context.Background(), pos, upTo, fillLimit)
		if err != nil {
			s.lg.Warn("cluster: read missing events from the log", "after", pos, "up_to", upTo, "err", err)
			return
		}
		reached := upTo
		if len(evs) == fillLimit {
			reached = s.src.Seq(evs[len(evs)-1])
		}
		for _, e := range evs {
			s.release(e)
		}
		s.pos.Store(reached)
		s.Filled.Add(1)
	}
}
