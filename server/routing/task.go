package routing

import (
	"context"
	"slices"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/routing/expr"
	"parley/shared/model"
	"parley/shared/sid"
)

// Task assignment statuses, as TaskRouter's.
const (
	TaskPending   = "pending"   // waiting in a queue
	TaskReserved  = "reserved"  // offered to a worker, not yet accepted
	TaskAssigned  = "assigned"  // a worker accepted it
	TaskWrapping  = "wrapping"  // the work is done; the worker is wrapping up
	TaskCompleted = "completed" // finished
	TaskCanceled  = "canceled"  // withdrawn before it was assigned
)

// Task is a piece of work routing finds a worker for: a chat, an SMS
// conversation, a callback to make.
type Task struct {
	Key              int64     `json:"key"`
	SID              string    `json:"sid"`
	WorkspaceSID     string    `json:"workspace_sid"`
	Attributes       string    `json:"attributes"` // a JSON object
	AssignmentStatus string    `json:"assignment_status"`
	Reason           string    `json:"reason,omitempty"`
	Priority         int       `json:"priority"`
	TaskChannelSID   string    `json:"task_channel_sid"`
	TaskChannelName  string    `json:"task_channel_unique_name"`
	WorkflowSID      string    `json:"workflow_sid,omitempty"`
	QueueSID         string    `json:"queue_sid,omitempty"`
	QueueEntered     time.Time `json:"queue_entered,omitzero"`
	Timeout          int       `json:"timeout"`                  // seconds it may wait to be assigned
	RoutingTarget    string    `json:"routing_target,omitempty"` // the only worker it may go to
	Created          time.Time `json:"created"`
	Updated          time.Time `json:"updated"`

	// Where the workflow has the task: a filter (-1 the default filter)
	// and a target in it, until when.
	Filter       int       `json:"filter"`
	Step         int       `json:"step"`
	StepDeadline time.Time `json:"step_deadline,omitzero"`
	// Declined are the workers that rejected the task; it is not offered
	// to them again.
	Declined []string `json:"declined,omitempty"`

	attrs        map[string]any
	target       *expr.Expr // the current target's worker expression
	reservations []*Reservation
	ttl, step    timer
	removal      timer
	// When it was first placed in its current queue's line, and where:
	// the wait that follows is measured per place.
	estimatedAt    time.Time
	estimatedPlace int
}

func (t *Task) key() int64 { return t.Key }

// Age is how long ago the task was created.
func (t *Task) Age(now time.Time) time.Duration { return now.Sub(t.Created) }

// Attrs are the task's attributes, decoded.
func (t *Task) Attrs() map[string]any { return t.attrs }

// Done reports whether the task has finished, one way or the other.
func (t *Task) Done() bool {
	return t.AssignmentStatus == TaskCompleted || t.AssignmentStatus == TaskCanceled
}

func (t *Task) waiting() bool {
	return t.AssignmentStatus == TaskPending || t.AssignmentStatus == TaskReserved
}

// snapshot is a copy that shares nothing the engine changes.
func (t *Task) snapshot() *Task {
	c := *t
	c.Declined = slices.Clone(t.Declined)
	c.reservations, c.ttl, c.step, c.removal, c.target = nil, nil, nil, nil, nil
	return &c
}

func (t *Task) stopTimers() {
	stop(t.ttl, t.step, t.removal)
}

// DefaultTaskTimeout is how long a task may wait to be assigned, unless
// its creator says otherwise; MaxTaskTimeout is the most it may ask.
const (
	DefaultTaskTimeout = 86400
	MaxTaskTimeout     = 14 * 86400
)

// TaskRetention is how long a completed or canceled task stays readable
// before it is removed.
const TaskRetention = 5 * time.Minute

