package routing_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"parley/server/routing"
	"parley/server/store"
)

// BenchmarkTaskToReservation measures how long a task takes from its
// creation call to the reservation event a worker hears, at a steady
// 1,000 tasks a second, with 1,000 workers and a backlog of waiting tasks
// that no available worker can take (Spanish chats while every Spanish
// speaker is offline). Every reservation is accepted and completed at
// once, so workers keep freeing up. The store is a real SQLite file with
// the server's default durability (synchronous FULL).
//
// backlog=0 is the baseline: the same load with nothing waiting.
func BenchmarkTaskToReservation(b *testing.B) {
	for _, backlog := range []int{0, 10_000} {
		b.Run("backlog="+strconv.Itoa(backlog), func(b *testing.B) { benchTaskToReservation(b, backlog) })
	}
}

func benchTaskToReservation(b *testing.B, backlog int) {
	ctx := context.Background()
	svc := openRouting(b)
	c := setUpCentre(b, svc, 1000, backlog)

	var mu sync.Mutex
	started := make([]time.Time, b.N)
	latencies := make([]time.Duration, 0, b.N)
	agents := startAgents(b, svc, c.ws)
	svc.Subscribe(func(e routing.Event) {
		if e.Type != routing.EventReservationCreated {
			return
		}
		if n, ok := e.Task.Attrs()["n"].(float64); ok {
			mu.Lock()
			latencies = append(latencies, time.Since(started[int(n)]))
			mu.Unlock()
			agents.offer(e)
		}
	})

	b.ResetTimer()
	tick := time.NewTicker(time.Millisecond) // 1,000 tasks a second, open loop
	var creators sync.WaitGroup
	begin := time.Now()
	for i := range b.N {
		<-tick.C
		creators.Add(1)
		go func() {
			defer creators.Done()
			attrs := `{"n":` + strconv.Itoa(i) + `,"language":"en"}`
			mu.Lock()
			started[i] = time.Now()
			mu.Unlock()
			if _, err := svc.CreateTask(ctx, c.ws, routing.TaskParams{Attributes: &attrs, WorkflowSID: &c.workflow, TaskChannel: ptr("chat")}); err != nil {
				b.Error(err)
			}
		}()
	}
	creators.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(latencies)
		mu.Unlock()
		if n == b.N || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(begin)
	b.StopTimer()
	tick.Stop()
	agents.stop()

	mu.Lock()
	defer mu.Unlock()
	if len(latencies) != b.N {
		b.Fatalf("%d of %d tasks were offered to a worker", len(latencies), b.N)
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tasks/s")
}

// BenchmarkTaskThroughput measures how many tasks a second routing can
// create, offer, accept and complete when 32 callers create tasks as fast
// as they can, with 1,000 workers and 10,000 tasks waiting.
func BenchmarkTaskThroughput(b *testing.B) {
	ctx := context.Background()
	svc := openRouting(b)
	c := setUpCentre(b, svc, 1000, 10_000)
	agents := startAgents(b, svc, c.ws)
	svc.Subscribe(func(e routing.Event) {
		if e.Type == routing.EventReservationCreated {
			agents.offer(e)
		}
	})
	attrs := `{"language":"en"}`
	b.ResetTimer()
	begin := time.Now()
	b.SetParallelism(16) // 32 callers on 2 cores
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.CreateTask(ctx, c.ws, routing.TaskParams{Attributes: &attrs, WorkflowSID: &c.workflow, TaskChannel: ptr("chat")}); err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(begin).Seconds(), "tasks/s")
	b.StopTimer()
	agents.stop()
}

// agents accept and complete every offer at once, on 8 goroutines.
type agents struct {
	mu      sync.Mutex
	stopped bool
	offers  chan routing.Event
	wg      sync.WaitGroup
}

