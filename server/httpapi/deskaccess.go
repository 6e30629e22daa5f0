package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"parley/server/agents"
	"parley/server/routing"
)

// What an agent's desktop token may do in TaskRouter and Interactions.
// Every agent reads its workspace's directory (activities, channels,
// workers, queues, statistics: what transfer pickers and the queue view
// show), changes its own activity, and answers its own reservations.
// Supervisors also read every task and change others' activity; admins do
// anything in their workspace. Nothing reaches another workspace.

// deskAccess returns the rule for a TaskRouter or Interactions route, or
// nil (account only) for any other.
func (a *API) deskAccess(method, path string) access {
	switch {
	case strings.HasPrefix(path, trBase+"/{ws}"):
		return a.taskRouterRule(method, strings.TrimPrefix(path, trBase+"/{ws}"))
	case path == ixBase && method == http.MethodPost:
		return a.startInteractionRule
	case strings.HasPrefix(path, ixBase+"/{sid}"):
		return a.interactionRule(method)
	case path == notesPath:
		return a.notesRule
	case path == reportsPath:
		return a.reportsRule
	case strings.HasPrefix(path, cannedPath):
		return a.cannedRule
	case strings.HasPrefix(path, agentsPath):
		return func(ctx context.Context, r *http.Request, c caller) error {
			if c.desk != nil && agents.AtLeast(c.desk.Role, agents.RoleAdmin) {
				return nil
			}
			return forbidden("Only admins manage agents")
		}
	}
	return nil
}

func (a *API) taskRouterRule(method, rest string) access {
	directory := method == http.MethodGet && !strings.HasPrefix(rest, "/Tasks") && !strings.Contains(rest, "/Reservations")
	ownWorker := strings.HasPrefix(rest, "/Workers/{sid}")
	return func(ctx context.Context, r *http.Request, c caller) error {
		ws := r.PathValue("ws")
		switch {
		case c.desk == nil || c.desk.WorkspaceSID != ws:
			return forbidden("An access token for %s reaches no workspace but its own desk's", c.identity)
		case c.atLeast(agents.RoleAdmin, ws), directory:
			return nil
		case ownWorker:
			return a.workerRule(ctx, r, c, method, rest)
		case method == http.MethodGet && strings.HasPrefix(rest, "/Tasks"):
			return a.taskReadRule(ctx, r, c)
		case method == http.MethodPost && rest == "/Tasks/{sid}":
			return a.taskWrapRule(ctx, r, c)
		}
		return forbidden("Only an admin may %s %s%s", method, trBase, strings.ReplaceAll(rest, "{sid}", r.PathValue("sid")))
	}
}

// workerRule: agents act on their own worker; supervisors also read
// others' reservations and change their activity.
func (a *API) workerRule(ctx context.Context, r *http.Request, c caller, method, rest string) error {
	own := r.PathValue("sid") == c.desk.WorkerSID
	supervisor := c.atLeast(agents.RoleSupervisor, c.desk.WorkspaceSID)
	switch {
	case method == http.MethodGet && (own || supervisor):
		return nil
	case rest == "/Workers/{sid}" && method == http.MethodPost && (own || supervisor):
		if _, err := parseForm(r); err != nil {
			return err
		}
		for name := range r.Form {
			if name != "ActivitySid" && name != "RejectPendingReservations" {
				return forbidden("An agent may change only ActivitySid of a worker, not %s", name)
			}
		}
		return nil
	case own && method == http.MethodPost:
		return nil // its own reservations and channel availability
	}
	return forbidden("Worker %s is not yours: an agent answers only its own reservations", r.PathValue("sid"))
}

// taskReadRule: supervisors read every task; agents the tasks they were
// offered.
func (a *API) taskReadRule(ctx context.Context, r *http.Request, c caller) error {
	if c.atLeast(agents.RoleSupervisor, c.desk.WorkspaceSID) {
		return nil
	}
	if task := r.PathValue("sid"); task != "" && a.offered(ctx, c, task) {
		return nil
	}
	return forbidden("Only supervisors read tasks not offered to them")
}