// TaskParams are the settable fields of a task.
type TaskParams struct {
	Attributes       *string
	Priority         *int
	TaskChannel      *string // SID or unique name
	WorkflowSID      *string // create: route through this workflow
	TaskQueueSID     *string // create: straight to this queue
	Timeout          *int
	RoutingTarget    *string // create: only this worker
	AssignmentStatus *string // update: canceled, wrapping, completed
	Reason           *string // update
}

// CreateTask adds a task and routes it: through a workflow's filters, or
// straight to a queue.
func (s *Service) CreateTask(ctx context.Context, workspaceSID string, p TaskParams) (Task, error) {
	s.mu.Lock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		s.mu.Unlock()
		return Task{}, err
	}
	t, err := s.newTask(sp, p)
	if err != nil {
		s.mu.Unlock()
		return Task{}, err
	}
	var b batch
	sp.tasks.put(t.SID, t)
	b.emit(s.taskEvent(sp, EventTaskCreated, t, "Task created"))
	s.route(sp, t, &b)
	out := *t.snapshot()
	w := s.flush(&b)
	s.mu.Unlock()
	return out, w.Wait()
}

func (s *Service) newTask(sp *space, p TaskParams) (*Task, error) {
	now := s.stamp()
	t := &Task{Key: s.nextKey(), SID: sid.New(sid.Task), WorkspaceSID: sp.SID, Attributes: "{}",
		attrs: map[string]any{}, AssignmentStatus: TaskPending, Timeout: DefaultTaskTimeout, Created: now, Updated: now}
	if p.Attributes != nil {
		m, err := parseAttributes("Attributes", *p.Attributes)
		if err != nil {
			return nil, err
		}
		t.Attributes, t.attrs = *p.Attributes, m
	}
	if p.Priority != nil {
		if err := checkPriority(*p.Priority); err != nil {
			return nil, err
		}
		t.Priority = *p.Priority
	}
	ch := "default"
	if p.TaskChannel != nil && *p.TaskChannel != "" {
		ch = *p.TaskChannel
	}
	tc := sp.channel(ch)
	if tc == nil {
		return nil, invalid("TaskChannel %q is not a task channel of workspace %s", ch, sp.SID)
	}
	t.TaskChannelSID, t.TaskChannelName = tc.SID, tc.UniqueName
	if p.Timeout != nil {
		if n := *p.Timeout; n < 1 || n > MaxTaskTimeout {
			return nil, invalid("Timeout must be between 1 and %d seconds, got %d", MaxTaskTimeout, n)
		}
		t.Timeout = *p.Timeout
	}
	wf, q := deref(p.WorkflowSID), deref(p.TaskQueueSID)
	switch {
	case wf != "" && q != "":
		return nil, invalid("Give WorkflowSid or TaskQueueSid, not both")
	case wf != "":
		if sp.workflows.bySID[wf] == nil {
			return nil, invalid("WorkflowSid %s is not a workflow of workspace %s", wf, sp.SID)
		}
		t.WorkflowSID = wf
	case q != "":
		if sp.queues.bySID[q] == nil {
			return nil, invalid("TaskQueueSid %s is not a task queue of workspace %s", q, sp.SID)
		}
		t.QueueSID = q
	default:
		if len(sp.workflows.order) != 1 {
			return nil, invalid("WorkflowSid is required: workspace %s has %d workflows", sp.SID, len(sp.workflows.order))
		}
		t.WorkflowSID = sp.workflows.order[0].SID
	}
	if w := deref(p.RoutingTarget); w != "" {
		if sp.workers.bySID[w] == nil {
			return nil, invalid("RoutingTarget %s is not a worker of workspace %s", w, sp.SID)
		}
		t.RoutingTarget = w
	}
	return t, nil
}

