package agents

import (
	"context"
	"strings"

	"parley/server/apperr"
	"parley/server/auth"
	"parley/server/routing"
	"parley/shared/model"
)

// completedByAgent is the reason a task completed from the desk carries.
const completedByAgent = "completed by agent"

// Complete ends an agent's work on a chat: its task is completed with the
// outcome the agent chose (one of model.Outcomes) kept in the task's
// attributes. The merge and the completion are one routing call, so no
// change to the attributes made meanwhile is lost, and the browser
// writes no attribute itself. Only the agent whose worker holds the
// task's accepted or wrapping reservation may complete it; a supervisor
// watching the chat may not.
func (s *Service) Complete(ctx context.Context, g auth.DeskGrant, taskSID, outcome string) (routing.Task, error) {
	if !model.IsOutcome(outcome) {
		offered := make([]string, len(model.Outcomes))
		for i, o := range model.Outcomes {
			offered[i] = o.Value
		}
		if outcome == "" {
			return routing.Task{}, apperr.Invalidf(apperr.CodeBadRequest, "Outcome is required: one of %s", strings.Join(offered, ", "))
		}
		return routing.Task{}, apperr.Invalidf(apperr.CodeBadRequest, "Outcome %q is not one the desk offers: one of %s",
			outcome, strings.Join(offered, ", "))
	}
	return s.workers.CompleteWork(ctx, g.WorkspaceSID, taskSID,
		routing.CompleteParams{WorkerSID: g.WorkerSID, Outcome: outcome, Reason: completedByAgent})
}
