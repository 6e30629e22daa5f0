package routing

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"parley/server/paging"
	"parley/server/routing/expr"
	"parley/shared/sid"
)

// The assignment engine. Nothing here polls: a task is matched against
// the workers free at the moment it enters a queue, and a worker against
// the waiting tasks at the moment it frees up (a reservation ends, its
// activity or capacity changes). Timers, one per deadline, move tasks on
// and time reservations out. Everything runs under s.mu; each operation
// collects its writes and events in a batch and flushes it before letting
// go of the lock.

// load is what a worker is doing.
type load struct {
	byChannel    map[string]int // live reservations per task channel
	total        int
	idleSince    time.Time      // when it last became free: the longest idle is offered first
	reservations []*Reservation // all of its reservations still kept, oldest first
}

func (s *Service) loadOf(sp *space, workerSID string) *load {
	l := sp.loads[workerSID]
	if l == nil {
		l = &load{byChannel: map[string]int{}}
		if w := sp.workers.bySID[workerSID]; w != nil {
			l.idleSince = w.StatusChanged
		}
		sp.loads[workerSID] = l
	}
	return l
}

func (l *load) hold(channelSID string)    { l.byChannel[channelSID]++; l.total++ }
func (l *load) release(channelSID string) { l.byChannel[channelSID]--; l.total-- }

// capacityOn is w's capacity and availability on a task channel: its own
// setting, or one task, available.
func (w *Worker) capacityOn(channelSID string) (int, bool) {
	if c := w.Channels[channelSID]; c != nil {
		return c.Capacity, c.Available
	}
	return 1, true
}

// couldTake reports whether w could take some task now.
func (s *Service) couldTake(sp *space, w *Worker) bool {
	if !s.available(sp, w) {
		return false
	}
	l := s.loadOf(sp, w.SID)
	if !sp.MultiTaskEnabled && l.total > 0 {
		return false
	}
	for _, tc := range sp.channels.order {
		if c, ok := w.capacityOn(tc.SID); ok && l.byChannel[tc.SID] < c {
			return true
		}
	}
	return false
}

// refresh brings a worker's place in the free set up to date.
func (s *Service) refresh(sp *space, workerSID string) {
	if w := sp.workers.bySID[workerSID]; w != nil && s.couldTake(sp, w) {
		sp.free[workerSID] = struct{}{}
	} else {
		delete(sp.free, workerSID)
	}
}

// fits reports whether w may be offered t now.
func (s *Service) fits(sp *space, t *Task, q *TaskQueue, w *Worker, l *load) bool {
	if t.RoutingTarget != "" && t.RoutingTarget != w.SID {
		return false
	}
	if slices.Contains(t.Declined, w.SID) {
		return false
	}
	for _, r := range t.reservations {
		if r.WorkerSID == w.SID && r.Status == ReservationPending {
			return false
		}
	}
	if !s.available(sp, w) {
		return false
	}
	if c, ok := w.capacityOn(t.TaskChannelSID); !ok || l.byChannel[t.TaskChannelSID] >= c {
		return false
	}
	if !sp.MultiTaskEnabled && l.total > 0 {
		return false
	}
	if !q.Matches(w.attrs) {
		return false
	}
	return t.target == nil || t.target.Eval(expr.Scope{Default: w.attrs, Task: t.attrs, Worker: w.attrs})
}

func pendingCount(t *Task) int {
	n := 0
	for _, r := range t.reservations {
		if r.Status == ReservationPending {
			n++
		}
	}
	return n
}

// ---- waiting lists ----

// taskList is a queue's waiting tasks in the order they are offered:
// higher priority first, then by when they entered (oldest first, or
// newest first for a LIFO queue), then by creation.
type taskList struct {
	lifo  bool
	items []*Task
}

func (l *taskList) compare(a, b *Task) int {
	if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
		return c
	}
	c := a.QueueEntered.Compare(b.QueueEntered)
	if c == 0 {
		c = cmp.Compare(a.Key, b.Key)
	}
	if l.lifo {
		return -c
	}
	return c
}

