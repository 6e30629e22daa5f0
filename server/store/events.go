package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
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
	added := e.Type == conversations.MessageAdded && e.Target == "" && e.Message != nil
	if r := t.db.seqs.inRow; added && r.message == e.Message.SID && r.seq == t.db.seqs.last {
		// InsertMessage put this seq in the message's row, and no event
		// took a seq since: the event is in the log already, in order.
		t.db.seqs.inRow = rowSeq{}
		e.Seq = r.seq
		return e, nil
	}
	seq, err := t.db.seqs.next(t.db.writer)
	if err != nil {
		return e, err
	}
	e.Seq = seq
	ctx := context.Background()
	if added {
		// The message's row already holds everything its event says.
		res, err := t.q.ExecContext(ctx, "UPDATE messages SET event_seq = ? WHERE sid = ?", seq, e.Message.SID)
		if err != nil {
			return e, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return e, err
		}
		// No such row: keep the event in the table, like any other.
	}
	data, err := json.Marshal(eventData{e.Conversation, e.Participant, e.Message})
	if err != nil {
		return e, err
	}
	const insert = `INSERT INTO events (seq, type, conversation_sid, target, data, created) VALUES (?, ?, ?, ?, ?, ?)`
	args := []any{seq, string(e.Type), e.ConversationSID, e.Target, data, e.Time.UnixMilli()}
	if t.w.Later(insert, args...) {
		return e, nil
	}
	_, err = t.q.ExecContext(ctx, insert, args...)
	return e, err
}

// eventSeqs hands out the event log's sequence numbers, on the writer.
// Message events live in their messages' rows, so no table's counter sees
// every number; instead, event_log.reserved is written a block ahead of the
// numbers in use, once per seqBlock events rather than once per commit, and
// after a restart numbering resumes above it. A number handed out by a write
// that rolled back is never reused either: it leaves a gap, which cursors
// allow.
//
// On PostgreSQL, which several nodes may share, the writer instead takes
// the cluster's write lock at the start of every batch and reads the row
// (lockLog): reserved is then the last seq committed, numbering goes on
// from it, and the batch's COMMIT carries the new value.
type eventSeqs struct {
	loaded bool
	locked bool // the write lock is taken for this batch (PostgreSQL)
	// last is the seq handed out last; reserved, the row's value.
	last, reserved int64
	rollbacks      int // the writer's count when reserved was written
	// inRow is the seq InsertMessage last put in a message's row, for its
	// "added" event. Were another event to take a seq first, the message's
	// event would come before it in the log but after it on the wire, so
	// AppendEvent takes the row's seq only while it is still the latest.
	inRow rowSeq
}

// rowSeq is a seq written into a message's row ahead of its event.
type rowSeq struct {
	message string
	seq     int64
}

const seqBlock = 1000

func (s *eventSeqs) next(w *writeConn) (int64, error) {
	if err := s.load(w); err != nil {
		return 0, err
	}
	if s.locked {
		s.last++
		return s.last, nil
	}
	// A rollback since the reservation may have undone it.
	if s.last >= s.reserved || s.rollbacks != w.rollbacks {
		r := s.last + seqBlock
		if _, err := w.ExecContext(context.Background(), "UPDATE event_log SET reserved = ?", r); err != nil {
			return 0, err
		}
		s.reserved, s.rollbacks = r, w.rollbacks
	}
	s.last++
	return s.last, nil
}

// load reads where numbering resumes: above the last reservation, which
// covers every number handed out before.
func (s *eventSeqs) load(w *writeConn) error {
	if s.loaded {
		return nil
	}
	if s.locked {
		// The row comes back with the batch's first round trip; this
		// write needs it before that.
		if err := w.flush(); err != nil {
			return err
		}
		if !s.loaded {
			return errors.New("store: the event log's position was not read with the batch's first round trip")
		}
		return nil
	}
	err := w.QueryRowContext(context.Background(), "SELECT reserved FROM event_log").Scan(&s.last)
	s.loaded = err == nil
	return err
}

func (t convTx) AfterCommit(fn func()) { t.w.AfterCommit(fn) }

func (t convTx) LastEventSeq() (int64, error) {
	err := t.db.seqs.load(t.db.writer)
	return t.db.seqs.last, err
}