// taskWrapRule lets the agent working a task wrap it up and complete it.
// Not its attributes: the desk's wrap-up call keeps the outcome there
// (POST /parley/v1/Desktop/Tasks/{sid}/Complete), and the rest of them is
// the integration's, not the browser's to rewrite.
func (a *API) taskWrapRule(ctx context.Context, r *http.Request, c caller) error {
	if _, err := parseForm(r); err != nil {
		return err
	}
	for name := range r.Form {
		if name != "AssignmentStatus" && name != "Reason" {
			return forbidden("An agent may change only AssignmentStatus and Reason of its task, not %s: complete a chat with its outcome through /parley/v1/Desktop/Tasks/{sid}/Complete", name)
		}
	}
	if st := r.Form.Get("AssignmentStatus"); st != "" && st != "wrapping" && st != "completed" {
		return forbidden("An agent may only wrap up or complete its task, not make it %s", st)
	}
	if a.offered(ctx, c, r.PathValue("sid"), routing.ReservationAccepted, routing.ReservationWrapping) {
		return nil
	}
	return forbidden("Task %s is not one you are working on", r.PathValue("sid"))
}

// offered reports whether the caller's worker holds a reservation on the
// task, in one of statuses when any are given.
func (a *API) offered(ctx context.Context, c caller, task string, statuses ...string) bool {
	page, err := a.routing.TaskReservations(ctx, c.desk.WorkspaceSID, task,
		routing.ReservationFilter{WorkerSID: c.desk.WorkerSID}, routing.PageRequest{Size: 50})
	if err != nil {
		return false
	}
	for _, res := range page.Items {
		if len(statuses) == 0 || slices.Contains(statuses, res.Status) {
			return true
		}
	}
	return false
}

// startInteractionRule lets an agent start an outbound interaction for
// itself (routing worker_sid its own worker).
func (a *API) startInteractionRule(ctx context.Context, r *http.Request, c caller) error {
	if c.desk == nil {
		return forbidden("Only agents may start interactions with an access token")
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	var doc struct {
		Properties struct {
			WorkspaceSID string `json:"workspace_sid"`
			WorkerSID    string `json:"worker_sid"`
		} `json:"properties"`
	}
	_ = json.Unmarshal([]byte(r.Form.Get("Routing")), &doc)
	if doc.Properties.WorkspaceSID != c.desk.WorkspaceSID || doc.Properties.WorkerSID != c.desk.WorkerSID {
		return forbidden("An agent starts interactions only for itself: Routing properties.workspace_sid %s and worker_sid %s",
			c.desk.WorkspaceSID, c.desk.WorkerSID)
	}
	return nil
}

// interactionRule lets the agents on an interaction's conversation work
// it (transfer, invite, close, leave); supervisors read any.
func (a *API) interactionRule(method string) access {
	return func(ctx context.Context, r *http.Request, c caller) error {
		if c.desk == nil {
			return forbidden("Only agents may use Interactions with an access token")
		}
		if method == http.MethodGet && c.atLeast(agents.RoleSupervisor, c.desk.WorkspaceSID) {
			return nil
		}
		var convs []string
		if ch := r.PathValue("ch"); ch != "" {
			channel, err := a.interactions.Channel(ctx, r.PathValue("sid"), ch)
			if err != nil {
				return err
			}
			convs = append(convs, channel.ConversationSID)
		} else {
			channels, err := a.interactions.Channels(ctx, r.PathValue("sid"))
			if err != nil {
				return err
			}
			for _, ch := range channels {
				convs = append(convs, ch.ConversationSID)
			}
		}
		for _, conv := range convs {
			if a.conv.Participates(ctx, c.identity, conv) == nil {
				return nil
			}
		}
		return forbidden("%s is not on interaction %s: only its agents may work it", c.identity, r.PathValue("sid"))
	}
}