func (l *taskList) insert(t *Task) {
	i, _ := slices.BinarySearchFunc(l.items, t, l.compare)
	l.items = slices.Insert(l.items, i, t)
}

func (l *taskList) remove(t *Task) {
	if i, ok := slices.BinarySearchFunc(l.items, t, l.compare); ok {
		l.items = slices.Delete(l.items, i, i+1)
	}
}

func (s *Service) enqueue(sp *space, t *Task) {
	l := sp.waiting[t.QueueSID]
	if l == nil {
		q := sp.queues.bySID[t.QueueSID]
		l = &taskList{lifo: q != nil && q.TaskOrder == "LIFO"}
		sp.waiting[t.QueueSID] = l
	}
	l.insert(t)
}

func (s *Service) unqueue(sp *space, t *Task) {
	if l := sp.waiting[t.QueueSID]; l != nil {
		l.remove(t)
	}
}

// resort puts a queue's waiting tasks in its current order.
func (s *Service) resort(sp *space, q *TaskQueue) {
	if l := sp.waiting[q.SID]; l != nil {
		l.lifo = q.TaskOrder == "LIFO"
		slices.SortFunc(l.items, l.compare)
	}
}

// ---- routing a task ----

// route sends a task through its workflow from the first filter, or
// straight to its queue when it has no workflow.
func (s *Service) route(sp *space, t *Task, b *batch) {
	b.sp = sp
	if t.WorkflowSID == "" {
		t.Filter, t.Step, t.target, t.StepDeadline = -2, 0, nil, time.Time{}
		s.enterQueue(sp, t, t.QueueSID, b)
		return
	}
	wf := sp.workflows.bySID[t.WorkflowSID]
	if wf == nil {
		s.cancelTask(sp, t, fmt.Sprintf("Workflow %s no longer exists", t.WorkflowSID), b)
		return
	}
	scope := expr.Scope{Default: t.attrs, Task: t.attrs}
	for i, f := range wf.routing.Filters {
		if f.Expr.Eval(scope) {
			t.Filter, t.Step = i, 0
			s.enterStep(sp, t, wf, b)
			return
		}
	}
	if wf.routing.Default != nil {
		t.Filter, t.Step = -1, 0
		s.enterStep(sp, t, wf, b)
		return
	}
	s.cancelTask(sp, t, fmt.Sprintf("No filter of workflow %s matched the task, and it has no default_filter", wf.SID), b)
}

// target is where the workflow has the task now.
func (t *Task) currentTarget(wf *Workflow) *Target {
	switch {
	case wf == nil:
		return nil
	case t.Filter == -1:
		return wf.routing.Default
	case t.Filter >= 0 && t.Filter < len(wf.routing.Filters) && t.Step < len(wf.routing.Filters[t.Filter].Targets):
		return &wf.routing.Filters[t.Filter].Targets[t.Step]
	}
	return nil
}

func (s *Service) enterStep(sp *space, t *Task, wf *Workflow, b *batch) {
	tg := t.currentTarget(wf)
	if tg.Priority != nil {
		t.Priority = *tg.Priority
	}
	t.target, t.StepDeadline = tg.Expr, time.Time{}
	if tg.Timeout > 0 {
		t.StepDeadline = s.now().Add(tg.Timeout)
	}
	b.emit(s.taskEvent(sp, EventWorkflowTargetMatch, t, fmt.Sprintf("Task matched step %d of filter %d of workflow %s", t.Step, t.Filter, wf.SID)))
	s.armStep(sp, t)
	s.enterQueue(sp, t, tg.QueueSID, b)
}

