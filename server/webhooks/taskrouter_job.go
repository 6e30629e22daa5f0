package webhooks

import (
	"encoding/json"

	"parley/server/outbox"
	"parley/server/routing"
	"parley/shared/sid"
)

// TaskRouterJob is a routing event as an outbox job for its workspace's
// EventCallbackUrl, ordered with the workspace's other events.
func TaskRouterJob(accountSID string, e routing.Event) outbox.Job {
	payload, _ := json.Marshal(delivery{URL: e.CallbackURL, Method: "POST", Form: TaskRouterForm(accountSID, e)})
	return outbox.Job{SID: sid.New(sid.Delivery), Kind: Kind, Key: e.CallbackURL + " " + e.WorkspaceSID,
		Payload: payload, Created: e.Time}
}
