package routing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/routing/expr"
	"parley/shared/sid"
)

// parseExpr compiles a TaskRouter expression, reporting a bad one as a 400
// that names the parameter, the position and the problem.
func parseExpr(param, src string) (*expr.Expr, error) {
	e, err := expr.Parse(src)
	if err != nil {
		var pe *expr.Error
		if errors.As(err, &pe) {
			return nil, invalid("%s is not a valid expression: %s (in %q)", param, pe.Error(), src)
		}
		return nil, invalid("%s is not a valid expression: %v", param, err)
	}
	return e, nil
}

// TaskQueue holds tasks until a worker its TargetWorkers expression picks
// takes them.
type TaskQueue struct {
	Key                    int64     `json:"key"`
	SID                    string    `json:"sid"`
	WorkspaceSID           string    `json:"workspace_sid"`
	FriendlyName           string    `json:"friendly_name"`
	TargetWorkers          string    `json:"target_workers"`
	MaxReservedWorkers     int       `json:"max_reserved_workers"`
	TaskOrder              string    `json:"task_order"` // FIFO or LIFO
	ReservationActivitySID string    `json:"reservation_activity_sid"`
	AssignmentActivitySID  string    `json:"assignment_activity_sid"`
	Created                time.Time `json:"created"`
	Updated                time.Time `json:"updated"`

	target *expr.Expr
}

func (q *TaskQueue) key() int64 { return q.Key }

func (q *TaskQueue) compile() error {
	e, err := parseExpr("TargetWorkers", q.TargetWorkers)
	q.target = e
	return err
}

// Matches reports whether a worker with these attributes may take the
// queue's tasks.
func (q *TaskQueue) Matches(workerAttrs map[string]any) bool {
	return q.target.Eval(expr.Scope{Default: workerAttrs, Worker: workerAttrs})
}

// TaskQueueParams are the settable fields of a task queue.
type TaskQueueParams struct {
	FriendlyName           *string
	TargetWorkers          *string
	MaxReservedWorkers     *int
	TaskOrder              *string
	ReservationActivitySID *string
	AssignmentActivitySID  *string
}

// CreateTaskQueue adds a task queue; TargetWorkers defaults to every
// worker ("1==1").
func (s *Service) CreateTaskQueue(ctx context.Context, workspaceSID string, p TaskQueueParams) (TaskQueue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return TaskQueue{}, err
	}
	if p.FriendlyName == nil {
		return TaskQueue{}, invalid("FriendlyName is required")
	}
	now := s.stamp()
	q := &TaskQueue{Key: s.nextKey(), SID: sid.New(sid.TaskQueue), WorkspaceSID: sp.SID, TargetWorkers: "1==1",
		MaxReservedWorkers: 1, TaskOrder: "FIFO", Created: now, Updated: now}
	if err := applyTaskQueue(sp, q, p); err != nil {
		return TaskQueue{}, err
	}
	var c change
	c.put(KindTaskQueue, q.SID, sp.SID, q)
	err = s.commit(ctx, c, func() { sp.queues.put(q.SID, q) })
	return *q, err
}

func applyTaskQueue(sp *space, q *TaskQueue, p TaskQueueParams) error {
	if p.FriendlyName != nil {
		if err := checkName("FriendlyName", *p.FriendlyName); err != nil {
			return err
		}
		for _, o := range sp.queues.order {
			if o.FriendlyName == *p.FriendlyName && o.SID != q.SID {
				return apperr.Conflictf(apperr.CodeBadRequest, "Workspace %s already has a task queue named %q", sp.SID, *p.FriendlyName)
			}
		}
		q.FriendlyName = *p.FriendlyName
	}
	if p.TargetWorkers != nil {
		q.TargetWorkers = strings.TrimSpace(*p.TargetWorkers)
		if q.TargetWorkers == "" {
			q.TargetWorkers = "1==1"
		}
	}
	if err := q.compile(); err != nil {
		return err
	}
	if p.MaxReservedWorkers != nil {
		if n := *p.MaxReservedWorkers; n < 1 || n > 50 {
			return invalid("MaxReservedWorkers must be between 1 and 50, got %d", n)
		}
		q.MaxReservedWorkers = *p.MaxReservedWorkers
	}
	if p.TaskOrder != nil {
		if v := *p.TaskOrder; v != "FIFO" && v != "LIFO" {
			return invalid("TaskOrder must be FIFO or LIFO, got %q", v)
		}
		q.TaskOrder = *p.TaskOrder
	}
	for param, ref := range map[string]*string{"ReservationActivitySid": p.ReservationActivitySID, "AssignmentActivitySid": p.AssignmentActivitySID} {
		if ref != nil && *ref != "" && sp.activities.bySID[*ref] == nil {
			return invalid("%s %s is not an activity of workspace %s", param, *ref, sp.SID)
		}
	}
	if p.ReservationActivitySID != nil {
		q.ReservationActivitySID = *p.ReservationActivitySID
	}
	if p.AssignmentActivitySID != nil {
		q.AssignmentActivitySID = *p.AssignmentActivitySID
	}
	return nil
}