// enterQueue puts a waiting task in a queue and offers it to whoever is
// free.
func (s *Service) enterQueue(sp *space, t *Task, queueSID string, b *batch) {
	prev := t.QueueSID
	s.unqueue(sp, t)
	t.QueueSID, t.QueueEntered, t.Updated = queueSID, s.now().UTC(), s.stamp()
	t.estimatedAt, t.estimatedPlace = time.Time{}, 0 // a new line: estimated anew
	s.enqueue(sp, t)
	b.put(KindTask, t.SID, sp.SID, t)
	if prev != "" && prev != queueSID {
		b.emit(s.taskEvent(sp, EventTaskQueueMoved, t, "Task moved to queue "+queueSID))
	} else {
		b.emit(s.taskEvent(sp, EventTaskQueueEntered, t, "Task entered queue "+queueSID))
	}
	s.armTTL(sp, t)
	s.tryTask(sp, t, b)
}

// tryTask offers a waiting task to the longest-idle free workers that fit
// it, up to its queue's MaxReservedWorkers at once.
func (s *Service) tryTask(sp *space, t *Task, b *batch) {
	if !t.waiting() {
		return
	}
	q := sp.queues.bySID[t.QueueSID]
	if q == nil {
		return
	}
	for need := q.MaxReservedWorkers - pendingCount(t); need > 0; need-- {
		var best *Worker
		var bestLoad *load
		for wsid := range sp.free {
			w, l := sp.workers.bySID[wsid], s.loadOf(sp, wsid)
			if w == nil || !s.fits(sp, t, q, w, l) {
				continue
			}
			if best == nil || l.idleSince.Before(bestLoad.idleSince) || (l.idleSince.Equal(bestLoad.idleSince) && w.Key < best.Key) {
				best, bestLoad = w, l
			}
		}
		if best == nil {
			return
		}
		s.reserve(sp, t, best, b)
	}
}

// tryWorker offers a free worker the best waiting tasks it fits, until it
// is full: the highest priority first, then the one waiting longest (or
// shortest, if the workspace prioritises LIFO).
func (s *Service) tryWorker(sp *space, w *Worker, b *batch) {
	for s.couldTake(sp, w) {
		l := s.loadOf(sp, w.SID)
		var best *Task
		for _, q := range sp.queues.order {
			list := sp.waiting[q.SID]
			if list == nil || len(list.items) == 0 || !q.Matches(w.attrs) {
				continue
			}
			for _, t := range list.items {
				if best != nil && t.Priority < best.Priority {
					break // the rest cannot beat best
				}
				if pendingCount(t) >= q.MaxReservedWorkers || !s.fits(sp, t, q, w, l) {
					continue
				}
				if best == nil || s.before(sp, t, best) {
					best = t
				}
				break
			}
		}
		if best == nil {
			return
		}
		s.reserve(sp, best, w, b)
	}
}

// before orders tasks of different queues for one worker.
func (s *Service) before(sp *space, a, b *Task) bool {
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	if sp.PrioritizeQueueOrder == "LIFO" {
		return a.QueueEntered.After(b.QueueEntered)
	}
	return a.QueueEntered.Before(b.QueueEntered)
}

// reserve offers t to w.
func (s *Service) reserve(sp *space, t *Task, w *Worker, b *batch) {
	timeout := 120 * time.Second
	if wf := sp.workflows.bySID[t.WorkflowSID]; wf != nil {
		timeout = time.Duration(wf.TaskReservationTimeout) * time.Second
	}
	now := s.stamp()
	r := &Reservation{Key: s.nextKey(), SID: sid.New(sid.Reservation), WorkspaceSID: sp.SID, TaskSID: t.SID,
		WorkerSID: w.SID, WorkerName: w.FriendlyName, Status: ReservationPending, Deadline: s.now().Add(timeout),
		Created: now, Updated: now, offered: s.now()}
	t.reservations = append(t.reservations, r)
	sp.reservations[r.SID] = r
	l := s.loadOf(sp, w.SID)
	l.hold(t.TaskChannelSID)
	l.reservations = append(l.reservations, r)
	s.refresh(sp, w.SID)
	t.AssignmentStatus, t.Updated = TaskReserved, now
	b.put(KindTask, t.SID, sp.SID, t)
	b.put(KindReservation, r.SID, sp.SID, r)
	b.emit(s.reservationEvent(sp, EventReservationCreated, t, r))
	s.armReservation(sp, r)
}

