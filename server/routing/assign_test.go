package routing_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/server/apperr"
	"parley/server/routing"
	"parley/server/store"
)

// These tests drive the assignment engine through the service, as
// TaskRouter's users do, and look at what they would see: which worker is
// offered which task, in what order, and when, on a fake clock whose
// deadlines fire only when the test moves it.

// desk is a workspace on a fake clock, with names for what the test made.
type desk struct {
	t     *testing.T
	svc   *routing.Service
	clock *fakeClock
	ws    string
	act   map[string]string // activity SIDs by name: Offline, Available, Unavailable
	sids  map[string]string // queue, worker and task SIDs by the test's names
	names map[string]string // and back
}

func openDesk(t *testing.T) *desk {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "parley.db"), store.Options{Synchronous: "NORMAL"})
	must(t, err)
	svc, err := routing.NewService(ctx, store.NewRouting(db), "AC00000000000000000000000000000000")
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		svc.Close()
		db.Close()
	})
	d := &desk{t: t, svc: svc, clock: &fakeClock{now: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)},
		act: map[string]string{}, sids: map[string]string{}, names: map[string]string{}}
	svc.SetClock(d.clock.Now)
	svc.SetTimers(d.clock.AfterFunc)
	ws, err := svc.CreateWorkspace(ctx, routing.WorkspaceParams{FriendlyName: ptr("Desk")})
	must(t, err)
	d.ws = ws.SID
	acts, err := svc.Activities(ctx, ws.SID, routing.ActivityFilter{}, routing.PageRequest{})
	must(t, err)
	for _, a := range acts.Items {
		d.act[a.FriendlyName] = a.SID
	}
	return d
}

func (d *desk) name(name, sid string) string {
	d.sids[name], d.names[sid] = sid, name
	return sid
}

// queue adds a task queue whose workers are those target picks.
func (d *desk) queue(name, target string, p routing.TaskQueueParams) string {
	d.t.Helper()
	p.FriendlyName, p.TargetWorkers = &name, &target
	q, err := d.svc.CreateTaskQueue(context.Background(), d.ws, p)
	must(d.t, err)
	return d.name(name, q.SID)
}

// workflow adds a workflow; config names queues as {{name}}.
func (d *desk) workflow(name, config string, reservationTimeout int) string {
	d.t.Helper()
	for n, sid := range d.sids {
		config = strings.ReplaceAll(config, "{{"+n+"}}", sid)
	}
	wf, err := d.svc.CreateWorkflow(context.Background(), d.ws, routing.WorkflowParams{FriendlyName: &name,
		Configuration: &config, TaskReservationTimeout: &reservationTimeout})
	must(d.t, err)
	return d.name(name, wf.SID)
}

// worker adds a worker with attributes, in an activity.
func (d *desk) worker(name, attrs, activity string) string {
	d.t.Helper()
	w, err := d.svc.CreateWorker(context.Background(), d.ws, routing.WorkerParams{FriendlyName: &name,
		Attributes: &attrs, ActivitySID: ptr(d.act[activity])})
	must(d.t, err)
	return d.name(name, w.SID)
}

func (d *desk) setActivity(worker, activity string) {
	d.t.Helper()
	_, err := d.svc.UpdateWorker(context.Background(), d.ws, d.sids[worker], routing.WorkerParams{ActivitySID: ptr(d.act[activity])})
	must(d.t, err)
}

func (d *desk) channel(worker, channel string, p routing.WorkerChannelParams) {
	d.t.Helper()
	_, err := d.svc.UpdateWorkerChannel(context.Background(), d.ws, d.sids[worker], channel, p)
	must(d.t, err)
}

// task creates a task; the test names it.
func (d *desk) task(name string, p routing.TaskParams) string {
	d.t.Helper()
	if p.TaskChannel == nil {
		p.TaskChannel = ptr("chat")
	}
	task, err := d.svc.CreateTask(context.Background(), d.ws, p)
	must(d.t, err)
	return d.name(name, task.SID)
}

// offers names the tasks offered to a worker and not answered yet, in the
// order they were offered.
func (d *desk) offers(worker string) []string {
	d.t.Helper()
	out := []string{}
	for _, r := range d.reservations(worker, routing.ReservationPending) {
		out = append(out, d.names[r.TaskSID])
	}
	return out
}

func (d *desk) reservations(worker, status string) []routing.Reservation {
	d.t.Helper()
	page, err := d.svc.WorkerReservations(context.Background(), d.ws, d.sids[worker], routing.ReservationFilter{Status: status}, routing.PageRequest{Size: 50})
	must(d.t, err)
	return page.Items
}