func checkPriority(n int) error {
	if n < 0 || n > 1<<31-1 {
		return invalid("Priority must be between 0 and 2147483647, got %d", n)
	}
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// Task fetches a task.
func (s *Service) Task(ctx context.Context, workspaceSID, taskSID string) (Task, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, _, err := s.task(workspaceSID, taskSID)
	if err != nil {
		return Task{}, err
	}
	return *t.snapshot(), nil
}

func (s *Service) task(workspaceSID, taskSID string) (*Task, *space, error) {
	return lookup(s, workspaceSID, taskSID, "Task", func(sp *space) *collection[*Task] { return &sp.tasks })
}

// TaskFilter narrows a task list.
type TaskFilter struct {
	AssignmentStatus       []string
	Priority               *int
	WorkflowSID            string
	WorkflowName           string
	TaskQueueSID           string
	TaskQueueName          string
	EvaluateTaskAttributes string // an expression over the task's attributes
	RoutingTarget          string
	Ordering               string // "DateCreated:asc" (the default) or "DateCreated:desc", or Priority
}

// Tasks lists a workspace's tasks.
func (s *Service) Tasks(ctx context.Context, workspaceSID string, f TaskFilter, r PageRequest) (Page[Task], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return Page[Task]{}, err
	}
	for _, st := range f.AssignmentStatus {
		if !slices.Contains([]string{TaskPending, TaskReserved, TaskAssigned, TaskWrapping, TaskCompleted, TaskCanceled}, st) {
			return Page[Task]{}, invalid("AssignmentStatus %q is not one of pending, reserved, assigned, wrapping, completed, canceled", st)
		}
	}
	var match *expr.Expr
	if f.EvaluateTaskAttributes != "" {
		if match, err = parseExpr("EvaluateTaskAttributes", f.EvaluateTaskAttributes); err != nil {
			return Page[Task]{}, err
		}
	}
	queue := sidOrNamed(f.TaskQueueSID, f.TaskQueueName, sp.queues.order, func(q *TaskQueue) (string, string) { return q.SID, q.FriendlyName })
	flow := sidOrNamed(f.WorkflowSID, f.WorkflowName, sp.workflows.order, func(wf *Workflow) (string, string) { return wf.SID, wf.FriendlyName })
	page := sp.tasks.page(func(t *Task) bool {
		return (len(f.AssignmentStatus) == 0 || slices.Contains(f.AssignmentStatus, t.AssignmentStatus)) &&
			(f.Priority == nil || t.Priority == *f.Priority) &&
			(flow == "" || t.WorkflowSID == flow) &&
			(queue == "" || t.QueueSID == queue) &&
			(f.RoutingTarget == "" || t.RoutingTarget == f.RoutingTarget) &&
			(match == nil || match.Eval(expr.Scope{Default: t.attrs, Task: t.attrs}))
	}, r)
	out := Page[Task]{HasNext: page.HasNext, HasPrev: page.HasPrev}
	for _, t := range page.Items {
		out.Items = append(out.Items, *t.snapshot())
	}
	if strings.EqualFold(f.Ordering, "DateCreated:desc") {
		slices.Reverse(out.Items)
	}
	return out, nil
}

// sidOrNamed resolves a filter given by SID or by friendly name; a name
// that matches nothing gives a SID that matches nothing.
func sidOrNamed[T any](sid, name string, all []T, id func(T) (sid, name string)) string {
	if name == "" {
		return sid
	}
	for _, v := range all {
		if s, n := id(v); n == name {
			return s
		}
	}
	return "-"
}

// UpdateTask changes a task: new attributes or priority route it again
// while it waits; AssignmentStatus cancels it (while it waits), or moves
// an assigned task to wrapping or completed.
func (s *Service) UpdateTask(ctx context.Context, workspaceSID, taskSID string, p TaskParams) (Task, error) {
	s.mu.Lock()
	t, sp, err := s.task(workspaceSID, taskSID)
	if err != nil {
		s.mu.Unlock()
		return Task{}, err
	}
	return s.updateUnlocking(sp, t, p)
}

// updateUnlocking changes a task, with s.mu held, then unlocks it and
// waits for the change to be stored.
func (s *Service) updateUnlocking(sp *space, t *Task, p TaskParams) (Task, error) {
	var b batch
	if err := s.updateTask(sp, t, p, &b); err != nil {
		s.mu.Unlock()
		return Task{}, err
	}
	out := *t.snapshot()
	w := s.flush(&b)
	s.mu.Unlock()
	return out, w.Wait()
}