// ---- ending reservations ----

// endReservation moves a live reservation to a final status and frees the
// worker's capacity; the worker is offered more work when the batch
// settles.
func (s *Service) endReservation(sp *space, t *Task, r *Reservation, status string, b *batch) {
	r.stopTimer()
	if status == ReservationCompleted {
		s.measureHandled(sp, t, r)
	}
	r.Status, r.Updated = status, s.stamp()
	l := s.loadOf(sp, r.WorkerSID)
	l.release(t.TaskChannelSID)
	l.idleSince = s.now()
	s.refresh(sp, r.WorkerSID)
	b.put(KindReservation, r.SID, sp.SID, r)
	b.emit(s.reservationEvent(sp, reservationEventType(status), t, r))
	b.retry(sp, r.WorkerSID)
}

func reservationEventType(status string) string {
	if status == ReservationWrapping {
		return EventReservationWrapup
	}
	return "reservation." + status
}

// rescindPending withdraws a task's unanswered offers.
func (s *Service) rescindPending(sp *space, t *Task, b *batch) {
	for _, r := range t.reservations {
		if r.Status == ReservationPending {
			s.endReservation(sp, t, r, ReservationRescinded, b)
		}
	}
}

// accept gives t to r's worker and withdraws its other offers.
func (s *Service) accept(sp *space, t *Task, r *Reservation, b *batch) {
	r.stopTimer()
	r.Status, r.Updated = ReservationAccepted, s.stamp()
	s.measureAccept(sp, t, r)
	s.unqueue(sp, t) // before its status changes: waiting lists hold waiting tasks
	t.AssignmentStatus, t.Updated, t.StepDeadline = TaskAssigned, s.stamp(), time.Time{}
	stop(t.ttl, t.step)
	b.put(KindReservation, r.SID, sp.SID, r)
	b.put(KindTask, t.SID, sp.SID, t)
	b.emit(s.reservationEvent(sp, EventReservationAccepted, t, r))
	s.rescindPending(sp, t, b)
	b.emit(s.taskEvent(sp, EventTaskUpdated, t, "Task assigned to worker "+r.WorkerSID))
}

// decline ends an offer the worker turned down (status rejected) or let
// lapse (timeout), and offers the task to someone else.
func (s *Service) decline(sp *space, t *Task, r *Reservation, status, activitySID string, b *batch) {
	s.endReservation(sp, t, r, status, b)
	t.Declined = append(t.Declined, r.WorkerSID)
	if status == ReservationTimeout && activitySID == "" {
		activitySID = sp.TimeoutActivitySID // an agent who does not answer is probably away
	}
	if activitySID != "" {
		s.setActivity(sp, r.WorkerSID, activitySID, b)
	}
	if pendingCount(t) == 0 {
		t.AssignmentStatus = TaskPending
	}
	t.Updated = s.stamp()
	b.put(KindTask, t.SID, sp.SID, t)
	s.tryTask(sp, t, b)
}

func (s *Service) cancelTask(sp *space, t *Task, reason string, b *batch) {
	s.unqueue(sp, t)
	t.AssignmentStatus, t.Reason, t.Updated = TaskCanceled, reason, s.stamp()
	stop(t.ttl, t.step)
	for _, r := range t.reservations {
		if r.live() {
			s.endReservation(sp, t, r, ReservationCanceled, b)
		}
	}
	b.put(KindTask, t.SID, sp.SID, t)
	b.emit(s.taskEvent(sp, EventTaskCanceled, t, "Task canceled: "+reason))
	s.scheduleRemoval(sp, t)
}

