package agents

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"parley/server/apperr"
	"parley/server/routing"
)

// DeskReservationTimeout is how long, in seconds, an agent has to accept
// a chat the desk offers.
const DeskReservationTimeout = 60

// Settings keep the desk's SIDs across restarts.
type Settings interface {
	Setting(ctx context.Context, name string) (string, error)
	SetSetting(ctx context.Context, name, value string) error
}

// DeskRouting is what making the desk needs of routing.
type DeskRouting interface {
	Workflow(ctx context.Context, workspaceSID, workflowSID string) (routing.Workflow, error)
	CreateWorkspace(ctx context.Context, p routing.WorkspaceParams) (routing.Workspace, error)
	CreateTaskQueue(ctx context.Context, workspaceSID string, p routing.TaskQueueParams) (routing.TaskQueue, error)
	CreateWorkflow(ctx context.Context, workspaceSID string, p routing.WorkflowParams) (routing.Workflow, error)
}

// Provisioner finds the desk, the TaskRouter workspace agents work in,
// and makes it when the first agent (or the first chat) needs it: one
// queue every agent is in and a workflow sending every chat there. Admins
// refine it through the TaskRouter API (skills, queues, filters); Parley
// only needs to know its workspace and workflow.
type Provisioner struct {
	settings Settings
	router   DeskRouting

	mu     sync.Mutex
	making sync.Mutex // held by Ensure while it looks and makes
	cached Desk       // as the settings say, once loaded
	loaded bool
}

// NewProvisioner returns the desk's provisioner; it reads the settings
// when first asked.
func NewProvisioner(settings Settings, router DeskRouting) *Provisioner {
	return &Provisioner{settings: settings, router: router}
}

// The settings the settings the desk's SIDs are kept in.
const (
	workspaceSetting = "desk_workspace_sid"
	workflowSetting  = "desk_workflow_sid"
	queueSetting     = "desk_queue_sid"
)

// Find returns the desk, or ok false when no agent was ever made or its
// workflow was deleted through the API. The settings are read once; the
// workflow is checked in routing's memory on every call, so a web chat
// start costs no query.
func (p *Provisioner) Find(ctx context.Context) (Desk, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.loaded {
		var k Desk
		for name, dst := range map[string]*string{workspaceSetting: &k.WorkspaceSID,
			workflowSetting: &k.WorkflowSID, queueSetting: &k.QueueSID} {
			v, err := p.settings.Setting(ctx, name)
			if err != nil {
				return k, false, err
			}
			*dst = v
		}
		p.cached, p.loaded = k, true
	}
	k := p.cached
	if k.WorkspaceSID == "" || k.WorkflowSID == "" {
		return k, false, nil
	}
	if _, err := p.router.Workflow(ctx, k.WorkspaceSID, k.WorkflowSID); apperr.Is(err, apperr.NotFound) {
		return k, false, nil // deleted through the API: Ensure makes a new one
	} else if err != nil {
		return k, false, err
	}
	return k, true, nil
}

// Ensure returns the desk, making it the first time.
func (p *Provisioner) Ensure(ctx context.Context) (Desk, error) {
	// One maker at a time, each looking again once it is its turn: two
	// first chats at once made two workspaces, each with its queue and
	// workflow, the settings naming whichever came last.
	p.making.Lock()
	defer p.making.Unlock()
	if k, ok, err := p.Find(ctx); ok || err != nil {
		return k, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ws, err := p.router.CreateWorkspace(ctx, routing.WorkspaceParams{FriendlyName: ptr("Parley desk")})
	if err != nil {
		return Desk{}, fmt.Errorf("create the desk's workspace: %w", err)
	}
	q, err := p.router.CreateTaskQueue(ctx, ws.SID, routing.TaskQueueParams{FriendlyName: ptr("Everyone"), TargetWorkers: ptr("1==1")})
	if err != nil {
		return Desk{}, fmt.Errorf("create the desk's queue: %w", err)
	}
	cfg, _ := json.Marshal(map[string]any{"task_routing": map[string]any{"filters": []any{},
		"default_filter": map[string]string{"queue": q.SID}}})
	wf, err := p.router.CreateWorkflow(ctx, ws.SID, routing.WorkflowParams{FriendlyName: ptr("Assign to anyone"),
		Configuration: ptr(string(cfg)), TaskReservationTimeout: ptr(DeskReservationTimeout)})
	if err != nil {
		return Desk{}, fmt.Errorf("create the desk's workflow: %w", err)
	}
	k := Desk{WorkspaceSID: ws.SID, WorkflowSID: wf.SID, QueueSID: q.SID}
	for name, v := range map[string]string{queueSetting: k.QueueSID, workflowSetting: k.WorkflowSID,
		workspaceSetting: k.WorkspaceSID} {
		if err := p.settings.SetSetting(ctx, name, v); err != nil {
			return Desk{}, err
		}
	}
	p.cached, p.loaded = k, true
	return k, nil
}