func (t convTx) PruneEvents(before time.Time) (int64, error) {
	// Events are created in seq order, so the ones to prune are a prefix of
	// the log: find where it ends by walking from the oldest, without an
	// index on created that every insert would have to maintain. Message
	// events are kept with their messages and cost nothing to keep; a cursor
	// can resume as long as no event after it was pruned.
	ctx := context.Background()
	var end sql.NullInt64
	err := t.q.QueryRowContext(ctx, `SELECT COALESCE(
		(SELECT seq FROM events WHERE created >= ? ORDER BY seq LIMIT 1),
		(SELECT max(seq) + 1 FROM events))`, before.UnixMilli()).Scan(&end)
	if err != nil || !end.Valid {
		return 0, err
	}
	if _, err := t.q.ExecContext(ctx, `UPDATE event_log SET pruned = (SELECT CASE WHEN m > pruned THEN m ELSE pruned END
		FROM (SELECT COALESCE(max(seq), 0) AS m FROM events WHERE seq < ?) AS below)`, end.Int64); err != nil {
		return 0, err
	}
	res, err := t.q.ExecContext(ctx, "DELETE FROM events WHERE seq < ?", end.Int64)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (r convReader) OldestEventSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := r.q.QueryRowContext(ctx, "SELECT pruned + 1 FROM event_log").Scan(&seq)
	return seq, err
}

func (r convReader) ConversationsOf(ctx context.Context, identity string) ([]string, error) {
	return column[string](ctx, r.q, `SELECT c.sid FROM participants p JOIN conversations c ON c.seq = p.conversation_seq
		WHERE p.identity = ? ORDER BY p.seq`, identity)
}

func (r convReader) EventsSince(ctx context.Context, identity string, cursor, upTo int64, limit int) ([]conversations.Event, error) {
	logged, err := r.loggedEventsSince(ctx, identity, cursor, upTo, limit)
	if err != nil {
		return nil, err
	}
	added, err := r.messagesAddedSince(ctx, identity, cursor, upTo, limit)
	if err != nil {
		return nil, err
	}
	return mergeBySeq(logged, added, limit), nil
}

// loggedEventsSince reads the events table.
func (r convReader) loggedEventsSince(ctx context.Context, identity string, cursor, upTo int64, limit int) ([]conversations.Event, error) {
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
	return scanLogged(rows)
}

// scanLogged reads rows of the events table (seq, type, conversation_sid,
// target, data, created) and closes them.
func scanLogged(rows Rows) ([]conversations.Event, error) {
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

// messagesAddedSince reads the message-added events kept in messages' rows,
// up to limit of them. A conversation's messages get their event seqs in
// index order, so its events after cursor are its newest messages: each
// conversation is read from its end, back to the first message at or
// before cursor (or stored before message events moved into their rows).
func (r convReader) messagesAddedSince(ctx context.Context, identity string, cursor, upTo int64, limit int) ([]conversations.Event, error) {
	convs, err := r.conversationsWithMessagesAfter(ctx, identity, cursor)
	if err != nil {
		return nil, err
	}
	var evs []conversations.Event
	for _, key := range convs {
		if len(evs) >= limit {
			break
		}
		rows, err := r.q.QueryContext(ctx, "SELECT m.event_seq, "+msgCols+msgFrom+
			" WHERE m.conversation_seq = ? ORDER BY m.idx DESC", key)
		if err != nil {
			return nil, err
		}
		for rows.Next() && len(evs) < limit {
			var seq sql.NullInt64
			m, err := scanMessage(leading{rows, &seq})
			if err != nil {
				rows.Close()
				return nil, err
			}
			if !seq.Valid || seq.Int64 <= cursor {
				break
			}
			if seq.Int64 <= upTo {
				evs = append(evs, conversations.Event{Seq: seq.Int64, Type: conversations.MessageAdded,
					ConversationSID: m.ConversationSID, Time: m.Created, Message: &m})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(evs, func(a, b conversations.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	return evs, nil
}

// leading scans a column before those a scan function knows of.
type leading struct {
	rows Rows
	dest any
}

func (l leading) Scan(dest ...any) error { return l.rows.Scan(append([]any{l.dest}, dest...)...) }

// conversationsWithMessagesAfter lists the identity's conversations whose newest
// message came after cursor, each found with one index seek.
func (r convReader) conversationsWithMessagesAfter(ctx context.Context, identity string, cursor int64) ([]int64, error) {
	return column[int64](ctx, r.q, `SELECT p.conversation_seq FROM participants p WHERE p.identity = ? AND
		(SELECT m.event_seq FROM messages m WHERE m.conversation_seq = p.conversation_seq ORDER BY m.idx DESC LIMIT 1) > ?`,
		identity, cursor)
}

// mergeBySeq merges two lists in seq order, keeping the first limit events.
func mergeBySeq(a, b []conversations.Event, limit int) []conversations.Event {
	out := make([]conversations.Event, 0, min(len(a)+len(b), limit))
	for len(out) < limit && (len(a) > 0 || len(b) > 0) {
		if len(b) == 0 || (len(a) > 0 && a[0].Seq < b[0].Seq) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}
