package store

import (
	"context"
	"database/sql"

	"parley/server/conversations"
)

// EventLog reads the event log as the nodes of a cluster need it: where
// it ends, and every event of a seq range whoever it is for (a node
// fills the ranges that did not reach it over NATS).
type EventLog struct{ r convReader }

// NewEventLog reads db's event log.
func NewEventLog(db *DB) EventLog { return EventLog{convReader{q: db.reads}} }

// Head is the last seq committed. It holds on PostgreSQL, where every
// batch stores the last seq it took as it commits (see lockLog); SQLite
// keeps a reservation ahead of the seqs in use instead, and has no
// cluster to serve.
func (l EventLog) Head(ctx context.Context) (int64, error) {
	var seq int64
	err := l.r.q.QueryRowContext(ctx, "SELECT reserved FROM event_log").Scan(&seq)
	return seq, err
}

// Between returns the events after after and up to upTo, in seq order, at
// most limit of them: those kept in the events table and the "added"
// events kept in messages' rows.
func (l EventLog) Between(ctx context.Context, after, upTo int64, limit int) ([]conversations.Event, error) {
	rows, err := l.r.q.QueryContext(ctx, `SELECT seq, type, conversation_sid, target, data, created FROM events
		WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`, after, upTo, limit)
	if err != nil {
		return nil, err
	}
	logged, err := scanLogged(rows)
	if err != nil {
		return nil, err
	}
	rows, err = l.r.q.QueryContext(ctx, "SELECT m.event_seq, "+msgCols+msgFrom+
		" WHERE m.event_seq > ? AND m.event_seq <= ? ORDER BY m.event_seq LIMIT ?", after, upTo, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var added []conversations.Event
	for rows.Next() {
		var seq sql.NullInt64
		m, err := scanMessage(leading{rows, &seq})
		if err != nil {
			return nil, err
		}
		added = append(added, conversations.Event{Seq: seq.Int64, Type: conversations.MessageAdded,
			ConversationSID: m.ConversationSID, Time: m.Created, Message: &m})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return mergeBySeq(logged, added, limit), nil
}
