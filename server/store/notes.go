package store

import (
	"context"
	"database/sql"

	"parley/server/apperr"
	"parley/server/notes"
)

// Notes is the SQLite implementation of notes.Store.
type Notes struct{ db *DB }

// NewNotes returns the notes store inside db.
func NewNotes(db *DB) *Notes { return &Notes{db: db} }

var _ notes.Store = (*Notes)(nil)

// AddNote stores a note on an existing conversation, at most max per
// conversation.
func (s *Notes) AddNote(ctx context.Context, n notes.Note, max int) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		var conv int64
		err := q.QueryRowContext(ctx, "SELECT seq FROM conversations WHERE sid = ?", n.ConversationSID).Scan(&conv)
		if err == sql.ErrNoRows {
			return apperr.NotFoundf("Conversation %s was not found", n.ConversationSID)
		}
		if err != nil {
			return err
		}
		var count int
		if err := q.QueryRowContext(ctx, "SELECT count(*) FROM notes WHERE conversation_seq = ?", conv).Scan(&count); err != nil {
			return err
		}
		if count >= max {
			return apperr.Conflictf(apperr.CodeBadRequest,
				"Conversation %s already has %d notes, the most it may hold", n.ConversationSID, count)
		}
		_, err = q.ExecContext(ctx, `INSERT INTO notes (sid, conversation_seq, author, author_name, body, date_created)
			VALUES (?, ?, ?, ?, ?, ?)`, n.SID, conv, n.Author, n.AuthorName, n.Body, ms(n.Created))
		return err
	})
}

// Notes returns a conversation's notes, oldest first.
func (s *Notes) Notes(ctx context.Context, conversationSID string) ([]notes.Note, error) {
	rows, err := s.db.reads.QueryContext(ctx, `SELECT n.sid, n.author, n.author_name, n.body, n.date_created
		FROM notes n JOIN conversations c ON c.seq = n.conversation_seq WHERE c.sid = ? ORDER BY n.seq`, conversationSID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []notes.Note{}
	for rows.Next() {
		n := notes.Note{ConversationSID: conversationSID}
		var created sql.NullInt64
		if err := rows.Scan(&n.SID, &n.Author, &n.AuthorName, &n.Body, &created); err != nil {
			return nil, err
		}
		n.Created = fromMS(created)
		out = append(out, n)
	}
	return out, rows.Err()
}