// reservation is a worker's last reservation of a task.
func (d *desk) reservation(worker, task string) routing.Reservation {
	d.t.Helper()
	var last *routing.Reservation
	for _, r := range d.reservations(worker, "") {
		if r.TaskSID == d.sids[task] {
			last = &r
		}
	}
	if last == nil {
		d.t.Fatalf("%s was never offered %s", worker, task)
	}
	return *last
}

// answer is the worker's answer to its offer of a task.
func (d *desk) answer(worker, task, status string) {
	d.t.Helper()
	r := d.reservation(worker, task)
	_, err := d.svc.UpdateReservation(context.Background(), d.ws, "", d.sids[worker], r.SID, routing.ReservationParams{Status: status})
	must(d.t, err)
}

func (d *desk) activity(worker string) string {
	d.t.Helper()
	v, err := d.svc.WorkerOf(context.Background(), d.ws, d.sids[worker])
	must(d.t, err)
	return v.ActivityName
}

func (d *desk) taskOf(task string) routing.Task {
	d.t.Helper()
	v, err := d.svc.Task(context.Background(), d.ws, d.sids[task])
	must(d.t, err)
	return v
}

// serve has a worker with room for one task at a time take what it is
// offered, n times, finishing each: the order it is offered tasks in.
func (d *desk) serve(worker string, n int) []string {
	d.t.Helper()
	var got []string
	for range n {
		offers := d.offers(worker)
		if len(offers) != 1 {
			d.t.Fatalf("%s is offered %v after %v; want one task", worker, offers, got)
		}
		got = append(got, offers[0])
		d.answer(worker, offers[0], routing.ReservationAccepted)
		d.answer(worker, offers[0], routing.ReservationCompleted)
	}
	if rest := d.offers(worker); len(rest) != 0 {
		d.t.Fatalf("%s is still offered %v after %v", worker, rest, got)
	}
	return got
}

// TestFits: a task is offered to a worker only when the worker is
// available, has room on the task's channel, is one of the queue's
// workers and the workflow step's, and is the task's routing target if it
// has one.
func TestFits(t *testing.T) {
	cases := []struct {
		name        string
		worker      string // attributes
		activity    string
		chat        *routing.WorkerChannelParams
		queue       string // TargetWorkers
		step        string // the workflow target's expression
		task        string // attributes
		routeToSelf *bool  // RoutingTarget: the worker (true) or another (false)
		offered     bool
	}{
		{name: "every worker by default", worker: `{}`, activity: "Available", queue: "1==1", task: `{}`, offered: true},
		{name: "the queue's skill", worker: `{"skills":["support","billing"]}`, activity: "Available",
			queue: `skills HAS "support"`, task: `{}`, offered: true},
		{name: "another skill", worker: `{"skills":["billing"]}`, activity: "Available",
			queue: `skills HAS "support"`, task: `{}`},
		{name: "no skills at all", worker: `{}`, activity: "Available", queue: `skills HAS "support"`, task: `{}`},
		{name: "worker. prefix in a queue", worker: `{"skills":["support"]}`, activity: "Available",
			queue: `worker.skills HAS "support"`, task: `{}`, offered: true},
		{name: "the task's language", worker: `{"languages":["en","es"]}`, activity: "Available", queue: "1==1",
			step: `worker.languages HAS task.language`, task: `{"language":"es"}`, offered: true},
		{name: "not the task's language", worker: `{"languages":["en"]}`, activity: "Available", queue: "1==1",
			step: `worker.languages HAS task.language`, task: `{"language":"es"}`},
		{name: "queue holds, step does not", worker: `{"skills":["support"],"level":1}`, activity: "Available",
			queue: `skills HAS "support"`, step: `worker.level >= 2`, task: `{}`},
		{name: "queue and step hold", worker: `{"skills":["support"],"level":2}`, activity: "Available",
			queue: `skills HAS "support"`, step: `worker.level >= 2`, task: `{}`, offered: true},
		{name: "a string is not a number", worker: `{"level":"3"}`, activity: "Available", queue: `level >= 2`, task: `{}`},
		{name: "offline", worker: `{}`, activity: "Offline", queue: "1==1", task: `{}`},
		{name: "unavailable", worker: `{}`, activity: "Unavailable", queue: "1==1", task: `{}`},
		{name: "chat switched off", worker: `{}`, activity: "Available", queue: "1==1", task: `{}`,
			chat: &routing.WorkerChannelParams{Available: ptr(false)}},
		{name: "no chat capacity", worker: `{}`, activity: "Available", queue: "1==1", task: `{}`,
			chat: &routing.WorkerChannelParams{Capacity: ptr(0)}},
		{name: "routed to this worker", worker: `{}`, activity: "Available", queue: "1==1", task: `{}`,
			routeToSelf: ptr(true), offered: true},
		{name: "routed to another worker", worker: `{}`, activity: "Available", queue: "1==1", task: `{}`,
			routeToSelf: ptr(false)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := openDesk(t)
			d.queue("Q", c.queue, routing.TaskQueueParams{})
			step := ""
			if c.step != "" {
				step = fmt.Sprintf(`,"expression":%q`, c.step)
			}
			wf := d.workflow("WF", `{"task_routing":{"filters":[{"expression":"1==1","targets":[{"queue":"{{Q}}"`+step+`}]}]}}`, 120)
			// The other worker is offline: only the worker under test
			// could be offered the task.
			d.worker("other", `{}`, "Offline")
			d.worker("w", c.worker, c.activity)
			if c.chat != nil {
				d.channel("w", "chat", *c.chat)
			}
			p := routing.TaskParams{WorkflowSID: &wf, Attributes: &c.task}
			if c.routeToSelf != nil {
				p.RoutingTarget = ptr(d.sids["other"])
				if *c.routeToSelf {
					p.RoutingTarget = ptr(d.sids["w"])
				}
			}
			d.task("T", p)
			want := []string{}
			if c.offered {
				want = []string{"T"}
			}
			if got := d.offers("w"); !slices.Equal(got, want) {
				t.Fatalf("offers = %v, want %v", got, want)
			}
		})
	}
}

