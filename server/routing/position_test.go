package routing_test

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"parley/server/routing"
	"parley/server/store"
)

// centre is a workspace with one queue every worker is in, and agents.
type centre struct {
	svc      *routing.Service
	clock    *fakeClock
	ws       string
	workflow string
	queue    string
	agents   []string
	away     string
}

// openCentre starts routing over a real SQLite file (fast durability: the
// simulation makes thousands of changes) on a fake clock, with n agents
// available, each taking capacity chats at once.
func openCentre(t testing.TB, n, capacity int) *centre {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "parley.db"), store.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := routing.NewService(ctx, store.NewRouting(db), "AC00000000000000000000000000000000")
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		svc.Close()
		db.Close()
	})
	c := &centre{svc: svc, clock: &fakeClock{now: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}}
	svc.SetClock(c.clock.Now)
	ws, err := svc.CreateWorkspace(ctx, routing.WorkspaceParams{FriendlyName: ptr("Sim")})
	must(t, err)
	c.ws = ws.SID
	acts, err := svc.Activities(ctx, ws.SID, routing.ActivityFilter{}, routing.PageRequest{})
	must(t, err)
	var available string
	for _, a := range acts.Items {
		if a.Available && a.FriendlyName == "Available" {
			available = a.SID
		}
		if !a.Available && a.FriendlyName == "Offline" {
			c.away = a.SID
		}
	}
	q, err := svc.CreateTaskQueue(ctx, ws.SID, routing.TaskQueueParams{FriendlyName: ptr("Support")})
	must(t, err)
	c.queue = q.SID
	config := fmt.Sprintf(`{"task_routing":{"default_filter":{"queue":%q}}}`, q.SID)
	wf, err := svc.CreateWorkflow(ctx, ws.SID, routing.WorkflowParams{FriendlyName: ptr("All"), Configuration: &config,
		TaskReservationTimeout: ptr(3600)})
	must(t, err)
	c.workflow = wf.SID
	for i := range n {
		w, err := svc.CreateWorker(ctx, ws.SID, routing.WorkerParams{FriendlyName: ptr(fmt.Sprintf("agent-%d", i)), ActivitySID: &available})
		must(t, err)
		_, err = svc.UpdateWorkerChannel(ctx, ws.SID, w.SID, "chat", routing.WorkerChannelParams{Capacity: ptr(capacity)})
		must(t, err)
		c.agents = append(c.agents, w.SID)
	}
	return c
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (c *centre) newTask(t testing.TB) string {
	t.Helper()
	task, err := c.svc.CreateTask(context.Background(), c.ws, routing.TaskParams{WorkflowSID: &c.workflow, TaskChannel: ptr("chat")})
	must(t, err)
	return task.SID
}

// pending lists the offers agents have not answered yet.
func (c *centre) pending(t testing.TB) []routing.Reservation {
	t.Helper()
	var out []routing.Reservation
	for _, w := range c.agents {
		page, err := c.svc.WorkerReservations(context.Background(), c.ws, w, routing.ReservationFilter{Status: routing.ReservationPending}, routing.PageRequest{Size: 50})
		must(t, err)
		out = append(out, page.Items...)
	}
	return out
}

func (c *centre) answer(t testing.TB, r routing.Reservation, status string) {
	t.Helper()
	_, err := c.svc.UpdateReservation(context.Background(), c.ws, r.TaskSID, "", r.SID, routing.ReservationParams{Status: status})
	must(t, err)
}

func (c *centre) position(t testing.TB, task string) routing.QueuePosition {
	t.Helper()
	p, err := c.svc.TaskPosition(context.Background(), c.ws, task)
	must(t, err)
	return p
}

