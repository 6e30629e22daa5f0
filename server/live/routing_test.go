package live_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"parley/server/agents"
	"parley/server/routing"
	"parley/server/store"
	"parley/shared/model"
	proto "parley/shared/realtime"
)

// floor is the real routing engine on the rig's store, with live's
// routing listener subscribed as the app subscribes it: two agents'
// workers in one queue, and a supervisor watching the workspace.
type floor struct {
	*rig
	svc      *routing.Service
	ws       string
	act      map[string]string // activity SIDs by name
	workers  map[string]string // worker SIDs by agent identity
	workflow string
	heard    chan routing.Event
	watching []string
}

func newFloor(t *testing.T, r *rig, watching []string, agentIdentities ...string) *floor {
	t.Helper()
	svc, err := routing.NewService(r.ctx, store.NewRouting(r.db), accountSID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close) // before the store closes
	f := &floor{rig: r, svc: svc, watching: watching, act: map[string]string{}, workers: map[string]string{}, heard: make(chan routing.Event, 1000)}
	svc.Subscribe(r.live.RoutingListener(accountSID, func(ws string) []string {
		if ws != f.ws {
			t.Errorf("watchers asked for workspace %s, want %s", ws, f.ws)
		}
		return f.watching
	}))
	// After live's listener: once an event is heard here, live has sent
	// its frames.
	svc.Subscribe(func(e routing.Event) { f.heard <- e })
	w, err := svc.CreateWorkspace(r.ctx, routing.WorkspaceParams{FriendlyName: ptr("Support")})
	if err != nil {
		t.Fatal(err)
	}
	f.ws = w.SID
	acts, err := svc.Activities(r.ctx, w.SID, routing.ActivityFilter{}, routing.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acts.Items {
		f.act[a.FriendlyName] = a.SID
	}
	q, err := svc.CreateTaskQueue(r.ctx, w.SID, routing.TaskQueueParams{FriendlyName: ptr("Everyone"), TargetWorkers: ptr("1==1")})
	if err != nil {
		t.Fatal(err)
	}
	wf, err := svc.CreateWorkflow(r.ctx, w.SID, routing.WorkflowParams{FriendlyName: ptr("Default"),
		Configuration: ptr(`{"task_routing":{"default_filter":{"queue":"` + q.SID + `"}}}`), TaskReservationTimeout: ptr(120)})
	if err != nil {
		t.Fatal(err)
	}
	f.workflow = wf.SID
	for _, id := range agentIdentities {
		wk, err := svc.CreateWorker(r.ctx, w.SID, routing.WorkerParams{FriendlyName: ptr("Worker of " + id),
			Attributes: ptr(`{"contact_uri":"client:` + id + `"}`), ActivitySID: ptr(f.act["Offline"])})
		if err != nil {
			t.Fatal(err)
		}
		f.workers[id] = wk.SID
	}
	return f
}

// until waits until routing has dispatched an event of type typ (and
// live its frames), returning it.
func (f *floor) until(typ string) routing.Event {
	f.t.Helper()
	return f.untilMatch(typ, func(routing.Event) bool { return true })
}

// untilMatch waits for an event of type typ that match accepts.
func (f *floor) untilMatch(typ string, match func(routing.Event) bool) routing.Event {
	f.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e := <-f.heard:
			if e.Type == typ && match(e) {
				return e
			}
		case <-deadline:
			f.t.Fatalf("routing dispatched no %s within 5s", typ)
		}
	}
}

func (f *floor) setActivity(identity, activity string) {
	f.t.Helper()
	if _, err := f.svc.UpdateWorker(f.ctx, f.ws, f.workers[identity], routing.WorkerParams{ActivitySID: ptr(f.act[activity])}); err != nil {
		f.t.Fatal(err)
	}
}