// TestExpressionErrors: an expression that does not parse is refused when
// it is saved, naming where it is, and the expression saved before keeps
// routing.
func TestExpressionErrors(t *testing.T) {
	d := openDesk(t)
	ctx := context.Background()
	q := d.queue("Q", `skills HAS "support"`, routing.TaskQueueParams{})
	for _, c := range []struct{ name, src, mention string }{
		{"operand missing", `skills HAS`, "TargetWorkers"},
		{"unknown operator", `level => 2`, "TargetWorkers"},
		{"unclosed string", `name == "ann`, "TargetWorkers"},
		{"null", `level == null`, "TargetWorkers"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := d.svc.CreateTaskQueue(ctx, d.ws, routing.TaskQueueParams{FriendlyName: ptr("Bad " + c.name), TargetWorkers: &c.src})
			if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid || !strings.Contains(e.Message, c.mention) {
				t.Fatalf("creating a queue with %q: %v, want a 400 naming %s", c.src, err, c.mention)
			}
			_, err = d.svc.UpdateTaskQueue(ctx, d.ws, q, routing.TaskQueueParams{TargetWorkers: &c.src})
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("updating a queue to %q: %v, want a 400", c.src, err)
			}
		})
	}
	bad := `{"task_routing":{"filters":[{"expression":"1==1","targets":[{"queue":"` + q + `","expression":"worker.level >"}]}]}}`
	_, err := d.svc.CreateWorkflow(ctx, d.ws, routing.WorkflowParams{FriendlyName: ptr("Bad"), Configuration: &bad})
	if e, ok := apperr.As(err); !ok || !strings.Contains(e.Message, "task_routing.filters[0].targets[0].expression") {
		t.Fatalf("a workflow with a bad target expression: %v, want a 400 naming the target", err)
	}

	// The queue still picks by its first expression.
	wf := d.workflow("WF", `{"task_routing":{"default_filter":{"queue":"{{Q}}"}}}`, 120)
	d.worker("billing", `{"skills":["billing"]}`, "Available")
	d.worker("support", `{"skills":["support"]}`, "Available")
	d.task("T", routing.TaskParams{WorkflowSID: &wf})
	if got, other := d.offers("support"), d.offers("billing"); !slices.Equal(got, []string{"T"}) || len(other) != 0 {
		t.Fatalf("support is offered %v and billing %v; want T to support only", got, other)
	}
}

