package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	tr "github.com/twilio/twilio-go/rest/taskrouter/v1"

	"parley/shared/model"
	proto "parley/shared/realtime"
)

// ---- a contact centre to route in ----

// centre is a workspace with one queue for everyone and a workflow that
// sends every task there, unless a test configures its own.
type centre struct {
	s                    *testServer
	ws                   string
	available, offline   string
	queue, workflow      string
	reservationTimeoutSc int
}

func newCentre(t *testing.T, s *testServer) *centre {
	t.Helper()
	ws := s.mustCreateWorkspace(t, "Centre")
	c := &centre{s: s, ws: *ws.Sid, available: s.activityNamed(t, *ws.Sid, "Available"),
		offline: s.activityNamed(t, *ws.Sid, "Offline")}
	c.queue = *s.mustCreateQueue(t, c.ws, "Everyone", "1==1").Sid
	c.workflow = c.mustCreateWorkflow(t, "Everything", `{"task_routing":{"filters":[],"default_filter":{"queue":"`+c.queue+`"}}}`, 120)
	return c
}

func (c *centre) mustCreateWorkflow(t *testing.T, name, config string, reservationTimeout int) string {
	t.Helper()
	wf, err := c.s.tw.TaskrouterV1.CreateWorkflow(c.ws, (&tr.CreateWorkflowParams{}).SetFriendlyName(name).
		SetConfiguration(config).SetTaskReservationTimeout(reservationTimeout))
	if err != nil {
		t.Fatalf("create workflow %s: %v", name, err)
	}
	return *wf.Sid
}

// agent creates a worker and makes it Available.
func (c *centre) agent(t *testing.T, name, attrs string) string {
	t.Helper()
	w := c.s.mustCreateWorker(t, c.ws, name, attrs)
	c.setActivity(t, *w.Sid, c.available)
	return *w.Sid
}

func (c *centre) setActivity(t *testing.T, worker, activity string) {
	t.Helper()
	if _, err := c.s.tw.TaskrouterV1.UpdateWorker(c.ws, worker, (&tr.UpdateWorkerParams{}).SetActivitySid(activity)); err != nil {
		t.Fatalf("move worker %s to %s: %v", worker, activity, err)
	}
}

func (c *centre) mustCreateTask(t *testing.T, p *tr.CreateTaskParams) *tr.TaskrouterV1Task {
	t.Helper()
	if p.WorkflowSid == nil && p.TaskQueueSid == nil {
		p.SetWorkflowSid(c.workflow)
	}
	task, err := c.s.tw.TaskrouterV1.CreateTask(c.ws, p)
	if err != nil {
		t.Fatalf("create task: %v", err)
	}
	return task
}

func (c *centre) task(t *testing.T, sid string) *tr.TaskrouterV1Task {
	t.Helper()
	task, err := c.s.tw.TaskrouterV1.FetchTask(c.ws, sid)
	if err != nil {
		t.Fatalf("fetch task %s: %v", sid, err)
	}
	return task
}

// offersTo lists a worker's reservations in a status.
func (c *centre) offersTo(t *testing.T, worker, status string) []tr.TaskrouterV1WorkerReservation {
	t.Helper()
	rs, err := c.s.tw.TaskrouterV1.ListWorkerReservation(c.ws, worker, (&tr.ListWorkerReservationParams{}).SetReservationStatus(status))
	if err != nil {
		t.Fatalf("list reservations of %s: %v", worker, err)
	}
	return rs
}

// waitForOffer waits until worker is offered task, and returns the
// reservation.
func (c *centre) waitForOffer(t *testing.T, worker, task string) string {
	t.Helper()
	var res string
	eventually(t, func() bool {
		for _, r := range c.offersTo(t, worker, "pending") {
			if *r.TaskSid == task {
				res = *r.Sid
				return true
			}
		}
		return false
	}, func() string { return fmt.Sprintf("worker %s was never offered task %s", worker, task) })
	return res
}

func (c *centre) answer(t *testing.T, task, reservation, status string) *tr.TaskrouterV1TaskReservation {
	t.Helper()
	r, err := c.s.tw.TaskrouterV1.UpdateTaskReservation(c.ws, task, reservation, (&tr.UpdateTaskReservationParams{}).SetReservationStatus(status))
	if err != nil {
		t.Fatalf("%s reservation %s: %v", status, reservation, err)
	}
	return r
}

