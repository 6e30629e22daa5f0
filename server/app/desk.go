package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"parley/server/agents"
	"parley/server/apperr"
	"parley/server/canned"
	"parley/server/conversations"
	"parley/server/interactions"
	"parley/server/paging"
	"parley/server/routing"
	"parley/server/webchat"
	"parley/shared/model"
)

// The desk is the TaskRouter workspace agents work in: made with the first
// agent, with one queue every agent is in and a workflow sending every
// chat there. Admins refine it through the TaskRouter API (skills,
// queues, filters); Parley only needs to know its workspace and workflow.
type desk struct {
	mu     sync.Mutex
	db     settings
	router *routing.Service
	cached agents.Desk // as the settings say, once loaded
	loaded bool
}

type settings interface {
	Setting(ctx context.Context, name string) (string, error)
	SetSetting(ctx context.Context, name, value string) error
}

// DeskReservationTimeout is how long an agent has to accept a chat.
const DeskReservationTimeout = 60

// find returns the desk, or ok false when no agent was ever made or its
// workflow was deleted through the API. The settings are read once; the
// workflow is checked in routing's memory on every call, so a web chat
// start costs no query.
func (d *desk) find(ctx context.Context) (agents.Desk, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.loaded {
		var k agents.Desk
		for name, dst := range map[string]*string{"desk_workspace_sid": &k.WorkspaceSID,
			"desk_workflow_sid": &k.WorkflowSID, "desk_queue_sid": &k.QueueSID} {
			v, err := d.db.Setting(ctx, name)
			if err != nil {
				return k, false, err
			}
			*dst = v
		}
		d.cached, d.loaded = k, true
	}
	k := d.cached
	if k.WorkspaceSID == "" || k.WorkflowSID == "" {
		return k, false, nil
	}
	if _, err := d.router.Workflow(ctx, k.WorkspaceSID, k.WorkflowSID); apperr.Is(err, apperr.NotFound) {
		return k, false, nil // deleted through the API: ensure makes a new one
	} else if err != nil {
		return k, false, err
	}
	return k, true, nil
}

