package render

import (
	"parley/server/notes"
	"parley/shared/model"
)

// Note renders a private note.
func (a *Renderer) Note(accountSID string, n notes.Note) model.Note {
	return model.Note{SID: n.SID, AccountSID: accountSID, ConversationSID: n.ConversationSID,
		Author: n.Author, AuthorName: n.AuthorName, Body: n.Body, DateCreated: model.Time{Time: n.Created}}
}
