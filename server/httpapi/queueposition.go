package httpapi

import (
	"net/http"

	"parley/shared/model"
)

// getConversationQueuePosition answers where a conversation's chat waits
// in line (Parley's own, beside Twilio's resources): the customer's widget
// reads it when it connects, and the realtime event queue_position keeps
// it current. A conversation whose task does not wait has a null position.
func (a *API) getConversationQueuePosition(w http.ResponseWriter, r *http.Request) error {
	c, err := a.conv.Conversation(r.Context(), r.PathValue("sid"))
	if err != nil {
		return err
	}
	v := model.QueuePosition{ConversationSID: c.SID}
	if p, ok := a.routing.WaitingWith(r.Context(), model.TaskAttrConversationSID, c.SID); ok {
		v = a.render.QueuePosition(a.accountSID, p)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
