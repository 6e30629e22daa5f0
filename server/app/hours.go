package app

import (
	"context"
	"fmt"
	"time"

	"parley/server/conversations"
	"parley/server/routing"
	"parley/shared/model"
)

// DefaultHoursInterval is how often Parley looks for chats left outside
// business hours whose team is now in: a team's opening is noticed within
// it. Checking costs one indexed read while nothing is held.
const DefaultHoursInterval = 10 * time.Second

// routeHeld routes the chats left outside business hours whose
// deployment is open now (webchat.Service.RouteHeld); what fails is tried
// again at the next check.
func (a *App) routeHeld(ctx context.Context) {
	n, err := a.Webchat.RouteHeld(ctx)
	if err != nil && ctx.Err() == nil {
		a.log.Error("route chats left outside business hours", "err", err, "routed", n)
	} else if n > 0 {
		a.log.Info("routed chats left outside business hours", "routed", n)
	}
}

// markLeftWhileAway tells the desk, through a task's attributes, that its
// chat was left outside business hours at (RFC 3339): the customer is
// likely gone from the page, and with email on (RepliesByEmail) what the
// agent writes reaches them by email (followup).
func (a *App) markLeftWhileAway(task *model.TaskAttributes, at string) {
	task.LeftWhileAwayAt = at
	// The offline form requires an email; SMTP is the only condition left.
	task.RepliesByEmail = a.front != nil && a.front.EmailTranscripts
}

// routedAlready reports whether a held chat was routed before Parley
// stopped, so that RouteHeld only releases it: an interaction channel was
// stored on its conversation, or routing has a task for it (a stop inside
// Interactions.Create, after the task and before the channel). It runs
// once per held chat when its team opens: an indexed read, then a scan of
// the desk's tasks in routing's memory (no query), which the stop inside
// Create needs because that task is linked to nothing else.
func (a *App) routedAlready(ctx context.Context, c conversations.Conversation) (bool, error) {
	if ok, err := a.Interactions.Routed(ctx, c.SID); ok || err != nil {
		return ok, err
	}
	k, ok, err := a.desk.Find(ctx)
	if !ok || err != nil {
		return false, err
	}
	tasks, err := a.Routing.Tasks(ctx, k.WorkspaceSID, routing.TaskFilter{
		EvaluateTaskAttributes: fmt.Sprintf("%s == %q", model.TaskAttrConversationSID, c.SID)}, routing.PageRequest{Size: 1})
	return len(tasks.Items) > 0, err
}
