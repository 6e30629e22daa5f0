package store

import (
	"context"
	"database/sql"
	"errors"

	"parley/server/followup"
)

// EmailsSent is the store of followup.Store: which letters were sent.
type EmailsSent struct{ db *DB }

// NewEmailsSent returns the sent-email records inside db.
func NewEmailsSent(db *DB) *EmailsSent { return &EmailsSent{db: db} }

var _ followup.Store = (*EmailsSent)(nil)

// Sent reports whether the letter with this key was sent.
func (s *EmailsSent) Sent(ctx context.Context, key string) (bool, error) {
	var one int
	err := s.db.reads.QueryRowContext(ctx, "SELECT 1 FROM emails_sent WHERE key = ?", key).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// MarkSent records a sent letter; recording it twice is no error.
func (s *EmailsSent) MarkSent(ctx context.Context, r followup.Record) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, `INSERT INTO emails_sent (key, conversation_sid, kind, through_index, date_created)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`, r.Key, r.ConversationSID, r.Kind, r.ThroughIndex, ms(r.Sent))
		return err
	})
}

// SentThrough is the last message index that letters of kind held in the
// conversation, or -1.
func (s *EmailsSent) SentThrough(ctx context.Context, conversationSID, kind string) (int, error) {
	var through sql.NullInt64
	err := s.db.reads.QueryRowContext(ctx, "SELECT max(through_index) FROM emails_sent WHERE conversation_sid = ? AND kind = ?",
		conversationSID, kind).Scan(&through)
	if err != nil || !through.Valid {
		return -1, err
	}
	return int(through.Int64), nil
}
