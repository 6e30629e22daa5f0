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
	"parley/server/outbox"
	"parley/server/store/postgres"
	"parley/shared/sid"
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

// Every node runs the outbox. Sharing one database, each job must still
// be delivered once, and a key's jobs in order, whichever node runs them;
// a node that dies mid-line lets another take its keys.
func TestNodesSharingADatabaseRunEachOutboxJobOnceInOrder(t *testing.T) {
	url := postgresURL(t)
	const nodes, keys, perKey = 3, 12, 8
	stores := make([]*Outbox, nodes)
	for i := range stores {
		stores[i] = NewOutbox(reopen(t, url))
	}
	ctx := context.Background()
	var jobs []outbox.Job
	for k := range keys {
		for n := range perKey {
			jobs = append(jobs, outbox.Job{SID: sid.New(sid.Delivery), Kind: "test", Key: fmt.Sprint("key", k),
				Payload: []byte(fmt.Sprint(n)), Created: time.Now()})
		}
	}
	if err := stores[0].Enqueue(ctx, jobs...); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	got := map[string][]string{} // key → payloads, in delivery order
	byNode := make([]int, nodes)
	done := make(chan struct{})
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	for i, st := range stores {
		r := &outbox.Runner{Store: st, Claims: st.Claims(), Workers: 4, Handlers: map[string]outbox.Handler{
			"test": func(_ context.Context, j outbox.Job) outbox.Result {
				time.Sleep(time.Millisecond) // long enough for runners to meet
				mu.Lock()
				defer mu.Unlock()
				got[j.Key] = append(got[j.Key], string(j.Payload))
				byNode[i]++
				if n := len(got); n == keys {
					all := 0
					for _, ps := range got {
						all += len(ps)
					}
					if all >= keys*perKey {
						select {
						case <-done:
						default:
							close(done)
						}
					}
				}
				return outbox.Result{Status: 200}
			}}}
		wg.Go(func() { r.Run(runCtx) })
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the jobs were not all delivered in 30 s")
	}
	time.Sleep(100 * time.Millisecond) // a job run twice would show now
	stop()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	want := make([]string, perKey)
	for n := range want {
		want[n] = fmt.Sprint(n)
	}
	for k, ps := range got {
		if !slices.Equal(ps, want) {
			t.Errorf("%s delivered %v, want %v once each, in order", k, ps, want)
		}
	}
	t.Logf("jobs run per node: %v", byNode)
}

// A node that dies in the middle of a key's line (its handler never
// returns; PostgreSQL sees its connection go) leaves the key to another
// node, which delivers the line, the interrupted job again included: at
// least once, and in order.
func TestANodeThatDiesMidLineLeavesItsKeysToAnother(t *testing.T) {
	url := postgresURL(t)
	dying, other := NewOutbox(reopen(t, url)), NewOutbox(reopen(t, url))
	ctx := context.Background()
	enqueueLine(t, dying, "line", 3)

	started, hang := make(chan struct{}), make(chan struct{})
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		stop()
		close(hang)
		wg.Wait()
	}()
	d := &outbox.Runner{Store: dying, Claims: dying.Claims(), Handlers: map[string]outbox.Handler{
		"test": func(context.Context, outbox.Job) outbox.Result {
			close(started)
			<-hang // the node is gone: this attempt never ends
			return outbox.Result{Err: errors.New("gone")}
		}}}
	wg.Go(func() { d.Run(runCtx) })
	<-started

	var mu sync.Mutex
	var got []string
	o := &outbox.Runner{Store: other, Claims: other.Claims(), Handlers: map[string]outbox.Handler{
		"test": func(_ context.Context, j outbox.Job) outbox.Result {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, string(j.Payload))
			return outbox.Result{Status: 200}
		}}}
	wg.Go(func() { o.Run(runCtx) })
	delivered := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
	time.Sleep(1500 * time.Millisecond) // a look or two by the other node
	if g := delivered(); len(g) > 0 {
		t.Fatalf("the other node ran %v while the line's claim was held", g)
	}

	// The dying node's connections go, as its process's would.
	if _, err := other.db.read.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND classid = $1 AND pid <> pg_backend_pid()
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, int64(claimSpace)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(delivered()) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if g := delivered(); !slices.Equal(g, []string{"0", "1", "2"}) {
		t.Errorf("after the node died, the other delivered %v, want [0 1 2]", g)
	}
}

// A node that loses its claim on a line while it runs it (its claims'
// connection ended: the database restarted, a proxy cut it, an operator
// ended it) while the node itself lives on stops running the line once
// its job in flight ends: another node has taken the key and runs the
// line from where it was saved. Running on, the first node sent the rest
// of the line a second time, interleaved with the other's: a customer's
// texts twice and out of order.
func TestANodeThatLosesItsClaimMidLineStopsRunningIt(t *testing.T) {
	url := postgresURL(t)
	losing, other := NewOutbox(reopen(t, url)), NewOutbox(reopen(t, url))
	ctx := context.Background()
	enqueueLine(t, losing, "line", 3)

	var mu sync.Mutex
	var got []string // "node:payload", in delivery order
	deliver := func(node string, j outbox.Job) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, node+":"+string(j.Payload))
	}
	delivered := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
	started, resume := make(chan struct{}), make(chan struct{})
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()
	first := true
	l := &outbox.Runner{Store: losing, Claims: losing.Claims(), Handlers: map[string]outbox.Handler{
		"test": func(_ context.Context, j outbox.Job) outbox.Result {
			if first {
				first = false
				close(started)
				<-resume // the claim is lost meanwhile
			}
			deliver("A", j)
			return outbox.Result{Status: 200}
		}}}
	wg.Go(func() { l.Run(runCtx) })
	<-started

	// The losing node's claims' connection is ended; the node lives on.
	if _, err := other.db.read.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND classid = $1 AND pid <> pg_backend_pid()
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, int64(claimSpace)); err != nil {
		t.Fatal(err)
	}
	o := &outbox.Runner{Store: other, Claims: other.Claims(), Handlers: map[string]outbox.Handler{
		"test": func(_ context.Context, j outbox.Job) outbox.Result {
			deliver("B", j)
			return outbox.Result{Status: 200}
		}}}
	wg.Go(func() { o.Run(runCtx) })
	for deadline := time.Now().Add(10 * time.Second); len(delivered()) < 3; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the other node delivered %v in 10 s, want the line", delivered())
		}
	}
	close(resume)
	time.Sleep(500 * time.Millisecond) // what the first node would send next, it would have by now
	if g, want := delivered(), []string{"B:0", "B:1", "B:2", "A:0"}; !slices.Equal(g, want) {
		t.Errorf("deliveries %v, want %v: the node that lost the claim finishes its job in flight and stops", g, want)
	}
}

// enqueueLine queues n jobs of kind "test" under key, their payloads 0 to
// n-1.
func enqueueLine(t *testing.T, st *Outbox, key string, n int) {
	t.Helper()
	var jobs []outbox.Job
	for i := range n {
		jobs = append(jobs, outbox.Job{SID: sid.New(sid.Delivery), Kind: "test", Key: key,
			Payload: []byte(fmt.Sprint(i)), Created: time.Now()})
	}
	if err := st.Enqueue(context.Background(), jobs...); err != nil {
		t.Fatal(err)
	}
}