func (c *centre) setTaskStatus(t *testing.T, task, status string) *tr.TaskrouterV1Task {
	t.Helper()
	v, err := c.s.tw.TaskrouterV1.UpdateTask(c.ws, task, (&tr.UpdateTaskParams{}).SetAssignmentStatus(status).SetReason("test: "+status))
	if err != nil {
		t.Fatalf("move task %s to %s: %v", task, status, err)
	}
	return v
}

func (c *centre) wantStatus(t *testing.T, task, want string) {
	t.Helper()
	eventually(t, func() bool { return *c.task(t, task).AssignmentStatus == want },
		func() string {
			return fmt.Sprintf("task %s is %s, want %s", task, *c.task(t, task).AssignmentStatus, want)
		})
}

// callbacks is an integrator's endpoint for a workspace's EventCallbackUrl.
type callbacks struct {
	mu     sync.Mutex
	events []url.Values
	bad    int // requests whose signature did not validate
}

func (cb *callbacks) start(t *testing.T) string {
	t.Helper()
	validator := client.NewRequestValidator(testAuthToken)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		params := map[string]string{}
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
		cb.mu.Lock()
		defer cb.mu.Unlock()
		if !validator.Validate(srv.URL+r.URL.Path, params, r.Header.Get("X-Twilio-Signature")) {
			cb.bad++
		}
		cb.events = append(cb.events, r.PostForm)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/taskrouter-events"
}

// typesFor lists the event types posted about a resource, in order.
func (cb *callbacks) typesFor(resource string) []string {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	var out []string
	for _, e := range cb.events {
		if e.Get("TaskSid") == resource || e.Get("ResourceSid") == resource {
			out = append(out, e.Get("EventType"))
		}
	}
	return out
}

// ---- tests ----

func TestATaskLivesFromPendingToCompleted(t *testing.T) {
	s := startServer(t)
	c := newCentre(t, s)
	var hooks callbacks
	if _, err := s.tw.TaskrouterV1.UpdateWorkspace(c.ws, (&tr.UpdateWorkspaceParams{}).SetEventCallbackUrl(hooks.start(t))); err != nil {
		t.Fatal(err)
	}

	task := c.mustCreateTask(t, (&tr.CreateTaskParams{}).SetAttributes(`{"customerName":"Ada","channelType":"web"}`).SetTaskChannel("chat"))
	if *task.AssignmentStatus != "pending" || *task.TaskChannelUniqueName != "chat" || *task.WorkflowFriendlyName != "Everything" {
		t.Fatalf("new task with no one available: status %s channel %s workflow %s", *task.AssignmentStatus,
			*task.TaskChannelUniqueName, *task.WorkflowFriendlyName)
	}
	alice := c.agent(t, "alice", `{"contact_uri":"client:alice"}`)
	res := c.waitForOffer(t, alice, *task.Sid)
	c.wantStatus(t, *task.Sid, "reserved")
	if q := c.task(t, *task.Sid); *q.TaskQueueFriendlyName != "Everyone" || q.TaskQueueEnteredDate == nil {
		t.Errorf("reserved task: queue %q entered %v", str(q.TaskQueueFriendlyName), q.TaskQueueEnteredDate)
	}

	if r := c.answer(t, *task.Sid, res, "accepted"); *r.ReservationStatus != "accepted" || *r.WorkerName != "alice" {
		t.Errorf("accepted reservation: %s by %s", *r.ReservationStatus, *r.WorkerName)
	}
	c.wantStatus(t, *task.Sid, "assigned")
	if _, err := s.tw.TaskrouterV1.UpdateTaskReservation(c.ws, *task.Sid, res, (&tr.UpdateTaskReservationParams{}).SetReservationStatus("rejected")); err == nil {
		t.Error("an accepted reservation could be rejected")
	}
	c.setTaskStatus(t, *task.Sid, "wrapping")
	if rs := c.offersTo(t, alice, "wrapping"); len(rs) != 1 {
		t.Errorf("while the task wraps up, alice has %d wrapping reservations, want 1", len(rs))
	}
	done := c.setTaskStatus(t, *task.Sid, "completed")
	if *done.AssignmentStatus != "completed" || str(done.Reason) != "test: completed" {
		t.Errorf("completed task: %s (%q)", *done.AssignmentStatus, str(done.Reason))
	}
	if rs := c.offersTo(t, alice, "completed"); len(rs) != 1 {
		t.Errorf("alice has %d completed reservations, want 1", len(rs))
	}
	if _, err := s.tw.TaskrouterV1.UpdateTask(c.ws, *task.Sid, (&tr.UpdateTaskParams{}).SetAssignmentStatus("canceled")); err == nil {
		t.Error("a completed task could be canceled")
	}

	want := []string{"task.created", "workflow.target-matched", "task-queue.entered", "reservation.created",
		"reservation.accepted", "task.updated", "reservation.wrapup", "task.wrapup", "reservation.completed", "task.completed"}
	eventually(t, func() bool { return slices.Equal(hooks.typesFor(*task.Sid), want) },
		func() string { return fmt.Sprintf("posted events %v\nwant %v", hooks.typesFor(*task.Sid), want) })
	if hooks.bad != 0 {
		t.Errorf("%d callbacks failed twilio-go's signature validation", hooks.bad)
	}
}

