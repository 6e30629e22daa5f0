package routing

import (
	"context"
	"time"
)

// QueuePosition is where a task stands in its queue, in the order the
// engine offers the queue's tasks (priority, then age), and how long it
// may still wait for an agent to accept it.
type QueuePosition struct {
	TaskSID, WorkspaceSID, QueueSID string
	AssignmentStatus                string
	// Position is 1 for the next task to be offered; 0 once the task no
	// longer waits (assigned, canceled ...).
	Position int
	// InQueue counts the tasks waiting in the queue, this one included.
	InQueue int
	// EstimatedWait is how long from now until an agent accepts the task;
	// meaningful only when Estimated.
	EstimatedWait time.Duration
	Estimated     bool
	// AgentsAvailable counts the queue's agents available on the task's
	// channel.
	AgentsAvailable int
	// Attrs are the task's attributes (shared, not to be changed): callers
	// find the conversation in them.
	Attrs map[string]any
}

// SetClock replaces the clock routing reads (tests and simulations; set it
// before the service is used). Timers still fire on the real clock.
func (s *Service) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// TaskPosition reports a task's place in its queue and its estimated wait.
// A task that no longer waits has position 0 and no estimate.
func (s *Service) TaskPosition(ctx context.Context, workspaceSID, taskSID string) (QueuePosition, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, sp, err := s.task(workspaceSID, taskSID)
	if err != nil {
		return QueuePosition{}, err
	}
	if !t.waiting() {
		return QueuePosition{TaskSID: t.SID, WorkspaceSID: sp.SID, QueueSID: t.QueueSID, AssignmentStatus: t.AssignmentStatus, Attrs: t.attrs}, nil
	}
	for _, p := range s.positions(sp, t.QueueSID) {
		if p.TaskSID == t.SID {
			return p, nil
		}
	}
	// Waiting but in no list: its queue is gone. Say where it is anyway.
	return QueuePosition{TaskSID: t.SID, WorkspaceSID: sp.SID, QueueSID: t.QueueSID, AssignmentStatus: t.AssignmentStatus, Attrs: t.attrs}, nil
}

// QueuePositions reports every waiting task of a workspace, queue by queue.
func (s *Service) QueuePositions(ctx context.Context, workspaceSID string) ([]QueuePosition, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return nil, err
	}
	var out []QueuePosition
	for _, q := range sp.queues.order {
		out = append(out, s.positions(sp, q.SID)...)
	}
	return out, nil
}

// measureOf is what routing has measured of a queue; the caller holds s.mu.
func (sp *space) measureOf(queueSID string) *measures {
	if sp.measures == nil {
		sp.measures = map[string]*measures{}
	}
	m := sp.measures[queueSID]
	if m == nil {
		m = newMeasures()
		sp.measures[queueSID] = m
	}
	return m
}

// positions computes the place and estimate of every task waiting in a
// queue; the caller holds s.mu. A task placed for the first time keeps its
// place and the time, so that the wait that follows is measured per place.
func (s *Service) positions(sp *space, queueSID string) []QueuePosition {
	list := sp.waiting[queueSID]
	q := sp.queues.bySID[queueSID]
	if list == nil || q == nil || len(list.items) == 0 {
		return nil
	}
	now := s.now()
	m := sp.measureOf(queueSID)
	out := make([]QueuePosition, len(list.items))
	// Each task channel has its own slots: tasks line up per channel for
	// the estimate, though the position counts the whole queue.
	byChannel := map[string][]int{} // indexes of tasks not offered yet
	for i, t := range list.items {
		out[i] = QueuePosition{TaskSID: t.SID, WorkspaceSID: sp.SID, QueueSID: queueSID, AssignmentStatus: t.AssignmentStatus,
			Position: i + 1, InQueue: len(list.items), Attrs: t.attrs}
		if t.AssignmentStatus == TaskReserved {
			// Offered: the agent is answering.
			var since time.Duration
			for _, r := range t.reservations {
				if r.Status == ReservationPending && !r.offered.IsZero() {
					since = max(since, now.Sub(r.offered))
				}
			}
			answer := time.Duration(m.answer.value() * float64(time.Second))
			out[i].EstimatedWait, out[i].Estimated = max(answer-since, 0), true
			continue
		}
		byChannel[t.TaskChannelSID] = append(byChannel[t.TaskChannelSID], i)
	}
	for ch, idx := range byChannel {
		load, agents := s.queueLoad(sp, q, ch, m)
		load.Ahead = idx[0] // the tasks before the first not offered are offered ones
		waits, ok := load.Waits(len(idx))
		for j, i := range idx {
			out[i].AgentsAvailable = agents
			if t := list.items[i]; t.estimatedAt.IsZero() {
				t.estimatedAt, t.estimatedPlace = now, i+1
			}
			if ok {
				out[i].EstimatedWait, out[i].Estimated = waits[j], true
			}
		}
	}
	return out
}

