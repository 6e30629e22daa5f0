package live

import (
	"context"
	"sync"
	"time"

	"parley/server/conversations"
	"parley/server/identity"
	"parley/server/render"
	"parley/server/routing"
	"parley/shared/i18n"
	"parley/shared/model"
	proto "parley/shared/realtime"
)

// QueueWatch tells waiting customers, over their sockets, where their chat
// stands in its queue and how long it may still wait (queue_position).
//
// Any routing event of a workspace (a task created, offered, accepted or
// canceled, a worker changing activity) may move every place in its
// queues, so it marks the workspace; a round then recomputes the
// workspace's places and sends only those that changed as the customer
// sees them (the place, or the estimate by more than its rounding). Rounds
// run at most once per Interval: a busy queue moves many places at once
// and the customer's line is told once.
type QueueWatch struct {
	live       *Live
	router     Positions
	render     *render.Renderer
	accountSID string
	// Interval is the least time between two rounds (a second by
	// default); set it before the first event.
	Interval time.Duration
	// now and after are the clock the rounds are paced by: the real one,
	// or in tests one the test moves.
	now   func() time.Time
	after func(time.Duration, func())

	mu      sync.Mutex
	dirty   map[string]bool // workspaces with news since the last round
	pending bool            // a round is scheduled
	last    time.Time       // when the last round ran
	sent    map[string]sentPosition
	closed  bool
	rounds  sync.WaitGroup // rounds scheduled and not yet over
}

// sentPosition is what a customer was last told about a task.
type sentPosition struct {
	workspace, conversation string
	to                      []string
	position                int
	wait                    int // seconds, rounded as the widget shows it; -1 without an estimate
}

// NewQueueWatch returns the watch; subscribe its Listen to routing.
func (l *Live) NewQueueWatch(router Positions, r *render.Renderer, accountSID string) *QueueWatch {
	return &QueueWatch{live: l, router: router, render: r, accountSID: accountSID, Interval: time.Second,
		now: time.Now, after: func(d time.Duration, f func()) { time.AfterFunc(d, f) },
		dirty: map[string]bool{}, sent: map[string]sentPosition{}}
}

// Listen is the routing listener: it marks the event's workspace and
// schedules a round. It never blocks.
func (q *QueueWatch) Listen(e routing.Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.dirty[e.WorkspaceSID] = true
	if q.pending {
		return
	}
	q.pending = true
	q.rounds.Add(1)
	// A short pause gathers the events of one change (an accept rescinds
	// offers, frees a worker, offers the next task); the interval bounds
	// the rate.
	wait := max(50*time.Millisecond, q.Interval-q.now().Sub(q.last))
	q.after(wait, q.round)
}

// Close stops the rounds, and returns once none is running or due: after
// it, nothing of the watch reads the store.
func (q *QueueWatch) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.rounds.Wait()
}

func (q *QueueWatch) round() {
	defer q.rounds.Done()
	q.mu.Lock()
	dirty := q.dirty
	q.dirty, q.pending, q.last = map[string]bool{}, false, q.now()
	closed := q.closed
	q.mu.Unlock()
	if closed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ws := range dirty {
		q.tell(ctx, ws)
	}
}

// tell sends the customers of a workspace's waiting chats what changed,
// and a last, empty position to those whose chat stopped waiting.
func (q *QueueWatch) tell(ctx context.Context, workspaceSID string) {
	ps, err := q.router.QueuePositions(ctx, workspaceSID)
	if err != nil {
		return // the workspace is gone
	}
	waiting := map[string]bool{}
	for _, p := range ps {
		conv, _ := p.Attrs[model.TaskAttrConversationSID].(string)
		if conv == "" {
			continue
		}
		waiting[p.TaskSID] = true
		now := sentPosition{workspace: workspaceSID, conversation: conv, position: p.Position, wait: shownWait(p)}
		q.mu.Lock()
		before, known := q.sent[p.TaskSID]
		q.mu.Unlock()
		if known && before.position == now.position && before.wait == now.wait {
			continue
		}
		now.to = before.to
		if !known {
			now.to = q.customers(ctx, conv)
		}
		q.mu.Lock()
		q.sent[p.TaskSID] = now
		q.mu.Unlock()
		q.live.Tell(now.to, conv, proto.QueuePosition, q.render.QueuePosition(q.accountSID, p))
	}
	q.mu.Lock()
	var gone []string
	for task, s := range q.sent {
		if s.workspace == workspaceSID && !waiting[task] {
			gone = append(gone, task)
		}
	}
	q.mu.Unlock()
	for _, task := range gone {
		q.mu.Lock()
		s := q.sent[task]
		delete(q.sent, task)
		q.mu.Unlock()
		v := model.QueuePosition{WorkspaceSID: workspaceSID, TaskSID: task, ConversationSID: s.conversation}
		if t, err := q.router.Task(ctx, workspaceSID, task); err == nil {
			v.AssignmentStatus = t.AssignmentStatus
		}
		q.live.Tell(s.to, s.conversation, proto.QueuePosition, v)
	}
}

// shownWait is the estimate as the customer reads it (i18n.WaitStep);
// -1 for none.
func shownWait(p routing.QueuePosition) int {
	if !p.Estimated {
		return -1
	}
	return i18n.WaitStep(int(p.EstimatedWait.Round(time.Second) / time.Second))
}

// customers are the identities of a conversation's customers (guests and
// a site's verified customers): who hears of its place in line.
func (q *QueueWatch) customers(ctx context.Context, conversationSID string) []string {
	page, err := q.live.conv.Participants(ctx, conversationSID, conversations.PageRequest{Size: 50})
	if err != nil {
		return nil
	}
	var out []string
	for _, p := range page.Items {
		if k := identity.KindOf(p.Identity); p.Identity != "" && (k == identity.Guest || k == identity.Customer) {
			out = append(out, p.Identity)
		}
	}
	return out
}