func (s *Service) wrapTask(sp *space, t *Task, reason string, b *batch) {
	t.AssignmentStatus, t.Updated = TaskWrapping, s.stamp() // first, so the reservation events show it
	if reason != "" {
		t.Reason = reason
	}
	for _, r := range t.reservations {
		if r.Status == ReservationAccepted {
			r.Status, r.Updated = ReservationWrapping, s.stamp()
			b.put(KindReservation, r.SID, sp.SID, r)
			b.emit(s.reservationEvent(sp, EventReservationWrapup, t, r))
		}
	}
	b.put(KindTask, t.SID, sp.SID, t)
	b.emit(s.taskEvent(sp, EventTaskWrapup, t, "Task wrapping up"))
}

func (s *Service) completeTask(sp *space, t *Task, reason string, b *batch) {
	if reason != "" {
		t.Reason = reason
	}
	t.AssignmentStatus, t.Updated = TaskCompleted, s.stamp()
	for _, r := range t.reservations {
		if r.Status == ReservationAccepted || r.Status == ReservationWrapping {
			s.endReservation(sp, t, r, ReservationCompleted, b)
		}
	}
	b.put(KindTask, t.SID, sp.SID, t)
	b.emit(s.taskEvent(sp, EventTaskCompleted, t, "Task completed"))
	s.scheduleRemoval(sp, t)
}

// setActivity moves a worker to another activity from inside routing (a
// reservation timed out, or a rejection asked for it).
func (s *Service) setActivity(sp *space, workerSID, activitySID string, b *batch) {
	w := sp.workers.bySID[workerSID]
	if w == nil || w.ActivitySID == activitySID {
		return
	}
	next := w.clone()
	next.ActivitySID, next.StatusChanged, next.Updated = activitySID, s.stamp(), s.stamp()
	sp.workers.put(next.SID, next)
	b.put(KindWorker, next.SID, sp.SID, next)
	s.workerMoved(sp, w, next, b)
}

// workerMoved reacts to a worker's activity, attributes or capacity
// changing.
func (s *Service) workerMoved(sp *space, prev, w *Worker, b *batch) {
	if prev == nil || prev.ActivitySID != w.ActivitySID {
		v := s.view(sp, w)
		b.emit(Event{Type: EventWorkerActivityUpdate, Description: "Worker " + w.FriendlyName + " is now " + v.ActivityName,
			Time: s.now().UTC(), WorkspaceSID: sp.SID, ResourceType: "worker", ResourceSID: w.SID, Worker: &v})
		if s.available(sp, w) && (prev == nil || !s.available(sp, prev)) {
			s.loadOf(sp, w.SID).idleSince = s.now()
		}
	}
	s.refresh(sp, w.SID)
	b.retry(sp, w.SID)
}

func stop(timers ...timer) {
	for _, t := range timers {
		if t != nil {
			t.Stop()
		}
	}
}

// ---- settling and timers ----

func (b *batch) retry(sp *space, workerSID string) {
	b.sp = sp
	if !slices.Contains(b.workers, workerSID) {
		b.workers = append(b.workers, workerSID)
	}
}

// settle offers freed workers more work, until nothing changes.
func (s *Service) settle(b *batch) {
	for len(b.workers) > 0 {
		id := b.workers[0]
		b.workers = b.workers[1:]
		if w := b.sp.workers.bySID[id]; w != nil {
			s.tryWorker(b.sp, w, b)
		}
	}
}

// timer is a deadline armed by later; the engine only ever stops one.
type timer interface{ Stop() bool }

// afterFunc is the real clock's timer.
func afterFunc(d time.Duration, f func()) timer { return time.AfterFunc(d, f) }

// later runs fn under the lock when the timer fires, unless the service
// has closed or the workspace is gone meanwhile.
func (s *Service) later(sp *space, at time.Time, fn func(b *batch)) timer {
	return s.after(at.Sub(s.now()), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed || s.workspaces[sp.SID] != sp {
			return
		}
		b := batch{sp: sp}
		fn(&b)
		s.flush(&b)
	})
}

