package httpapi

import (
	"context"
	"net/http"

	"parley/server/agents"
	"parley/server/notes"
	"parley/shared/model"
)

// Private notes are Parley's own resource, under a conversation:
// /parley/v1/Conversations/{sid}/Notes. A conversation holds at most
// notes.MaxPerConversation, so the list is one response, oldest first.

const notesPath = "/parley/v1/Conversations/{sid}/Notes"

func (a *API) routeNotes() {
	if a.notes == nil {
		return
	}
	a.route("GET", notesPath, func(w http.ResponseWriter, r *http.Request) error {
		conv, err := a.conv.Conversation(r.Context(), r.PathValue("sid"))
		if err != nil {
			return err
		}
		list, err := a.notes.List(r.Context(), conv.SID)
		if err != nil {
			return err
		}
		out := make([]model.Note, len(list))
		for i, n := range list {
			out[i] = a.noteJSON(n)
		}
		writeJSON(w, http.StatusOK, map[string]any{"notes": out})
		return nil
	})
	a.route("POST", notesPath, func(w http.ResponseWriter, r *http.Request) error {
		p, err := parseForm(r)
		if err != nil {
			return err
		}
		conv, err := a.conv.Conversation(r.Context(), r.PathValue("sid"))
		if err != nil {
			return err
		}
		author := callerOf(r).identity
		if author == "" { // the account writes on an agent's behalf, or as itself
			author = p.value("Author")
			if author == "" {
				author = "system"
			}
		}
		name := author
		if ag, ok := a.agents.ByIdentity(author); ok {
			name = ag.DisplayName
		}
		n, err := a.notes.Add(r.Context(), conv.SID, author, name, p.value("Body"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, a.noteJSON(n))
		return nil
	})
}

// notesRule: notes are for agents. An agent reads and writes the notes
// of the conversations it takes part in; supervisors those of any
// conversation (they monitor, and coach by note). Always as themselves.
func (a *API) notesRule(ctx context.Context, r *http.Request, c caller) error {
	if c.desk == nil {
		return forbidden("Notes are for agents: %s may not read or write them", c.identity)
	}
	if r.Method == http.MethodPost {
		if _, err := parseForm(r); err != nil {
			return err
		}
		if author := r.Form.Get("Author"); author != "" && author != c.identity {
			return forbidden("An agent writes notes only as itself, %s, not as %s", c.identity, author)
		}
	}
	if agents.AtLeast(c.desk.Role, agents.RoleSupervisor) {
		return nil
	}
	return a.conv.Participates(ctx, c.identity, r.PathValue("sid"))
}

func (a *API) noteJSON(n notes.Note) model.Note { return a.render.Note(a.accountSID, n) }
