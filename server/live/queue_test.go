package live_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"parley/server/agents"
	"parley/server/apperr"
	"parley/server/identity"
	"parley/server/live"
	"parley/server/routing"
	"parley/shared/model"
	proto "parley/shared/realtime"
)

// table is routing's queue positions as the test sets them: a small
// implementation of live.Positions. The real engine's estimates come
// from measured handling times and cannot be put on the boundaries of
// the customer's rounding; its places and events are tested in
// routing's own tests.
type table struct {
	mu    sync.Mutex
	waits map[string][]routing.QueuePosition // by workspace
	ended map[string]routing.Task            // tasks that stopped waiting, by SID
	asked map[string]int                     // QueuePositions calls by workspace
}

func newTable() *table {
	return &table{waits: map[string][]routing.QueuePosition{}, ended: map[string]routing.Task{}, asked: map[string]int{}}
}

func (tb *table) QueuePositions(_ context.Context, ws string) ([]routing.QueuePosition, error) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.asked[ws]++
	return append([]routing.QueuePosition(nil), tb.waits[ws]...), nil
}

func (tb *table) Task(_ context.Context, ws, sid string) (routing.Task, error) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	t, ok := tb.ended[sid]
	if !ok {
		return routing.Task{}, apperr.New(apperr.NotFound, apperr.CodeNotFound, "no task %s", sid)
	}
	return t, nil
}

// set replaces a workspace's waiting tasks: (task, conversation, wait in
// seconds or -1 for no estimate), in queue order.
func (tb *table) set(ws string, rows ...waiting) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var ps []routing.QueuePosition
	for i, w := range rows {
		p := routing.QueuePosition{TaskSID: w.task, WorkspaceSID: ws, QueueSID: "WQ00000000000000000000000000000001",
			AssignmentStatus: "pending", Position: i + 1, InQueue: len(rows),
			Attrs: map[string]any{model.TaskAttrConversationSID: w.conversation}}
		if w.wait >= 0 {
			p.EstimatedWait, p.Estimated = time.Duration(w.wait)*time.Second, true
		}
		ps = append(ps, p)
	}
	tb.waits[ws] = ps
}

type waiting struct {
	task, conversation string
	wait               int
}

// clock is the watch's pacing clock, moved by the test; rounds it
// schedules run when the test says.
type clock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration // every scheduling, in order
	due   []func()
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) After(d time.Duration, f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits, c.due = append(c.waits, d), append(c.due, f)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fire runs the rounds scheduled so far, and says how many.
func (c *clock) fire() int {
	c.mu.Lock()
	due := c.due
	c.due = nil
	c.mu.Unlock()
	for _, f := range due {
		f()
	}
	return len(due)
}

func (c *clock) scheduled() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// watch is a queue watch over tb, paced by a test clock.
func (r *rig) watch(tb *table) (*live.QueueWatch, *clock) {
	q := r.live.NewQueueWatch(tb, r.render, accountSID)
	c := &clock{now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)}
	live.SetQueueClock(q, c.Now, c.After)
	r.t.Cleanup(func() {
		c.fire() // Close waits for the rounds due
		q.Close()
	})
	return q, c
}

const ws1, ws2 = "WS00000000000000000000000000000001", "WS00000000000000000000000000000002"

// position reads a queue_position frame: place (0 for null) and
// estimate (-1 for null).
func position(t *testing.T, f proto.ServerFrame) (int, int) {
	t.Helper()
	v := data[model.QueuePosition](t, f)
	place, wait := 0, -1
	if v.Position != nil {
		place = *v.Position
	}
	if v.EstimatedWaitTime != nil {
		wait = *v.EstimatedWaitTime
	}
	return place, wait
}

