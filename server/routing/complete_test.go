package routing_test

import (
	"context"
	"testing"

	"parley/server/apperr"
	"parley/server/routing"
	"parley/shared/model"
)

// CompleteWork, called from another node, completes a task for the worker
// working it with the outcome merged into attributes written meanwhile, and
// for nobody else.
func TestCompleteWorkMergesTheOutcomeForTheWorkerWorkingTheTask(t *testing.T) {
	d := openDesk(t)
	ctx := context.Background()
	rm := wire(d.svc)
	q := d.queue("Q", "1==1", routing.TaskQueueParams{})
	d.worker("ann", `{}`, "Available")
	d.worker("bob", `{}`, "Offline")
	d.task("chat", routing.TaskParams{TaskQueueSID: &q, Attributes: ptr(`{"conversationSid":"CH1","crm":"T-1"}`)})
	complete := func(worker, outcome string) (routing.Task, error) {
		return rm.CompleteWork(ctx, d.ws, d.sids["chat"], routing.CompleteParams{WorkerSID: d.sids[worker], Outcome: outcome, Reason: "done"})
	}
	if _, err := complete("ann", "resolved"); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("ann completes a task only offered to her: %v, want forbidden", err)
	}
	d.answer("ann", "chat", routing.ReservationAccepted)
	// A score arrives while ann works.
	_, err := d.svc.UpdateTask(ctx, d.ws, d.sids["chat"], routing.TaskParams{
		Attributes: ptr(`{"conversationSid":"CH1","crm":"T-1","conversations":{"csat":4,"initiated_by":"customer"}}`)})
	must(t, err)
	if _, err := complete("bob", "resolved"); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("bob completes ann's task: %v, want forbidden", err)
	}
	done, err := complete("ann", "follow-up")
	must(t, err)
	a := model.TaskAttributesOf(done.Attributes)
	if done.AssignmentStatus != routing.TaskCompleted || done.Reason != "done" || a.Conversations.Outcome != "follow-up" ||
		a.Conversations.CSAT == nil || *a.Conversations.CSAT != 4 || a.Conversations.InitiatedBy != "customer" ||
		string(a.Other["crm"]) != `"T-1"` {
		t.Errorf("completed: %s %q with %s; want the outcome beside the score, initiated_by and crm", done.AssignmentStatus, done.Reason, done.Attributes)
	}
	if r := d.reservation("ann", "chat"); r.Status != routing.ReservationCompleted {
		t.Errorf("ann's reservation is %s, want completed", r.Status)
	}
	if _, err := complete("ann", "resolved"); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("completing twice: %v, want a conflict", err)
	}
}
