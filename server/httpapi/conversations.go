package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/shared/model"
)

func (a *API) routeConversations() {
	a.handle("GET", "/Configuration", a.getConfiguration)
	a.handle("POST", "/Configuration", a.updateConfiguration)

	a.handle("POST", "/Conversations", a.createConversation)
	a.handle("GET", "/Conversations", a.listConversations)
	a.handle("GET", "/Conversations/{sid}", a.getConversation)
	a.handle("GET", "/Conversations/{sid}/QueuePosition", a.getConversationQueuePosition)
	a.handle("POST", "/Conversations/{sid}", a.updateConversation)
	a.handle("DELETE", "/Conversations/{sid}", a.deleteConversation)
	a.handle("POST", "/ConversationWithParticipants", a.createConversationWithParticipants)

	a.handle("POST", "/Conversations/{sid}/Participants", a.addParticipant)
	a.handle("GET", "/Conversations/{sid}/Participants", a.listParticipants)
	a.handle("GET", "/Conversations/{sid}/Participants/{psid}", a.getParticipant)
	a.handle("POST", "/Conversations/{sid}/Participants/{psid}", a.updateParticipant)
	a.handle("DELETE", "/Conversations/{sid}/Participants/{psid}", a.removeParticipant)

	a.handle("POST", "/Conversations/{sid}/Messages", a.sendMessage)
	a.handle("GET", "/Conversations/{sid}/Messages", a.listMessages)
	a.handle("GET", "/Conversations/{sid}/Messages/{msid}", a.getMessage)
	a.handle("POST", "/Conversations/{sid}/Messages/{msid}", a.updateMessage)
	a.handle("DELETE", "/Conversations/{sid}/Messages/{msid}", a.deleteMessage)
	a.handle("GET", "/Conversations/{sid}/Messages/{msid}/Receipts", a.listReceipts)
	a.handle("GET", "/Conversations/{sid}/Messages/{msid}/Receipts/{rsid}", a.getReceipt)

	a.handle("POST", "/Users", a.createUser)
	a.handle("GET", "/Users", a.listUsers)
	a.handle("GET", "/Users/{usid}", a.getUser)
	a.handle("POST", "/Users/{usid}", a.updateUser)
	a.handle("DELETE", "/Users/{usid}", a.deleteUser)
	a.handle("GET", "/Users/{usid}/Conversations", a.listUserConversations)
	a.handle("GET", "/Users/{usid}/Conversations/{sid}", a.getUserConversation)
	a.handle("POST", "/Users/{usid}/Conversations/{sid}", a.updateUserConversation)
	a.handle("DELETE", "/Users/{usid}/Conversations/{sid}", a.leaveUserConversation)

	a.handle("GET", "/ParticipantConversations", a.listParticipantConversations)
}

func (a *API) getConfiguration(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, a.renderConfiguration(a.conv.Configuration()))
	return nil
}

// updateConfiguration sets the account's defaults for new conversations.
func (a *API) updateConfiguration(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	cp := conversations.ConfigurationParams{
		DefaultChatServiceSID:      p.str("DefaultChatServiceSid"),
		DefaultMessagingServiceSID: p.str("DefaultMessagingServiceSid"),
		DefaultInactiveTimer:       p.str("DefaultInactiveTimer"),
		DefaultClosedTimer:         p.str("DefaultClosedTimer"),
	}
	c, err := a.conv.UpdateConfiguration(r.Context(), cp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.renderConfiguration(c))
	return nil
}

func (a *API) renderConfiguration(c conversations.Configuration) model.Configuration {
	u := a.baseURL + "/conversations/v1/Configuration"
	return model.Configuration{
		AccountSID:                 a.accountSID,
		DefaultChatServiceSID:      a.conv.ServiceSID(),
		DefaultMessagingServiceSID: orNull(c.DefaultMessagingServiceSID),
		DefaultInactiveTimer:       orNull(c.DefaultInactiveTimer),
		DefaultClosedTimer:         orNull(c.DefaultClosedTimer),
		URL:                        u,
		Links: map[string]string{
			"service":  a.baseURL + "/conversations/v1/Services/" + a.conv.ServiceSID() + "/Configuration",
			"webhooks": u + "/Webhooks",
		},
	}
}

// ---- conversations ----