// TaskQueue fetches a task queue.
func (s *Service) TaskQueue(ctx context.Context, workspaceSID, queueSID string) (TaskQueue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, _, err := s.taskQueue(workspaceSID, queueSID)
	if err != nil {
		return TaskQueue{}, err
	}
	return *q, nil
}

func (s *Service) taskQueue(workspaceSID, queueSID string) (*TaskQueue, *space, error) {
	return lookup(s, workspaceSID, queueSID, "TaskQueue", func(sp *space) *collection[*TaskQueue] { return &sp.queues })
}

// ActivityName names an activity of a workspace, or "".
func (s *Service) ActivityName(workspaceSID, activitySID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp := s.workspaces[workspaceSID]; sp != nil {
		if a := sp.activities.bySID[activitySID]; a != nil {
			return a.FriendlyName
		}
	}
	return ""
}

// NameOf is the friendly name of a workspace's queue or workflow, or "".
func (s *Service) NameOf(workspaceSID, sid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.workspaces[workspaceSID]
	if sp == nil {
		return ""
	}
	if q := sp.queues.bySID[sid]; q != nil {
		return q.FriendlyName
	}
	if wf := sp.workflows.bySID[sid]; wf != nil {
		return wf.FriendlyName
	}
	return ""
}

// TaskQueueFilter narrows a task queue list.
type TaskQueueFilter struct {
	FriendlyName string
	// EvaluateWorkerAttributes lists the queues a worker with these
	// attributes (a JSON object) would be in.
	EvaluateWorkerAttributes string
	WorkerSID                string
}

// TaskQueues lists a workspace's task queues.
func (s *Service) TaskQueues(ctx context.Context, workspaceSID string, f TaskQueueFilter, r PageRequest) (Page[TaskQueue], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return Page[TaskQueue]{}, err
	}
	var attrs map[string]any
	if f.EvaluateWorkerAttributes != "" {
		if attrs, err = parseAttributes("EvaluateWorkerAttributes", f.EvaluateWorkerAttributes); err != nil {
			return Page[TaskQueue]{}, err
		}
	}
	if f.WorkerSID != "" {
		w := sp.workers.bySID[f.WorkerSID]
		if w == nil {
			return Page[TaskQueue]{}, invalid("WorkerSid %s is not a worker of workspace %s", f.WorkerSID, sp.SID)
		}
		attrs = w.attrs
	}
	return copies(sp.queues.page(func(q *TaskQueue) bool {
		return (f.FriendlyName == "" || q.FriendlyName == f.FriendlyName) && (attrs == nil || q.Matches(attrs))
	}, r)), nil
}

// UpdateTaskQueue changes a task queue.
func (s *Service) UpdateTaskQueue(ctx context.Context, workspaceSID, queueSID string, p TaskQueueParams) (TaskQueue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, sp, err := s.taskQueue(workspaceSID, queueSID)
	if err != nil {
		return TaskQueue{}, err
	}
	next := *q
	if err := applyTaskQueue(sp, &next, p); err != nil {
		return TaskQueue{}, err
	}
	next.Updated = s.stamp()
	var c change
	c.put(KindTaskQueue, q.SID, sp.SID, &next)
	if err := s.commit(ctx, c, func() { *q = next }); err != nil {
		return TaskQueue{}, err
	}
	// Its order or its workers may have changed: offer its tasks again.
	s.resort(sp, q)
	b := batch{sp: sp}
	if l := sp.waiting[q.SID]; l != nil {
		for _, t := range slices.Clone(l.items) {
			s.tryTask(sp, t, &b)
		}
	}
	s.flush(&b)
	return *q, nil
}

