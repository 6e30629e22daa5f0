package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"parley/server/conversations"
	"parley/server/store/postgres"
)

// Several Parley nodes share one PostgreSQL database (the cluster builds on
// it): their writers must write as one, so that what the domain relies on
// from a single writer holds across nodes.

// seqRecorder is a node's publisher: it keeps the seqs it was handed, in
// order, and at each one how many of the watcher's events up to it were
// committed then.
type seqRecorder struct {
	store    *Conversations
	svc      *conversations.Service
	watcher  string
	mu       sync.Mutex
	seqs     []int64
	seenUpTo map[int64]int
	err      error
}

func (r *seqRecorder) Publish(e conversations.Event) {
	// Counted on the read pool while the node's writer waits: a later
	// commit of a smaller seq, by any node, would raise the count after.
	evs, err := r.store.EventsSince(context.Background(), r.watcher, 0, e.Seq, 1<<20)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seqs = append(r.seqs, e.Seq)
	r.seenUpTo[e.Seq] = len(evs)
	if err != nil && r.err == nil {
		r.err = err
	}
}

func TestNodesSharingADatabaseWriteAsOne(t *testing.T) {
	url := postgresURL(t)
	ctx := context.Background()
	const nodes, senders, each = 2, 12, 10
	recs := make([]*seqRecorder, nodes)
	for i := range recs {
		st := NewConversations(reopen(t, url))
		svc := conversations.NewService(st, "AC00000000000000000000000000000001", "IS00000000000000000000000000000001")
		recs[i] = &seqRecorder{store: st, svc: svc, watcher: "watcher", seenUpTo: map[int64]int{}}
		svc.SetPublisher(recs[i])
	}
	conv, err := recs[0].svc.CreateConversation(ctx, conversations.ConversationParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := recs[1].svc.AddParticipant(ctx, conv.SID, conversations.ParticipantParams{Identity: ptr("watcher")}); err != nil {
		t.Fatal(err)
	}

	errs := race(nodes*senders, func(i int) error {
		svc := recs[i%nodes].svc
		for j := range each {
			if _, err := svc.SendMessage(ctx, conv.SID, conversations.MessageParams{
				Author: ptr(fmt.Sprint("sender", i)), Body: ptr(fmt.Sprint(i, "/", j))}); err != nil {
				return fmt.Errorf("node %d: %w", i%nodes, err)
			}
			if j%4 == 0 { // events that are not messages, in the events table
				if _, err := svc.UpdateConversation(ctx, conv.SID, conversations.ConversationParams{
					FriendlyName: ptr(fmt.Sprint("round ", i, "/", j))}); err != nil {
					return fmt.Errorf("node %d: %w", i%nodes, err)
				}
			}
		}
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("a write failed: %v", err)
	}

	want := make([]int, nodes*senders*each)
	for i := range want {
		want[i] = i
	}
	if got := indexes(t, recs[0].svc, conv.SID); !slices.Equal(got, want) {
		t.Fatalf("indexes %v, want 0..%d each once", got, len(want)-1)
	}

	// Every event is in the log once, and each node published its own in
	// the log's order.
	all, err := recs[0].store.EventsSince(ctx, "watcher", 0, 1<<62, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var logged, published []int64
	for _, e := range all {
		logged = append(logged, e.Seq)
	}
	for i, r := range recs {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if !slices.IsSorted(r.seqs) {
			t.Errorf("node %d published seqs out of order: %v", i, r.seqs)
		}
		published = append(published, r.seqs...)
	}
	slices.Sort(published)
	if len(slices.Compact(slices.Clone(published))) != len(published) {
		t.Errorf("two events published under one seq: %v", published)
	}
	if !slices.IsSorted(logged) || len(slices.Compact(slices.Clone(logged))) != len(logged) {
		t.Errorf("the log repeats or disorders seqs: %v", logged)
	}
	if wantN := nodes*senders*each + 2 + nodes*senders*((each+3)/4); len(logged) != wantN {
		t.Errorf("the log holds %d events for the watcher, want %d (its join and the conversation's arrival, every message and rename)", len(logged), wantN)
	}

	// When a node published seq s, every event up to s was committed: a
	// client that resumed from s then would have missed nothing. (With
	// seqs handed out before commit, another node's smaller seq can commit
	// after a larger one was published, and a cursor passes it by.)
	upTo := func(s int64) int {
		n, _ := slices.BinarySearch(logged, s+1)
		return n
	}
	late := 0
	for _, r := range recs {
		for s, n := range r.seenUpTo {
			if n != upTo(s) {
				late++
				if late <= 3 {
					t.Errorf("when seq %d was published, %d events up to it were committed; %d are now", s, n, upTo(s))
				}
			}
		}
	}
	if late > 3 {
		t.Errorf("... %d publications in all came before an earlier event committed", late)
	}
}

// A node that stops in the middle of a batch, its connection still open
// (frozen, or cut off without a reset), holds the write lock, and with
// it every node's writes. PostgreSQL ends such a session once it has sat
// idle in its transaction past idle_in_transaction_session_timeout, and
// the other nodes write again. Parley sets 10 s unless the URL says
// otherwise; this test says 1 s.
func TestANodeFrozenInABatchStopsTheOthersOnlyBriefly(t *testing.T) {
	u, err := url.Parse(postgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("idle_in_transaction_session_timeout", "1s")
	u.RawQuery = q.Encode()
	frozen, other := reopen(t, u.String()), reopen(t, u.String())
	ctx := context.Background()
	svc := newService(other)
	conv, err := svc.CreateConversation(ctx, conversations.ConversationParams{})
	if err != nil {
		t.Fatal(err)
	}

	// What the frozen node's writer had done when it stopped: begun its
	// batch, which takes the row.
	conn, err := frozen.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(postgres.WriteLock)); err != nil {
		t.Fatal(err)
	}

	sendCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := svc.SendMessage(sendCtx, conv.SID, conversations.MessageParams{Body: ptr("still there?")}); err != nil {
		t.Fatalf("a node kept writing behind a frozen one: %v", err)
	}
}
