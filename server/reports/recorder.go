package reports

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"parley/server/routing"
	"parley/shared/model"
)

// Sizes of the Recorder's hand-over: facts waiting for the store, and the
// most one write takes.
const (
	recorderBuffer   = 4096
	maxFactsPerWrite = 512
)

// FullWait is how long Record waits for room when the buffer is full
// before it drops a fact.
const FullWait = time.Second

// Recorder turns routing's events into facts and writes them in batches on
// its own goroutine: routing delivers events to every listener one at a
// time, so a listener waiting on a database write would hold back the
// others (the agents' realtime push among them).
type Recorder struct {
	store    Store
	log      *slog.Logger
	fullWait time.Duration // FullWait; tests shorten it

	mu     sync.RWMutex // held for reading while handing a fact over; Close takes it to stop
	closed bool
	facts  chan Fact
	done   chan struct{}
	lost   atomic.Int64
	// stalled is set when a wait for room ran out, and cleared when a
	// fact finds room: while the store stays stuck, facts are dropped
	// without waiting again.
	stalled atomic.Bool
}

// NewRecorder starts a Recorder writing to store. Subscribe its Record to
// routing, and Close it after routing's Close (which delivers routing's
// last events) and before the store closes.
func NewRecorder(store Store, log *slog.Logger) *Recorder {
	if log == nil {
		log = slog.Default()
	}
	r := &Recorder{store: store, log: log, fullWait: FullWait, facts: make(chan Fact, recorderBuffer), done: make(chan struct{})}
	go r.run()
	return r
}

// Record keeps what e tells about its task; other events are ignored.
//
// When the buffer is full the store is far behind. Record then waits up to
// FullWait for room, and past that drops the fact, counted in Lost and
// logged; until room appears again, later facts are dropped at once.
// Routing's own writes wait on the same store, so a short wait costs
// little more, while an unbounded one would stop the realtime push for as
// long as the disk stalls: a report is worth less than the desk working.
func (r *Recorder) Record(e routing.Event) {
	f, ok := factOf(e)
	if !ok {
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		r.drop(f, "the recorder is closed")
		return
	}
	select {
	case r.facts <- f:
		r.stalled.Store(false)
		return
	default:
	}
	if r.stalled.Load() {
		r.drop(f, "the store is still behind")
		return
	}
	wait := time.NewTimer(r.fullWait)
	defer wait.Stop()
	select {
	case r.facts <- f:
	case <-wait.C:
		r.stalled.Store(true)
		r.drop(f, "the buffer stayed full for "+r.fullWait.String())
	}
}

// Lost counts the facts never stored: dropped on a full buffer, or in a
// write that failed.
func (r *Recorder) Lost() int64 { return r.lost.Load() }

// Close stores the facts handed over so far, then stops.
func (r *Recorder) Close() {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.facts)
	}
	r.mu.Unlock()
	<-r.done
}

func (r *Recorder) drop(f Fact, why string) {
	r.lost.Add(1)
	r.log.Error("reports: a task's fact was dropped; its report will be incomplete", "task", f.TaskSID, "why", why)
}

// run writes facts as they come: everything waiting goes in one write, so
// a busy desk costs one write per batch rather than per event.
func (r *Recorder) run() {
	defer close(r.done)
	batch := make([]Fact, 0, maxFactsPerWrite)
	for f := range r.facts {
		batch = append(batch[:0], f)
	fill:
		for len(batch) < maxFactsPerWrite {
			select {
			case next, ok := <-r.facts:
				if !ok {
					break fill
				}
				batch = append(batch, next)
			default:
				break fill
			}
		}
		if err := r.store.RecordFacts(context.Background(), batch); err != nil {
			r.lost.Add(int64(len(batch)))
			r.log.Error("reports: facts were not stored; reports will miss them", "facts", len(batch), "err", err)
		}
	}
}

// factOf is what a routing event tells reports about its task, and false
// for events that tell nothing new (offers, rejections, workers).
func factOf(e routing.Event) (Fact, bool) {
	t := e.Task
	if t == nil {
		return Fact{}, false
	}
	f := Fact{TaskSID: t.SID, WorkspaceSID: t.WorkspaceSID, QueueSID: t.QueueSID, Created: t.Created}
	if t.QueueSID != "" {
		f.QueueName = e.QueueName
	}
	switch e.Type {
	case routing.EventTaskCreated:
		// The task's own Created is cut to the second; the event's time
		// is not, and a wait of a few seconds needs the precision.
		f.Created = e.Time
	case routing.EventReservationAccepted:
		f.Accepted = e.Time
	case routing.EventTaskCompleted:
		f.Ended, f.End = e.Time, EndCompleted
	case routing.EventTaskCanceled:
		f.Ended, f.End = e.Time, EndCanceled
	case routing.EventTaskDeleted:
		f.Ended, f.End = e.Time, EndDeleted
	case routing.EventTaskUpdated, routing.EventTaskWrapup, routing.EventTaskQueueEntered, routing.EventTaskQueueMoved:
		// New attributes (an outcome, a score) or a queue.
	default:
		return Fact{}, false
	}
	a := model.TaskAttributesOf(t.Attributes)
	f.ConversationSID, f.Customer, f.ChannelType = a.ConversationSID, a.CustomerAddress, a.ChannelType
	f.Outcome = a.Conversations.Outcome
	if score := a.Conversations.CSAT; score != nil {
		f.CSAT = new(float64(*score))
	}
	return f, true
}