// DeleteTaskQueue removes a task queue no workflow routes to.
func (s *Service) DeleteTaskQueue(ctx context.Context, workspaceSID, queueSID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, sp, err := s.taskQueue(workspaceSID, queueSID)
	if err != nil {
		return err
	}
	for _, wf := range sp.workflows.order {
		if wf.routesTo(q.SID) {
			return apperr.Conflictf(apperr.CodeBadRequest, "Workflow %s routes tasks to queue %s; change its configuration first", wf.SID, q.SID)
		}
	}
	for _, t := range sp.tasks.order {
		if t.QueueSID == q.SID && !t.Done() {
			return apperr.Conflictf(apperr.CodeBadRequest, "Task %s is %s in queue %s; complete or cancel its tasks first", t.SID, t.AssignmentStatus, q.SID)
		}
	}
	var c change
	c.del(q.SID)
	return s.commit(ctx, c, func() { sp.queues.remove(q.SID) })
}

// ---- workflows ----

// Workflow decides which queue a task goes to, and how it moves on when
// nobody takes it.
type Workflow struct {
	Key                           int64     `json:"key"`
	SID                           string    `json:"sid"`
	WorkspaceSID                  string    `json:"workspace_sid"`
	FriendlyName                  string    `json:"friendly_name"`
	Configuration                 string    `json:"configuration"`
	AssignmentCallbackURL         string    `json:"assignment_callback_url"`
	FallbackAssignmentCallbackURL string    `json:"fallback_assignment_callback_url"`
	TaskReservationTimeout        int       `json:"task_reservation_timeout"` // seconds
	Created                       time.Time `json:"created"`
	Updated                       time.Time `json:"updated"`

	routing Routing
}

func (wf *Workflow) key() int64 { return wf.Key }

// Routing is a workflow's parsed configuration.
type Routing struct {
	Filters []Filter
	Default *Target // where tasks no filter matches go; nil keeps them unrouted
}

// Filter sends the tasks its expression matches to its targets, in order.
type Filter struct {
	Name    string
	Expr    *expr.Expr
	Targets []Target
}

// Target is one step of a filter: a queue, with a priority, how long a task
// waits there before the next step, and which of its workers qualify.
type Target struct {
	QueueSID string
	Priority *int
	Timeout  time.Duration // zero: no limit
	Expr     *expr.Expr    // nil: every worker of the queue
}

// Routing returns the workflow's parsed configuration.
func (wf *Workflow) Routing() Routing { return wf.routing }

func (wf *Workflow) routesTo(queueSID string) bool {
	if wf.routing.Default != nil && wf.routing.Default.QueueSID == queueSID {
		return true
	}
	for _, f := range wf.routing.Filters {
		for _, t := range f.Targets {
			if t.QueueSID == queueSID {
				return true
			}
		}
	}
	return false
}

// configDoc is the JSON shape of a workflow's Configuration, as Twilio's.
type configDoc struct {
	TaskRouting *struct {
		Filters []struct {
			FilterFriendlyName string      `json:"filter_friendly_name"`
			FriendlyName       string      `json:"friendly_name"`
			Expression         string      `json:"expression"`
			Targets            []targetDoc `json:"targets"`
		} `json:"filters"`
		DefaultFilter *targetDoc `json:"default_filter"`
	} `json:"task_routing"`
}

type targetDoc struct {
	Queue      string `json:"queue"`
	Priority   *int   `json:"priority"`
	Timeout    *int   `json:"timeout"`
	Expression string `json:"expression"`
}

// MaxConfigurationBytes bounds a workflow's configuration.
const MaxConfigurationBytes = 64 << 10

func (wf *Workflow) compile(sp *space) error {
	r, err := parseConfiguration(sp, wf.Configuration)
	wf.routing = r
	return err
}