func TestARejectedOrUnansweredOfferGoesToTheNextWorker(t *testing.T) {
	s := startServer(t)
	c := newCentre(t, s)
	c.workflow = c.mustCreateWorkflow(t, "Quick", `{"task_routing":{"filters":[],"default_filter":{"queue":"`+c.queue+`"}}}`, 1)
	alice := c.agent(t, "alice", "{}")
	task := c.mustCreateTask(t, &tr.CreateTaskParams{})
	first := c.waitForOffer(t, alice, *task.Sid)
	bob := c.agent(t, "bob", "{}")

	c.answer(t, *task.Sid, first, "rejected")
	second := c.waitForOffer(t, bob, *task.Sid)
	if rs := c.offersTo(t, alice, "pending"); len(rs) != 0 {
		t.Errorf("alice rejected the task and was offered it again: %v", rs)
	}

	// Bob does not answer within the workflow's 1 s: the offer times out and
	// Bob goes Offline, as TaskRouter moves an unresponsive worker to the
	// workspace's timeout activity.
	eventually(t, func() bool {
		r, err := s.tw.TaskrouterV1.FetchTaskReservation(c.ws, *task.Sid, second)
		return err == nil && *r.ReservationStatus == "timeout"
	}, func() string { return "bob's reservation never timed out" })
	w, err := s.tw.TaskrouterV1.FetchWorker(c.ws, bob)
	if err != nil || *w.ActivityName != "Offline" {
		t.Fatalf("after a reservation timeout bob is %v (%v), want Offline", str(w.ActivityName), err)
	}
	c.wantStatus(t, *task.Sid, "pending")

	carol := c.agent(t, "carol", "{}")
	c.waitForOffer(t, carol, *task.Sid)
}

func TestAWorkerTakesAsManyChatsAsItsCapacity(t *testing.T) {
	s := startServer(t)
	c := newCentre(t, s)
	alice := s.mustCreateWorker(t, c.ws, "alice", "{}")
	if _, err := s.tw.TaskrouterV1.UpdateWorkerChannel(c.ws, *alice.Sid, "chat", (&tr.UpdateWorkerChannelParams{}).SetCapacity(2)); err != nil {
		t.Fatal(err)
	}
	c.setActivity(t, *alice.Sid, c.available)
	var tasks []string
	for range 3 {
		tasks = append(tasks, *c.mustCreateTask(t, (&tr.CreateTaskParams{}).SetTaskChannel("chat")).Sid)
	}
	for _, task := range tasks[:2] {
		c.answer(t, task, c.waitForOffer(t, *alice.Sid, task), "accepted")
	}
	c.wantStatus(t, tasks[2], "pending")
	ch, err := s.tw.TaskrouterV1.FetchWorkerChannel(c.ws, *alice.Sid, "chat")
	if err != nil || ch.AssignedTasks != 2 || ch.AvailableCapacityPercentage != 0 {
		t.Fatalf("alice's chat channel: assigned %d, free %d%% (%v); want 2 and 0%%", ch.AssignedTasks,
			ch.AvailableCapacityPercentage, err)
	}
	// A task on another channel still fits: capacity is per channel.
	sms := c.mustCreateTask(t, (&tr.CreateTaskParams{}).SetTaskChannel("sms"))
	c.waitForOffer(t, *alice.Sid, *sms.Sid)

	c.setTaskStatus(t, tasks[0], "completed")
	c.waitForOffer(t, *alice.Sid, tasks[2])
}