// TestQueueOrder: a worker freeing up is offered a queue's waiting tasks
// by priority, then by when they entered the queue: oldest first, newest
// first in a LIFO queue, and by creation when they entered at once.
func TestQueueOrder(t *testing.T) {
	type task struct {
		name     string
		priority int
		after    time.Duration // since the one before
	}
	cases := []struct {
		name  string
		order string
		tasks []task
		want  []string
	}{
		{"FIFO: oldest first", "FIFO", []task{{"a", 0, 0}, {"b", 0, time.Second}, {"c", 0, time.Second}}, []string{"a", "b", "c"}},
		{"LIFO: newest first", "LIFO", []task{{"a", 0, 0}, {"b", 0, time.Second}, {"c", 0, time.Second}}, []string{"c", "b", "a"}},
		{"FIFO: priority before age", "FIFO", []task{{"a", 0, 0}, {"b", 5, time.Second}, {"c", 0, time.Second}, {"d", 5, time.Second}},
			[]string{"b", "d", "a", "c"}},
		{"LIFO: priority before age", "LIFO", []task{{"a", 0, 0}, {"b", 5, time.Second}, {"c", 0, time.Second}, {"d", 5, time.Second}},
			[]string{"d", "b", "c", "a"}},
		{"FIFO: same instant, creation order", "FIFO", []task{{"a", 0, 0}, {"b", 0, 0}, {"c", 0, 0}}, []string{"a", "b", "c"}},
		{"FIFO: apart by less than a second", "FIFO", []task{{"a", 0, 0}, {"b", 0, time.Millisecond}, {"c", 0, time.Millisecond}}, []string{"a", "b", "c"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := openDesk(t)
			q := d.queue("Q", "1==1", routing.TaskQueueParams{TaskOrder: &c.order})
			d.worker("ann", `{}`, "Offline")
			for _, tk := range c.tasks {
				d.clock.Add(tk.after)
				d.task(tk.name, routing.TaskParams{TaskQueueSID: &q, Priority: &tk.priority})
			}
			d.clock.Add(time.Minute)
			d.setActivity("ann", "Available")
			if got := d.serve("ann", len(c.tasks)); !slices.Equal(got, c.want) {
				t.Fatalf("ann is offered %v, want %v", got, c.want)
			}
		})
	}
}

// TestQueuesCompete: tasks of several queues waiting for one worker are
// offered by priority, then by the workspace's PrioritizeQueueOrder
// between the queues' heads (each queue keeps its own order); the order
// of the queues themselves does not count.
func TestQueuesCompete(t *testing.T) {
	for _, c := range []struct {
		order string
		want  []string
	}{
		{"FIFO", []string{"support-urgent", "sales-1", "support-1", "sales-2"}},
		// Between the queues' heads (sales-1, support-1) the newer first;
		// inside Sales, a FIFO queue, still the older first.
		{"LIFO", []string{"support-urgent", "support-1", "sales-1", "sales-2"}},
	} {
		t.Run(c.order, func(t *testing.T) {
			d := openDesk(t)
			_, err := d.svc.UpdateWorkspace(context.Background(), d.ws, routing.WorkspaceParams{PrioritizeQueueOrder: &c.order})
			must(t, err)
			sales := d.queue("Sales", `skills HAS "sales"`, routing.TaskQueueParams{})
			support := d.queue("Support", `skills HAS "support"`, routing.TaskQueueParams{})
			d.queue("Billing", `skills HAS "billing"`, routing.TaskQueueParams{})
			d.worker("ann", `{"skills":["sales","support"]}`, "Offline")
			for _, tk := range []struct {
				name, queue string
				priority    int
			}{{"sales-1", sales, 0}, {"support-1", support, 0}, {"support-urgent", support, 5}, {"sales-2", sales, 0}} {
				d.task(tk.name, routing.TaskParams{TaskQueueSID: &tk.queue, Priority: &tk.priority})
				d.clock.Add(time.Second)
			}
			d.setActivity("ann", "Available")
			if got := d.serve("ann", 4); !slices.Equal(got, c.want) {
				t.Fatalf("ann is offered %v, want %v", got, c.want)
			}
		})
	}
}

// TestLongestIdleFirst: a task is offered to the free worker who has been
// idle longest; finishing a task makes a worker idle from then.
func TestLongestIdleFirst(t *testing.T) {
	d := openDesk(t)
	q := d.queue("Q", "1==1", routing.TaskQueueParams{})
	for _, w := range []string{"ann", "bob", "cat"} {
		d.worker(w, `{}`, "Offline")
	}
	for _, w := range []string{"bob", "cat", "ann"} {
		d.setActivity(w, "Available")
		d.clock.Add(time.Minute)
	}
	d.task("t1", routing.TaskParams{TaskQueueSID: &q})
	d.task("t2", routing.TaskParams{TaskQueueSID: &q})
	if b, c, a := d.offers("bob"), d.offers("cat"), d.offers("ann"); !slices.Equal(b, []string{"t1"}) || !slices.Equal(c, []string{"t2"}) || len(a) != 0 {
		t.Fatalf("bob is offered %v, cat %v, ann %v; want t1 to bob (idle longest), t2 to cat", b, c, a)
	}
	d.answer("bob", "t1", routing.ReservationAccepted)
	d.answer("bob", "t1", routing.ReservationCompleted)
	d.clock.Add(time.Minute)
	d.task("t3", routing.TaskParams{TaskQueueSID: &q})
	if a, b := d.offers("ann"), d.offers("bob"); !slices.Equal(a, []string{"t3"}) || len(b) != 0 {
		t.Fatalf("ann is offered %v and bob %v; want t3 to ann, idle since before bob finished t1", a, b)
	}
}

