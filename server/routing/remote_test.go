package routing_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"parley/server/apperr"
	"parley/server/routing"
)

// wire is a Remote whose calls reach svc through Serve, as they would
// from another node, without the network between.
func wire(svc *routing.Service) *routing.Remote {
	return &routing.Remote{Send: func(ctx context.Context, method string, args []byte) ([]byte, error) {
		return routing.Serve(ctx, svc, method, args), nil
	}}
}

// A call from another node answers as the engine does: results with
// what the engine decodes of them, and errors with their kind and code.
func TestARemoteCallAnswersAsTheEngine(t *testing.T) {
	d := openDesk(t)
	ctx := context.Background()
	rm := wire(d.svc)
	q, err := rm.CreateTaskQueue(ctx, d.ws, routing.TaskQueueParams{FriendlyName: ptr("Everyone"), TargetWorkers: ptr("1==1")})
	must(t, err)
	task, err := rm.CreateTask(ctx, d.ws, routing.TaskParams{TaskQueueSID: &q.SID, Attributes: ptr(`{"conversationSid":"CH1"}`)})
	must(t, err)
	got, err := rm.Task(ctx, d.ws, task.SID)
	must(t, err)
	if got.Attrs()["conversationSid"] != "CH1" || got.AssignmentStatus != routing.TaskPending {
		t.Errorf("the task through a remote: %+v, attrs %v", got, got.Attrs())
	}
	if p, ok := rm.WaitingWith(ctx, "conversationSid", "CH1"); !ok || p.Position != 1 || p.TaskSID != task.SID {
		t.Errorf("waiting with: %+v %v, want first in line", p, ok)
	}
	w, err := rm.CreateWorker(ctx, d.ws, routing.WorkerParams{FriendlyName: ptr("Sam"), Attributes: ptr(`{"full_name":"Sam S"}`)})
	must(t, err)
	if v, err := rm.WorkerOf(ctx, d.ws, w.SID); err != nil || v.Attrs()["full_name"] != "Sam S" || v.ActivityName != "Offline" {
		t.Errorf("the worker through a remote: %+v %v", v, err)
	}
	if name := rm.NameOf(d.ws, q.SID); name != "Everyone" {
		t.Errorf("NameOf the queue: %q", name)
	}

	_, err = rm.CreateTask(ctx, d.ws, routing.TaskParams{TaskQueueSID: &q.SID, Attributes: ptr("not json")})
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid || e.Code != apperr.CodeInvalidAttributes {
		t.Errorf("invalid attributes through a remote: %#v, want the engine's Invalid 50304", err)
	}
	if _, err := rm.Task(ctx, d.ws, "WT404"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("a missing task through a remote: %v, want not found", err)
	}
}

// Only Router's calls cross nodes: not Close, nor what a test sets.
func TestServeRunsOnlyRoutersCalls(t *testing.T) {
	d := openDesk(t)
	for _, m := range []string{"Close", "SetClock", "Subscribe", "restore", "Nope"} {
		var rp struct{ Fault string }
		json.Unmarshal(routing.Serve(context.Background(), d.svc, m, []byte(`[]`)), &rp)
		if rp.Fault == "" {
			t.Errorf("Serve ran %s", m)
		}
	}
	if _, err := d.svc.Workspace(context.Background(), d.ws); err != nil {
		t.Errorf("the engine after those calls: %v", err)
	}
}

