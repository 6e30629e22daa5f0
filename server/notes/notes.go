// Package notes keeps private notes: what agents write on a conversation
// for each other (the customer's history, what was promised, why a chat
// was transferred). Notes are not messages: they live apart from the
// conversation's messages and events, so no customer, webhook or channel
// ever sees them.
package notes

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"parley/server/apperr"
	"parley/shared/sid"
)

// MaxBody bounds a note, as Twilio bounds a message body.
const MaxBody = 4096

// MaxPerConversation bounds the notes on one conversation, so listing
// them stays one small read.
const MaxPerConversation = 500

// Note is one private note.
type Note struct {
	SID             string
	ConversationSID string
	Author          string // the agent's identity
	AuthorName      string // its display name when written
	Body            string
	Created         time.Time
}

// Store keeps notes.
type Store interface {
	// AddNote stores n unless its conversation already has max notes;
	// it reports apperr NotFound when the conversation does not exist.
	AddNote(ctx context.Context, n Note, max int) error
	// Notes returns a conversation's notes, oldest first.
	Notes(ctx context.Context, conversationSID string) ([]Note, error)
}

// Service writes and reads notes, and tells the agents of a
// conversation about a new one.
type Service struct {
	store Store
	// Tell hears of every note once stored; nil to tell no one.
	Tell func(Note)
	Now  func() time.Time
}

// NewService returns the notes service.
func NewService(store Store) *Service {
	return &Service{store: store, Now: time.Now}
}

// Add writes a note by author on a conversation. Who may write is the
// caller's business: the service only checks the note itself.
func (s *Service) Add(ctx context.Context, conversationSID, author, authorName, body string) (Note, error) {
	body = strings.TrimSpace(body)
	if err := checkBody(body); err != nil {
		return Note{}, err
	}
	n := Note{SID: sid.New(sid.Note), ConversationSID: conversationSID, Author: author,
		AuthorName: authorName, Body: body, Created: s.Now().UTC().Truncate(time.Millisecond)}
	if err := s.store.AddNote(ctx, n, MaxPerConversation); err != nil {
		return Note{}, err
	}
	if s.Tell != nil {
		s.Tell(n)
	}
	return n, nil
}

// List returns a conversation's notes, oldest first.
func (s *Service) List(ctx context.Context, conversationSID string) ([]Note, error) {
	return s.store.Notes(ctx, conversationSID)
}

func checkBody(body string) error {
	switch {
	case body == "":
		return apperr.Invalidf(apperr.CodeBodyRequired, "Body is required: write the note's text")
	case !utf8.ValidString(body):
		return apperr.Invalidf(apperr.CodeBadRequest, "Body is not valid UTF-8 text")
	case utf8.RuneCountInString(body) > MaxBody:
		return apperr.Invalidf(apperr.CodeBodyTooLong, "Body is %d characters; a note holds at most %d",
			utf8.RuneCountInString(body), MaxBody)
	}
	for _, r := range body {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return apperr.Invalidf(apperr.CodeBadRequest, "Body contains the control character %U; send plain text", r)
		}
	}
	return nil
}
