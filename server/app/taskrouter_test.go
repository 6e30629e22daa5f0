package app

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	tr "github.com/twilio/twilio-go/rest/taskrouter/v1"
)

// ---- helpers that read like an administrator's steps ----

func (s *testServer) mustCreateWorkspace(t *testing.T, name string) *tr.TaskrouterV1Workspace {
	t.Helper()
	ws, err := s.tw.TaskrouterV1.CreateWorkspace((&tr.CreateWorkspaceParams{}).SetFriendlyName(name))
	if err != nil {
		t.Fatalf("create workspace: %v", err)
	}
	return ws
}

func (s *testServer) activityNamed(t *testing.T, ws, name string) string {
	t.Helper()
	acts, err := s.tw.TaskrouterV1.ListActivity(ws, (&tr.ListActivityParams{}).SetFriendlyName(name))
	if err != nil || len(acts) != 1 {
		t.Fatalf("find activity %q: %v (%d found)", name, err, len(acts))
	}
	return *acts[0].Sid
}

func (s *testServer) mustCreateWorker(t *testing.T, ws, name, attrs string) *tr.TaskrouterV1Worker {
	t.Helper()
	w, err := s.tw.TaskrouterV1.CreateWorker(ws, (&tr.CreateWorkerParams{}).SetFriendlyName(name).SetAttributes(attrs))
	if err != nil {
		t.Fatalf("create worker %s: %v", name, err)
	}
	return w
}

func (s *testServer) mustCreateQueue(t *testing.T, ws, name, target string) *tr.TaskrouterV1TaskQueue {
	t.Helper()
	q, err := s.tw.TaskrouterV1.CreateTaskQueue(ws, (&tr.CreateTaskQueueParams{}).SetFriendlyName(name).SetTargetWorkers(target))
	if err != nil {
		t.Fatalf("create queue %s: %v", name, err)
	}
	return q
}

func workerNames(ws []tr.TaskrouterV1Worker) []string {
	var out []string
	for _, w := range ws {
		out = append(out, *w.FriendlyName)
	}
	return out
}

// routeTo is a workflow configuration sending tasks matching expr to queue,
// and the rest to fallback.
func routeTo(expr, queue, fallback string) string {
	return `{"task_routing":{"filters":[{"filter_friendly_name":"match","expression":` + quoteJSON(expr) +
		`,"targets":[{"queue":"` + queue + `","timeout":30,"priority":2}]}],"default_filter":{"queue":"` + fallback + `"}}}`
}

func quoteJSON(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}

// ---- tests ----