// While no node runs the engine a call waits, then fails as the API's
// 503 saying to retry; once this node runs it, calls and listeners go to
// it.
func TestARemoteWaitsForAnEngine(t *testing.T) {
	d := openDesk(t)
	var tries atomic.Int32
	rm := &routing.Remote{Wait: 300 * time.Millisecond, Send: func(context.Context, string, []byte) ([]byte, error) {
		tries.Add(1)
		return nil, routing.ErrNoEngine
	}}
	var heard atomic.Int32
	rm.Subscribe(func(routing.Event) { heard.Add(1) })
	_, err := rm.Workspace(context.Background(), d.ws)
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.Unavailable || e.Code != apperr.CodeServiceUnavailable {
		t.Fatalf("no engine: %v, want the API's 503", err)
	}
	if tries.Load() < 2 {
		t.Errorf("tried %d times in the wait, want again until it is over", tries.Load())
	}
	rm.Run(d.svc)
	q, err := rm.CreateTaskQueue(context.Background(), d.ws, routing.TaskQueueParams{FriendlyName: ptr("Everyone"), TargetWorkers: ptr("1==1")})
	must(t, err)
	if _, err := rm.CreateTask(context.Background(), d.ws, routing.TaskParams{TaskQueueSID: &q.SID, Attributes: ptr(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if got := rm.Stop(); got != d.svc {
		t.Errorf("Stop returned %p, want the engine", got)
	}
	d.svc.Close() // delivers its events
	if heard.Load() == 0 {
		t.Error("a listener subscribed before the engine ran heard nothing of it")
	}
	sent := errors.New("cut")
	rm.Send = func(context.Context, string, []byte) ([]byte, error) { return nil, sent }
	if _, err := rm.Workspace(context.Background(), d.ws); !apperr.Is(err, apperr.Unavailable) {
		t.Errorf("a call lost on the way: %v, want unavailable (not sent again)", err)
	}
}

// A node that does not run the engine names a page of tasks' queue once,
// not once a task: each name would be a round trip to the engine's node.
func TestARemoteRemembersNamesForAMoment(t *testing.T) {
	d := openDesk(t)
	ctx := context.Background()
	var sent atomic.Int32
	rm := &routing.Remote{Send: func(ctx context.Context, method string, args []byte) ([]byte, error) {
		if method == "NameOf" || method == "ActivityName" {
			sent.Add(1)
		}
		return routing.Serve(ctx, d.svc, method, args), nil
	}}
	q, err := d.svc.CreateTaskQueue(ctx, d.ws, routing.TaskQueueParams{FriendlyName: ptr("Everyone"), TargetWorkers: ptr("1==1")})
	must(t, err)
	for range 20 {
		if name := rm.NameOf(d.ws, q.SID); name != "Everyone" {
			t.Fatalf("NameOf the queue: %q", name)
		}
	}
	if n := sent.Load(); n != 1 {
		t.Errorf("20 names of one queue took %d round trips, want 1", n)
	}
	if name := rm.NameOf(d.ws, "WQ404"); name != "" || sent.Load() != 2 {
		t.Errorf("an unknown SID: %q after %d round trips", name, sent.Load())
	}
	if name := rm.NameOf(d.ws, "WQ404"); name != "" || sent.Load() != 3 {
		t.Errorf("an unknown SID is asked again (it may be made meanwhile): %q after %d round trips", name, sent.Load())
	}

	// A rename shows on this node once the name it remembers is two
	// seconds old.
	clock := time.Now().Add(time.Hour) // past what was remembered above
	rm.Now = func() time.Time { return clock }
	if name := rm.NameOf(d.ws, q.SID); name != "Everyone" {
		t.Fatalf("NameOf the queue: %q", name)
	}
	_, err = d.svc.UpdateTaskQueue(ctx, d.ws, q.SID, routing.TaskQueueParams{FriendlyName: ptr("Sales")})
	must(t, err)
	asked := sent.Load()
	clock = clock.Add(1900 * time.Millisecond)
	if name := rm.NameOf(d.ws, q.SID); name != "Everyone" || sent.Load() != asked {
		t.Errorf("1.9 s after it was given, the name was %q after %d more round trips; want the one remembered, Everyone, and none",
			name, sent.Load()-asked)
	}
	clock = clock.Add(200 * time.Millisecond)
	if name := rm.NameOf(d.ws, q.SID); name != "Sales" || sent.Load() != asked+1 {
		t.Errorf("2.1 s after it was given, the name was %q after %d more round trips; want the new one, Sales, and one",
			name, sent.Load()-asked)
	}
}