// TestTaskPositionFollowsTheQueue walks one queue through what moves a
// customer's place: tasks ahead offered, accepted, canceled, an agent
// going away, and an estimate once routing has seen a chat end.
func TestTaskPositionFollowsTheQueue(t *testing.T) {
	ctx := context.Background()
	c := openCentre(t, 1, 1)
	a := c.newTask(t) // offered to the only agent at once
	b, d, e := c.newTask(t), c.newTask(t), c.newTask(t)

	type want struct {
		pos       int
		status    string
		estimated bool
		wait      time.Duration // checked when estimated
	}
	check := func(step string, wants map[string]want) {
		t.Helper()
		for task, w := range wants {
			p := c.position(t, task)
			if p.Position != w.pos || p.AssignmentStatus != w.status || p.Estimated != w.estimated {
				t.Errorf("%s: task %s at %d (%s, estimated %v), want %d (%s, estimated %v)", step, task, p.Position, p.AssignmentStatus, p.Estimated, w.pos, w.status, w.estimated)
			}
			if w.estimated && p.EstimatedWait != w.wait {
				t.Errorf("%s: task %s estimated %v, want %v", step, task, p.EstimatedWait, w.wait)
			}
		}
	}
	check("nothing measured yet", map[string]want{
		a: {1, routing.TaskReserved, true, 0}, // offered: only the answer is left (unmeasured, so 0)
		b: {2, routing.TaskPending, false, 0}, d: {3, routing.TaskPending, false, 0}, e: {4, routing.TaskPending, false, 0},
	})

	// The agent accepts after 10 s and finishes after 4 min: routing now
	// knows a chat takes 4 min and an offer 10 s to answer.
	c.clock.Add(10 * time.Second)
	c.answer(t, c.pending(t)[0], routing.ReservationAccepted)
	check("a accepted", map[string]want{a: {0, routing.TaskAssigned, false, 0}, b: {1, routing.TaskPending, false, 0}})
	c.clock.Add(4 * time.Minute)
	c.answer(t, routing.Reservation{TaskSID: a, SID: reservationOf(t, c, a)}, routing.ReservationCompleted)

	// b is offered at once; d waits for the slot b takes to free (4 min)
	// and 10 s to be accepted, e for one more chat.
	check("a done, b offered", map[string]want{
		b: {1, routing.TaskReserved, true, 10 * time.Second},
		d: {2, routing.TaskPending, true, 4*time.Minute + 10*time.Second},
		e: {3, routing.TaskPending, true, 8*time.Minute + 10*time.Second},
	})
	// e cancels; then the agent goes offline: nobody can take d, so there
	// is a position but no estimate.
	_, err := c.svc.UpdateTask(ctx, c.ws, e, routing.TaskParams{AssignmentStatus: ptr(routing.TaskCanceled)})
	must(t, err)
	c.clock.Add(10 * time.Second)
	c.answer(t, c.pending(t)[0], routing.ReservationAccepted)
	check("b accepted", map[string]want{d: {1, routing.TaskPending, true, 4*time.Minute + 10*time.Second}, e: {0, routing.TaskCanceled, false, 0}})
	_, err = c.svc.UpdateWorker(ctx, c.ws, c.agents[0], routing.WorkerParams{ActivitySID: &c.away})
	must(t, err)
	check("agent away", map[string]want{d: {1, routing.TaskPending, false, 0}})
}

func reservationOf(t testing.TB, c *centre, task string) string {
	t.Helper()
	page, err := c.svc.TaskReservations(context.Background(), c.ws, task, routing.ReservationFilter{}, routing.PageRequest{Size: 10})
	must(t, err)
	for _, r := range page.Items {
		if r.Status == routing.ReservationAccepted || r.Status == routing.ReservationPending {
			return r.SID
		}
	}
	t.Fatalf("task %s has no live reservation", task)
	return ""
}

// TestWaitEstimateSimulation measures how far the estimates customers are
// shown fall from the wait that followed. A working day of a contact
// centre runs on a fake clock: customers arrive at random (a Poisson
// stream keeping the agents about 98% busy), agents of different speeds
// hold each chat a random time (log-normal around their own mean) and
// take a few seconds to accept an offer, all from a fixed seed. Every
// minute, and as each customer arrives, every waiting customer's estimate
// is noted; once their agent accepts, the error is known.
//
// Two days are run: a plain one, and one where agents decline a fifth of
// the offers after 20 s (busy elsewhere), which the model of slots does
// not see and the recent waits do.
//
// Each reports the median absolute error beside two naive estimates that
// know the true mean handle time: position × mean ÷ agents, and
// position × mean ÷ the agents' chat slots. It fails unless the estimate
// beats the first, comes within 10% of the second (which is the model's
// own rate, fed the true mean instead of a measured one), and stays within
// half the median wait.
func TestWaitEstimateSimulation(t *testing.T) {
	for _, sc := range []struct {
		name    string
		decline float64 // the share of offers declined
	}{{"plain", 0}, {"declined offers", 0.2}} {
		t.Run(sc.name, func(t *testing.T) {
			r := simulate(t, sc.decline)
			t.Logf("%d estimates checked: median wait still to come %.0f s; median absolute error %.0f s "+
				"(mean signed %+.0f s); naive: %.0f s (÷ agents), %.0f s (÷ chat slots)",
				r.checked, r.wait, r.err, r.bias, r.naive, r.bySlots)
			if r.err >= r.naive {
				t.Errorf("the estimate's median error (%.0f s) does not beat position × mean handle time ÷ agents (%.0f s)", r.err, r.naive)
			}
			if r.err > 1.1*r.bySlots {
				t.Errorf("the estimate's median error (%.0f s) is worse than position × mean handle time ÷ chat slots (%.0f s)", r.err, r.bySlots)
			}
			if r.err > r.wait/2 {
				t.Errorf("the estimate's median error (%.0f s) is more than half the median wait (%.0f s)", r.err, r.wait)
			}
		})
	}
}

type simResult struct {
	checked                         int
	wait, err, bias, naive, bySlots float64
}

