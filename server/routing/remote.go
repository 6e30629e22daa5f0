package routing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"parley/server/apperr"
)

// Router is TaskRouter as its callers use it. On a node that runs alone it
// is the engine itself, a *Service; on a node of a cluster it is a
// *Remote, which reaches the one engine the cluster runs.
type Router interface {
	Activities(ctx context.Context, workspaceSID string, f ActivityFilter, r PageRequest) (Page[Activity], error)
	Activity(ctx context.Context, workspaceSID, activitySID string) (Activity, error)
	ActivityName(workspaceSID, activitySID string) string
	CompleteWork(ctx context.Context, workspaceSID, taskSID string, p CompleteParams) (Task, error)
	CreateActivity(ctx context.Context, workspaceSID string, p ActivityParams) (Activity, error)
	CreateTask(ctx context.Context, workspaceSID string, p TaskParams) (Task, error)
	CreateTaskChannel(ctx context.Context, workspaceSID string, p TaskChannelParams) (TaskChannel, error)
	CreateTaskQueue(ctx context.Context, workspaceSID string, p TaskQueueParams) (TaskQueue, error)
	CreateWorker(ctx context.Context, workspaceSID string, p WorkerParams) (Worker, error)
	CreateWorkflow(ctx context.Context, workspaceSID string, p WorkflowParams) (Workflow, error)
	CreateWorkspace(ctx context.Context, p WorkspaceParams) (Workspace, error)
	DeleteActivity(ctx context.Context, workspaceSID, activitySID string) error
	DeleteTask(ctx context.Context, workspaceSID, taskSID string) error
	DeleteTaskChannel(ctx context.Context, workspaceSID, ref string) error
	DeleteTaskQueue(ctx context.Context, workspaceSID, queueSID string) error
	DeleteWorker(ctx context.Context, workspaceSID, workerSID string) error
	DeleteWorkflow(ctx context.Context, workspaceSID, workflowSID string) error
	DeleteWorkspace(ctx context.Context, workspaceSID string) error
	NameOf(workspaceSID, sid string) string
	QueuePositions(ctx context.Context, workspaceSID string) ([]QueuePosition, error)
	Reservation(ctx context.Context, workspaceSID, taskSID, reservationSID string) (Reservation, error)
	Task(ctx context.Context, workspaceSID, taskSID string) (Task, error)
	TaskChannel(ctx context.Context, workspaceSID, ref string) (TaskChannel, error)
	TaskChannels(ctx context.Context, workspaceSID string, r PageRequest) (Page[TaskChannel], error)
	TaskPosition(ctx context.Context, workspaceSID, taskSID string) (QueuePosition, error)
	TaskQueue(ctx context.Context, workspaceSID, queueSID string) (TaskQueue, error)
	TaskQueueStatistics(ctx context.Context, workspaceSID, queueSID string) (Statistics, error)
	TaskQueues(ctx context.Context, workspaceSID string, f TaskQueueFilter, r PageRequest) (Page[TaskQueue], error)
	TaskReservations(ctx context.Context, workspaceSID, taskSID string, f ReservationFilter, r PageRequest) (Page[Reservation], error)
	Tasks(ctx context.Context, workspaceSID string, f TaskFilter, r PageRequest) (Page[Task], error)
	UpdateActivity(ctx context.Context, workspaceSID, activitySID string, p ActivityParams) (Activity, error)
	UpdateReservation(ctx context.Context, workspaceSID, taskSID, workerSID, reservationSID string, p ReservationParams) (Reservation, error)
	UpdateTask(ctx context.Context, workspaceSID, taskSID string, p TaskParams) (Task, error)
	UpdateTaskChannel(ctx context.Context, workspaceSID, ref string, p TaskChannelParams) (TaskChannel, error)
	UpdateTaskQueue(ctx context.Context, workspaceSID, queueSID string, p TaskQueueParams) (TaskQueue, error)
	UpdateWorker(ctx context.Context, workspaceSID, workerSID string, p WorkerParams) (WorkerView, error)
	UpdateWorkerChannel(ctx context.Context, workspaceSID, workerSID, ref string, p WorkerChannelParams) (WorkerChannelView, error)
	UpdateWorkflow(ctx context.Context, workspaceSID, workflowSID string, p WorkflowParams) (Workflow, error)
	UpdateWorkspace(ctx context.Context, workspaceSID string, p WorkspaceParams) (Workspace, error)
	WaitingWith(ctx context.Context, attr, value string) (p QueuePosition, ok bool)
	Worker(ctx context.Context, workspaceSID, workerSID string) (Worker, error)
	WorkerChannel(ctx context.Context, workspaceSID, workerSID, ref string) (WorkerChannelView, error)
	WorkerChannels(ctx context.Context, workspaceSID, workerSID string, r PageRequest) (Page[WorkerChannelView], error)
	WorkerOf(ctx context.Context, workspaceSID, workerSID string) (WorkerView, error)
	WorkerReservation(ctx context.Context, workspaceSID, workerSID, reservationSID string) (Reservation, error)
	WorkerReservations(ctx context.Context, workspaceSID, workerSID string, f ReservationFilter, r PageRequest) (Page[Reservation], error)
	Workers(ctx context.Context, workspaceSID string, f WorkerFilter, r PageRequest) (Page[WorkerView], error)
	Workflow(ctx context.Context, workspaceSID, workflowSID string) (Workflow, error)
	Workflows(ctx context.Context, workspaceSID, friendlyName string, r PageRequest) (Page[Workflow], error)
	Workspace(ctx context.Context, workspaceSID string) (Workspace, error)
	WorkspaceStatistics(ctx context.Context, workspaceSID string) (Statistics, error)
	Workspaces(ctx context.Context, friendlyName string, r PageRequest) Page[Workspace]
	// Subscribe adds a listener for every event of the engine. Listeners
	// run where the engine runs, one at a time, and must not block.
	Subscribe(fn func(Event))
}