// Waiting customers hear their place and estimate; the agent in the same
// conversation does not. A round tells only what changed as the customer
// sees it: the place, or the estimate past its rounding to minutes. When
// a task stops waiting its customer hears a last, null place, with how
// the task ended.
func TestQueuePositionToCustomersWhenItChanges(t *testing.T) {
	r := newRig(t)
	g1, c2 := identity.NewGuest(), identity.OfCustomer("dep1", "sub2")
	agent, atok := r.agent(agentA, agents.RoleAgent)
	chat1 := r.conversation(g1, agent)
	chat2 := r.conversation(c2)
	w1 := r.connect(g1, r.guestToken(g1, "dep1"))
	w2 := r.connect(c2, r.guestToken(c2, "dep1"))
	wa := r.connect(agent, atok)
	tb := newTable()
	q, clk := r.watch(tb)

	// round sets the table, lets routing's news in and runs the round;
	// it returns each wire's queue_position frames up to a barrier.
	round := func(rows ...waiting) map[*wire][]proto.ServerFrame {
		t.Helper()
		tb.set(ws1, rows...)
		q.Listen(routing.Event{WorkspaceSID: ws1})
		clk.advance(time.Second)
		clk.fire()
		mark := r.barrier()
		out := map[*wire][]proto.ServerFrame{}
		for _, w := range []*wire{w1, w2, wa} {
			for _, f := range w.before(mark) {
				if f.Event == proto.QueuePosition {
					out[w] = append(out[w], f)
				}
			}
		}
		return out
	}
	expect := func(step string, got map[*wire][]proto.ServerFrame, w *wire, place, wait int) {
		t.Helper()
		fs := got[w]
		if place < 0 {
			if len(fs) != 0 {
				t.Errorf("%s: %s was told %d positions, want none", step, w.identity, len(fs))
			}
			return
		}
		if len(fs) != 1 {
			t.Errorf("%s: %s was told %d positions, want one", step, w.identity, len(fs))
			return
		}
		if p, s := position(t, fs[0]); p != place || s != wait {
			t.Errorf("%s: %s told place %d, wait %d; want %d, %d", step, w.identity, p, s, place, wait)
		}
	}

	got := round(waiting{"WT1", chat1, 100}, waiting{"WT2", chat2, -1})
	expect("first", got, w1, 1, 100)
	expect("first", got, w2, 2, -1)
	expect("first", got, wa, -1, 0)
	if v := data[model.QueuePosition](t, got[w1][0]); v.ConversationSID != chat1 || got[w1][0].ConversationSID != chat1 {
		t.Errorf("position names conversation %q, want %s", v.ConversationSID, chat1)
	}

	got = round(waiting{"WT1", chat1, 100}, waiting{"WT2", chat2, -1})
	expect("nothing moved", got, w1, -1, 0)
	expect("nothing moved", got, w2, -1, 0)

	// 100 s and 110 s both read "about 2 minutes".
	got = round(waiting{"WT1", chat1, 110}, waiting{"WT2", chat2, -1})
	expect("within the rounding", got, w1, -1, 0)

	got = round(waiting{"WT1", chat1, 160}, waiting{"WT2", chat2, -1})
	expect("a minute more", got, w1, 1, 160)
	expect("a minute more", got, w2, -1, 0)

	got = round(waiting{"WT1", chat1, 160}, waiting{"WT2", chat2, 40})
	expect("an estimate appears", got, w2, 2, 40)

	// WT1 is accepted: its customer hears a last, null place; WT2 moves up.
	tb.mu.Lock()
	tb.ended["WT1"] = routing.Task{SID: "WT1", AssignmentStatus: "assigned"}
	tb.mu.Unlock()
	got = round(waiting{"WT2", chat2, 40})
	expect("accepted", got, w1, 0, -1)
	expect("accepted", got, w2, 1, 40)
	expect("accepted", got, wa, -1, 0)
	if v := data[model.QueuePosition](t, got[w1][0]); v.AssignmentStatus != "assigned" || v.TaskSID != "WT1" {
		t.Errorf("the last position = %+v, want task WT1, assigned", v)
	}

	// Told once: the ended task is not told again.
	got = round(waiting{"WT2", chat2, 40})
	expect("after the end", got, w1, -1, 0)
}

// Rounds run at most once an Interval, whatever the number of events and
// workspaces: a burst of routing news is one round, asking each workspace
// once; news soon after waits out the rest of the interval.
func TestQueueRoundsPaced(t *testing.T) {
	r := newRig(t)
	tb := newTable()
	q, clk := r.watch(tb)

	for range 5 {
		q.Listen(routing.Event{WorkspaceSID: ws1})
	}
	q.Listen(routing.Event{WorkspaceSID: ws2})
	if got := clk.scheduled(); len(got) != 1 || got[0] != 50*time.Millisecond {
		t.Fatalf("a burst scheduled %v, want one round after the 50ms gathering pause", got)
	}
	clk.advance(50 * time.Millisecond)
	clk.fire()
	tb.mu.Lock()
	a1, a2 := tb.asked[ws1], tb.asked[ws2]
	tb.mu.Unlock()
	if a1 != 1 || a2 != 1 {
		t.Fatalf("the round asked ws1 %d times, ws2 %d; want once each", a1, a2)
	}

	clk.advance(200 * time.Millisecond)
	q.Listen(routing.Event{WorkspaceSID: ws1})
	q.Listen(routing.Event{WorkspaceSID: ws1})
	if got := clk.scheduled(); len(got) != 2 || got[1] != 800*time.Millisecond {
		t.Fatalf("news 200ms after a round scheduled %v, want the next round 800ms on (a second after the last)", got)
	}
	clk.advance(800 * time.Millisecond)
	clk.fire()
	tb.mu.Lock()
	a1, a2 = tb.asked[ws1], tb.asked[ws2]
	tb.mu.Unlock()
	if a1 != 2 || a2 != 1 {
		t.Errorf("the second round asked ws1 %d times in all, ws2 %d; want 2 and 1 (ws2 had no news)", a1, a2)
	}

	q.Close()
	q.Listen(routing.Event{WorkspaceSID: ws1})
	if got := clk.scheduled(); len(got) != 2 {
		t.Errorf("a closed watch scheduled %v", got)
	}
}