// An offer reaches the worker it reserves (and the supervisor watching),
// not the other worker; the task's changes reach the worker holding it;
// a worker's activity change reaches only the watchers.
func TestRoutingReachesTheRightWorker(t *testing.T) {
	r := newRig(t)
	a, atok := r.agent(agentA, agents.RoleAgent)
	b, btok := r.agent(agentB, agents.RoleAgent)
	s, stok := r.agent(super, agents.RoleSupervisor)
	f := newFloor(t, r, []string{s}, a, b)
	wa, wb, ws := r.connect(a, atok), r.connect(b, btok), r.connect(s, stok)

	// Only a is available: the offer is a's.
	f.setActivity(a, "Available")
	f.until(routing.EventWorkerActivityUpdate)
	task, err := f.svc.CreateTask(r.ctx, f.ws, routing.TaskParams{WorkflowSID: &f.workflow, TaskChannel: ptr("chat"),
		Attributes: ptr(`{"conversationSid":"CH00000000000000000000000000000001"}`)})
	if err != nil {
		t.Fatal(err)
	}
	res := f.until(routing.EventReservationCreated)
	if res.Reservation == nil || res.Reservation.WorkerSID != f.workers[a] {
		t.Fatalf("routing reserved %+v, want a's worker", res.Reservation)
	}
	mark := r.barrier()
	got := wa.before(mark)
	if len(got) != 1 || got[0].Event != proto.ReservationCreated {
		t.Fatalf("a got %v, want one reservation_created", names(got))
	}
	ev := data[model.RoutingEvent](t, got[0])
	if ev.WorkerSID != f.workers[a] || ev.Task.SID != task.SID || ev.Reservation == nil || ev.Reservation.SID != res.Reservation.SID {
		t.Errorf("a's offer = %+v, want a's reservation of task %s", ev, task.SID)
	}
	if got := wb.before(mark); len(got) != 0 {
		t.Errorf("b, not reserved, got %v", names(got))
	}
	want := []string{proto.WorkerUpdated, proto.TaskUpdated, proto.ReservationCreated}
	if got := eventNames(ws.before(mark)); !containsAll(got, want) {
		t.Errorf("the supervisor got %v, want at least %v", got, want)
	}

	// a accepts: a hears of it, and of the task's changes it holds.
	if _, err := f.svc.UpdateReservation(r.ctx, f.ws, task.SID, f.workers[a], res.Reservation.SID, routing.ReservationParams{Status: routing.ReservationAccepted}); err != nil {
		t.Fatal(err)
	}
	f.until(routing.EventReservationAccepted)
	if _, err := f.svc.UpdateTask(r.ctx, f.ws, task.SID, routing.TaskParams{Attributes: ptr(`{"conversationSid":"CH00000000000000000000000000000001","outcome":"sold"}`)}); err != nil {
		t.Fatal(err)
	}
	f.untilMatch(routing.EventTaskUpdated, func(e routing.Event) bool {
		return e.Task != nil && strings.Contains(e.Task.Attributes, "sold")
	})
	mark = r.barrier()
	if got := eventNames(wa.before(mark)); !slices.Contains(got, proto.ReservationAccepted) || !slices.Contains(got, proto.TaskUpdated) {
		t.Errorf("a, holding the task, got %v; want reservation_accepted and task_updated", got)
	}
	if got := wb.before(mark); len(got) != 0 {
		t.Errorf("b got %v of a task it does not hold", names(got))
	}
	ws.before(mark)

	// b changes activity: the supervisor hears, the agents do not.
	f.setActivity(b, "Available")
	f.until(routing.EventWorkerActivityUpdate)
	mark = r.barrier()
	sg := ws.before(mark)
	if len(sg) != 1 || sg[0].Event != proto.WorkerUpdated || data[model.RoutingEvent](t, sg[0]).WorkerSID != f.workers[b] {
		t.Errorf("the supervisor got %v, want b's worker_updated", names(sg))
	}
	for _, w := range []*wire{wa, wb} {
		if got := w.before(mark); len(got) != 0 {
			t.Errorf("%s got %v of a worker's activity", w.identity, names(got))
		}
	}
}

// A supervisor who holds the task too hears of each change once.
func TestRoutingOnceToAWatcherHoldingTheTask(t *testing.T) {
	r := newRig(t)
	s, stok := r.agent(super, agents.RoleSupervisor)
	f := newFloor(t, r, []string{s}, s)
	ws := r.connect(s, stok)
	f.setActivity(s, "Available")
	f.until(routing.EventWorkerActivityUpdate)
	if _, err := f.svc.CreateTask(r.ctx, f.ws, routing.TaskParams{WorkflowSID: &f.workflow, TaskChannel: ptr("chat")}); err != nil {
		t.Fatal(err)
	}
	f.until(routing.EventReservationCreated)
	mark := r.barrier()
	got := eventNames(ws.before(mark))
	n := 0
	for _, g := range got {
		if g == proto.ReservationCreated {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the supervisor, reserved and watching, got %v; want reservation_created once", got)
	}
}

func eventNames(fs []proto.ServerFrame) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Event)
	}
	return out
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