// TestCapacity: a worker takes as many tasks of a channel at once as its
// capacity there, each channel counted apart; without multitasking, one
// task at a time whatever the capacity.
func TestCapacity(t *testing.T) {
	t.Run("two chats, not three", func(t *testing.T) {
		d := openDesk(t)
		q := d.queue("Q", "1==1", routing.TaskQueueParams{})
		d.worker("ann", `{}`, "Available")
		d.channel("ann", "chat", routing.WorkerChannelParams{Capacity: ptr(2)})
		for _, n := range []string{"c1", "c2", "c3"} {
			d.task(n, routing.TaskParams{TaskQueueSID: &q})
		}
		if got := d.offers("ann"); !slices.Equal(got, []string{"c1", "c2"}) {
			t.Fatalf("ann is offered %v, want c1 and c2", got)
		}
		d.answer("ann", "c1", routing.ReservationAccepted)
		d.answer("ann", "c2", routing.ReservationAccepted)
		if got, st := d.offers("ann"), d.taskOf("c3").AssignmentStatus; len(got) != 0 || st != routing.TaskPending {
			t.Fatalf("with two chats ann is offered %v and c3 is %s; want nothing, c3 pending", got, st)
		}
		d.answer("ann", "c1", routing.ReservationWrapping)
		if got := d.offers("ann"); len(got) != 0 {
			t.Fatalf("wrapping up c1, ann is offered %v; a chat in wrap-up still takes room", got)
		}
		d.answer("ann", "c1", routing.ReservationCompleted)
		if got := d.offers("ann"); !slices.Equal(got, []string{"c3"}) {
			t.Fatalf("c1 completed, ann is offered %v, want c3", got)
		}
	})
	t.Run("a call alongside chats", func(t *testing.T) {
		d := openDesk(t)
		q := d.queue("Q", "1==1", routing.TaskQueueParams{})
		d.worker("ann", `{}`, "Available")
		d.channel("ann", "chat", routing.WorkerChannelParams{Capacity: ptr(2)})
		d.task("c1", routing.TaskParams{TaskQueueSID: &q})
		d.task("c2", routing.TaskParams{TaskQueueSID: &q})
		d.task("v1", routing.TaskParams{TaskQueueSID: &q, TaskChannel: ptr("voice")})
		d.task("v2", routing.TaskParams{TaskQueueSID: &q, TaskChannel: ptr("voice")})
		d.task("c3", routing.TaskParams{TaskQueueSID: &q})
		if got := d.offers("ann"); !slices.Equal(got, []string{"c1", "c2", "v1"}) {
			t.Fatalf("ann is offered %v, want two chats and one call", got)
		}
		d.answer("ann", "v1", routing.ReservationAccepted)
		d.answer("ann", "v1", routing.ReservationCompleted)
		if got := d.offers("ann"); !slices.Equal(got, []string{"c1", "c2", "v2"}) {
			t.Fatalf("after the call ann is offered %v, want the next call", got)
		}
	})
	t.Run("multitasking off", func(t *testing.T) {
		d := openDesk(t)
		_, err := d.svc.UpdateWorkspace(context.Background(), d.ws, routing.WorkspaceParams{MultiTaskEnabled: ptr(false)})
		must(t, err)
		q := d.queue("Q", "1==1", routing.TaskQueueParams{})
		d.worker("ann", `{}`, "Available")
		d.channel("ann", "chat", routing.WorkerChannelParams{Capacity: ptr(2)})
		d.task("c1", routing.TaskParams{TaskQueueSID: &q})
		d.task("v1", routing.TaskParams{TaskQueueSID: &q, TaskChannel: ptr("voice")})
		if got := d.offers("ann"); !slices.Equal(got, []string{"c1"}) {
			t.Fatalf("ann is offered %v, want c1 alone", got)
		}
	})
	t.Run("capacity raised", func(t *testing.T) {
		d := openDesk(t)
		q := d.queue("Q", "1==1", routing.TaskQueueParams{})
		d.worker("ann", `{}`, "Available")
		d.task("c1", routing.TaskParams{TaskQueueSID: &q})
		d.task("c2", routing.TaskParams{TaskQueueSID: &q})
		if got := d.offers("ann"); !slices.Equal(got, []string{"c1"}) {
			t.Fatalf("at the default capacity ann is offered %v, want c1", got)
		}
		d.channel("ann", "chat", routing.WorkerChannelParams{Capacity: ptr(2)})
		if got := d.offers("ann"); !slices.Equal(got, []string{"c1", "c2"}) {
			t.Fatalf("at capacity 2 ann is offered %v, want c1 and c2", got)
		}
	})
}

