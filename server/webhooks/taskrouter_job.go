package webhooks

import (
	"parley/server/outbox"
	"parley/server/routing"
)

// TaskRouterJob is a routing event as an outbox job for its workspace's
// EventCallbackUrl, ordered with the workspace's other events.
func TaskRouterJob(accountSID string, e routing.Event) outbox.Job {
	return newJob(e.CallbackURL, "POST", TaskRouterForm(accountSID, e), e.WorkspaceSID, e.Time)
}