// parseConfiguration checks a workflow configuration against the
// workspace: valid JSON in Twilio's shape, expressions that parse, queues
// that exist. Errors name the place, like task_routing.filters[1].targets[0].
func parseConfiguration(sp *space, doc string) (Routing, error) {
	if len(doc) > MaxConfigurationBytes {
		return Routing{}, invalid("Configuration is %d bytes; the limit is %d", len(doc), MaxConfigurationBytes)
	}
	var c configDoc
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return Routing{}, invalid("Configuration is not valid JSON: %v", err)
	}
	if c.TaskRouting == nil {
		return Routing{}, invalid(`Configuration needs "task_routing", like {"task_routing":{"filters":[],"default_filter":{"queue":"WQ..."}}}`)
	}
	var r Routing
	target := func(at string, t targetDoc) (Target, error) {
		if t.Queue == "" {
			return Target{}, invalid("Configuration %s needs a queue", at)
		}
		if sp.queues.bySID[t.Queue] == nil {
			return Target{}, invalid("Configuration %s.queue: %s is not a task queue of workspace %s", at, t.Queue, sp.SID)
		}
		out := Target{QueueSID: t.Queue, Priority: t.Priority}
		if t.Timeout != nil {
			if *t.Timeout < 0 || *t.Timeout > 86400 {
				return Target{}, invalid("Configuration %s.timeout must be between 0 and 86400 seconds, got %d", at, *t.Timeout)
			}
			out.Timeout = time.Duration(*t.Timeout) * time.Second
		}
		if t.Expression != "" {
			e, err := parseExpr("Configuration "+at+".expression", t.Expression)
			if err != nil {
				return Target{}, err
			}
			out.Expr = e
		}
		return out, nil
	}
	for i, f := range c.TaskRouting.Filters {
		at := fmt.Sprintf("task_routing.filters[%d]", i)
		src := strings.TrimSpace(f.Expression)
		if src == "" {
			return Routing{}, invalid("Configuration %s needs an expression (\"1==1\" matches every task)", at)
		}
		e, err := parseExpr("Configuration "+at+".expression", src)
		if err != nil {
			return Routing{}, err
		}
		if len(f.Targets) == 0 {
			return Routing{}, invalid("Configuration %s needs at least one target", at)
		}
		filter := Filter{Name: f.FilterFriendlyName, Expr: e}
		if filter.Name == "" {
			filter.Name = f.FriendlyName
		}
		for j, t := range f.Targets {
			tg, err := target(fmt.Sprintf("%s.targets[%d]", at, j), t)
			if err != nil {
				return Routing{}, err
			}
			filter.Targets = append(filter.Targets, tg)
		}
		r.Filters = append(r.Filters, filter)
	}
	if d := c.TaskRouting.DefaultFilter; d != nil {
		tg, err := target("task_routing.default_filter", *d)
		if err != nil {
			return Routing{}, err
		}
		r.Default = &tg
	}
	return r, nil
}

// WorkflowParams are the settable fields of a workflow.
type WorkflowParams struct {
	FriendlyName                  *string
	Configuration                 *string
	AssignmentCallbackURL         *string
	FallbackAssignmentCallbackURL *string
	TaskReservationTimeout        *int
}

// CreateWorkflow adds a workflow.
func (s *Service) CreateWorkflow(ctx context.Context, workspaceSID string, p WorkflowParams) (Workflow, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return Workflow{}, err
	}
	if p.FriendlyName == nil || p.Configuration == nil {
		return Workflow{}, invalid("FriendlyName and Configuration are required")
	}
	now := s.stamp()
	wf := &Workflow{Key: s.nextKey(), SID: sid.New(sid.Workflow), WorkspaceSID: sp.SID, TaskReservationTimeout: 120,
		Created: now, Updated: now}
	if err := applyWorkflow(sp, wf, p); err != nil {
		return Workflow{}, err
	}
	if err := s.checkWorkflowURLs(p); err != nil {
		return Workflow{}, err
	}
	var c change
	c.put(KindWorkflow, wf.SID, sp.SID, wf)
	err = s.commit(ctx, c, func() { sp.workflows.put(wf.SID, wf) })
	return *wf, err
}

// checkWorkflowURLs applies the outbound policy to a workflow's callbacks.
// Parley does not call them yet; checking them now keeps a URL saved today
// from becoming a way inside once it does.
func (s *Service) checkWorkflowURLs(p WorkflowParams) error {
	if err := s.checkURL("AssignmentCallbackUrl", p.AssignmentCallbackURL); err != nil {
		return err
	}
	return s.checkURL("FallbackAssignmentCallbackUrl", p.FallbackAssignmentCallbackURL)
}