// TestMaxReservedWorkers: a queue may offer a task to several workers at
// once; the first to accept takes it and the others' offers are
// rescinded.
func TestMaxReservedWorkers(t *testing.T) {
	d := openDesk(t)
	q := d.queue("Q", "1==1", routing.TaskQueueParams{MaxReservedWorkers: ptr(2)})
	for _, w := range []string{"ann", "bob", "cat"} {
		d.worker(w, `{}`, "Available")
		d.clock.Add(time.Second)
	}
	d.task("T", routing.TaskParams{TaskQueueSID: &q})
	if a, b, c := d.offers("ann"), d.offers("bob"), d.offers("cat"); len(a) != 1 || len(b) != 1 || len(c) != 0 {
		t.Fatalf("ann is offered %v, bob %v, cat %v; want T to the two idle longest", a, b, c)
	}
	d.answer("bob", "T", routing.ReservationAccepted)
	if st := d.reservation("ann", "T").Status; st != routing.ReservationRescinded {
		t.Fatalf("bob took T; ann's offer is %s, want rescinded", st)
	}
}

// TestReservationTimeout: an offer not answered within the workflow's
// TaskReservationTimeout times out at that moment: the worker moves to the
// workspace's timeout activity and the task is offered to the next
// worker. An offer accepted in time never times out.
func TestReservationTimeout(t *testing.T) {
	d := openDesk(t)
	d.queue("Q", "1==1", routing.TaskQueueParams{})
	wf := d.workflow("WF", `{"task_routing":{"default_filter":{"queue":"{{Q}}"}}}`, 30)
	_, err := d.svc.UpdateWorkspace(context.Background(), d.ws, routing.WorkspaceParams{TimeoutActivitySID: ptr(d.act["Unavailable"])})
	must(t, err)
	d.worker("ann", `{}`, "Available")
	d.clock.Add(time.Second)
	d.worker("bob", `{}`, "Available")
	d.clock.Add(time.Second)
	d.worker("cat", `{}`, "Available")
	start := d.clock.Now()

	d.task("T", routing.TaskParams{WorkflowSID: &wf})
	if got := d.offers("ann"); !slices.Equal(got, []string{"T"}) {
		t.Fatalf("ann (idle longest) is offered %v, want T", got)
	}
	if dl := d.reservation("ann", "T").Deadline; !dl.Equal(start.Add(30 * time.Second)) {
		t.Fatalf("ann's offer ends at %v, want 30 s after it was made", dl)
	}
	d.clock.Add(29 * time.Second)
	if got, b := d.offers("ann"), d.offers("bob"); !slices.Equal(got, []string{"T"}) || len(b) != 0 {
		t.Fatalf("after 29 s ann is offered %v and bob %v; want T still with ann", got, b)
	}
	d.clock.Add(time.Second)
	if st := d.reservation("ann", "T").Status; st != routing.ReservationTimeout {
		t.Fatalf("after 30 s ann's offer is %s, want timeout", st)
	}
	if a := d.activity("ann"); a != "Unavailable" {
		t.Fatalf("ann let an offer lapse and is %s, want the workspace's timeout activity, Unavailable", a)
	}
	if got := d.offers("bob"); !slices.Equal(got, []string{"T"}) {
		t.Fatalf("after ann's timeout bob is offered %v, want T", got)
	}
	if dl := d.reservation("bob", "T").Deadline; !dl.Equal(start.Add(60 * time.Second)) {
		t.Fatalf("bob's offer ends at %v, want 30 s after it was made", dl)
	}

	// Bob declines and says where he goes: the task moves on at once.
	r := d.reservation("bob", "T")
	_, err = d.svc.UpdateReservation(context.Background(), d.ws, d.sids["T"], "", r.SID,
		routing.ReservationParams{Status: routing.ReservationRejected, WorkerActivitySID: d.act["Offline"]})
	must(t, err)
	if a := d.activity("bob"); a != "Offline" {
		t.Fatalf("bob rejected T asking to go Offline and is %s", a)
	}
	if got := d.offers("cat"); !slices.Equal(got, []string{"T"}) {
		t.Fatalf("after bob's rejection cat is offered %v, want T", got)
	}

	// Cat accepts in time: the deadline passing changes nothing.
	d.clock.Add(10 * time.Second)
	d.answer("cat", "T", routing.ReservationAccepted)
	d.clock.Add(time.Hour)
	if st, a := d.reservation("cat", "T").Status, d.activity("cat"); st != routing.ReservationAccepted || a != "Available" {
		t.Fatalf("cat accepted in time; an hour later the reservation is %s and cat %s", st, a)
	}
	if st := d.taskOf("T").AssignmentStatus; st != routing.TaskAssigned {
		t.Fatalf("T is %s, want assigned", st)
	}
}