func simulate(t *testing.T, decline float64) simResult {
	const (
		agents     = 6
		capacity   = 2
		customers  = 1500
		meanHandle = 4 * time.Minute
		warmUp     = 30 * time.Minute
	)
	rng := rand.New(rand.NewPCG(28, 1))
	c := openCentre(t, agents, capacity)
	start := c.clock.Now()

	speed := map[string]float64{} // each agent's pace: 0.7 (quick) to 1.3 (slow)
	for _, w := range c.agents {
		speed[w] = 0.7 + 0.6*rng.Float64()
	}
	const sigma = 0.5
	handle := func(worker string) time.Duration {
		// Log-normal with mean meanHandle × speed.
		mu := math.Log(meanHandle.Seconds()*speed[worker]) - sigma*sigma/2
		return time.Duration(math.Exp(mu+sigma*rng.NormFloat64()) * float64(time.Second))
	}
	slots := float64(agents * capacity)
	arrivalRate := 0.98 * slots / meanHandle.Seconds() // per second

	var events simEvents
	at := func(d time.Duration, e simEvent) { e.at = c.clock.Now().Add(d); heap.Push(&events, e) }
	next := start
	for range customers {
		next = next.Add(time.Duration(rng.ExpFloat64() / arrivalRate * float64(time.Second)))
		heap.Push(&events, simEvent{at: next, kind: "arrive"})
	}
	for m := time.Minute; m < 48*time.Hour; m += time.Minute {
		heap.Push(&events, simEvent{at: start.Add(m), kind: "sample"})
	}

	type sample struct {
		task                 string
		at                   time.Time
		estimate, naï, slots time.Duration
	}
	var samples []sample
	accepted := map[string]time.Time{}
	offered := map[string]bool{}
	var handled []time.Duration
	note := func(p routing.QueuePosition) {
		if !p.Estimated || p.AssignmentStatus != routing.TaskPending || c.clock.Now().Sub(start) < warmUp || len(handled) == 0 {
			return
		}
		var sum time.Duration
		for _, h := range handled {
			sum += h
		}
		mean := sum / time.Duration(len(handled))
		samples = append(samples, sample{task: p.TaskSID, at: c.clock.Now(), estimate: p.EstimatedWait,
			naï:   time.Duration(p.Position) * mean / agents,
			slots: time.Duration(p.Position) * mean / (agents * capacity)})
	}
	arrived := 0
	for events.Len() > 0 {
		e := heap.Pop(&events).(simEvent)
		if e.kind == "sample" && arrived == customers && len(accepted) == customers {
			break
		}
		c.clock.Set(e.at)
		switch e.kind {
		case "arrive":
			arrived++
			note(c.position(t, c.newTask(t)))
		case "sample":
			ps, err := c.svc.QueuePositions(context.Background(), c.ws)
			must(t, err)
			for _, p := range ps {
				note(p)
			}
		case "decline":
			c.answer(t, e.res, routing.ReservationRejected)
		case "accept":
			c.answer(t, e.res, routing.ReservationAccepted)
			accepted[e.res.TaskSID] = e.at
			h := handle(e.res.WorkerSID)
			handled = append(handled, h)
			at(h, simEvent{kind: "complete", res: e.res})
		case "complete":
			c.answer(t, e.res, routing.ReservationCompleted)
		}
		for _, r := range c.pending(t) {
			if offered[r.SID] {
				continue
			}
			offered[r.SID] = true
			if rng.Float64() < decline {
				at(20*time.Second, simEvent{kind: "decline", res: r})
			} else {
				at(time.Duration(2+rng.IntN(14))*time.Second, simEvent{kind: "accept", res: r})
			}
		}
	}

	var r simResult
	var errs, naive, bySlots, waits []float64
	for _, s := range samples {
		acc, ok := accepted[s.task]
		if !ok {
			continue
		}
		actual := acc.Sub(s.at)
		errs = append(errs, math.Abs((s.estimate - actual).Seconds()))
		r.bias += (s.estimate - actual).Seconds()
		naive = append(naive, math.Abs((s.naï - actual).Seconds()))
		bySlots = append(bySlots, math.Abs((s.slots - actual).Seconds()))
		waits = append(waits, actual.Seconds())
	}
	if len(errs) < 1000 {
		t.Fatalf("only %d estimates could be checked", len(errs))
	}
	r.checked, r.bias = len(errs), r.bias/float64(len(errs))
	r.err, r.naive, r.bySlots, r.wait = median(errs), median(naive), median(bySlots), median(waits)
	return r
}

func median(v []float64) float64 {
	slices.Sort(v)
	return v[len(v)/2]
}

type simEvent struct {
	at   time.Time
	kind string // arrive, sample, accept, complete
	res  routing.Reservation
}

type simEvents []simEvent

func (h simEvents) Len() int           { return len(h) }
func (h simEvents) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h simEvents) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *simEvents) Push(x any)        { *h = append(*h, x.(simEvent)) }
func (h *simEvents) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}