// queueLoad counts the slots of a queue's eligible available agents on a
// task channel: free ones, and busy ones.
func (s *Service) queueLoad(sp *space, q *TaskQueue, channelSID string, m *measures) (QueueLoad, int) {
	load := QueueLoad{Handle: seconds(m.handle.value()), Answer: seconds(m.answer.value()), PerPlace: seconds(m.perPlace.value())}
	agents := 0
	for _, w := range sp.workers.order {
		if !s.available(sp, w) || !q.Matches(w.attrs) {
			continue
		}
		capacity, on := w.capacityOn(channelSID)
		if !on || capacity <= 0 {
			continue
		}
		if !sp.MultiTaskEnabled {
			capacity = 1 // one task at a time, whatever its channel
		}
		agents++
		used := 0
		for _, r := range sp.loads[w.SID].reservationsOrNil() {
			if !r.live() {
				continue
			}
			if t := sp.tasks.bySID[r.TaskSID]; sp.MultiTaskEnabled && (t == nil || t.TaskChannelSID != channelSID) {
				continue
			}
			used++
		}
		load.Busy += min(used, capacity)
		load.Free += max(capacity-used, 0)
	}
	return load, agents
}

func (l *load) reservationsOrNil() []*Reservation {
	if l == nil {
		return nil
	}
	return l.reservations
}

func seconds(v float64) time.Duration { return time.Duration(v * float64(time.Second)) }

// ---- what the engine measures ----

// measureAccept records an offer accepted: how long the agent took to
// answer, and how long the task waited for each place in line it had when
// first estimated.
func (s *Service) measureAccept(sp *space, t *Task, r *Reservation) {
	now := s.now()
	r.accepted = now
	m := sp.measureOf(t.QueueSID)
	if !r.offered.IsZero() {
		m.answer.add(now.Sub(r.offered).Seconds())
	}
	if !t.estimatedAt.IsZero() && t.estimatedPlace > 0 {
		m.perPlace.add(now.Sub(t.estimatedAt).Seconds() / float64(t.estimatedPlace))
	}
	t.estimatedAt, t.estimatedPlace = time.Time{}, 0
}

// measureHandled records a slot freed by a completed task: how long the
// agent held it.
func (s *Service) measureHandled(sp *space, t *Task, r *Reservation) {
	if r.accepted.IsZero() {
		return // accepted before a restart: its start is not known to the second
	}
	sp.measureOf(t.QueueSID).handle.add(s.now().Sub(r.accepted).Seconds())
}

// WaitingWith finds the waiting task whose attribute attr is value (say,
// the conversation a chat's task is for) in any workspace, and reports
// its position; ok is false when no such task waits.
func (s *Service) WaitingWith(ctx context.Context, attr, value string) (p QueuePosition, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range s.order {
		for queueSID, list := range sp.waiting {
			for _, t := range list.items {
				if v, _ := t.attrs[attr].(string); v == value {
					for _, p := range s.positions(sp, queueSID) {
						if p.TaskSID == t.SID {
							return p, true
						}
					}
				}
			}
		}
	}
	return QueuePosition{}, false
}