// TestTimeoutNobodyLeft: when the last worker who could take a task lets
// the offer lapse, the task waits, unassigned, for the next worker.
func TestTimeoutNobodyLeft(t *testing.T) {
	d := openDesk(t)
	d.queue("Q", "1==1", routing.TaskQueueParams{})
	wf := d.workflow("WF", `{"task_routing":{"default_filter":{"queue":"{{Q}}"}}}`, 30)
	d.worker("ann", `{}`, "Available")
	d.task("T", routing.TaskParams{WorkflowSID: &wf})
	d.clock.Add(30 * time.Second)
	if st, a := d.taskOf("T").AssignmentStatus, d.activity("ann"); st != routing.TaskPending || a != "Offline" {
		t.Fatalf("after ann's timeout T is %s and ann %s; want pending, Offline (the default timeout activity)", st, a)
	}
	d.worker("bob", `{}`, "Available")
	if got := d.offers("bob"); !slices.Equal(got, []string{"T"}) {
		t.Fatalf("bob comes in and is offered %v, want T", got)
	}
}

// TestWorkflowFilters: a task goes to the targets of the first filter its
// attributes match, to the default filter when none does, and is
// canceled when there is no default either.
func TestWorkflowFilters(t *testing.T) {
	d := openDesk(t)
	d.queue("Gold", "1==1", routing.TaskQueueParams{})
	d.queue("Silver", "1==1", routing.TaskQueueParams{})
	d.queue("General", "1==1", routing.TaskQueueParams{})
	filters := `"filters":[{"filter_friendly_name":"gold","expression":"tier == 'gold'","targets":[{"queue":"{{Gold}}"}]},
		{"filter_friendly_name":"paying","expression":"tier IN ['gold','silver']","targets":[{"queue":"{{Silver}}","priority":3}]}]`
	withDefault := d.workflow("WithDefault", `{"task_routing":{`+filters+`,"default_filter":{"queue":"{{General}}"}}}`, 120)
	without := d.workflow("Without", `{"task_routing":{`+filters+`}}`, 120)
	for _, c := range []struct {
		name, workflow, attrs string
		queue, status         string
		priority              int
	}{
		{"first filter", withDefault, `{"tier":"gold"}`, "Gold", routing.TaskPending, 0},
		{"second filter, its priority", withDefault, `{"tier":"silver"}`, "Silver", routing.TaskPending, 3},
		{"default filter", withDefault, `{"tier":"free"}`, "General", routing.TaskPending, 0},
		{"no attribute", withDefault, `{}`, "General", routing.TaskPending, 0},
		{"no filter, no default", without, `{"tier":"free"}`, "", routing.TaskCanceled, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			d.task(c.name, routing.TaskParams{WorkflowSID: &c.workflow, Attributes: &c.attrs})
			got := d.taskOf(c.name)
			if d.names[got.QueueSID] != c.queue || got.AssignmentStatus != c.status || got.Priority != c.priority {
				t.Fatalf("task is %s in %q at priority %d, want %s in %q at %d (reason %q)", got.AssignmentStatus,
					d.names[got.QueueSID], got.Priority, c.status, c.queue, c.priority, got.Reason)
			}
		})
	}
}

