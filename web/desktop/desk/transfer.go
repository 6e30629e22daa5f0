package desk

import (
	"strings"

	"parley/shared/model"
)

// Colleagues are the workers a chat can be handed to: all but the agent.
func Colleagues(workers []model.Worker, me model.Agent) []model.Worker {
	var out []model.Worker
	for _, w := range workers {
		if w.SID != me.WorkerSID {
			out = append(out, w)
		}
	}
	return out
}

// InviteProperties are an invite's routing properties: to a colleague
// (a worker SID) or to a queue.
func InviteProperties(workspace, to string) map[string]string {
	props := map[string]string{"workspace_sid": workspace}
	if strings.HasPrefix(to, "WK") {
		props["worker_sid"] = to
	} else {
		props["queue_sid"] = to
	}
	return props
}
