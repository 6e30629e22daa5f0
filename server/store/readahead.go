package store

import (
	"database/sql"
	"strings"
	"time"

	"parley/server/conversations"
	"parley/shared/sid"
)

// Reading ahead the conversations a batch's messages go to.
//
// A send's write begins by reading its conversation (MessageTarget), and
// the pipelined writer (pipeline.go) must have that answer before the
// write can go on: with statements otherwise sent together, that read was
// the one round trip each message cost, and the writer being serial, round
// trips set how many messages a second PostgreSQL took. A send therefore
// says what it will read first (Conversations.UpdateSending), and an
// unguarded batch reads the targets of all its sends in one statement,
// sent with its BEGIN: each send finds its answer waiting, and a batch of
// sends costs two round trips, the reads with BEGIN and the writes with
// COMMIT, whether its messages go to one conversation or to a hundred.
//
// An answer read ahead must be the one the send would have read in its
// turn. Of what MessageTarget reads, a send changes only what
// UpdateActivity writes (state, last message index, update time), and
// that is carried into the answers as it is written. Any other statement
// that writes conversations or participants may change an answer, so from
// it on the batch's sends read their targets in their turn, as before;
// that costs round trips, never correctness. A batch run again (guarded)
// reads nothing ahead: a write undone to its savepoint would have to undo
// its changes to the answers too.

// sendTarget is what a send reads first: MessageTarget's arguments.
type sendTarget struct{ ref, sender string }

// readAhead holds the answers a batch read ahead, while they hold.
type readAhead struct {
	on bool
	// answers are by target; nil for one that found no conversation.
	answers map[sendTarget]*targetAnswer
	// convs are the conversations answered, by SID, shared by the answers
	// of every sender to one conversation.
	convs map[string]*conversations.Conversation
}

type targetAnswer struct {
	c    *conversations.Conversation
	psid string
}

// off drops what was read ahead.
func (a *readAhead) off() {
	a.on = false
	clear(a.answers)
	clear(a.convs)
}

// aheadable says whether a target can be read ahead: a SID (one index
// finds it; unique names are read in their turn) and arguments every engine
// stores alike (a write whose arguments are refused is refused in its turn).
func aheadable(t sendTarget) bool {
	return sid.Looks(t.ref) && unstorable([]any{t.ref, t.sender}) == nil
}

// targetCols are the columns MessageTarget reads, of conversation c and
// the sender's participant p; scanTarget takes them.
const targetCols = `c.seq, c.sid, c.state, c.timer_inactive_ms, c.timer_closed_ms,
	c.last_message_index, c.date_updated, COALESCE(p.sid, ''),
	EXISTS (SELECT 1 FROM participants b WHERE b.conversation_seq = c.seq AND b.binding_address IS NOT NULL AND b.binding_address != '')`

// readTargetsAhead reads the targets of the batch's sends in one statement,
// sent with what waits (the batch's BEGIN and write lock). It reports
// false when the statement failed: the transaction is then lost, and the
// batch must be rolled back.
func (db *DB) readTargetsAhead(batch []*writeOp) bool {
	w := db.writer
	a := &w.pipe.ahead
	var refs, senders []string
	seen := make(map[sendTarget]bool)
	for _, op := range batch {
		if op.target == nil || seen[*op.target] || !aheadable(*op.target) {
			continue
		}
		seen[*op.target] = true
		refs, senders = append(refs, op.target.ref), append(senders, op.target.sender)
	}
	if len(refs) == 0 {
		return true
	}
	// A participant without an identity stores NULL, never "", so a
	// target without a sender finds no one, as in MessageTarget.
	rows, err := w.pipeQuery(`SELECT t.ref, t.sender, `+targetCols+`
		FROM unnest(?::text[], ?::text[]) AS t(ref, sender)
		JOIN conversations c ON c.sid = t.ref
		LEFT JOIN participants p ON p.conversation_seq = c.seq AND p.identity = t.sender`, []any{refs, senders})
	if err != nil {
		return false
	}
	defer rows.Close()
	if a.answers == nil {
		a.answers, a.convs = make(map[sendTarget]*targetAnswer), make(map[string]*conversations.Conversation)
	}
	for t := range seen {
		a.answers[t] = nil
	}
	for rows.Next() {
		var t sendTarget
		var c conversations.Conversation
		var psid string
		if err := scanTarget(rows, &c, &psid, &t.ref, &t.sender); err != nil {
			a.off()
			return false
		}
		if a.convs[c.SID] == nil {
			a.convs[c.SID] = &c
		}
		a.answers[t] = &targetAnswer{c: a.convs[c.SID], psid: psid}
	}
	if rows.Err() != nil {
		a.off()
		return false
	}
	a.on = true
	return true
}