func readConversationParams(p *reader) conversations.ConversationParams {
	return conversations.ConversationParams{
		FriendlyName:        p.str("FriendlyName"),
		UniqueName:          p.str("UniqueName"),
		Attributes:          p.str("Attributes"),
		MessagingServiceSID: p.str("MessagingServiceSid"),
		State:               p.str("State"),
		TimersInactive:      p.str("Timers.Inactive"),
		TimersClosed:        p.str("Timers.Closed"),
		DateCreated:         p.time("DateCreated"),
		DateUpdated:         p.time("DateUpdated"),
	}
}

func (a *API) createConversation(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	cp, err := readParams(p, readConversationParams)
	if err != nil {
		return err
	}
	c, err := a.conv.CreateConversation(r.Context(), cp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.render.Conversation(c))
	return nil
}

func (a *API) getConversation(w http.ResponseWriter, r *http.Request) error {
	c, err := a.conv.Conversation(r.Context(), r.PathValue("sid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.render.Conversation(c))
	return nil
}

func (a *API) listConversations(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	req, err := readPage(p, "StartDate", "EndDate", "State")
	if err != nil {
		return err
	}
	var f conversations.ConversationFilter
	if s := p.str("State"); s != nil {
		f.State = conversations.State(*s)
	}
	start, err := p.time("StartDate")
	if err != nil {
		return err
	}
	if start != nil {
		f.Start = *start
	}
	end, err := p.time("EndDate")
	if err != nil {
		return err
	}
	if end != nil {
		f.End = *end
	}
	page, err := a.conv.Conversations(r.Context(), f, req.Request)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(a, "/conversations/v1/Conversations", req, "conversations", page,
		func(c conversations.Conversation) int64 { return c.Key }, a.render.Conversation))
	return nil
}

func (a *API) updateConversation(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	cp, err := readParams(p, readConversationParams)
	if err != nil {
		return err
	}
	c, err := a.conv.UpdateConversation(r.Context(), r.PathValue("sid"), cp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.render.Conversation(c))
	return nil
}

func (a *API) deleteConversation(w http.ResponseWriter, r *http.Request) error {
	if err := a.conv.DeleteConversation(r.Context(), r.PathValue("sid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// participantJSON is one Participant parameter of ConversationWithParticipants:
// a JSON object with the participant resource's parameters in snake case.
type participantJSON struct {
	Identity         *string `json:"identity"`
	Attributes       *string `json:"attributes"`
	RoleSID          *string `json:"role_sid"`
	MessagingBinding *struct {
		Address          *string `json:"address"`
		ProxyAddress     *string `json:"proxy_address"`
		ProjectedAddress *string `json:"projected_address"`
	} `json:"messaging_binding"`
}

func (a *API) createConversationWithParticipants(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	cp, err := readParams(p, readConversationParams)
	if err != nil {
		return err
	}
	var parts []conversations.ParticipantParams
	for i, raw := range p.all("Participant") {
		var pj participantJSON
		if err := json.Unmarshal([]byte(raw), &pj); err != nil {
			return apperr.Invalidf(apperr.CodeBadRequest,
				`Participant %d is not a JSON object like {"identity":"alice"} or {"messaging_binding":{"address":"+15551234567","proxy_address":"+15557654321"}}: %v`, i+1, err)
		}
		pp := conversations.ParticipantParams{Identity: pj.Identity, Attributes: pj.Attributes, RoleSID: pj.RoleSID}
		if mb := pj.MessagingBinding; mb != nil {
			pp.Address, pp.ProxyAddress, pp.ProjectedAddress = mb.Address, mb.ProxyAddress, mb.ProjectedAddress
		}
		parts = append(parts, pp)
	}
	c, err := a.conv.CreateConversationWithParticipants(r.Context(), cp, parts)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.render.Conversation(c))
	return nil
}

// ---- participants ----

func readParticipantParams(p *reader) conversations.ParticipantParams {
	return conversations.ParticipantParams{
		Identity:         p.str("Identity"),
		Address:          p.str("MessagingBinding.Address"),
		ProxyAddress:     p.str("MessagingBinding.ProxyAddress"),
		ProjectedAddress: p.str("MessagingBinding.ProjectedAddress"),
		Attributes:       p.str("Attributes"),
		RoleSID:          p.str("RoleSid"),
		LastReadIndex:    p.int("LastReadMessageIndex"),
		LastReadAt:       p.time("LastReadTimestamp"),
		DateCreated:      p.time("DateCreated"),
		DateUpdated:      p.time("DateUpdated"),
	}
}

func (a *API) addParticipant(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	pp, err := readParams(p, readParticipantParams)
	if err != nil {
		return err
	}
	part, err := a.conv.AddParticipant(r.Context(), r.PathValue("sid"), pp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.render.Participant(part))
	return nil
}

func (a *API) getParticipant(w http.ResponseWriter, r *http.Request) error {
	part, err := a.conv.Participant(r.Context(), r.PathValue("sid"), r.PathValue("psid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.render.Participant(part))
	return nil
}

func (a *API) listParticipants(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	req, err := readPage(p)
	if err != nil {
		return err
	}
	c, err := a.conv.Conversation(r.Context(), r.PathValue("sid"))
	if err != nil {
		return err
	}
	page, err := a.conv.Participants(r.Context(), c.SID, req.Request)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(a, "/conversations/v1/Conversations/"+c.SID+"/Participants", req,
		"participants", page, func(p conversations.Participant) int64 { return p.Key }, a.render.Participant))
	return nil
}

func (a *API) updateParticipant(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	pp, err := readParams(p, readParticipantParams)
	if err != nil {
		return err
	}
	part, err := a.conv.UpdateParticipant(r.Context(), r.PathValue("sid"), r.PathValue("psid"), pp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.render.Participant(part))
	return nil
}

func (a *API) removeParticipant(w http.ResponseWriter, r *http.Request) error {
	if err := a.conv.RemoveParticipant(r.Context(), r.PathValue("sid"), r.PathValue("psid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- messages ----

func readMessageParams(p *reader) conversations.MessageParams {
	return conversations.MessageParams{
		Author:      p.str("Author"),
		Body:        p.str("Body"),
		Attributes:  p.str("Attributes"),
		DateCreated: p.time("DateCreated"),
		DateUpdated: p.time("DateUpdated"),
	}
}

func (a *API) sendMessage(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	mp, err := readParams(p, readMessageParams)
	if err != nil {
		return err
	}
	mp.MediaSIDs = p.all("MediaSid")
	// Twilio's idempotency header makes a retried create safe.
	mp.IdempotencyKey = r.Header.Get("I-Twilio-Idempotency-Token")
	m, err := a.conv.SendMessage(r.Context(), r.PathValue("sid"), mp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.render.Message(m))
	return nil
}

func (a *API) getMessage(w http.ResponseWriter, r *http.Request) error {
	m, err := a.conv.Message(r.Context(), r.PathValue("sid"), r.PathValue("msid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.render.Message(m))
	return nil
}

func (a *API) listMessages(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	req, err := readPage(p, "Order")
	if err != nil {
		return err
	}
	c, err := a.conv.Conversation(r.Context(), r.PathValue("sid"))
	if err != nil {
		return err
	}
	order := conversations.Order(strings.ToLower(req.filters.Get("Order")))
	page, err := a.conv.Messages(r.Context(), c.SID, order, req.Request)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(a, "/conversations/v1/Conversations/"+c.SID+"/Messages", req,
		"messages", page, func(m conversations.Message) int64 { return int64(m.Index) }, a.render.Message))
	return nil
}

func (a *API) updateMessage(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	mp, err := readParams(p, readMessageParams)
	if err != nil {
		return err
	}
	m, err := a.conv.UpdateMessage(r.Context(), r.PathValue("sid"), r.PathValue("msid"), mp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.render.Message(m))
	return nil
}

func (a *API) deleteMessage(w http.ResponseWriter, r *http.Request) error {
	if err := a.conv.DeleteMessage(r.Context(), r.PathValue("sid"), r.PathValue("msid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listReceipts(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	req, err := readPage(p)
	if err != nil {
		return err
	}
	c, err := a.conv.Conversation(r.Context(), r.PathValue("sid"))
	if err != nil {
		return err
	}
	msid := r.PathValue("msid")
	page, err := a.conv.Receipts(r.Context(), c.SID, msid, req.Request)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(a, "/conversations/v1/Conversations/"+c.SID+"/Messages/"+msid+"/Receipts", req,
		"delivery_receipts", page, func(r conversations.Receipt) int64 { return r.Key }, a.render.Receipt))
	return nil
}

func (a *API) getReceipt(w http.ResponseWriter, r *http.Request) error {
	rc, err := a.conv.Receipt(r.Context(), r.PathValue("sid"), r.PathValue("msid"), r.PathValue("rsid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.render.Receipt(rc))
	return nil
}
