package reports

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"parley/server/routing"
)

// ---- a routing desk in memory, and a store that remembers ----

// memRouting keeps nothing: routing holds everything in memory anyway.
type memRouting struct{}

type stored struct{}

func (stored) Wait() error { return nil }

func (memRouting) LoadRouting(context.Context) ([]routing.Record, error)         { return nil, nil }
func (memRouting) SaveRouting(context.Context, []routing.Record, []string) error { return nil }
func (memRouting) QueueRouting([]routing.Record, []string) routing.Pending       { return stored{} }

// factLog is a Store that remembers what it was given; hold, when set,
// keeps every write waiting until it is closed.
type factLog struct {
	mu     sync.Mutex
	facts  []Fact
	writes int
	hold   chan struct{}
	fail   error
}

func (l *factLog) RecordFacts(ctx context.Context, facts []Fact) error {
	if l.hold != nil {
		<-l.hold
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	if l.fail != nil {
		return l.fail
	}
	l.facts = append(l.facts, facts...)
	return nil
}

func (l *factLog) Facts(context.Context, Filter) ([]Fact, error) { return nil, nil }

func (l *factLog) of(task string) []Fact {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Fact
	for _, f := range l.facts {
		if f.TaskSID == task {
			out = append(out, f)
		}
	}
	return out
}

// desk is a routing workspace with one queue and one available worker.
type desk struct {
	rt                *routing.Service
	ws, queue, worker string
}

func openDesk(t *testing.T) *desk {
	t.Helper()
	ctx := context.Background()
	rt, err := routing.NewService(ctx, memRouting{}, "AC00000000000000000000000000000000")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := rt.CreateWorkspace(ctx, routing.WorkspaceParams{FriendlyName: ptr("Desk")})
	must(t, err)
	q, err := rt.CreateTaskQueue(ctx, ws.SID, routing.TaskQueueParams{FriendlyName: ptr("Support")})
	must(t, err)
	_, err = rt.CreateWorkflow(ctx, ws.SID, routing.WorkflowParams{FriendlyName: ptr("All"),
		Configuration: ptr(`{"task_routing":{"filters":[],"default_filter":{"queue":"` + q.SID + `"}}}`)})
	must(t, err)
	acts, err := rt.Activities(ctx, ws.SID, routing.ActivityFilter{FriendlyName: "Available"}, routing.PageRequest{Size: 1})
	must(t, err)
	w, err := rt.CreateWorker(ctx, ws.SID, routing.WorkerParams{FriendlyName: ptr("ana"), ActivitySID: &acts.Items[0].SID})
	must(t, err)
	return &desk{rt: rt, ws: ws.SID, queue: q.SID, worker: w.SID}
}

// chat routes a chat's task, as Flex Interactions make it.
func (d *desk) chat(t *testing.T) routing.Task {
	t.Helper()
	task, err := d.rt.CreateTask(context.Background(), d.ws, routing.TaskParams{TaskChannel: ptr("chat"),
		Attributes: ptr(`{"conversationSid":"CH1","customerAddress":"guest-1","channelType":"web","direction":"inbound"}`)})
	must(t, err)
	return task
}

// accept accepts the task's offer to the worker.
func (d *desk) accept(t *testing.T, task string) {
	t.Helper()
	page, err := d.rt.TaskReservations(context.Background(), d.ws, task, routing.ReservationFilter{}, routing.PageRequest{Size: 5})
	must(t, err)
	_, err = d.rt.UpdateReservation(context.Background(), d.ws, task, "", page.Items[0].SID, routing.ReservationParams{Status: routing.ReservationAccepted})
	must(t, err)
}

func (d *desk) update(t *testing.T, task string, p routing.TaskParams) {
	t.Helper()
	_, err := d.rt.UpdateTask(context.Background(), d.ws, task, p)
	must(t, err)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// ---- tests ----

func TestTheRecorderKeepsATasksLifeFromRoutingsEvents(t *testing.T) {
	d := openDesk(t)
	log := &factLog{}
	rec := NewRecorder(log, quiet)
	d.rt.Subscribe(rec.Record)

	answered := d.chat(t)
	d.accept(t, answered.SID)
	d.update(t, answered.SID, routing.TaskParams{AssignmentStatus: ptr(routing.TaskCompleted),
		Attributes: ptr(`{"conversationSid":"CH1","customerAddress":"guest-1","conversations":{"outcome":"Resolved","csat":"4.5"}}`)})
	abandoned := d.chat(t)
	d.update(t, abandoned.SID, routing.TaskParams{AssignmentStatus: ptr(routing.TaskCanceled), Reason: ptr("the customer left")})
	d.rt.Close() // delivers routing's last events
	rec.Close()  // stores them

	merged := func(task string) Fact {
		var m Fact
		for _, f := range log.of(task) {
			m.QueueSID = cmpOr(f.QueueSID, m.QueueSID)
			m.QueueName = cmpOr(f.QueueName, m.QueueName)
			m.ConversationSID = cmpOr(f.ConversationSID, m.ConversationSID)
			m.Customer = cmpOr(f.Customer, m.Customer)
			m.Outcome = cmpOr(f.Outcome, m.Outcome)
			if f.CSAT != nil {
				m.CSAT = f.CSAT
			}
			if m.Created.IsZero() {
				m.Created = f.Created
			}
			if m.Accepted.IsZero() {
				m.Accepted = f.Accepted
			}
			if m.End == "" {
				m.Ended, m.End = f.Ended, f.End
			}
		}
		return m
	}
	a, b := merged(answered.SID), merged(abandoned.SID)
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"queue", [2]string{a.QueueSID, a.QueueName}, [2]string{d.queue, "Support"}},
		{"conversation and customer", [2]string{a.ConversationSID, a.Customer}, [2]string{"CH1", "guest-1"}},
		{"outcome", a.Outcome, "Resolved"},
		{"a score given as text", a.CSAT != nil && *a.CSAT == 4.5, true},
		{"accepted after created", a.Accepted.After(a.Created) || a.Accepted.Equal(a.Created), true},
		{"created to the millisecond, not cut to the second", a.Created.Equal(a.Created.Truncate(time.Second)) && b.Created.Equal(b.Created.Truncate(time.Second)), false},
		{"ended completed", a.End, EndCompleted},
		{"the other was never accepted", b.Accepted.IsZero(), true},
		{"and was canceled", b.End, EndCanceled},
		{"without a score", b.CSAT == nil, true},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestTheRecorderWritesWhatArrivesMeanwhileInOneBatch(t *testing.T) {
	log := &factLog{hold: make(chan struct{})}
	rec := NewRecorder(log, quiet)
	created := routing.Event{Type: routing.EventTaskCreated, Time: time.Now(), Task: &routing.Task{SID: "WT1"}}
	rec.Record(created) // taken at once; its write waits on hold
	for range 100 {
		rec.Record(created)
	}
	close(log.hold)
	rec.Close()
	if len(log.facts) != 101 || log.writes > 3 {
		t.Errorf("%d facts in %d writes, want 101 in a couple of writes", len(log.facts), log.writes)
	}
}

func TestAFullRecorderDropsFactsCountedRatherThanHoldingRoutingUp(t *testing.T) {
	log := &factLog{hold: make(chan struct{})}
	rec := NewRecorder(log, quiet)
	rec.fullWait = 50 * time.Millisecond
	created := routing.Event{Type: routing.EventTaskCreated, Time: time.Now(), Task: &routing.Task{SID: "WT1"}}
	const sent = recorderBuffer + maxFactsPerWrite + 20 // the buffer, a write's worth, and twenty more
	start := time.Now()
	for range sent {
		rec.Record(created)
	}
	if rec.Lost() < 20 {
		t.Errorf("%d facts counted lost while the store held every write, want at least 20", rec.Lost())
	}
	// The first fact that found no room waited; the others did not (had
	// each waited, this would take 20 waits or more).
	if took := time.Since(start); took > time.Duration(rec.Lost())*rec.fullWait/2 {
		t.Errorf("dropping %d facts took %v: each waited for room again", rec.Lost(), took)
	}
	close(log.hold)
	rec.Close()
	if got := int64(len(log.facts)) + rec.Lost(); got != sent {
		t.Errorf("%d facts stored or counted lost, want every one of %d", got, sent)
	}
}

func TestFactsAWriteFailedToStoreAreCountedLost(t *testing.T) {
	log := &factLog{fail: errors.New("disk full")}
	rec := NewRecorder(log, quiet)
	rec.Record(routing.Event{Type: routing.EventTaskCreated, Time: time.Now(), Task: &routing.Task{SID: "WT1"}})
	rec.Close()
	if rec.Lost() != 1 {
		t.Errorf("lost %d, want the one fact whose write failed", rec.Lost())
	}
}

func TestEventsThatTellNothingNewAreIgnored(t *testing.T) {
	task := &routing.Task{SID: "WT1"}
	for _, typ := range []string{routing.EventReservationCreated, routing.EventReservationRejected, routing.EventReservationTimeout,
		routing.EventWorkflowTargetMatch, routing.EventWorkerActivityUpdate} {
		if _, ok := factOf(routing.Event{Type: typ, Task: task}); ok {
			t.Errorf("%s made a fact", typ)
		}
	}
	if _, ok := factOf(routing.Event{Type: routing.EventWorkerActivityUpdate}); ok {
		t.Errorf("an event without a task made a fact")
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