// CompleteParams are what the worker working a task says as it completes
// it (see CompleteWork).
type CompleteParams struct {
	// WorkerSID is the worker completing the task: it must hold the
	// task's accepted or wrapping reservation.
	WorkerSID string
	// Outcome is kept as the attributes' conversations.outcome; empty
	// leaves it as it is.
	Outcome string
	// Reason is the task's reason for completing.
	Reason string
}

// CompleteWork completes a task for the worker working it, with the
// outcome merged into its attributes, in one step of the engine: whatever
// else changed the attributes before (a CSAT score, another key) is kept,
// and nothing can change them between the read and the write, as a
// client's read, merge and write could not promise. In a cluster it is one
// call to the node that runs the engine. Only the worker holding the
// task's accepted or wrapping reservation may complete it this way.
func (s *Service) CompleteWork(ctx context.Context, workspaceSID, taskSID string, p CompleteParams) (Task, error) {
	s.mu.Lock()
	t, sp, err := s.task(workspaceSID, taskSID)
	if err != nil {
		s.mu.Unlock()
		return Task{}, err
	}
	// A task its worker completed already is refused by the update itself,
	// as any change to a finished task is.
	if !t.heldBy(p.WorkerSID, ReservationAccepted, ReservationWrapping, ReservationCompleted) {
		s.mu.Unlock()
		return Task{}, apperr.New(apperr.Forbidden, apperr.CodeForbidden,
			"Task %s is not one worker %s is working on: only the worker who accepted it completes it", taskSID, p.WorkerSID)
	}
	completed := TaskCompleted
	up := TaskParams{AssignmentStatus: &completed, Reason: &p.Reason}
	if p.Outcome != "" {
		attrs, err := model.ParseTaskAttributes(t.Attributes)
		if err != nil {
			s.mu.Unlock()
			return Task{}, apperr.Conflictf(apperr.CodeBadRequest, "Task %s's attributes are not a JSON object: %v", taskSID, err)
		}
		attrs.Conversations.Outcome = p.Outcome
		merged := attrs.String()
		up.Attributes = &merged
	}
	return s.updateUnlocking(sp, t, up)
}

// heldBy reports whether worker holds a reservation of the task in one of
// statuses: accepted or wrapping, it is the one working it.
func (t *Task) heldBy(worker string, statuses ...string) bool {
	for _, r := range t.reservations {
		if r.WorkerSID == worker && slices.Contains(statuses, r.Status) {
			return true
		}
	}
	return false
}