// TestEscalation: a task waits in each target of its filter for that
// target's timeout, then moves to the next (its pending offers rescinded,
// the worker left where it was), then to the default filter, and stays in
// the last place it reaches.
func TestEscalation(t *testing.T) {
	d := openDesk(t)
	d.queue("Tier1", `team == "t1"`, routing.TaskQueueParams{})
	d.queue("Tier2", `team == "t2"`, routing.TaskQueueParams{})
	d.queue("General", `team == "gen"`, routing.TaskQueueParams{})
	wf := d.workflow("WF", `{"task_routing":{"filters":[{"expression":"tier == 'gold'","targets":[
		{"queue":"{{Tier1}}","timeout":60},
		{"queue":"{{Tier2}}","priority":10,"timeout":60}]}],
		"default_filter":{"queue":"{{General}}"}}}`, 300)
	d.worker("ann", `{"team":"t1"}`, "Available")
	d.worker("bob", `{"team":"t2"}`, "Available")
	d.worker("gus", `{"team":"gen"}`, "Available")

	d.task("T", routing.TaskParams{WorkflowSID: &wf, Attributes: ptr(`{"tier":"gold"}`)})
	if got := d.offers("ann"); !slices.Equal(got, []string{"T"}) {
		t.Fatalf("ann (Tier1) is offered %v, want T", got)
	}
	d.clock.Add(59 * time.Second)
	if got := d.offers("bob"); len(got) != 0 {
		t.Fatalf("after 59 s bob is offered %v; T is still Tier1's", got)
	}
	d.clock.Add(time.Second)
	tk := d.taskOf("T")
	if d.names[tk.QueueSID] != "Tier2" || tk.Priority != 10 {
		t.Fatalf("after 60 s T is in %s at priority %d, want Tier2 at 10", d.names[tk.QueueSID], tk.Priority)
	}
	if st, a := d.reservation("ann", "T").Status, d.activity("ann"); st != routing.ReservationRescinded || a != "Available" {
		t.Fatalf("ann's offer is %s and ann %s; want rescinded, still Available", st, a)
	}
	if got := d.offers("bob"); !slices.Equal(got, []string{"T"}) {
		t.Fatalf("at 60 s bob (Tier2) is offered %v, want T", got)
	}
	d.clock.Add(60 * time.Second)
	if tk := d.taskOf("T"); d.names[tk.QueueSID] != "General" {
		t.Fatalf("after 120 s T is in %s, want General (the default filter)", d.names[tk.QueueSID])
	}
	if got, b := d.offers("gus"), d.offers("bob"); !slices.Equal(got, []string{"T"}) || len(b) != 0 {
		t.Fatalf("at 120 s gus is offered %v and bob %v; want T to gus only", got, b)
	}
	d.answer("gus", "T", routing.ReservationRejected)
	if got, a := d.offers("gus"), d.activity("gus"); len(got) != 0 || a != "Available" {
		t.Fatalf("gus rejected T and is offered %v, %s; want no second offer of T, still Available", got, a)
	}
	d.clock.Add(time.Hour)
	if tk := d.taskOf("T"); d.names[tk.QueueSID] != "General" || tk.AssignmentStatus != routing.TaskPending {
		t.Fatalf("an hour on T is %s in %s; want waiting in General, the last place", tk.AssignmentStatus, d.names[tk.QueueSID])
	}
}

// TestTaskTTL: a task nobody takes within its Timeout is canceled then;
// one taken in time is not.
func TestTaskTTL(t *testing.T) {
	d := openDesk(t)
	q := d.queue("Q", "1==1", routing.TaskQueueParams{})
	d.worker("ann", `{}`, "Offline")
	d.task("first", routing.TaskParams{TaskQueueSID: &q, Timeout: ptr(300)})
	d.task("taken", routing.TaskParams{TaskQueueSID: &q, Timeout: ptr(300)})
	d.clock.Add(299 * time.Second)
	if st := d.taskOf("first").AssignmentStatus; st != routing.TaskPending {
		t.Fatalf("at 299 s the task is %s, want pending", st)
	}
	d.setActivity("ann", "Available")
	d.answer("ann", "first", routing.ReservationAccepted) // FIFO: lonely first
	d.answer("ann", "first", routing.ReservationCompleted)
	if got := d.offers("ann"); !slices.Equal(got, []string{"taken"}) {
		t.Fatalf("ann is offered %v, want taken", got)
	}
	d.answer("ann", "taken", routing.ReservationAccepted)
	d.clock.Add(time.Second)
	if tk := d.taskOf("taken"); tk.AssignmentStatus != routing.TaskAssigned {
		t.Fatalf("at 300 s the accepted task is %s, want assigned", tk.AssignmentStatus)
	}
	d.task("late", routing.TaskParams{TaskQueueSID: &q, Timeout: ptr(60)})
	d.clock.Add(time.Minute)
	if tk := d.taskOf("late"); tk.AssignmentStatus != routing.TaskCanceled || tk.Reason != "Task TTL Exceeded" {
		t.Fatalf("after its 60 s the task is %s (%q), want canceled for its TTL", tk.AssignmentStatus, tk.Reason)
	}
}