func applyWorkflow(sp *space, wf *Workflow, p WorkflowParams) error {
	if p.FriendlyName != nil {
		if err := checkName("FriendlyName", *p.FriendlyName); err != nil {
			return err
		}
		wf.FriendlyName = *p.FriendlyName
	}
	if p.Configuration != nil {
		r, err := parseConfiguration(sp, *p.Configuration)
		if err != nil {
			return err
		}
		wf.Configuration, wf.routing = *p.Configuration, r
	}
	for param, v := range map[string]*string{"AssignmentCallbackUrl": p.AssignmentCallbackURL, "FallbackAssignmentCallbackUrl": p.FallbackAssignmentCallbackURL} {
		if v == nil || *v == "" {
			continue
		}
		if u, err := url.Parse(*v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid("%s %q is not an http or https URL", param, *v)
		}
	}
	if p.AssignmentCallbackURL != nil {
		wf.AssignmentCallbackURL = *p.AssignmentCallbackURL
	}
	if p.FallbackAssignmentCallbackURL != nil {
		wf.FallbackAssignmentCallbackURL = *p.FallbackAssignmentCallbackURL
	}
	if p.TaskReservationTimeout != nil {
		if n := *p.TaskReservationTimeout; n < 1 || n > 86400 {
			return invalid("TaskReservationTimeout must be between 1 and 86400 seconds, got %d", n)
		}
		wf.TaskReservationTimeout = *p.TaskReservationTimeout
	}
	return nil
}

// Workflow fetches a workflow.
func (s *Service) Workflow(ctx context.Context, workspaceSID, workflowSID string) (Workflow, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	wf, _, err := s.workflow(workspaceSID, workflowSID)
	if err != nil {
		return Workflow{}, err
	}
	return *wf, nil
}

func (s *Service) workflow(workspaceSID, workflowSID string) (*Workflow, *space, error) {
	return lookup(s, workspaceSID, workflowSID, "Workflow", func(sp *space) *collection[*Workflow] { return &sp.workflows })
}

// Workflows lists a workspace's workflows.
func (s *Service) Workflows(ctx context.Context, workspaceSID, friendlyName string, r PageRequest) (Page[Workflow], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return Page[Workflow]{}, err
	}
	return copies(sp.workflows.page(func(wf *Workflow) bool {
		return friendlyName == "" || wf.FriendlyName == friendlyName
	}, r)), nil
}

// UpdateWorkflow changes a workflow.
func (s *Service) UpdateWorkflow(ctx context.Context, workspaceSID, workflowSID string, p WorkflowParams) (Workflow, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	wf, sp, err := s.workflow(workspaceSID, workflowSID)
	if err != nil {
		return Workflow{}, err
	}
	next := *wf
	if err := applyWorkflow(sp, &next, p); err != nil {
		return Workflow{}, err
	}
	if err := s.checkWorkflowURLs(p); err != nil {
		return Workflow{}, err
	}
	next.Updated = s.stamp()
	var c change
	c.put(KindWorkflow, wf.SID, sp.SID, &next)
	if err := s.commit(ctx, c, func() { *wf = next }); err != nil {
		return Workflow{}, err
	}
	if p.Configuration != nil {
		// Filters and targets may have moved: route its waiting tasks
		// again from the top.
		b := batch{sp: sp}
		for _, t := range slices.Clone(sp.tasks.order) {
			if t.WorkflowSID == wf.SID && t.waiting() {
				s.rescindPending(sp, t, &b)
				t.AssignmentStatus = TaskPending
				s.route(sp, t, &b)
			}
		}
		s.flush(&b)
	}
	return *wf, nil
}

// DeleteWorkflow removes a workflow.
func (s *Service) DeleteWorkflow(ctx context.Context, workspaceSID, workflowSID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	wf, sp, err := s.workflow(workspaceSID, workflowSID)
	if err != nil {
		return err
	}
	for _, t := range sp.tasks.order {
		if t.WorkflowSID == wf.SID && !t.Done() {
			return apperr.Conflictf(apperr.CodeBadRequest, "Task %s of workflow %s is %s; complete or cancel its tasks first", t.SID, wf.SID, t.AssignmentStatus)
		}
	}
	var c change
	c.del(wf.SID)
	return s.commit(ctx, c, func() { sp.workflows.remove(wf.SID) })
}