func (s *Service) updateTask(sp *space, t *Task, p TaskParams, b *batch) error {
	if p.WorkflowSID != nil || p.TaskQueueSID != nil || p.Timeout != nil || p.RoutingTarget != nil {
		return invalid("WorkflowSid, TaskQueueSid, Timeout and RoutingTarget are set when a task is created")
	}
	if t.Done() {
		return apperr.Conflictf(apperr.CodeBadRequest, "Task %s is %s and cannot change", t.SID, t.AssignmentStatus)
	}
	var attrs map[string]any
	if p.Attributes != nil {
		m, err := parseAttributes("Attributes", *p.Attributes)
		if err != nil {
			return err
		}
		attrs = m
	}
	if p.Priority != nil {
		if err := checkPriority(*p.Priority); err != nil {
			return err
		}
	}
	if p.TaskChannel != nil {
		tc := sp.channel(*p.TaskChannel)
		if tc == nil {
			return invalid("TaskChannel %q is not a task channel of workspace %s", *p.TaskChannel, sp.SID)
		}
		if tc.SID != t.TaskChannelSID && !t.waiting() {
			return apperr.Conflictf(apperr.CodeBadRequest, "Task %s is %s; its channel can change only while it waits", t.SID, t.AssignmentStatus)
		}
	}
	status := deref(p.AssignmentStatus)
	if status == t.AssignmentStatus {
		status = "" // already there: nothing to do
	}
	if status != "" {
		if err := checkTransition(t, status); err != nil {
			return err
		}
	}

	reroute, retry := false, false
	if attrs != nil {
		t.Attributes, t.attrs = *p.Attributes, attrs
		reroute = t.waiting()
	}
	if p.Priority != nil && *p.Priority != t.Priority {
		if t.waiting() {
			s.unqueue(sp, t) // before the priority changes: the list is sorted by it
			t.Priority = *p.Priority
			s.enqueue(sp, t)
			retry = true
		} else {
			t.Priority = *p.Priority
		}
	}
	if p.TaskChannel != nil {
		if tc := sp.channel(*p.TaskChannel); tc.SID != t.TaskChannelSID {
			s.rescindPending(sp, t, b) // offers hold capacity on the old channel
			t.TaskChannelSID, t.TaskChannelName = tc.SID, tc.UniqueName
			reroute = true
		}
	}
	t.Updated = s.stamp()
	switch {
	case status == TaskCanceled:
		s.cancelTask(sp, t, deref(p.Reason), b)
		return nil
	case status == TaskWrapping:
		s.wrapTask(sp, t, deref(p.Reason), b)
		return nil
	case status == TaskCompleted:
		s.completeTask(sp, t, deref(p.Reason), b)
		return nil
	}
	b.put(KindTask, t.SID, sp.SID, t)
	b.emit(s.taskEvent(sp, EventTaskUpdated, t, "Task updated"))
	switch {
	case reroute:
		s.rescindPending(sp, t, b)
		t.AssignmentStatus = TaskPending
		s.route(sp, t, b)
	case retry:
		s.tryTask(sp, t, b)
	}
	return nil
}

// checkTransition allows the moves TaskRouter allows through an update.
func checkTransition(t *Task, to string) error {
	ok := false
	switch to {
	case TaskCanceled:
		ok = t.waiting()
	case TaskWrapping:
		ok = t.AssignmentStatus == TaskAssigned
	case TaskCompleted:
		ok = t.AssignmentStatus == TaskAssigned || t.AssignmentStatus == TaskWrapping
	case TaskPending, TaskReserved, TaskAssigned:
		return invalid("AssignmentStatus %q is set by routing; an update may set canceled, wrapping or completed", to)
	default:
		return invalid("AssignmentStatus %q is not one of canceled, wrapping, completed", to)
	}
	if !ok {
		return apperr.Conflictf(apperr.CodeBadRequest, "Task %s is %s and cannot become %s", t.SID, t.AssignmentStatus, to)
	}
	return nil
}

// DeleteTask removes a task in any state, withdrawing its reservations.
func (s *Service) DeleteTask(ctx context.Context, workspaceSID, taskSID string) error {
	s.mu.Lock()
	t, sp, err := s.task(workspaceSID, taskSID)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	var b batch
	for _, r := range t.reservations {
		if r.live() {
			s.endReservation(sp, t, r, ReservationCanceled, &b)
		}
	}
	s.unqueue(sp, t)
	b.emit(s.taskEvent(sp, EventTaskDeleted, t, "Task deleted"))
	s.removeTask(sp, t, &b)
	w := s.flush(&b)
	s.mu.Unlock()
	return w.Wait()
}

// removeTask forgets a task and its reservations.
func (s *Service) removeTask(sp *space, t *Task, b *batch) {
	t.stopTimers()
	for _, r := range t.reservations {
		r.stopTimer()
		delete(sp.reservations, r.SID)
		if l := sp.loads[r.WorkerSID]; l != nil {
			l.reservations = slices.DeleteFunc(l.reservations, func(x *Reservation) bool { return x == r })
		}
		b.del(r.SID)
	}
	sp.tasks.remove(t.SID)
	b.del(t.SID)
}
