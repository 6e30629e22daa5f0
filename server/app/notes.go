package app

import (
	"context"
	"log/slog"
	"time"

	"parley/server/agents"
	"parley/server/conversations"
	"parley/server/live"
	"parley/server/notes"
	"parley/server/render"
	proto "parley/shared/realtime"
)

// tellNote returns what hears of each new note: the agents taking part in
// its conversation and the desk's supervisors get it over their sockets.
// The customer, subscribed to the same conversation, does not.
func tellNote(accountSID string, conv *conversations.Service, team *agents.Service, glue *live.Live,
	r *render.Renderer, workspace func() string, log *slog.Logger,
) func(notes.Note) {
	return func(n notes.Note) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		page, err := conv.Participants(ctx, n.ConversationSID, conversations.PageRequest{Size: 100})
		if err != nil {
			log.Error("tell agents of a note", "conversation", n.ConversationSID, "err", err)
			return
		}
		var to []string
		for _, p := range page.Items {
			if p.Identity == "" {
				continue
			}
			if _, ok := team.ByIdentity(p.Identity); ok {
				to = append(to, p.Identity)
			}
		}
		if ws := workspace(); ws != "" {
			to = append(to, team.Watchers(ws)...)
		}
		glue.Tell(to, n.ConversationSID, proto.NoteAdded, r.Note(accountSID, n))
	}
}
