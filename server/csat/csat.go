// Package csat carries a customer's rating beyond the conversation it
// rates: onto the task that routed the conversation, where reports read
// it (conversations.csat). It knows nothing of HTTP or SQL.
package csat

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/outbox"
	"parley/server/routing"
	"parley/shared/model"
	"parley/shared/sid"
)

// Kind is the outbox kind of a rating on its way to its task.
const Kind = "csat_task"

// Facts is where reports keep tasks' scores (store.Reports).
type Facts interface {
	// ScoreConversation puts score on the conversation's newest task and
	// returns it; ok is false when no task routed the conversation.
	ScoreConversation(ctx context.Context, conversationSID string, score float64) (taskSID, workspaceSID string, ok bool, err error)
}

// Tasks is routing, as far as a score needs it.
type Tasks interface {
	Task(ctx context.Context, workspaceSID, taskSID string) (routing.Task, error)
	UpdateTask(ctx context.Context, workspaceSID, taskSID string, p routing.TaskParams) (routing.Task, error)
}

// Scorer puts ratings on tasks. A rating usually comes after its task has
// finished, often after routing forgot it (five minutes after it ends,
// routing.TaskRetention), so the score goes to the task as reports keep it,
// always; and to the task's attributes in routing too while an agent still
// has it (assigned or wrapping up), for the desk and TaskRouter's API.
// The work is an outbox job written in the rating's own transaction: a
// rating taken is never lost on its way to reports.
type Scorer struct {
	Facts Facts
	Tasks Tasks
	Log   *slog.Logger
}

type job struct {
	ConversationSID string `json:"conversation_sid"`
	Score           int    `json:"score"`
}

// Observe queues the scoring of a rating in its transaction. It
// implements conversations.Observer.
func (s *Scorer) Observe(tx conversations.Tx, e conversations.Event) error {
	if e.Type != conversations.CSATSubmitted || e.Conversation == nil {
		return nil
	}
	r, ok := conversations.RatingOf(*e.Conversation)
	if !ok || r.Score == 0 {
		return nil
	}
	payload, _ := json.Marshal(job{ConversationSID: e.ConversationSID, Score: r.Score})
	return tx.Enqueue(outbox.Job{SID: sid.New(sid.Delivery), Kind: Kind, Key: Kind + " " + e.ConversationSID,
		Payload: payload, Created: e.Time})
}

// Deliver scores the rated conversation's task. It is the outbox handler
// for Kind.
func (s *Scorer) Deliver(ctx context.Context, j outbox.Job) outbox.Result {
	var in job
	if err := json.Unmarshal(j.Payload, &in); err != nil {
		return outbox.Result{Err: fmt.Errorf("damaged rating job: %w", err), Final: true}
	}
	taskSID, ws, ok, err := s.Facts.ScoreConversation(ctx, in.ConversationSID, float64(in.Score))
	if err != nil {
		return outbox.Result{Err: err}
	}
	if !ok {
		return outbox.Result{Status: 200} // never routed: the conversation's attributes are the only record
	}
	if err := s.annotate(ctx, ws, taskSID, in.Score); err != nil && s.Log != nil {
		// Reports have the score; routing's copy is a courtesy.
		s.Log.Info("csat: the score is in reports but not on the task's attributes", "task", taskSID, "err", err)
	}
	return outbox.Result{Status: 200}
}

// annotate sets conversations.csat on a task an agent still holds.
// Routing refuses to change a finished task (as TaskRouter does), and a
// waiting one would be routed again by new attributes.
func (s *Scorer) annotate(ctx context.Context, ws, taskSID string, score int) error {
	t, err := s.Tasks.Task(ctx, ws, taskSID)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if t.AssignmentStatus != routing.TaskAssigned && t.AssignmentStatus != routing.TaskWrapping {
		return nil
	}
	attrs, err := model.ParseTaskAttributes(t.Attributes)
	if err != nil {
		return fmt.Errorf("task attributes are not a JSON object: %v", err)
	}
	attrs.Conversations.CSAT = model.ScoreOf(float64(score))
	a := attrs.String()
	_, err = s.Tasks.UpdateTask(ctx, ws, taskSID, routing.TaskParams{Attributes: &a})
	return err
}
