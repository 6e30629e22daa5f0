package httpapi

import (
	"net/http"

	"parley/server/conversations"
)

func readUserParams(p *params) conversations.UserParams {
	return conversations.UserParams{
		Identity:     p.str("Identity"),
		FriendlyName: p.str("FriendlyName"),
		Attributes:   p.str("Attributes"),
		RoleSID:      p.str("RoleSid"),
	}
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	u, err := a.conv.CreateUser(r.Context(), readUserParams(p))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.render.User(u))
	return nil
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := a.conv.User(r.Context(), r.PathValue("usid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.render.User(u))
	return nil
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	req, err := readPage(p)
	if err != nil {
		return err
	}
	page, err := a.conv.Users(r.Context(), req.Request)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(a, "/conversations/v1/Users", req, "users", page,
		func(u conversations.User) int64 { return u.Key }, a.render.User))
	return nil
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	up := readUserParams(p)
	up.Identity = nil // the identity names the user; it does not change
	u, err := a.conv.UpdateUser(r.Context(), r.PathValue("usid"), up)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.render.User(u))
	return nil
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) error {
	if err := a.conv.DeleteUser(r.Context(), r.PathValue("usid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listUserConversations(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	req, err := readPage(p)
	if err != nil {
		return err
	}
	u, page, err := a.conv.UserConversations(r.Context(), r.PathValue("usid"), req.Request)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(a, "/conversations/v1/Users/"+u.SID+"/Conversations", req, "conversations", page,
		func(m conversations.Membership) int64 { return m.Key },
		func(m conversations.Membership) any { return a.render.UserConversation(u, m) }))
	return nil
}

func (a *API) getUserConversation(w http.ResponseWriter, r *http.Request) error {
	u, m, err := a.conv.UserConversation(r.Context(), r.PathValue("usid"), r.PathValue("sid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.render.UserConversation(u, m))
	return nil
}

func (a *API) updateUserConversation(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	up, err := readParams(p, func(p *reader) conversations.UserConversationParams {
		return conversations.UserConversationParams{
			LastReadIndex: p.int("LastReadMessageIndex"),
			LastReadAt:    p.time("LastReadTimestamp"),
		}
	})
	if err != nil {
		return err
	}
	u, m, err := a.conv.UpdateUserConversation(r.Context(), r.PathValue("usid"), r.PathValue("sid"), up)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.render.UserConversation(u, m))
	return nil
}

// leaveUserConversation removes the user's participant from the conversation.
func (a *API) leaveUserConversation(w http.ResponseWriter, r *http.Request) error {
	_, m, err := a.conv.UserConversation(r.Context(), r.PathValue("usid"), r.PathValue("sid"))
	if err != nil {
		return err
	}
	if err := a.conv.RemoveParticipant(r.Context(), m.Conversation.SID, m.Participant.SID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listParticipantConversations(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	req, err := readPage(p, "Identity", "Address")
	if err != nil {
		return err
	}
	f := conversations.MembershipFilter{Identity: req.filters.Get("Identity"), Address: req.filters.Get("Address")}
	page, err := a.conv.Memberships(r.Context(), f, req.Request)
	if err != nil {
		return err
	}
	// One identity per list: look its user up once, not per row.
	userSIDs := map[string]string{}
	if f.Identity != "" {
		if u, err := a.conv.User(r.Context(), f.Identity); err == nil {
			userSIDs[f.Identity] = u.SID
		}
	}
	writeJSON(w, http.StatusOK, pageOf(a, "/conversations/v1/ParticipantConversations", req, "conversations", page,
		func(m conversations.Membership) int64 { return m.Key },
		func(m conversations.Membership) any { return a.render.ParticipantConversation(userSIDs, m) }))
	return nil
}