// armTTL cancels a task still unassigned when its Timeout runs out.
func (s *Service) armTTL(sp *space, t *Task) {
	if t.ttl != nil {
		return
	}
	t.ttl = s.later(sp, t.Created.Add(time.Duration(t.Timeout)*time.Second), func(b *batch) {
		if sp.tasks.bySID[t.SID] == t && t.waiting() {
			s.cancelTask(sp, t, "Task TTL Exceeded", b)
		}
	})
}

// armStep moves a task to its workflow's next target when the current
// one's timeout runs out.
func (s *Service) armStep(sp *space, t *Task) {
	stop(t.step)
	t.step = nil
	if t.StepDeadline.IsZero() {
		return
	}
	deadline := t.StepDeadline
	t.step = s.later(sp, deadline, func(b *batch) {
		if sp.tasks.bySID[t.SID] != t || !t.waiting() || !t.StepDeadline.Equal(deadline) {
			return
		}
		wf := sp.workflows.bySID[t.WorkflowSID]
		b.emit(s.taskEvent(sp, EventWorkflowTimeout, t, "Task timed out of its workflow step"))
		switch {
		case wf == nil:
			return
		case t.Filter >= 0 && t.Filter < len(wf.routing.Filters) && t.Step+1 < len(wf.routing.Filters[t.Filter].Targets):
			t.Step++
		case t.Filter >= 0 && wf.routing.Default != nil:
			t.Filter, t.Step = -1, 0
		default:
			t.StepDeadline = time.Time{} // the last step: the task waits where it is
			b.put(KindTask, t.SID, sp.SID, t)
			return
		}
		s.rescindPending(sp, t, b)
		t.AssignmentStatus = TaskPending
		s.enterStep(sp, t, wf, b)
	})
}

// armReservation times out an offer nobody answers.
func (s *Service) armReservation(sp *space, r *Reservation) {
	r.timer = s.later(sp, r.Deadline, func(b *batch) {
		if sp.reservations[r.SID] != r || r.Status != ReservationPending {
			return
		}
		if t := sp.tasks.bySID[r.TaskSID]; t != nil {
			s.decline(sp, t, r, ReservationTimeout, "", b)
		}
	})
}

// scheduleRemoval forgets a finished task once its retention is over.
func (s *Service) scheduleRemoval(sp *space, t *Task) {
	stop(t.removal)
	t.removal = s.later(sp, t.Updated.Add(TaskRetention), func(b *batch) {
		if sp.tasks.bySID[t.SID] == t && t.Done() {
			s.removeTask(sp, t, b)
		}
	})
}

// resume rebuilds what the engine keeps from a workspace's stored tasks
// and reservations, and restarts their timers: a deadline that passed
// while Parley was down fires at once.
func (s *Service) resume(sp *space) {
	b := batch{sp: sp}
	for _, t := range sp.tasks.order {
		for _, r := range t.reservations {
			l := s.loadOf(sp, r.WorkerSID)
			l.reservations = append(l.reservations, r)
			if r.live() {
				l.hold(t.TaskChannelSID)
			}
			if r.Status == ReservationPending {
				s.armReservation(sp, r)
			}
		}
		switch {
		case t.Done():
			s.scheduleRemoval(sp, t)
		case t.waiting():
			if tg := t.currentTarget(sp.workflows.bySID[t.WorkflowSID]); tg != nil {
				t.target = tg.Expr
			}
			s.enqueue(sp, t)
			s.armTTL(sp, t)
			s.armStep(sp, t)
		}
	}
	for _, l := range sp.loads {
		slices.SortFunc(l.reservations, func(a, b *Reservation) int { return cmp.Compare(a.Key, b.Key) })
	}
	for _, w := range sp.workers.order {
		s.refresh(sp, w.SID)
	}
	for _, t := range slices.Clone(sp.tasks.order) {
		s.tryTask(sp, t, &b)
	}
	s.flush(&b)
}

// pagingSlice pages objects held in creation order.
func pagingSlice[T interface{ key() int64 }](items []T, r PageRequest) Page[T] {
	return paging.Slice(items, T.key, r)
}