func TestHigherPriorityTasksAreOfferedFirst(t *testing.T) {
	s := startServer(t)
	c := newCentre(t, s)
	low := c.mustCreateTask(t, (&tr.CreateTaskParams{}).SetPriority(1))
	high := c.mustCreateTask(t, (&tr.CreateTaskParams{}).SetPriority(10))
	older := c.mustCreateTask(t, (&tr.CreateTaskParams{}).SetPriority(10))
	_ = older
	alice := c.agent(t, "alice", "{}")
	first := c.waitForOffer(t, alice, *high.Sid)
	c.answer(t, *high.Sid, first, "accepted")
	c.setTaskStatus(t, *high.Sid, "completed")
	// Equal priority: the one waiting longest goes first.
	c.answer(t, *older.Sid, c.waitForOffer(t, alice, *older.Sid), "accepted")
	c.setTaskStatus(t, *older.Sid, "completed")
	c.waitForOffer(t, alice, *low.Sid)
}

func TestATaskNobodyMatchesWaitsAndShowsInStatistics(t *testing.T) {
	s := startServer(t)
	c := newCentre(t, s)
	french := *s.mustCreateQueue(t, c.ws, "French", `languages HAS "fr"`).Sid
	flow := c.mustCreateWorkflow(t, "By language", routeTo(`language == "fr"`, french, c.queue), 120)
	c.agent(t, "alice", `{"languages":["en"]}`)

	task := c.mustCreateTask(t, (&tr.CreateTaskParams{}).SetWorkflowSid(flow).SetAttributes(`{"language":"fr"}`))
	time.Sleep(200 * time.Millisecond) // routing is immediate; give a wrong offer time to show
	c.wantStatus(t, *task.Sid, "pending")
	if q := c.task(t, *task.Sid); *q.TaskQueueSid != french || q.Priority != 2 {
		t.Errorf("task went to queue %s with priority %d; want French (%s) with the target's priority 2", *q.TaskQueueSid, q.Priority, french)
	}

	stats, err := s.tw.TaskrouterV1.FetchTaskQueueRealTimeStatistics(c.ws, french, nil)
	if err != nil {
		t.Fatal(err)
	}
	byStatus := map[string]any{}
	if stats.TasksByStatus != nil {
		byStatus, _ = (*stats.TasksByStatus).(map[string]any)
	}
	if stats.TotalTasks != 1 || byStatus["pending"] != float64(1) || str(stats.LongestTaskWaitingSid) != *task.Sid ||
		stats.TotalEligibleWorkers != 0 {
		t.Errorf("French queue statistics: total %d, by status %v, longest %s, eligible workers %d", stats.TotalTasks,
			byStatus, str(stats.LongestTaskWaitingSid), stats.TotalEligibleWorkers)
	}
	ws, err := s.tw.TaskrouterV1.FetchWorkspaceStatistics(c.ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	realtime, _ := (*ws.Realtime).(map[string]any)
	cumulative, _ := (*ws.Cumulative).(map[string]any)
	if realtime["total_tasks"] != float64(1) || cumulative["tasks_created"] != float64(1) {
		t.Errorf("workspace statistics: realtime %v, cumulative %v", realtime, cumulative)
	}

	// A French speaker comes in: the task is offered at once.
	marie := c.agent(t, "marie", `{"languages":["fr","en"]}`)
	c.waitForOffer(t, marie, *task.Sid)
}

func TestATaskMovesOnWhenItsTargetTimesOutAndIsCanceledAfterItsTimeout(t *testing.T) {
	s := startServer(t)
	c := newCentre(t, s)
	experts := *s.mustCreateQueue(t, c.ws, "Experts", `level > 5`).Sid
	flow := c.mustCreateWorkflow(t, "Escalate", `{"task_routing":{"filters":[{"expression":"1==1","targets":[`+
		`{"queue":"`+experts+`","timeout":1},{"queue":"`+c.queue+`"}]}]}}`, 120)
	alice := c.agent(t, "alice", `{"level":1}`)
	task := c.mustCreateTask(t, (&tr.CreateTaskParams{}).SetWorkflowSid(flow))
	if *task.TaskQueueSid != experts {
		t.Fatalf("task starts in %s, want the Experts queue", *task.TaskQueueSid)
	}
	c.waitForOffer(t, alice, *task.Sid) // after 1 s in Experts
	if q := c.task(t, *task.Sid); *q.TaskQueueSid != c.queue {
		t.Errorf("after its first target timed out the task is in %s, want Everyone", *q.TaskQueueSid)
	}

	short := c.mustCreateTask(t, (&tr.CreateTaskParams{}).SetWorkflowSid(flow).SetTimeout(1))
	eventually(t, func() bool { return *c.task(t, *short.Sid).AssignmentStatus == "canceled" },
		func() string { return "a task past its Timeout was not canceled" })
	if r := str(c.task(t, *short.Sid).Reason); r != "Task TTL Exceeded" {
		t.Errorf("canceled for %q", r)
	}
}

func TestTasksAndReservationsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	s := startServerWith(t, func(cfg *Config) { cfg.DataDir = dir })
	c := newCentre(t, s)
	alice := c.agent(t, "alice", "{}")
	reserved := c.mustCreateTask(t, &tr.CreateTaskParams{})
	res := c.waitForOffer(t, alice, *reserved.Sid)
	waiting := c.mustCreateTask(t, &tr.CreateTaskParams{})
	s.stop()

	s = startServerWith(t, func(cfg *Config) { cfg.DataDir = dir })
	c.s = s
	c.wantStatus(t, *reserved.Sid, "reserved")
	c.wantStatus(t, *waiting.Sid, "pending")
	c.answer(t, *reserved.Sid, res, "accepted")
	c.setTaskStatus(t, *reserved.Sid, "completed")
	// Alice is free again: the task that waited through the restart is hers.
	c.waitForOffer(t, alice, *waiting.Sid)
}