var _ Router = (*Service)(nil)
var _ Router = (*Remote)(nil)

// Remote is routing on a node of a cluster. The nodes share one database,
// but one engine: two would offer the same task twice. One node at a time
// runs it (it holds the routing lease, which the app takes and watches);
// there Remote calls the engine directly, and on every other node it
// carries each call to that node with Send and brings back its answer,
// errors included, so a caller cannot tell the two apart.
//
// Listeners subscribed to a Remote are kept on every node and handed to
// each engine this node comes to run: they hear only the engine that runs.
type Remote struct {
	// Send carries a call, the method's name and its arguments as a JSON
	// array, to the node that runs the engine and returns its reply
	// (Serve's). It returns ErrNoEngine when no node runs it.
	Send func(ctx context.Context, method string, args []byte) ([]byte, error)
	// Wait is how long a call waits for a node to run the engine (a
	// handover takes a second or two) before it fails as unavailable;
	// zero means DefaultWait.
	Wait time.Duration
	// Forwarded, if set, is told of each call answered by another node.
	Forwarded func()
	// Now is the clock names are remembered by; nil means time.Now.
	Now func() time.Time

	mu        sync.Mutex
	engine    *Service // while this node runs it
	listeners []func(Event)
	names     map[[2]string]remembered // names the engine's node gave, for a moment (NameOf, ActivityName)
}

// remembered is a name another node gave, and until when it is trusted.
type remembered struct {
	name  string
	until time.Time
}

// nameTTL is how long a node trusts a queue's, workflow's or activity's
// name another node gave it. A page of tasks names each task's queue and
// workflow; without remembering them, each would be a round trip to the
// engine's node. A rename shows on other nodes' pages within it.
const nameTTL = 2 * time.Second

// DefaultWait is how long a call waits out a handover.
const DefaultWait = 5 * time.Second

// ErrNoEngine is Send's report that no node runs the engine now.
var ErrNoEngine = errors.New("routing: no node runs the engine")

// errMoving is what a caller hears when no engine answered in time: the
// API's 503, which clients retry.
func errMoving() error {
	return apperr.New(apperr.Unavailable, apperr.CodeServiceUnavailable,
		"Routing is moving to another node of the cluster; retry in a few seconds")
}

// Run makes svc the engine this node runs: calls go to it from now on,
// and the listeners subscribed so far hear its events.
func (rm *Remote) Run(svc *Service) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for _, fn := range rm.listeners {
		svc.Subscribe(fn)
	}
	rm.engine = svc
}

