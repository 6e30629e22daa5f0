package app

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tr "github.com/twilio/twilio-go/rest/taskrouter/v1"

	"parley/server/cluster/natstest"
	"parley/server/routing"
	"parley/server/store/pgtest"
	"parley/server/store/postgres"
)

// ---- a cluster in one process ----

// testCluster is a cluster's shared parts: one PostgreSQL database, one
// NATS server.
type testCluster struct{ database, nats string }

func newTestCluster(t *testing.T) *testCluster {
	t.Helper()
	if !pgtest.Available() {
		t.Skip("a cluster needs PostgreSQL: run under scripts/with-postgres")
	}
	return &testCluster{database: pgtest.Database(t), nats: natstest.Start(t).URL}
}

// node starts a node of the cluster, with its own data directory and HTTP
// server.
func (tc *testCluster) node(t *testing.T) *testServer {
	t.Helper()
	return startServerWith(t, func(c *Config) {
		c.GuestLimits, c.Database, c.NATS = startServerLimits, tc.database, tc.nats
	})
}

// runsRouting reports whether the node runs the routing engine now.
func (s *testServer) runsRouting() bool {
	rm, ok := s.app.Routing.(*routing.Remote)
	return ok && rm.Engine() != nil
}

// sql opens the node's database for what no API shows.
func (s *testServer) sql(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", s.database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// reservationsOf counts the reservations stored for a task: every offer
// any engine made of it.
func reservationsOf(t *testing.T, db *sql.DB, taskSID string) (all, taken int) {
	t.Helper()
	err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE body::jsonb->>'status' IN ('accepted', 'wrapping', 'completed'))
		FROM routing_objects WHERE kind = 'reservation' AND body::jsonb->>'task_sid' = $1`, taskSID).Scan(&all, &taken)
	if err != nil {
		t.Fatal(err)
	}
	return all, taken
}

// killLease ends the session holding the routing lease, as a network cut
// or a PostgreSQL restart would, and returns once one was ended.
func killLease(t *testing.T, db *sql.DB) {
	t.Helper()
	key := uint64(postgres.RoutingLease)
	var n int
	// Other tests' clusters hold the same lock in their own databases.
	err := db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, int64(key>>32), int64(key&0xffffffff)).Scan(&n)
	if err != nil || n != 1 {
		t.Fatalf("end the lease holder's session: %d ended, %v", n, err)
	}
}

// queueOfTasks makes a workspace where every task goes to one queue
// (or, with a first step, waits in an empty one for firstStep seconds),
// and returns the workspace and its workflow.
func queueOfTasks(t *testing.T, s *testServer, firstStep int) (ws, wf string) {
	t.Helper()
	ws = *s.mustCreateWorkspace(t, "Support").Sid
	everyone := *s.mustCreateQueue(t, ws, "Everyone", "1==1").Sid
	targets := `{"queue":"` + everyone + `"}`
	if firstStep > 0 {
		nobody := *s.mustCreateQueue(t, ws, "Nobody", "1==2").Sid
		targets = `{"queue":"` + nobody + `","timeout":` + strconv.Itoa(firstStep) + `},` + targets
	}
	cfg := `{"task_routing":{"filters":[{"filter_friendly_name":"all","expression":"1==1","targets":[` + targets + `]}]}}`
	w, err := s.tw.TaskrouterV1.CreateWorkflow(ws, (&tr.CreateWorkflowParams{}).SetFriendlyName("All").SetConfiguration(cfg))
	if err != nil {
		t.Fatalf("create workflow: %v", err)
	}
	return ws, *w.Sid
}

func (s *testServer) mustCreateTask(t *testing.T, ws, wf, attrs string) string {
	t.Helper()
	task, err := s.tw.TaskrouterV1.CreateTask(ws, (&tr.CreateTaskParams{}).SetWorkflowSid(wf).SetAttributes(attrs))
	if err != nil {
		t.Fatalf("create task: %v", err)
	}
	return *task.Sid
}

func (s *testServer) mustMakeAvailable(t *testing.T, ws, worker string) {
	t.Helper()
	if _, err := s.tw.TaskrouterV1.UpdateWorker(ws, worker, (&tr.UpdateWorkerParams{}).SetActivitySid(s.activityNamed(t, ws, "Available"))); err != nil {
		t.Fatalf("make worker available: %v", err)
	}
}

// ---- tests ----

// Two engines over one database each offer the same task: each loaded it
// at start, each arms its timers, and when its first step ends each moves
// it on and offers it, so an agent is offered one chat twice and two
// agents may both take it. The cluster runs one engine.
func TestTwoNodesNeverOfferTheSameTaskTwice(t *testing.T) {
	tc := newTestCluster(t)
	b := tc.node(t)
	ws, wf := queueOfTasks(t, b, 2)
	sam := *b.mustCreateWorker(t, ws, "Sam", `{}`).Sid
	b.mustMakeAvailable(t, ws, sam)
	task := b.mustCreateTask(t, ws, wf, `{"type":"chat"}`)
	// A second node starts while the task waits out its first step.
	tc.node(t)
	db := b.sql(t)
	eventually2(t, 10*time.Second, func() bool { all, _ := reservationsOf(t, db, task); return all > 0 },
		func() string { return "the task was never offered" })
	// Both engines' steps end at the same instant: a second offer would
	// be stored within moments of the first.
	time.Sleep(time.Second)
	if all, _ := reservationsOf(t, db, task); all != 1 {
		t.Errorf("the task was offered %d times, want once", all)
	}
}

// A chat's task created through one node is offered once to an agent
// whose desk talks to another node, and taken there.
func TestATaskCreatedOnOneNodeIsOfferedOnceToADeskOnAnother(t *testing.T) {
	tc := newTestCluster(t)
	a, b := tc.node(t), tc.node(t)
	ana := b.mustCreateAgent(t, "ana@example.com", "agent")
	// A node knows the agents there were when it started (agents are not
	// yet shared live between nodes).
	c := tc.node(t)
	if !a.runsRouting() || b.runsRouting() || c.runsRouting() {
		t.Fatalf("routing runs on %v %v %v, want the first node only", a.runsRouting(), b.runsRouting(), c.runsRouting())
	}
	desk := c.mustSignIn(t, ana)
	desk.goAvailable(t)
	flows, err := b.tw.TaskrouterV1.ListWorkflow(ana.WorkspaceSID, nil)
	if err != nil || len(flows) == 0 {
		t.Fatalf("the desk's workflow: %v", err)
	}
	task := b.mustCreateTask(t, ana.WorkspaceSID, *flows[0].Sid, `{"type":"chat","customerName":"Ada"}`)

	offer := desk.waitForOffer(t)
	if offer.TaskSID != task {
		t.Fatalf("offered %s, want the task %s", offer.TaskSID, task)
	}
	desk.mustCall(t, "POST", desk.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	got, err := b.tw.TaskrouterV1.FetchTask(ana.WorkspaceSID, task)
	if err != nil || *got.AssignmentStatus != "assigned" {
		t.Fatalf("the task through the first node: %v %v, want assigned", err, got)
	}
	if all, taken := reservationsOf(t, b.sql(t), task); all != 1 || taken != 1 {
		t.Errorf("the task has %d reservations, %d taken; want one, taken", all, taken)
	}
}

// A REST call answered by a node that does not run routing reads as one
// answered by the node that does: results, links and errors.
func TestEveryNodeAnswersTaskRouterAlike(t *testing.T) {
	nodes, _ := startNodes(t, 2)
	holder, other := nodes[0], nodes[1]
	ws, wf := queueOfTasks(t, other, 0)
	task := other.mustCreateTask(t, ws, wf, `{"type":"chat"}`)
	paths := []string{
		"/taskrouter/v1/Workspaces/" + ws,
		"/taskrouter/v1/Workspaces/" + ws + "/Tasks/" + task,
		"/taskrouter/v1/Workspaces/" + ws + "/Tasks",
		"/taskrouter/v1/Workspaces/" + ws + "/Workers?Available=true",
		"/taskrouter/v1/Workspaces/" + ws + "/TaskQueues",
		"/taskrouter/v1/Workspaces/" + ws + "/Statistics",
		"/taskrouter/v1/Workspaces/" + ws + "/Tasks/WT00000000000000000000000000000000",
		"/taskrouter/v1/Workspaces/WS00000000000000000000000000000000",
	}
	for _, p := range paths {
		h, o := holder.get(t, p), other.get(t, p)
		if h.status != o.status || strings.ReplaceAll(h.text, holder.baseURL, "") != strings.ReplaceAll(o.text, other.baseURL, "") {
			t.Errorf("GET %s:\nrouting's node: %d %s\nthe other:      %d %s", p, h.status, h.text, o.status, o.text)
		}
	}
	// Errors keep Twilio's shape through twilio-go.
	_, err := other.tw.TaskrouterV1.CreateTask(ws, (&tr.CreateTaskParams{}).SetWorkflowSid(wf).SetAttributes("not json"))
	wantTwilioError(t, err, http.StatusBadRequest, 50304)
	_, err = other.tw.TaskrouterV1.FetchTask(ws, "WT00000000000000000000000000000000")
	wantNotFound(t, err)

	// Each node says whether it holds the lease, and counts what it sent.
	hm, om := holder.get(t, "/metrics").text, other.get(t, "/metrics").text
	if !strings.Contains(hm, "\nparley_cluster_routing_lease_held 1\n") || !strings.Contains(om, "\nparley_cluster_routing_lease_held 0\n") {
		t.Errorf("lease gauges: the holder's and the other's metrics do not say 1 and 0")
	}
	if strings.Contains(om, "\nparley_cluster_routing_forwarded_total 0\n") || !strings.Contains(om, "\nparley_cluster_routing_forwarded_total ") {
		t.Errorf("the other node counts no forwarded call")
	}
}

// When the node running routing goes, another takes over within seconds,
// from what the database holds: tasks queued then are each taken once.
func TestRoutingMovesWhenItsNodeGoes(t *testing.T) {
	nodes, _ := startNodes(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ws, wf := queueOfTasks(t, c, 0)
	var workers []string
	for _, name := range []string{"Sam", "Kim"} {
		w := *c.mustCreateWorker(t, ws, name, `{}`).Sid
		c.mustMakeAvailable(t, ws, w)
		workers = append(workers, w)
	}
	const n = 60
	var tasks []string
	for i := range n {
		tasks = append(tasks, b.mustCreateTask(t, ws, wf, `{"n":`+strconv.Itoa(i)+`}`))
	}

	// Each worker, through node via, takes what it is offered and
	// finishes it, retrying what a handover answers with 503.
	var via atomic.Pointer[testServer]
	via.Store(c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := map[string]int{} // by reservation
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				c := via.Load()
				res, err := c.tw.TaskrouterV1.ListWorkerReservation(ws, w, (&tr.ListWorkerReservationParams{}).SetReservationStatus("pending"))
				if err != nil || len(res) == 0 {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				r := res[0]
				if _, err := c.tw.TaskrouterV1.UpdateWorkerReservation(ws, w, *r.Sid, (&tr.UpdateWorkerReservationParams{}).SetReservationStatus("accepted")); err != nil {
					continue // timed out, rescinded, or routing moving: ask again
				}
				mu.Lock()
				accepted[*r.Sid]++
				mu.Unlock()
				for ctx.Err() == nil {
					if _, err := c.tw.TaskrouterV1.UpdateTask(ws, *r.TaskSid, (&tr.UpdateTaskParams{}).SetAssignmentStatus("completed").SetReason("done")); err == nil {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				time.Sleep(100 * time.Millisecond) // some tasks are still queued when the node goes
			}
		}()
	}

	db := c.sql(t)
	done := func() int {
		k := 0
		for _, task := range tasks {
			if _, taken := reservationsOf(t, db, task); taken > 0 {
				k++
			}
		}
		return k
	}
	eventually2(t, 10*time.Second, func() bool { return done() >= 3 }, func() string { return "no task was taken" })
	// The lease's session is cut: a stops routing at once, another node
	// takes over.
	cut := time.Now()
	killLease(t, db)
	eventually2(t, 10*time.Second, func() bool { return !a.runsRouting() && (b.runsRouting() || c.runsRouting()) },
		func() string { return "no other node took routing over" })
	t.Logf("routing moved %v after its lease's session was cut", time.Since(cut).Round(time.Millisecond))
	// Then the new holder is closed, mid-traffic: the workers go on
	// through the node left, and a or it takes over.
	holder, left := b, c
	if c.runsRouting() {
		holder, left = c, b
	}
	via.Store(left)
	if k := done(); k == n {
		t.Fatalf("every task was taken before the handover; the test proves nothing")
	}
	closed := time.Now()
	holder.stop()
	eventually2(t, 10*time.Second, func() bool { return a.runsRouting() || left.runsRouting() },
		func() string { return "no node took routing over from the closed one" })
	t.Logf("routing moved %v after its node was closed", time.Since(closed).Round(time.Millisecond))
	if k := done(); k == n {
		t.Fatalf("every task was taken before the second handover; the test proves nothing")
	}
	c = left
	eventually2(t, 20*time.Second, func() bool { return done() == n }, func() string {
		return strconv.Itoa(done()) + " of " + strconv.Itoa(n) + " tasks were taken after the handover"
	})
	cancel()
	wg.Wait()
	for _, task := range tasks {
		if _, taken := reservationsOf(t, db, task); taken != 1 {
			t.Errorf("task %s was taken %d times, want once", task, taken)
		}
		got, err := c.tw.TaskrouterV1.FetchTask(ws, task)
		if err != nil || (*got.AssignmentStatus != "completed" && *got.AssignmentStatus != "assigned") {
			t.Errorf("task %s: %v %v, want assigned or completed", task, err, got)
		}
	}
	for sid, k := range accepted {
		if k != 1 {
			t.Errorf("reservation %s was accepted %d times", sid, k)
		}
	}
}

// While no node runs routing, a call waits a few seconds for one, then
// fails in the API's shape, saying to retry.
func TestARoutingCallWithoutAnEngineAsksToRetry(t *testing.T) {
	nodes, _ := startNodes(t, 2)
	a, b := nodes[0], nodes[1]
	ws := *b.mustCreateWorkspace(t, "Support").Sid
	// Something else holds the lease: no node can run routing.
	hold, err := b.sql(t).Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	a.stop()
	if _, err := hold.ExecContext(context.Background(), "SELECT pg_advisory_lock($1)", int64(postgres.RoutingLease)); err != nil {
		t.Fatal(err)
	}
	r := b.get(t, "/taskrouter/v1/Workspaces/"+ws)
	wantTwilioErrorShape(t, r, http.StatusServiceUnavailable, 20503)
	if !strings.Contains(r.text, "retry") {
		t.Errorf("the 503 says %s; want it to say to retry", r.text)
	}
	// Once the lease is free, b takes it and answers.
	hold.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", int64(postgres.RoutingLease))
	eventually2(t, 10*time.Second, func() bool { return b.get(t, "/taskrouter/v1/Workspaces/"+ws).status == http.StatusOK },
		func() string { return "b never took routing over" })
}

// eventually2 is eventually with a deadline of its own.
func eventually2(t *testing.T, within time.Duration, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(what())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