// scanTarget scans targetCols, after the columns in first.
func scanTarget(row interface{ Scan(...any) error }, c *conversations.Conversation, psid *string, first ...any) error {
	var inactiveMS, closedMS int64
	var updated sql.NullInt64
	var addresses bool
	dest := append(first, &c.Key, &c.SID, &c.State, &inactiveMS, &closedMS, &c.LastMessageIndex, &updated, psid, &addresses)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	c.Reach = conversations.ReachChatOnly
	if addresses {
		c.Reach = conversations.ReachAddresses
	}
	c.Updated = fromMS(updated)
	c.Timers.Inactive, c.Timers.Closed = time.Duration(inactiveMS)*time.Millisecond, time.Duration(closedMS)*time.Millisecond
	return nil
}

// target answers MessageTarget from what was read ahead; ok is false when
// nothing read ahead answers it (or nothing holds any longer).
func (a *readAhead) target(t sendTarget) (c conversations.Conversation, psid string, found, ok bool) {
	if !a.on {
		return c, "", false, false
	}
	ans, asked := a.answers[t]
	if !asked {
		return c, "", false, false
	}
	if ans == nil {
		return c, "", false, true
	}
	return *ans.c, ans.psid, true, true
}

// moved carries a conversation's activity, as UpdateActivity writes it,
// into the answers read ahead.
func (a *readAhead) moved(c conversations.Conversation) {
	if !a.on {
		return
	}
	if known := a.convs[c.SID]; known != nil {
		known.State, known.LastMessageIndex, known.Updated = c.State, c.LastMessageIndex, c.Updated
	}
}

// touch sees a statement the batch runs: one that may change an answer
// read ahead turns reading ahead off for the rest of the batch.
func (a *readAhead) touch(query string) {
	if a.on && query != updateActivity && changesTargets(query) {
		a.off()
	}
}

// changesTargets says whether a statement may change what MessageTarget
// reads: it writes conversations or participants, or it is not a plain
// SELECT, INSERT, UPDATE or DELETE whose table is plain to see. The
// schema changes those two tables by no trigger or cascade but a deleted
// conversation's, itself a write to conversations.
func changesTargets(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n")
	var rest string
	switch {
	case reads(q):
		return false
	case hasPrefixFold(q, "INSERT INTO "):
		rest = q[len("INSERT INTO "):]
	case hasPrefixFold(q, "UPDATE "):
		rest = q[len("UPDATE "):]
	case hasPrefixFold(q, "DELETE FROM "):
		rest = q[len("DELETE FROM "):]
	default:
		return true
	}
	rest = strings.TrimLeft(rest, " \t\r\n")
	end := strings.IndexFunc(rest, func(r rune) bool {
		return !(r == '_' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	})
	if end < 0 {
		end = len(rest)
	}
	table := strings.ToLower(rest[:end])
	table = table[strings.LastIndexByte(table, '.')+1:] // a schema's name before it
	return table == "" || table == "conversations" || table == "participants"
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// readAheadTarget is MessageTarget's answer read ahead, if the running
// write has one.
func (w *writeConn) readAheadTarget(ref, sender string) (conversations.Conversation, string, error, bool) {
	if w.pipe == nil {
		return conversations.Conversation{}, "", nil, false
	}
	c, psid, found, ok := w.pipe.ahead.target(sendTarget{ref, sender})
	if !ok {
		return c, "", nil, false
	}
	if !found {
		return c, "", notFound("Conversation", ref), true
	}
	return c, psid, nil, true
}