// Stop returns the engine this node ran, if any, and sends calls
// elsewhere from now on. The caller closes the engine.
func (rm *Remote) Stop() *Service {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	svc := rm.engine
	rm.engine = nil
	return svc
}

// Engine is the engine this node runs, or nil.
func (rm *Remote) Engine() *Service {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return rm.engine
}

// Subscribe keeps fn for every engine this node runs, the current one
// included.
func (rm *Remote) Subscribe(fn func(Event)) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	rm.listeners = append(rm.listeners, fn)
	if rm.engine != nil {
		rm.engine.Subscribe(fn)
	}
}

// call runs method with args on the engine, here or where it runs, and
// sets what outs point to to its results (its error apart). While no node
// runs the engine it tries again until Wait is over.
func (rm *Remote) call(ctx context.Context, method string, outs []any, args ...any) error {
	wait := rm.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	deadline := time.Now().Add(wait)
	var body []byte
	for {
		var err error
		if svc := rm.Engine(); svc != nil {
			err = callHere(ctx, svc, method, outs, args)
		} else {
			if body == nil {
				if body, err = json.Marshal(args); err != nil {
					return err
				}
			}
			reply, sendErr := rm.Send(ctx, method, body)
			switch {
			case sendErr == nil:
				if rm.Forwarded != nil {
					rm.Forwarded()
				}
				err = decodeReply(reply, outs)
			case errors.Is(sendErr, ErrNoEngine) || ctx.Err() != nil:
				err = sendErr
			default:
				return errMoving() // lost on the way, or unanswered
			}
		}
		// An engine closed under the call (its node stepped down) did
		// nothing of it: the call goes to the next one. A call that
		// reached a node and got no answer may have been done: it is not
		// sent again, the caller decides.
		retry := errors.Is(err, ErrNoEngine) || errors.Is(err, errClosed)
		switch {
		case !retry:
			return err
		case ctx.Err() != nil:
			return ctx.Err()
		case time.Now().After(deadline):
			return errMoving()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// call is Remote.call for the methods with one result and an error.
func call[T any](rm *Remote, ctx context.Context, method string, args ...any) (T, error) {
	var v T
	err := rm.call(ctx, method, []any{&v}, args...)
	return v, err
}

// callHere runs a call on the engine in this process.
func callHere(ctx context.Context, svc *Service, method string, outs []any, args []any) error {
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		in[i] = reflect.ValueOf(a)
	}
	res, err := invoke(ctx, svc, method, in)
	for i, v := range res {
		reflect.ValueOf(outs[i]).Elem().Set(v)
	}
	return err
}

var ctxType = reflect.TypeFor[context.Context]()
var errType = reflect.TypeFor[error]()

// method finds one of Router's methods on svc: no other method can be
// called from another node (Close, SetClock).
func method(svc *Service, name string) (reflect.Value, error) {
	if _, ok := reflect.TypeFor[Router]().MethodByName(name); !ok || name == "Subscribe" {
		return reflect.Value{}, fmt.Errorf("routing: no method %q to call", name)
	}
	return reflect.ValueOf(svc).MethodByName(name), nil
}

// invoke calls method with ctx, where it takes one, and args, and returns
// its results apart from its error.
func invoke(ctx context.Context, svc *Service, name string, args []reflect.Value) ([]reflect.Value, error) {
	m, err := method(svc, name)
	if err != nil {
		return nil, err
	}
	if m.Type().NumIn() > 0 && m.Type().In(0) == ctxType {
		args = append([]reflect.Value{reflect.ValueOf(ctx)}, args...)
	}
	res := m.Call(args)
	if n := len(res); n > 0 && res[n-1].Type() == errType {
		if e := res[n-1].Interface(); e != nil {
			err = e.(error)
		}
		res = res[:n-1]
	}
	return res, err
}

// reply is a call's answer as it crosses between nodes: its results, or
// its error, an application error as the API reports it or a fault, which
// the engine's node logged and the caller reports as internal.
type reply struct {
	Results []json.RawMessage `json:"results,omitempty"`
	Error   *apperr.Error     `json:"error,omitempty"`
	Fault   string            `json:"fault,omitempty"`
	// Closed says the engine had stopped (its node stepped down) and did
	// nothing: the caller tries the next.
	Closed bool `json:"closed,omitempty"`
}

// Serve runs a call a Remote sent (method, and its arguments as a JSON
// array) on svc, the engine this node runs, and returns the reply to send
// back.
func Serve(ctx context.Context, svc *Service, name string, args []byte) []byte {
	var rp reply
	if res, err := serve(ctx, svc, name, args); err != nil {
		if errors.Is(err, errClosed) {
			rp.Closed = true
		} else if e, ok := apperr.As(err); ok {
			rp.Error = e
		} else {
			rp.Fault = err.Error()
		}
	} else {
		for _, v := range res {
			b, err := json.Marshal(v.Interface())
			if err != nil {
				return mustMarshal(reply{Fault: err.Error()})
			}
			rp.Results = append(rp.Results, b)
		}
	}
	return mustMarshal(rp)
}

func serve(ctx context.Context, svc *Service, name string, args []byte) ([]reflect.Value, error) {
	m, err := method(svc, name)
	if err != nil {
		return nil, err
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(args, &raw); err != nil {
		return nil, fmt.Errorf("routing: the arguments of %s: %w", name, err)
	}
	t, skip := m.Type(), 0
	if t.NumIn() > 0 && t.In(0) == ctxType {
		skip = 1
	}
	if len(raw) != t.NumIn()-skip {
		return nil, fmt.Errorf("routing: %s takes %d arguments, not %d", name, t.NumIn()-skip, len(raw))
	}
	in := make([]reflect.Value, len(raw))
	for i, r := range raw {
		p := reflect.New(t.In(i + skip))
		if err := json.Unmarshal(r, p.Interface()); err != nil {
			return nil, fmt.Errorf("routing: argument %d of %s: %w", i+1, name, err)
		}
		in[i] = p.Elem()
	}
	return invoke(ctx, svc, name, in)
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // a reply is JSON already
	}
	return b
}

// decodeReply sets outs from a reply, and returns its error.
func decodeReply(b []byte, outs []any) error {
	var rp reply
	if err := json.Unmarshal(b, &rp); err != nil {
		return fmt.Errorf("routing: a reply from the engine's node: %w", err)
	}
	if rp.Closed {
		return errClosed
	}
	if rp.Error != nil {
		return rp.Error
	}
	if rp.Fault != "" {
		return fmt.Errorf("routing, on the engine's node: %s", rp.Fault)
	}
	if len(rp.Results) != len(outs) {
		return fmt.Errorf("routing: the engine's node sent %d results, not %d", len(rp.Results), len(outs))
	}
	for i, r := range rp.Results {
		if err := json.Unmarshal(r, outs[i]); err != nil {
			return fmt.Errorf("routing: a result from the engine's node: %w", err)
		}
		refill(outs[i])
	}
	return nil
}

// refill decodes again what the engine keeps decoded beside the JSON of a
// task or a worker (their attributes), which callers read.
func refill(v any) {
	task := func(t *Task) { json.Unmarshal([]byte(t.Attributes), &t.attrs) }
	worker := func(w *Worker) { w.parse() }
	switch v := v.(type) {
	case *Task:
		task(v)
	case *Worker:
		worker(v)
	case *WorkerView:
		worker(&v.Worker)
	case *Page[Task]:
		for i := range v.Items {
			task(&v.Items[i])
		}
	case *Page[WorkerView]:
		for i := range v.Items {
			worker(&v.Items[i].Worker)
		}
	}
}

// ActivityName is Service.ActivityName, on the node that runs the engine;
// "" when it cannot be reached.
func (rm *Remote) ActivityName(workspaceSID, activitySID string) string {
	return rm.name("ActivityName", workspaceSID, activitySID)
}

// NameOf is Service.NameOf, on the node that runs the engine; "" when it
// cannot be reached.
func (rm *Remote) NameOf(workspaceSID, sid string) string {
	return rm.name("NameOf", workspaceSID, sid)
}

// name asks the engine for a name (method NameOf or ActivityName), or
// gives the one it gave less than nameTTL ago. The engine's own node
// asks it directly: its names are never stale.
func (rm *Remote) name(method, workspaceSID, sid string) string {
	key := [2]string{workspaceSID, sid}
	rm.mu.Lock()
	local, r := rm.engine != nil, rm.names[key]
	rm.mu.Unlock()
	if !local && r.name != "" && rm.now().Before(r.until) {
		return r.name
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*DefaultWait)
	defer cancel()
	name, _ := call[string](rm, ctx, method, workspaceSID, sid)
	if name != "" && !local {
		rm.mu.Lock()
		if rm.names == nil || len(rm.names) > 10_000 { // SIDs of deleted things: start again rather than grow
			rm.names = map[[2]string]remembered{}
		}
		rm.names[key] = remembered{name: name, until: rm.now().Add(nameTTL)}
		rm.mu.Unlock()
	}
	return name
}

func (rm *Remote) now() time.Time {
	if rm.Now != nil {
		return rm.Now()
	}
	return time.Now()
}

// Workspaces is Service.Workspaces, on the node that runs the engine; an
// empty page when it cannot be reached.
func (rm *Remote) Workspaces(ctx context.Context, friendlyName string, r PageRequest) Page[Workspace] {
	p, _ := call[Page[Workspace]](rm, ctx, "Workspaces", friendlyName, r)
	return p
}

// WaitingWith is Service.WaitingWith, on the node that runs the engine;
// not found when it cannot be reached.
func (rm *Remote) WaitingWith(ctx context.Context, attr, value string) (p QueuePosition, ok bool) {
	if err := rm.call(ctx, "WaitingWith", []any{&p, &ok}, attr, value); err != nil {
		return QueuePosition{}, false
	}
	return p, ok
}

// Activities is Service.Activities, on the node that runs the engine.
func (rm *Remote) Activities(ctx context.Context, workspaceSID string, f ActivityFilter, r PageRequest) (Page[Activity], error) {
	return call[Page[Activity]](rm, ctx, "Activities", workspaceSID, f, r)
}

// Activity is Service.Activity, on the node that runs the engine.
func (rm *Remote) Activity(ctx context.Context, workspaceSID, activitySID string) (Activity, error) {
	return call[Activity](rm, ctx, "Activity", workspaceSID, activitySID)
}

// CompleteWork is Service.CompleteWork, on the node that runs the engine:
// the merge and the completion are one call there.
func (rm *Remote) CompleteWork(ctx context.Context, workspaceSID, taskSID string, p CompleteParams) (Task, error) {
	return call[Task](rm, ctx, "CompleteWork", workspaceSID, taskSID, p)
}

// CreateActivity is Service.CreateActivity, on the node that runs the engine.
func (rm *Remote) CreateActivity(ctx context.Context, workspaceSID string, p ActivityParams) (Activity, error) {
	return call[Activity](rm, ctx, "CreateActivity", workspaceSID, p)
}

// CreateTask is Service.CreateTask, on the node that runs the engine.
func (rm *Remote) CreateTask(ctx context.Context, workspaceSID string, p TaskParams) (Task, error) {
	return call[Task](rm, ctx, "CreateTask", workspaceSID, p)
}

// CreateTaskChannel is Service.CreateTaskChannel, on the node that runs the engine.
func (rm *Remote) CreateTaskChannel(ctx context.Context, workspaceSID string, p TaskChannelParams) (TaskChannel, error) {
	return call[TaskChannel](rm, ctx, "CreateTaskChannel", workspaceSID, p)
}

// CreateTaskQueue is Service.CreateTaskQueue, on the node that runs the engine.
func (rm *Remote) CreateTaskQueue(ctx context.Context, workspaceSID string, p TaskQueueParams) (TaskQueue, error) {
	return call[TaskQueue](rm, ctx, "CreateTaskQueue", workspaceSID, p)
}

// CreateWorker is Service.CreateWorker, on the node that runs the engine.
func (rm *Remote) CreateWorker(ctx context.Context, workspaceSID string, p WorkerParams) (Worker, error) {
	return call[Worker](rm, ctx, "CreateWorker", workspaceSID, p)
}

// CreateWorkflow is Service.CreateWorkflow, on the node that runs the engine.
func (rm *Remote) CreateWorkflow(ctx context.Context, workspaceSID string, p WorkflowParams) (Workflow, error) {
	return call[Workflow](rm, ctx, "CreateWorkflow", workspaceSID, p)
}

// CreateWorkspace is Service.CreateWorkspace, on the node that runs the engine.
func (rm *Remote) CreateWorkspace(ctx context.Context, p WorkspaceParams) (Workspace, error) {
	return call[Workspace](rm, ctx, "CreateWorkspace", p)
}

// DeleteActivity is Service.DeleteActivity, on the node that runs the engine.
func (rm *Remote) DeleteActivity(ctx context.Context, workspaceSID, activitySID string) error {
	return rm.call(ctx, "DeleteActivity", nil, workspaceSID, activitySID)
}

// DeleteTask is Service.DeleteTask, on the node that runs the engine.
func (rm *Remote) DeleteTask(ctx context.Context, workspaceSID, taskSID string) error {
	return rm.call(ctx, "DeleteTask", nil, workspaceSID, taskSID)
}

// DeleteTaskChannel is Service.DeleteTaskChannel, on the node that runs the engine.
func (rm *Remote) DeleteTaskChannel(ctx context.Context, workspaceSID, ref string) error {
	return rm.call(ctx, "DeleteTaskChannel", nil, workspaceSID, ref)
}

// DeleteTaskQueue is Service.DeleteTaskQueue, on the node that runs the engine.
func (rm *Remote) DeleteTaskQueue(ctx context.Context, workspaceSID, queueSID string) error {
	return rm.call(ctx, "DeleteTaskQueue", nil, workspaceSID, queueSID)
}

// DeleteWorker is Service.DeleteWorker, on the node that runs the engine.
func (rm *Remote) DeleteWorker(ctx context.Context, workspaceSID, workerSID string) error {
	return rm.call(ctx, "DeleteWorker", nil, workspaceSID, workerSID)
}

// DeleteWorkflow is Service.DeleteWorkflow, on the node that runs the engine.
func (rm *Remote) DeleteWorkflow(ctx context.Context, workspaceSID, workflowSID string) error {
	return rm.call(ctx, "DeleteWorkflow", nil, workspaceSID, workflowSID)
}

// DeleteWorkspace is Service.DeleteWorkspace, on the node that runs the engine.
func (rm *Remote) DeleteWorkspace(ctx context.Context, workspaceSID string) error {
	return rm.call(ctx, "DeleteWorkspace", nil, workspaceSID)
}

// QueuePositions is Service.QueuePositions, on the node that runs the engine.
func (rm *Remote) QueuePositions(ctx context.Context, workspaceSID string) ([]QueuePosition, error) {
	return call[[]QueuePosition](rm, ctx, "QueuePositions", workspaceSID)
}

// Reservation is Service.Reservation, on the node that runs the engine.
func (rm *Remote) Reservation(ctx context.Context, workspaceSID, taskSID, reservationSID string) (Reservation, error) {
	return call[Reservation](rm, ctx, "Reservation", workspaceSID, taskSID, reservationSID)
}

// Task is Service.Task, on the node that runs the engine.
func (rm *Remote) Task(ctx context.Context, workspaceSID, taskSID string) (Task, error) {
	return call[Task](rm, ctx, "Task", workspaceSID, taskSID)
}

// TaskChannel is Service.TaskChannel, on the node that runs the engine.
func (rm *Remote) TaskChannel(ctx context.Context, workspaceSID, ref string) (TaskChannel, error) {
	return call[TaskChannel](rm, ctx, "TaskChannel", workspaceSID, ref)
}

// TaskChannels is Service.TaskChannels, on the node that runs the engine.
func (rm *Remote) TaskChannels(ctx context.Context, workspaceSID string, r PageRequest) (Page[TaskChannel], error) {
	return call[Page[TaskChannel]](rm, ctx, "TaskChannels", workspaceSID, r)
}

// TaskPosition is Service.TaskPosition, on the node that runs the engine.
func (rm *Remote) TaskPosition(ctx context.Context, workspaceSID, taskSID string) (QueuePosition, error) {
	return call[QueuePosition](rm, ctx, "TaskPosition", workspaceSID, taskSID)
}

// TaskQueue is Service.TaskQueue, on the node that runs the engine.
func (rm *Remote) TaskQueue(ctx context.Context, workspaceSID, queueSID string) (TaskQueue, error) {
	return call[TaskQueue](rm, ctx, "TaskQueue", workspaceSID, queueSID)
}

// TaskQueueStatistics is Service.TaskQueueStatistics, on the node that runs the engine.
func (rm *Remote) TaskQueueStatistics(ctx context.Context, workspaceSID, queueSID string) (Statistics, error) {
	return call[Statistics](rm, ctx, "TaskQueueStatistics", workspaceSID, queueSID)
}

// TaskQueues is Service.TaskQueues, on the node that runs the engine.
func (rm *Remote) TaskQueues(ctx context.Context, workspaceSID string, f TaskQueueFilter, r PageRequest) (Page[TaskQueue], error) {
	return call[Page[TaskQueue]](rm, ctx, "TaskQueues", workspaceSID, f, r)
}

// TaskReservations is Service.TaskReservations, on the node that runs the engine.
func (rm *Remote) TaskReservations(ctx context.Context, workspaceSID, taskSID string, f ReservationFilter, r PageRequest) (Page[Reservation], error) {
	return call[Page[Reservation]](rm, ctx, "TaskReservations", workspaceSID, taskSID, f, r)
}

// Tasks is Service.Tasks, on the node that runs the engine.
func (rm *Remote) Tasks(ctx context.Context, workspaceSID string, f TaskFilter, r PageRequest) (Page[Task], error) {
	return call[Page[Task]](rm, ctx, "Tasks", workspaceSID, f, r)
}

// UpdateActivity is Service.UpdateActivity, on the node that runs the engine.
func (rm *Remote) UpdateActivity(ctx context.Context, workspaceSID, activitySID string, p ActivityParams) (Activity, error) {
	return call[Activity](rm, ctx, "UpdateActivity", workspaceSID, activitySID, p)
}

// UpdateReservation is Service.UpdateReservation, on the node that runs the engine.
func (rm *Remote) UpdateReservation(ctx context.Context, workspaceSID, taskSID, workerSID, reservationSID string, p ReservationParams) (Reservation, error) {
	return call[Reservation](rm, ctx, "UpdateReservation", workspaceSID, taskSID, workerSID, reservationSID, p)
}

// UpdateTask is Service.UpdateTask, on the node that runs the engine.
func (rm *Remote) UpdateTask(ctx context.Context, workspaceSID, taskSID string, p TaskParams) (Task, error) {
	return call[Task](rm, ctx, "UpdateTask", workspaceSID, taskSID, p)
}

// UpdateTaskChannel is Service.UpdateTaskChannel, on the node that runs the engine.
func (rm *Remote) UpdateTaskChannel(ctx context.Context, workspaceSID, ref string, p TaskChannelParams) (TaskChannel, error) {
	return call[TaskChannel](rm, ctx, "UpdateTaskChannel", workspaceSID, ref, p)
}

// UpdateTaskQueue is Service.UpdateTaskQueue, on the node that runs the engine.
func (rm *Remote) UpdateTaskQueue(ctx context.Context, workspaceSID, queueSID string, p TaskQueueParams) (TaskQueue, error) {
	return call[TaskQueue](rm, ctx, "UpdateTaskQueue", workspaceSID, queueSID, p)
}

// UpdateWorker is Service.UpdateWorker, on the node that runs the engine.
func (rm *Remote) UpdateWorker(ctx context.Context, workspaceSID, workerSID string, p WorkerParams) (WorkerView, error) {
	return call[WorkerView](rm, ctx, "UpdateWorker", workspaceSID, workerSID, p)
}

// UpdateWorkerChannel is Service.UpdateWorkerChannel, on the node that runs the engine.
func (rm *Remote) UpdateWorkerChannel(ctx context.Context, workspaceSID, workerSID, ref string, p WorkerChannelParams) (WorkerChannelView, error) {
	return call[WorkerChannelView](rm, ctx, "UpdateWorkerChannel", workspaceSID, workerSID, ref, p)
}

// UpdateWorkflow is Service.UpdateWorkflow, on the node that runs the engine.
func (rm *Remote) UpdateWorkflow(ctx context.Context, workspaceSID, workflowSID string, p WorkflowParams) (Workflow, error) {
	return call[Workflow](rm, ctx, "UpdateWorkflow", workspaceSID, workflowSID, p)
}

// UpdateWorkspace is Service.UpdateWorkspace, on the node that runs the engine.
func (rm *Remote) UpdateWorkspace(ctx context.Context, workspaceSID string, p WorkspaceParams) (Workspace, error) {
	return call[Workspace](rm, ctx, "UpdateWorkspace", workspaceSID, p)
}

// Worker is Service.Worker, on the node that runs the engine.
func (rm *Remote) Worker(ctx context.Context, workspaceSID, workerSID string) (Worker, error) {
	return call[Worker](rm, ctx, "Worker", workspaceSID, workerSID)
}

// WorkerChannel is Service.WorkerChannel, on the node that runs the engine.
func (rm *Remote) WorkerChannel(ctx context.Context, workspaceSID, workerSID, ref string) (WorkerChannelView, error) {
	return call[WorkerChannelView](rm, ctx, "WorkerChannel", workspaceSID, workerSID, ref)
}

// WorkerChannels is Service.WorkerChannels, on the node that runs the engine.
func (rm *Remote) WorkerChannels(ctx context.Context, workspaceSID, workerSID string, r PageRequest) (Page[WorkerChannelView], error) {
	return call[Page[WorkerChannelView]](rm, ctx, "WorkerChannels", workspaceSID, workerSID, r)
}

// WorkerOf is Service.WorkerOf, on the node that runs the engine.
func (rm *Remote) WorkerOf(ctx context.Context, workspaceSID, workerSID string) (WorkerView, error) {
	return call[WorkerView](rm, ctx, "WorkerOf", workspaceSID, workerSID)
}

// WorkerReservation is Service.WorkerReservation, on the node that runs the engine.
func (rm *Remote) WorkerReservation(ctx context.Context, workspaceSID, workerSID, reservationSID string) (Reservation, error) {
	return call[Reservation](rm, ctx, "WorkerReservation", workspaceSID, workerSID, reservationSID)
}

// WorkerReservations is Service.WorkerReservations, on the node that runs the engine.
func (rm *Remote) WorkerReservations(ctx context.Context, workspaceSID, workerSID string, f ReservationFilter, r PageRequest) (Page[Reservation], error) {
	return call[Page[Reservation]](rm, ctx, "WorkerReservations", workspaceSID, workerSID, f, r)
}

// Workers is Service.Workers, on the node that runs the engine.
func (rm *Remote) Workers(ctx context.Context, workspaceSID string, f WorkerFilter, r PageRequest) (Page[WorkerView], error) {
	return call[Page[WorkerView]](rm, ctx, "Workers", workspaceSID, f, r)
}

// Workflow is Service.Workflow, on the node that runs the engine.
func (rm *Remote) Workflow(ctx context.Context, workspaceSID, workflowSID string) (Workflow, error) {
	return call[Workflow](rm, ctx, "Workflow", workspaceSID, workflowSID)
}

// Workflows is Service.Workflows, on the node that runs the engine.
func (rm *Remote) Workflows(ctx context.Context, workspaceSID, friendlyName string, r PageRequest) (Page[Workflow], error) {
	return call[Page[Workflow]](rm, ctx, "Workflows", workspaceSID, friendlyName, r)
}

// Workspace is Service.Workspace, on the node that runs the engine.
func (rm *Remote) Workspace(ctx context.Context, workspaceSID string) (Workspace, error) {
	return call[Workspace](rm, ctx, "Workspace", workspaceSID)
}

// WorkspaceStatistics is Service.WorkspaceStatistics, on the node that runs the engine.
func (rm *Remote) WorkspaceStatistics(ctx context.Context, workspaceSID string) (Statistics, error) {
	return call[Statistics](rm, ctx, "WorkspaceStatistics", workspaceSID)
}