// ensure returns the desk, making it the first time.
func (d *desk) ensure(ctx context.Context) (agents.Desk, error) {
	if k, ok, err := d.find(ctx); ok || err != nil {
		return k, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ws, err := d.router.CreateWorkspace(ctx, routing.WorkspaceParams{FriendlyName: ptr("Parley desk")})
	if err != nil {
		return agents.Desk{}, fmt.Errorf("create the desk's workspace: %w", err)
	}
	q, err := d.router.CreateTaskQueue(ctx, ws.SID, routing.TaskQueueParams{FriendlyName: ptr("Everyone"), TargetWorkers: ptr("1==1")})
	if err != nil {
		return agents.Desk{}, fmt.Errorf("create the desk's queue: %w", err)
	}
	cfg, _ := json.Marshal(map[string]any{"task_routing": map[string]any{"filters": []any{},
		"default_filter": map[string]string{"queue": q.SID}}})
	wf, err := d.router.CreateWorkflow(ctx, ws.SID, routing.WorkflowParams{FriendlyName: ptr("Assign to anyone"),
		Configuration: ptr(string(cfg)), TaskReservationTimeout: ptr(DeskReservationTimeout)})
	if err != nil {
		return agents.Desk{}, fmt.Errorf("create the desk's workflow: %w", err)
	}
	k := agents.Desk{WorkspaceSID: ws.SID, WorkflowSID: wf.SID, QueueSID: q.SID}
	for name, v := range map[string]string{"desk_queue_sid": k.QueueSID, "desk_workflow_sid": k.WorkflowSID,
		"desk_workspace_sid": k.WorkspaceSID} {
		if err := d.db.SetSetting(ctx, name, v); err != nil {
			return agents.Desk{}, err
		}
	}
	d.cached, d.loaded = k, true
	return k, nil
}

// routeChat hands a new web chat to the desk: an inbound interaction on
// its conversation, whose task the desk's workflow offers to an agent.
// Without a desk (no agent yet) the chat waits for an API integration.
func (a *App) routeChat(ctx context.Context, dep webchat.Deployment, c conversations.Conversation) error {
	k, err := a.desk.ensure(ctx) // a chat before the first agent waits in the queue for one
	if err != nil {
		return err
	}
	var attrs struct {
		PreEngagement map[string]string `json:"pre_engagement_data"`
		CustomerName  string            `json:"customer_name"`
		LeftWhileAway string            `json:"left_while_away_at"`
	}
	_ = json.Unmarshal([]byte(c.Attributes), &attrs)
	// The desk names the answers as the form asked for them.
	labels := map[string]string{}
	for _, f := range dep.Form {
		if f.Label != "" {
			labels[f.Name] = f.Label
		}
	}
	channel, _ := json.Marshal(map[string]any{"type": "web", "initiated_by": "customer",
		"properties": map[string]string{"media_channel_sid": c.SID}})
	task := model.TaskAttributes{CustomerName: attrs.CustomerName, PreEngagement: attrs.PreEngagement,
		Labels: labels, DeploymentKey: dep.Key, DeploymentName: dep.FriendlyName}
	if attrs.LeftWhileAway != "" {
		a.markLeftWhileAway(&task, attrs.LeftWhileAway)
	}
	routingDoc, _ := json.Marshal(map[string]any{"properties": map[string]any{
		"workspace_sid": k.WorkspaceSID, "workflow_sid": k.WorkflowSID, "task_channel_unique_name": "chat",
		"attributes": task}})
	_, err = a.Interactions.Create(ctx, interactions.Params{Channel: string(channel), Routing: string(routingDoc)})
	return err
}

// demoAgents are made by `parley serve --demo` on first start.
var demoAgents = []struct{ email, name, role string }{
	{"agent@example.com", "Alex Agent", agents.RoleAgent},
	{"supervisor@example.com", "Sam Supervisor", agents.RoleSupervisor},
}

// DemoLogins makes the demo agents on first start, keeping their generated
// passwords in DIR/demo-agents.txt, and returns that file's lines to print.
// It also gives a desk without canned responses a few to search.
func (a *App) DemoLogins(ctx context.Context, dataDir string) ([]string, error) {
	// On every demo start, not the first only: a demo desk made before
	// canned responses existed gets them too.
	if err := a.demoCannedResponses(ctx); err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, "demo-agents.txt")
	if b, err := os.ReadFile(path); err == nil {
		return splitLines(string(b)), nil
	}
	var lines []string
	for _, d := range demoAgents {
		password := "demo-" + randomHex(6)
		_, err := a.Agents.Create(ctx, agents.Params{Email: ptr(d.email), DisplayName: ptr(d.name), Role: ptr(d.role), Password: &password})
		if err != nil && !apperr.Is(err, apperr.Conflict) {
			return nil, fmt.Errorf("create demo agent %s: %w", d.email, err)
		}
		if err == nil {
			lines = append(lines, fmt.Sprintf("%s (%s)  password %s", d.email, d.role, password))
		}
	}
	body := ""
	for _, l := range lines {
		body += l + "\n"
	}
	if err := writeFileAtomic(path, []byte(body)); err != nil {
		return nil, err
	}
	return lines, nil
}

func ptr[T any](v T) *T { return &v }

// demoCanned are the canned responses a demo desk starts with, so "/" in
// the composer finds something. The desktop fills in {{customer}} and
// {{agent}} with first names.
var demoCanned = []struct {
	title, body string
	tags        []string
}{
	{"Greeting", "Hi {{customer}}, I'm {{agent}}. How can I help you today?", []string{"hello", "welcome"}},
	{"Let me check", "Good question, {{customer}}. Let me check that for you: it takes a minute or two.", []string{"wait", "hold"}},
	{"Refund policy", "You can return any item within 30 days for a full refund. Once we receive it, the money " +
		"reaches the card you paid with within 5 working days.", []string{"refund", "return", "money"}},
	{"Goodbye", "Glad I could help, {{customer}}. If anything else comes up, just start a new chat. Have a good day!", []string{"bye", "thanks"}},
}

// demoCannedResponses adds the demo responses to a desk that has none.
func (a *App) demoCannedResponses(ctx context.Context) error {
	page, err := a.Canned.List(ctx, paging.Request{Size: 1})
	if err != nil || len(page.Items) > 0 {
		return err
	}
	for _, c := range demoCanned {
		p := canned.Params{Title: ptr(c.title), Body: ptr(c.body), Tags: ptr(c.tags)}
		if _, err := a.Canned.Create(ctx, "", p); err != nil {
			return fmt.Errorf("create demo canned response %q: %w", c.title, err)
		}
	}
	return nil
}
