package routing

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"parley/server/apperr"
)

// Event is something that happened in a workspace, named as TaskRouter
// names its events (task.created, reservation.accepted ...). Listeners get
// copies, in the order things happened, and only once they are stored.
type Event struct {
	Type         string
	Description  string
	Time         time.Time
	WorkspaceSID string
	ResourceType string // task, reservation, worker
	ResourceSID  string

	Task        *Task        // the task concerned, as it was then
	Reservation *Reservation // for reservation events
	Worker      *WorkerView  // the worker concerned, if any
	// Workers are those holding a live reservation on the task: they hear
	// of its changes.
	Workers []WorkerView

	WorkspaceName, QueueName, WorkflowName string
	// CallbackURL is the workspace's EventCallbackUrl when its
	// EventsFilter lets this event through; "" otherwise.
	CallbackURL string
}

// Event types, as TaskRouter's.
const (
	EventTaskCreated          = "task.created"
	EventTaskUpdated          = "task.updated"
	EventTaskCanceled         = "task.canceled"
	EventTaskWrapup           = "task.wrapup"
	EventTaskCompleted        = "task.completed"
	EventTaskDeleted          = "task.deleted"
	EventTaskQueueEntered     = "task-queue.entered"
	EventTaskQueueMoved       = "task-queue.moved"
	EventWorkflowTargetMatch  = "workflow.target-matched"
	EventWorkflowTimeout      = "workflow.timeout"
	EventReservationCreated   = "reservation.created"
	EventReservationAccepted  = "reservation.accepted"
	EventReservationRejected  = "reservation.rejected"
	EventReservationTimeout   = "reservation.timeout"
	EventReservationCanceled  = "reservation.canceled"
	EventReservationRescinded = "reservation.rescinded"
	EventReservationWrapup    = "reservation.wrapup"
	EventReservationCompleted = "reservation.completed"
	EventWorkerActivityUpdate = "worker.activity.update"
)

// Wanted reports whether a workspace's EventsFilter (comma-separated
// event types; empty for all) lets an event type through.
func (w Workspace) Wanted(eventType string) bool {
	if strings.TrimSpace(w.EventsFilter) == "" {
		return true
	}
	for _, f := range strings.Split(w.EventsFilter, ",") {
		if strings.TrimSpace(f) == eventType {
			return true
		}
	}
	return false
}

// Pending is a write on its way to the store.
type Pending interface{ Wait() error }

type done struct{ err error }

func (d done) Wait() error { return d.err }

// errClosed answers changes that arrive while the server shuts down.
var errClosed = apperr.New(apperr.Internal, apperr.CodeInternal, "Routing is shutting down; retry against the restarted server")

// batch collects what one operation wrote and what it has to tell.
type batch struct {
	change
	events  []Event
	sp      *space   // the workspace the workers below are in
	workers []string // freed workers to offer more work before flushing
}

func (b *batch) emit(e Event) { b.events = append(b.events, e) }

// taskEvent describes something that happened to a task.
func (s *Service) taskEvent(sp *space, typ string, t *Task, desc string) Event {
	return Event{Type: typ, Description: desc, Time: s.now().UTC(), WorkspaceSID: sp.SID, ResourceType: "task",
		ResourceSID: t.SID, Task: t.snapshot(), Workers: s.holders(sp, t)}
}

// reservationEvent describes something that happened to a reservation.
func (s *Service) reservationEvent(sp *space, typ string, t *Task, r *Reservation) Event {
	e := Event{Type: typ, Description: fmt.Sprintf("Reservation %s of task %s to worker %s is %s", r.SID, t.SID, r.WorkerName, r.Status),
		Time: s.now().UTC(), WorkspaceSID: sp.SID, ResourceType: "reservation", ResourceSID: r.SID,
		Task: t.snapshot(), Reservation: r.snapshot()}
	if w := sp.workers.bySID[r.WorkerSID]; w != nil {
		v := s.view(sp, w)
		e.Worker = &v
	}
	return e
}

// holders are the workers holding t, or who held it to its end: a live
// reservation, or one the task's completion or cancellation ended.
func (s *Service) holders(sp *space, t *Task) []WorkerView {
	var out []WorkerView
	for _, r := range t.reservations {
		held := r.live() || r.Status == ReservationCompleted || r.Status == ReservationCanceled
		if w := sp.workers.bySID[r.WorkerSID]; w != nil && held {
			out = append(out, s.view(sp, w))
		}
	}
	return out
}

// delivery is a batch's events, waiting for its write.
type delivery struct {
	write  Pending
	events []Event
}

// flush queues b's write behind every earlier one and hands its events to
// the dispatcher, which publishes them once the write is stored. The caller
// holds s.mu, so writes and events keep the order of the changes.
func (s *Service) flush(b *batch) Pending {
	if s.closed {
		// Close has stopped the dispatcher; nothing may be queued after it.
		*b = batch{}
		return done{err: errClosed}
	}
	if b.sp != nil {
		s.settle(b)
	}
	if len(b.puts) == 0 && len(b.deletes) == 0 && len(b.events) == 0 {
		return done{}
	}
	var p Pending = done{}
	if len(b.puts) > 0 || len(b.deletes) > 0 {
		p = s.store.QueueRouting(b.puts, b.deletes)
	}
	if len(b.events) > 0 {
		s.tally(b.events)
		s.describe(b.events)
		s.out <- delivery{write: p, events: b.events}
	}
	*b = batch{}
	return p
}

// describe fills in what listeners need from the workspace: names, and
// where the event is to be posted.
func (s *Service) describe(events []Event) {
	for i := range events {
		e := &events[i]
		sp := s.workspaces[e.WorkspaceSID]
		if sp == nil {
			continue
		}
		e.WorkspaceName = sp.FriendlyName
		if sp.EventCallbackURL != "" && sp.Wanted(e.Type) {
			e.CallbackURL = sp.EventCallbackURL
		}
		if e.Task != nil {
			if q := sp.queues.bySID[e.Task.QueueSID]; q != nil {
				e.QueueName = q.FriendlyName
			}
			if wf := sp.workflows.bySID[e.Task.WorkflowSID]; wf != nil {
				e.WorkflowName = wf.FriendlyName
			}
		}
	}
}

// Subscribe adds a listener for every event. Listeners run one at a time
// on the dispatcher and must not block: hand slow work to a goroutine.
func (s *Service) Subscribe(fn func(Event)) {
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	s.listeners = append(s.listeners, fn)
}

func (s *Service) dispatch() {
	defer close(s.dispatched)
	for d := range s.out {
		if err := d.write.Wait(); err != nil {
			// Memory is ahead of the store: the change happened for
			// everyone who asked since, but a restart would lose it.
			slog.Error("routing: a change was not stored; its events are dropped", "err", err, "events", len(d.events))
			continue
		}
		s.listenMu.Lock()
		ls := s.listeners
		s.listenMu.Unlock()
		for _, e := range d.events {
			for _, fn := range ls {
				fn(e)
			}
		}
	}
}

// Close stops the timers and delivers the events already queued. Call it
// before closing the store.
func (s *Service) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for _, sp := range s.workspaces {
		for _, t := range sp.tasks.order {
			t.stopTimers()
		}
		for _, r := range sp.reservations {
			r.stopTimer()
		}
	}
	close(s.out)
	s.mu.Unlock()
	<-s.dispatched
}
