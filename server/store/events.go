package store

import (
	"context"
	"encoding/json"
	"time"

	"parley/server/conversations"
)

// eventData is how an event's resource is kept in the log's data column.
type eventData struct {
	Conversation *conversations.Conversation `json:"c,omitempty"`
	Participant  *conversations.Participant  `json:"p,omitempty"`
	Message      *conversations.Message      `json:"m,omitempty"`
}

func (t convTx) AppendEvent(e conversations.Event) (conversations.Event, error) {
	data, err := json.Marshal(eventData{e.Conversation, e.Participant, e.Message})
	if err != nil {
		return e, err
	}
	res, err := t.q.ExecContext(context.Background(), `INSERT INTO events (type, conversation_sid, target, data, created)
		VALUES (?, ?, ?, ?, ?)`, string(e.Type), e.ConversationSID, e.Target, data, e.Time.UnixMilli())
	if err != nil {
		return e, err
	}
	e.Seq, err = res.LastInsertId()
	return e, err
}

func (t convTx) AfterCommit(fn func()) { t.w.AfterCommit(fn) }

func (t convTx) LastEventSeq() (int64, error) {
	var seq int64
	err := t.q.QueryRowContext(context.Background(),
		"SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)").Scan(&seq)
	return seq, err
}

func (t convTx) PruneEvents(before time.Time) (int64, error) {
	// Events are created in seq order, so the ones to prune are a prefix of
	// the log: find where it ends by walking from the oldest, without an
	// index on created that every insert would have to maintain.
	res, err := t.q.ExecContext(context.Background(), `DELETE FROM events WHERE seq < COALESCE(
		(SELECT seq FROM events WHERE created >= ? ORDER BY seq LIMIT 1),
		(SELECT max(seq) + 1 FROM events))`, before.UnixMilli())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (r convReader) OldestEventSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := r.q.QueryRowContext(ctx, `SELECT COALESCE((SELECT min(seq) FROM events),
		(SELECT seq + 1 FROM sqlite_sequence WHERE name = 'events'), 1)`).Scan(&seq)
	return seq, err
}

func (r convReader) ConversationsOf(ctx context.Context, identity string) ([]string, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT c.sid FROM participants p JOIN conversations c ON c.seq = p.conversation_seq
		WHERE p.identity = ? ORDER BY p.seq`, identity)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var sids []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		sids = append(sids, s)
	}
	return sids, rows.Err()
}

func (r convReader) EventsSince(ctx context.Context, identity string, cursor, upTo int64, limit int) ([]conversations.Event, error) {
	// Two index range scans, merged by seq: the events of the identity's
	// conversations, and those addressed to it by name.
	rows, err := r.q.QueryContext(ctx, `SELECT seq, type, conversation_sid, target, data, created FROM events
		WHERE seq > ?1 AND seq <= ?2 AND target = '' AND conversation_sid IN (
			SELECT c.sid FROM participants p JOIN conversations c ON c.seq = p.conversation_seq WHERE p.identity = ?3)
		UNION ALL
		SELECT seq, type, conversation_sid, target, data, created FROM events
		WHERE seq > ?1 AND seq <= ?2 AND target = ?3
		ORDER BY seq LIMIT ?4`, cursor, upTo, identity, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var evs []conversations.Event
	for rows.Next() {
		var e conversations.Event
		var typ, data string
		var created int64
		if err := rows.Scan(&e.Seq, &typ, &e.ConversationSID, &e.Target, &data, &created); err != nil {
			return nil, err
		}
		var d eventData
		if err := json.Unmarshal([]byte(data), &d); err != nil {
			return nil, err
		}
		e.Type, e.Time = conversations.EventType(typ), time.UnixMilli(created).UTC()
		e.Conversation, e.Participant, e.Message = d.Conversation, d.Participant, d.Message
		evs = append(evs, e)
	}
	return evs, rows.Err()
}