func TestANewWorkspaceHasTaskRoutersDefaults(t *testing.T) {
	s := startServer(t)
	ws := s.mustCreateWorkspace(t, "Support")
	if *ws.DefaultActivityName != "Offline" || *ws.TimeoutActivityName != "Offline" || !*ws.MultiTaskEnabled || *ws.PrioritizeQueueOrder != "FIFO" {
		t.Errorf("new workspace: default %q timeout %q multitask %v order %q", *ws.DefaultActivityName,
			*ws.TimeoutActivityName, *ws.MultiTaskEnabled, *ws.PrioritizeQueueOrder)
	}
	acts, err := s.tw.TaskrouterV1.ListActivity(*ws.Sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, a := range acts {
		got[*a.FriendlyName] = *a.Available
	}
	if len(got) != 3 || got["Offline"] || !got["Available"] || got["Unavailable"] {
		t.Errorf("activities %v; want Offline, Unavailable (not available) and Available", got)
	}
	chans, err := s.tw.TaskrouterV1.ListTaskChannel(*ws.Sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range chans {
		names = append(names, *c.UniqueName)
	}
	for _, want := range []string{"default", "chat", "sms", "whatsapp", "email"} {
		if !slices.Contains(names, want) {
			t.Errorf("task channels %v lack %q", names, want)
		}
	}
	byName, err := s.tw.TaskrouterV1.FetchTaskChannel(*ws.Sid, "chat")
	if err != nil || *byName.FriendlyName != "Chat" {
		t.Errorf("fetch a task channel by unique name: %v", err)
	}
	list, err := s.tw.TaskrouterV1.ListWorkspace((&tr.ListWorkspaceParams{}).SetFriendlyName("Support"))
	if err != nil || len(list) != 1 || *list[0].Sid != *ws.Sid {
		t.Errorf("list workspaces by name: %v %d", err, len(list))
	}
}

func TestWorkersQueuesAndWorkflowsWithTwilioGo(t *testing.T) {
	s := startServer(t)
	ws := *s.mustCreateWorkspace(t, "Support").Sid
	sam := s.mustCreateWorker(t, ws, "Sam", `{"skills":["support","billing"],"languages":["en","fr"],"level":3}`)
	s.mustCreateWorker(t, ws, "Kim", `{"skills":["sales"],"languages":["de"],"level":1}`)
	if *sam.ActivityName != "Offline" || *sam.Available {
		t.Errorf("a new worker is %q, available %v; want Offline", *sam.ActivityName, *sam.Available)
	}

	// Sam goes Available.
	available := s.activityNamed(t, ws, "Available")
	up, err := s.tw.TaskrouterV1.UpdateWorker(ws, *sam.Sid, (&tr.UpdateWorkerParams{}).SetActivitySid(available))
	if err != nil || !*up.Available || *up.ActivityName != "Available" {
		t.Fatalf("go available: %v %+v", err, up)
	}
	if !up.DateStatusChanged.After(sam.DateStatusChanged.Add(-1)) {
		t.Errorf("date_status_changed did not move")
	}

	// Sam takes three chats at once.
	ch, err := s.tw.TaskrouterV1.UpdateWorkerChannel(ws, *sam.Sid, "chat", (&tr.UpdateWorkerChannelParams{}).SetCapacity(3))
	if err != nil || ch.ConfiguredCapacity != 3 || *ch.TaskChannelUniqueName != "chat" {
		t.Fatalf("set chat capacity: %v %+v", err, ch)
	}
	again, err := s.tw.TaskrouterV1.FetchWorkerChannel(ws, *sam.Sid, *ch.Sid)
	if err != nil || again.ConfiguredCapacity != 3 {
		t.Errorf("fetch the worker channel by its sid: %v", err)
	}
	chans, err := s.tw.TaskrouterV1.ListWorkerChannel(ws, *sam.Sid, nil)
	if err != nil || len(chans) < 5 {
		t.Errorf("list worker channels: %v (%d)", err, len(chans))
	}

	// A queue picks its workers by expression.
	fr := s.mustCreateQueue(t, ws, "French support", `skills HAS "support" AND "fr" IN languages`)
	everyone := s.mustCreateQueue(t, ws, "Everyone", "")
	if *everyone.TargetWorkers != "1==1" || *everyone.TaskOrder != "FIFO" || everyone.MaxReservedWorkers != 1 {
		t.Errorf("queue defaults: %q %q %d", *everyone.TargetWorkers, *everyone.TaskOrder, everyone.MaxReservedWorkers)
	}
	inQueue, err := s.tw.TaskrouterV1.ListWorker(ws, (&tr.ListWorkerParams{}).SetTaskQueueSid(*fr.Sid))
	if err != nil || !slices.Equal(workerNames(inQueue), []string{"Sam"}) {
		t.Errorf("workers of the French queue: %v %v", err, workerNames(inQueue))
	}
	byExpr, err := s.tw.TaskrouterV1.ListWorker(ws, (&tr.ListWorkerParams{}).SetTargetWorkersExpression("level < 2"))
	if err != nil || !slices.Equal(workerNames(byExpr), []string{"Kim"}) {
		t.Errorf("workers by expression: %v %v", err, workerNames(byExpr))
	}
	availableOnly, err := s.tw.TaskrouterV1.ListWorker(ws, (&tr.ListWorkerParams{}).SetAvailable("true"))
	if err != nil || !slices.Equal(workerNames(availableOnly), []string{"Sam"}) {
		t.Errorf("available workers: %v %v", err, workerNames(availableOnly))
	}
	queues, err := s.tw.TaskrouterV1.ListTaskQueue(ws, (&tr.ListTaskQueueParams{}).SetEvaluateWorkerAttributes(`{"skills":["support"],"languages":["fr"]}`))
	if err != nil || len(queues) != 2 {
		t.Errorf("queues for those attributes: %v (%d, want French support and Everyone)", err, len(queues))
	}

	// A workflow routes French tasks to the French queue.
	wf, err := s.tw.TaskrouterV1.CreateWorkflow(ws, (&tr.CreateWorkflowParams{}).SetFriendlyName("Inbound").
		SetConfiguration(routeTo(`language == "fr"`, *fr.Sid, *everyone.Sid)))
	if err != nil {
		t.Fatalf("create workflow: %v", err)
	}
	if wf.TaskReservationTimeout != 120 {
		t.Errorf("task_reservation_timeout %d, want Twilio's default 120", wf.TaskReservationTimeout)
	}
	wf, err = s.tw.TaskrouterV1.UpdateWorkflow(ws, *wf.Sid, (&tr.UpdateWorkflowParams{}).SetTaskReservationTimeout(30))
	if err != nil || wf.TaskReservationTimeout != 30 {
		t.Errorf("update workflow: %v", err)
	}
	// The queue cannot go while the workflow routes to it.
	wantTwilioError(t, s.tw.TaskrouterV1.DeleteTaskQueue(ws, *fr.Sid), http.StatusConflict, 20400)
	if err := s.tw.TaskrouterV1.DeleteWorkflow(ws, *wf.Sid); err != nil {
		t.Fatal(err)
	}
	if err := s.tw.TaskrouterV1.DeleteTaskQueue(ws, *fr.Sid); err != nil {
		t.Errorf("delete the queue once nothing routes to it: %v", err)
	}
}

func TestBadRoutingSettingsAreRefusedSayingWhere(t *testing.T) {
	s := startServer(t)
	ws := *s.mustCreateWorkspace(t, "Support").Sid
	q := s.mustCreateQueue(t, ws, "Q", "")
	_, err := s.tw.TaskrouterV1.CreateTaskQueue(ws, (&tr.CreateTaskQueueParams{}).SetFriendlyName("Bad").SetTargetWorkers(`skills HAS`))
	wantTwilioError(t, err, http.StatusBadRequest, 20400)
	if err == nil || !strings.Contains(err.Error(), "position 10") {
		t.Errorf("the error does not name the position: %v", err)
	}
	for name, config := range map[string]string{
		"not JSON":                 `{"task_routing":`,
		"no task_routing":          `{}`,
		"an unknown queue":         routeTo("1==1", "WQ00000000000000000000000000000000", *q.Sid),
		"a bad filter expression":  routeTo(`language ==`, *q.Sid, *q.Sid),
		"a filter with no targets": `{"task_routing":{"filters":[{"expression":"1==1","targets":[]}]}}`,
		"a negative timeout":       `{"task_routing":{"filters":[{"expression":"1==1","targets":[{"queue":"` + *q.Sid + `","timeout":-1}]}]}}`,
	} {
		_, err := s.tw.TaskrouterV1.CreateWorkflow(ws, (&tr.CreateWorkflowParams{}).SetFriendlyName("W").SetConfiguration(config))
		t.Run(name, func(t *testing.T) { wantTwilioError(t, err, http.StatusBadRequest, 20400) })
	}
	_, err = s.tw.TaskrouterV1.CreateWorkflow(ws, (&tr.CreateWorkflowParams{}).SetFriendlyName("W").
		SetConfiguration(routeTo(`language ==`, *q.Sid, *q.Sid)))
	if err == nil || !strings.Contains(err.Error(), "task_routing.filters[0].expression") {
		t.Errorf("the error does not name the filter: %v", err)
	}

	// An activity's availability is fixed; one in use cannot be deleted.
	offline := s.activityNamed(t, ws, "Offline")
	_, err = s.tw.TaskrouterV1.UpdateActivity(ws, offline, (&tr.UpdateActivityParams{}).SetFriendlyName("Away"))
	if err != nil {
		t.Errorf("rename an activity: %v", err)
	}
	wantTwilioError(t, s.tw.TaskrouterV1.DeleteActivity(ws, offline), http.StatusConflict, 20400)
	_, err = s.tw.TaskrouterV1.CreateWorker(ws, (&tr.CreateWorkerParams{}).SetFriendlyName("X").SetAttributes(`["not","an","object"]`))
	wantTwilioError(t, err, http.StatusBadRequest, 50304)
	_, err = s.tw.TaskrouterV1.UpdateWorkerChannel(ws, *s.mustCreateWorker(t, ws, "Y", "{}").Sid, "chat",
		(&tr.UpdateWorkerChannelParams{}).SetCapacity(51))
	wantTwilioError(t, err, http.StatusBadRequest, 20400)
	_, err = s.tw.TaskrouterV1.FetchWorker(ws, "WK00000000000000000000000000000000")
	wantNotFound(t, err)
	_, err = s.tw.TaskrouterV1.FetchWorkspace("WS00000000000000000000000000000000")
	wantNotFound(t, err)
	wantServing(t, s)
}

func TestRoutingSettingsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	inDir := func(c *Config) { c.DataDir = dir }
	s := startServerWith(t, inDir)
	ws := *s.mustCreateWorkspace(t, "Support").Sid
	sam := s.mustCreateWorker(t, ws, "Sam", `{"skills":["support"]}`)
	if _, err := s.tw.TaskrouterV1.UpdateWorkerChannel(ws, *sam.Sid, "chat", (&tr.UpdateWorkerChannelParams{}).SetCapacity(3)); err != nil {
		t.Fatal(err)
	}
	q := s.mustCreateQueue(t, ws, "Support", `skills HAS "support"`)
	if _, err := s.tw.TaskrouterV1.CreateWorkflow(ws, (&tr.CreateWorkflowParams{}).SetFriendlyName("Inbound").
		SetConfiguration(routeTo("1==1", *q.Sid, *q.Sid))); err != nil {
		t.Fatal(err)
	}
	s.stop()

	s = startServerWith(t, inDir)
	inQueue, err := s.tw.TaskrouterV1.ListWorker(ws, (&tr.ListWorkerParams{}).SetTaskQueueSid(*q.Sid))
	if err != nil || !slices.Equal(workerNames(inQueue), []string{"Sam"}) {
		t.Errorf("after a restart the queue's workers are %v (%v)", workerNames(inQueue), err)
	}
	ch, err := s.tw.TaskrouterV1.FetchWorkerChannel(ws, *sam.Sid, "chat")
	if err != nil || ch.ConfiguredCapacity != 3 {
		t.Errorf("after a restart chat capacity is %v (%v)", ch.ConfiguredCapacity, err)
	}
	wfs, err := s.tw.TaskrouterV1.ListWorkflow(ws, nil)
	if err != nil || len(wfs) != 1 {
		t.Errorf("after a restart %d workflows (%v)", len(wfs), err)
	}
	if err := s.tw.TaskrouterV1.DeleteWorkspace(ws); err != nil {
		t.Fatal(err)
	}
	if n := s.countRows(t, "routing_objects"); n != 0 {
		t.Errorf("deleting the workspace left %d routing objects", n)
	}
}
