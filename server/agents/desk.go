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

// Settings keep the desk's SIDs across restarts, in the database every
// node of a cluster shares.
type Settings interface {
	// Settings reads the settings named in one query: those SwapSettings
	// wrote together are read together (a setting never set is absent).
	Settings(ctx context.Context, names ...string) (map[string]string, error)
	// SwapSettings stores values in one write if the setting named guard
	// still holds old ("" when never set), and reports whether it did:
	// of nodes making a desk at once, one wins and the others use its.
	SwapSettings(ctx context.Context, guard, old string, values map[string]string) (bool, error)
}

// DeskRouting is what making the desk needs of routing.
type DeskRouting interface {
	Workflow(ctx context.Context, workspaceSID, workflowSID string) (routing.Workflow, error)
	CreateWorkspace(ctx context.Context, p routing.WorkspaceParams) (routing.Workspace, error)
	CreateTaskQueue(ctx context.Context, workspaceSID string, p routing.TaskQueueParams) (routing.TaskQueue, error)
	CreateWorkflow(ctx context.Context, workspaceSID string, p routing.WorkflowParams) (routing.Workflow, error)
	DeleteWorkspace(ctx context.Context, workspaceSID string) error
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
	// cached is the desk as the settings said, once they named one. No
	// desk is never remembered: another node may make it at any time.
	cached Desk
}

// NewProvisioner returns the desk's provisioner; it reads the settings
// when first asked.
func NewProvisioner(settings Settings, router DeskRouting) *Provisioner {
	return &Provisioner{settings: settings, router: router}
}

// The settings the desk's SIDs are kept in.
const (
	workspaceSetting = "desk_workspace_sid"
	workflowSetting  = "desk_workflow_sid"
	queueSetting     = "desk_queue_sid"
)

// Find returns the desk, or ok false when no agent was ever made or its
// workflow was deleted through the API. The settings are read until they
// name a desk, then kept (another node replacing the desk is noticed by
// Ensure, whose swap fails); the workflow is checked in routing's memory
// on every call, so a web chat start costs no query.
func (p *Provisioner) Find(ctx context.Context) (Desk, bool, error) {
	p.mu.Lock()
	k := p.cached
	p.mu.Unlock()
	cached := k.WorkflowSID != ""
	if !cached {
		var err error
		if k, err = p.read(ctx); err != nil {
			return k, false, err
		}
	}
	if k.WorkspaceSID == "" || k.WorkflowSID == "" {
		return k, false, nil
	}
	_, err := p.router.Workflow(ctx, k.WorkspaceSID, k.WorkflowSID)
	if apperr.Is(err, apperr.NotFound) && cached {
		// Another node may have replaced it already: look again.
		if k, err = p.read(ctx); err != nil {
			return k, false, err
		}
		_, err = p.router.Workflow(ctx, k.WorkspaceSID, k.WorkflowSID)
	}
	if apperr.Is(err, apperr.NotFound) {
		return k, false, nil // deleted through the API: Ensure makes a new one
	} else if err != nil {
		return k, false, err
	}
	return k, true, nil
}

// read reads the desk from the settings, and keeps it if there is one.
func (p *Provisioner) read(ctx context.Context) (Desk, error) {
	// One read: read one at a time, a desk another node swapped in between
	// gave this node its workflow without its workspace, Find called that
	// no desk, and Ensure's swap, guarded by that workflow, then replaced
	// the other node's desk with a second.
	v, err := p.settings.Settings(ctx, workspaceSetting, workflowSetting, queueSetting)
	if err != nil {
		return Desk{}, err
	}
	k := Desk{WorkspaceSID: v[workspaceSetting], WorkflowSID: v[workflowSetting], QueueSID: v[queueSetting]}
	if k.WorkflowSID != "" {
		p.mu.Lock()
		p.cached = k
		p.mu.Unlock()
	}
	return k, nil
}

// Ensure returns the desk, making it the first time.
func (p *Provisioner) Ensure(ctx context.Context) (Desk, error) {
	// One maker at a time on this node, each looking again once it is its
	// turn: two first chats at once made two workspaces, each with its
	// queue and workflow, the settings naming whichever came last. Across
	// nodes the settings' swap decides.
	p.making.Lock()
	defer p.making.Unlock()
	k, ok, err := p.Find(ctx) // reads the settings again unless they named a desk that still is
	if ok || err != nil {
		return k, err
	}
	made, err := p.make(ctx)
	if err != nil {
		return Desk{}, err
	}
	swapped, err := p.settings.SwapSettings(ctx, workflowSetting, k.WorkflowSID, map[string]string{
		queueSetting: made.QueueSID, workflowSetting: made.WorkflowSID, workspaceSetting: made.WorkspaceSID})
	if err != nil || !swapped {
		// Another node's desk won (or the outcome is unknown): take this
		// node's back out, so that no agent lands in a desk nobody routes to.
		if derr := p.router.DeleteWorkspace(context.WithoutCancel(ctx), made.WorkspaceSID); derr != nil && err == nil {
			err = fmt.Errorf("delete the desk another node's desk replaced: %w", derr)
		}
		if err != nil {
			return Desk{}, err
		}
		return p.read(ctx)
	}
	p.mu.Lock()
	p.cached = made
	p.mu.Unlock()
	return made, nil
}

// make makes a desk's workspace, queue and workflow.
func (p *Provisioner) make(ctx context.Context) (Desk, error) {
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
	return Desk{WorkspaceSID: ws.SID, WorkflowSID: wf.SID, QueueSID: q.SID}, nil
}