func startAgents(b *testing.B, svc *routing.Service, ws string) *agents {
	a := &agents{offers: make(chan routing.Event, 4096)}
	for range 8 {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			for e := range a.offers {
				r := e.Reservation
				for _, st := range []string{routing.ReservationAccepted, routing.ReservationCompleted} {
					if _, err := svc.UpdateReservation(context.Background(), ws, r.TaskSID, "", r.SID, routing.ReservationParams{Status: st}); err != nil {
						b.Error(err)
					}
				}
			}
		}()
	}
	return a
}

func (a *agents) offer(e routing.Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.stopped {
		a.offers <- e
	}
}

func (a *agents) stop() {
	a.mu.Lock()
	a.stopped = true
	close(a.offers)
	a.mu.Unlock()
	a.wg.Wait()
}

// openRouting is a routing service over a fresh SQLite file at the
// server's default durability, closed when the benchmark ends.
func openRouting(b *testing.B) *routing.Service {
	b.Helper()
	db, err := store.Open(filepath.Join(b.TempDir(), "parley.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := routing.NewService(context.Background(), store.NewRouting(db), "AC00000000000000000000000000000000")
	if err != nil {
		db.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() {
		svc.Close()
		db.Close()
	})
	return svc
}

type benchCentre struct{ ws, workflow string }

// setUpCentre makes a workspace with workers English-speaking available
// agents, a Spanish queue whose agents are all offline, and backlog
// Spanish tasks waiting in it.
func setUpCentre(b *testing.B, svc *routing.Service, workers, backlog int) benchCentre {
	b.Helper()
	ctx := context.Background()
	ws, err := svc.CreateWorkspace(ctx, routing.WorkspaceParams{FriendlyName: ptr("Bench")})
	if err != nil {
		b.Fatal(err)
	}
	acts, err := svc.Activities(ctx, ws.SID, routing.ActivityFilter{FriendlyName: "Available"}, routing.PageRequest{})
	if err != nil || len(acts.Items) != 1 {
		b.Fatal(err)
	}
	support, err := svc.CreateTaskQueue(ctx, ws.SID, routing.TaskQueueParams{FriendlyName: ptr("Support"), TargetWorkers: ptr(`languages HAS "en"`)})
	if err != nil {
		b.Fatal(err)
	}
	spanish, err := svc.CreateTaskQueue(ctx, ws.SID, routing.TaskQueueParams{FriendlyName: ptr("Spanish"), TargetWorkers: ptr(`languages HAS "es"`)})
	if err != nil {
		b.Fatal(err)
	}
	config := fmt.Sprintf(`{"task_routing":{"filters":[{"expression":"language == 'es'","targets":[{"queue":%q}]}],"default_filter":{"queue":%q}}}`,
		spanish.SID, support.SID)
	wf, err := svc.CreateWorkflow(ctx, ws.SID, routing.WorkflowParams{FriendlyName: ptr("Languages"), Configuration: &config})
	if err != nil {
		b.Fatal(err)
	}
	for i := range workers {
		w, err := svc.CreateWorker(ctx, ws.SID, routing.WorkerParams{FriendlyName: ptr(fmt.Sprintf("agent-%d", i)), Attributes: ptr(`{"languages":["en"]}`)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.UpdateWorker(ctx, ws.SID, w.SID, routing.WorkerParams{ActivitySID: &acts.Items[0].SID}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 50 { // Spanish speakers, all offline
		if _, err := svc.CreateWorker(ctx, ws.SID, routing.WorkerParams{FriendlyName: ptr(fmt.Sprintf("agente-%d", i)), Attributes: ptr(`{"languages":["es"]}`)}); err != nil {
			b.Fatal(err)
		}
	}
	es := `{"language":"es"}`
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for range backlog {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := svc.CreateTask(ctx, ws.SID, routing.TaskParams{Attributes: &es, WorkflowSID: &wf.SID, TaskChannel: ptr("chat")}); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	return benchCentre{ws: ws.SID, workflow: wf.SID}
}

func ptr[T any](v T) *T { return &v }