func TestBadTaskRequestsAreRefusedSayingWhy(t *testing.T) {
	s := startServer(t)
	c := newCentre(t, s)
	task := c.mustCreateTask(t, &tr.CreateTaskParams{})
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"attributes that are not an object", func() error {
			_, err := s.tw.TaskrouterV1.CreateTask(c.ws, (&tr.CreateTaskParams{}).SetWorkflowSid(c.workflow).SetAttributes(`[1]`))
			return err
		}, "JSON object"},
		{"an unknown channel", func() error {
			_, err := s.tw.TaskrouterV1.CreateTask(c.ws, (&tr.CreateTaskParams{}).SetWorkflowSid(c.workflow).SetTaskChannel("fax"))
			return err
		}, "fax"},
		{"a workflow of nowhere", func() error {
			_, err := s.tw.TaskrouterV1.CreateTask(c.ws, (&tr.CreateTaskParams{}).SetWorkflowSid("WW00000000000000000000000000000000"))
			return err
		}, "WorkflowSid"},
		{"completing a task nobody took", func() error {
			_, err := s.tw.TaskrouterV1.UpdateTask(c.ws, *task.Sid, (&tr.UpdateTaskParams{}).SetAssignmentStatus("completed"))
			return err
		}, "pending"},
		{"an unknown reservation status", func() error {
			_, err := s.tw.TaskrouterV1.UpdateTaskReservation(c.ws, *task.Sid, "WR00000000000000000000000000000000",
				(&tr.UpdateTaskReservationParams{}).SetReservationStatus("accepted"))
			return err
		}, "not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
	wantServing(t, s)
}

func TestAWorkerHearsOfItsReservationsOverTheRealtimeSocket(t *testing.T) {
	s := startServer(t)
	c := newCentre(t, s)
	var mu sync.Mutex
	var heard []string
	s.dialAgentWith(t, "alice", func(f proto.ServerFrame) {
		var data model.RoutingEvent
		if f.Type == proto.TypeEvent && json.Unmarshal(f.Data, &data) == nil && data.Task.SID != "" {
			mu.Lock()
			heard = append(heard, f.Event+" "+data.Task.AssignmentStatus)
			mu.Unlock()
		}
	})
	heardSoFar := func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(heard) }
	alice := c.agent(t, "alice", `{"contact_uri":"client:alice"}`)
	s.mustCreateWorker(t, c.ws, "bob", `{"contact_uri":"client:bob"}`) // offline: hears nothing

	task := c.mustCreateTask(t, &tr.CreateTaskParams{})
	res := c.waitForOffer(t, alice, *task.Sid)
	c.answer(t, *task.Sid, res, "accepted")
	c.setTaskStatus(t, *task.Sid, "completed")
	want := []string{"reservation_created reserved", "reservation_accepted assigned", "task_updated assigned",
		"reservation_completed completed", "task_updated completed"}
	eventually(t, func() bool { return slices.Equal(heardSoFar(), want) },
		func() string { return fmt.Sprintf("alice heard %v\nwant %v", heardSoFar(), want) })
}
