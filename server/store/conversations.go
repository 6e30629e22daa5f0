package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/outbox"
	"parley/shared/sid"
)

// Conversations is the SQLite implementation of conversations.Store.
type Conversations struct {
	db *DB
	convReader
}

// NewConversations returns the conversations store inside db.
func NewConversations(db *DB) *Conversations {
	return &Conversations{db: db, convReader: convReader{q: db.reads}}
}

// Update runs fn in a write transaction on the writer goroutine.
func (s *Conversations) Update(ctx context.Context, fn func(conversations.Tx) error) error {
	return s.db.Write(ctx, s.tx(fn))
}

// UpdateSending is Update for a send, whose write reads
// MessageTarget(ref, sender) first: a batch of them reads their targets
// ahead, together (see readahead.go).
func (s *Conversations) UpdateSending(ctx context.Context, ref, sender string, fn func(conversations.Tx) error) error {
	return s.db.queueWrite(ctx, &writeOp{fn: s.tx(fn), target: &sendTarget{ref, sender}})
}

func (s *Conversations) tx(fn func(conversations.Tx) error) func(WriteTx) error {
	return func(q WriteTx) error {
		return fn(convTx{convReader: convReader{q: q}, w: q, db: s.db})
	}
}

type convReader struct{ q Querier }

type convTx struct {
	convReader
	w  WriteTx
	db *DB
}

var _ conversations.Store = (*Conversations)(nil)

func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func notFound(what, ref string) error {
	return apperr.NotFoundf("The requested resource %s %s was not found", what, ref)
}

// ---- conversations ----

const convCols = `c.seq, c.sid, c.account_sid, c.service_sid, c.messaging_service_sid, c.unique_name,
	c.friendly_name, c.attributes, c.state, c.timer_inactive_ms, c.timer_closed_ms, c.date_inactive,
	c.date_closed, c.last_message_index, c.date_created, c.date_updated`

func scanConversation(row interface{ Scan(...any) error }) (conversations.Conversation, error) {
	var c conversations.Conversation
	var unique sql.NullString
	var inactiveMS, closedMS int64
	var dInactive, dClosed, created, updated sql.NullInt64
	err := row.Scan(&c.Key, &c.SID, &c.AccountSID, &c.ServiceSID, &c.MessagingServiceSID, &unique,
		&c.FriendlyName, &c.Attributes, &c.State, &inactiveMS, &closedMS, &dInactive,
		&dClosed, &c.LastMessageIndex, &created, &updated)
	c.UniqueName = unique.String
	c.Timers = conversations.Timers{
		Inactive:     time.Duration(inactiveMS) * time.Millisecond,
		Closed:       time.Duration(closedMS) * time.Millisecond,
		DateInactive: fromMS(dInactive),
		DateClosed:   fromMS(dClosed),
	}
	c.Created, c.Updated = fromMS(created), fromMS(updated)
	return c, err
}

// convByRef is the condition on conversations c that finds ref: a SID, or
// else a unique name.
func convByRef(ref string) string {
	if sid.Looks(ref) {
		return "c.sid = ?"
	}
	return "c.unique_name = ?"
}

func (r convReader) Conversation(ctx context.Context, ref string) (conversations.Conversation, error) {
	c, err := scanConversation(r.q.QueryRowContext(ctx, "SELECT "+convCols+" FROM conversations c WHERE "+convByRef(ref), ref))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("Conversation", ref)
	}
	return c, err
}

func (r convReader) Conversations(ctx context.Context, f conversations.ConversationFilter, p conversations.PageRequest) (conversations.Page[conversations.Conversation], error) {
	var where []string
	var args []any
	if f.State != "" {
		where, args = append(where, "c.state = ?"), append(args, string(f.State))
	}
	if !f.Start.IsZero() {
		where, args = append(where, "c.date_created >= ?"), append(args, f.Start.UnixMilli())
	}
	if !f.End.IsZero() {
		where, args = append(where, "c.date_created <= ?"), append(args, f.End.UnixMilli())
	}
	return listPage(ctx, r.q, "SELECT "+convCols+" FROM conversations c", where, args,
		"c.seq", f.NewestFirstOrder, p, scanConversation)
}

func (t convTx) InsertConversation(c conversations.Conversation) error {
	_, err := t.q.ExecContext(context.Background(), `INSERT INTO conversations (sid, account_sid, service_sid,
		messaging_service_sid, unique_name, friendly_name, attributes, state, timer_inactive_ms, timer_closed_ms,
		date_inactive, date_closed, last_message_index, date_created, date_updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.SID, c.AccountSID, c.ServiceSID, c.MessagingServiceSID, nullIfEmpty(c.UniqueName), c.FriendlyName,
		c.Attributes, string(c.State), c.Timers.Inactive.Milliseconds(), c.Timers.Closed.Milliseconds(),
		ms(c.Timers.DateInactive), ms(c.Timers.DateClosed), c.LastMessageIndex, ms(c.Created), ms(c.Updated))
	return err
}

func (t convTx) UpdateConversation(c conversations.Conversation) error {
	_, err := t.q.ExecContext(context.Background(), `UPDATE conversations SET messaging_service_sid = ?,
		unique_name = ?, friendly_name = ?, attributes = ?, state = ?, timer_inactive_ms = ?, timer_closed_ms = ?,
		date_inactive = ?, date_closed = ?, last_message_index = ?, date_created = ?, date_updated = ?
		WHERE sid = ?`,
		c.MessagingServiceSID, nullIfEmpty(c.UniqueName), c.FriendlyName, c.Attributes, string(c.State),
		c.Timers.Inactive.Milliseconds(), c.Timers.Closed.Milliseconds(), ms(c.Timers.DateInactive),
		ms(c.Timers.DateClosed), c.LastMessageIndex, ms(c.Created), ms(c.Updated), c.SID)
	return err
}

func (t convTx) MessageTarget(ctx context.Context, ref, sender string) (conversations.Conversation, string, error) {
	if c, psid, err, ok := t.db.writer.readAheadTarget(ref, sender); ok {
		return c, psid, err
	}
	var c conversations.Conversation
	var senderPSID string
	// A participant without an identity stores NULL, never "", so without
	// a sender the join finds no one. Whether any participant is reached
	// at an address comes in the same round trip, by the participants'
	// (conversation, address, proxy) index.
	err := scanTarget(t.q.QueryRowContext(ctx, `SELECT `+targetCols+`
		FROM conversations c
		LEFT JOIN participants p ON p.conversation_seq = c.seq AND p.identity = ?
		WHERE `+convByRef(ref), sender, ref), &c, &senderPSID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, "", notFound("Conversation", ref)
	}
	return c, senderPSID, err
}

// updateActivity is UpdateActivity's statement. Naming an indexed column in
// SET makes SQLite rewrite its index entry even when the value is the
// same, so it sets only what a message changes.
const updateActivity = `UPDATE conversations SET state = ?, date_inactive = ?,
		date_closed = ?, last_message_index = ?, date_updated = ? WHERE sid = ?`

func (t convTx) UpdateActivity(c conversations.Conversation) error {
	if p := t.db.writer.pipe; p != nil {
		p.ahead.moved(c)
	}
	args := []any{string(c.State), ms(c.Timers.DateInactive), ms(c.Timers.DateClosed), c.LastMessageIndex, ms(c.Updated), c.SID}
	if t.w.Later(updateActivity, args...) {
		return nil
	}
	_, err := t.q.ExecContext(context.Background(), updateActivity, args...)
	return err
}

func (t convTx) DeleteConversation(sid string) error {
	t.db.mediaMayBeGone(t.w)
	_, err := t.q.ExecContext(context.Background(), "DELETE FROM conversations WHERE sid = ?", sid)
	return err
}

func (t convTx) ApplyTimers(now time.Time) ([]conversations.StateChange, error) {
	ctx, n := context.Background(), now.UnixMilli()
	rows, err := t.q.QueryContext(ctx, "SELECT "+convCols+` FROM conversations c
		WHERE (c.date_closed <= ? AND c.state != 'closed') OR (c.date_inactive <= ? AND c.state = 'active')`, n, n)
	if err != nil {
		return nil, err
	}
	var due []conversations.Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		due = append(due, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	changes := make([]conversations.StateChange, len(due))
	for i := range due {
		c := &due[i]
		changes[i].Before = c.State
		if !c.Timers.DateClosed.IsZero() && c.Timers.DateClosed.UnixMilli() <= n {
			c.State = conversations.Closed
			c.Timers.DateClosed, c.Timers.DateInactive = time.Time{}, time.Time{}
		} else {
			c.State = conversations.Inactive
			c.Timers.DateInactive = time.Time{}
		}
		c.Updated = now
		if err := t.UpdateConversation(*c); err != nil {
			return nil, err
		}
		changes[i].Conversation = *c
	}
	return changes, nil
}

// ---- participants ----

const partCols = `p.seq, p.sid, c.account_sid, c.sid, p.identity, p.binding_type, p.binding_address,
	p.binding_proxy, p.binding_projected, p.attributes, p.role_sid, p.last_read_index, p.last_read_at,
	p.date_created, p.date_updated`

func scanParticipant(row interface{ Scan(...any) error }) (conversations.Participant, error) {
	var p conversations.Participant
	var identity, bType, bAddr, bProxy, bProj sql.NullString
	var lastRead sql.NullInt64
	var lastReadAt, created, updated sql.NullInt64
	err := row.Scan(&p.Key, &p.SID, &p.AccountSID, &p.ConversationSID, &identity, &bType, &bAddr,
		&bProxy, &bProj, &p.Attributes, &p.RoleSID, &lastRead, &lastReadAt, &created, &updated)
	p.Identity = identity.String
	if bType.Valid {
		p.Binding = &conversations.Binding{Type: bType.String, Address: bAddr.String,
			ProxyAddress: bProxy.String, ProjectedAddress: bProj.String}
	}
	if lastRead.Valid {
		i := int(lastRead.Int64)
		p.LastReadIndex = &i
	}
	p.LastReadAt, p.Created, p.Updated = fromMS(lastReadAt), fromMS(created), fromMS(updated)
	return p, err
}

const partFrom = " FROM participants p JOIN conversations c ON c.seq = p.conversation_seq"

func (r convReader) Participant(ctx context.Context, conversationSID, ref string) (conversations.Participant, error) {
	where := " WHERE c.sid = ? AND p.identity = ?"
	if sid.Looks(ref) {
		where = " WHERE c.sid = ? AND p.sid = ?"
	}
	p, err := scanParticipant(r.q.QueryRowContext(ctx, "SELECT "+partCols+partFrom+where, conversationSID, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("Participant", ref)
	}
	return p, err
}

func (r convReader) ParticipantSID(ctx context.Context, conversationRef, identity string) (string, error) {
	var psid string
	err := r.q.QueryRowContext(ctx, "SELECT p.sid"+partFrom+" WHERE "+convByRef(conversationRef)+" AND p.identity = ?",
		conversationRef, identity).Scan(&psid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("Participant", identity)
	}
	return psid, err
}

func (r convReader) ParticipantByBinding(ctx context.Context, conversationSID, address, proxy string) (conversations.Participant, error) {
	p, err := scanParticipant(r.q.QueryRowContext(ctx, "SELECT "+partCols+partFrom+
		" WHERE c.sid = ? AND p.binding_address = ? AND p.binding_proxy = ?", conversationSID, address, proxy))
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("Participant", address)
	}
	return p, err
}

func (r convReader) Participants(ctx context.Context, conversationSID string, p conversations.PageRequest) (conversations.Page[conversations.Participant], error) {
	return listPage(ctx, r.q, "SELECT "+partCols+partFrom, []string{"c.sid = ?"}, []any{conversationSID},
		"p.seq", false, p, scanParticipant)
}

func bindingCols(b *conversations.Binding) (typ, addr, proxy, proj any) {
	if b == nil {
		return nil, nil, nil, nil
	}
	return b.Type, nullIfEmpty(b.Address), nullIfEmpty(b.ProxyAddress), nullIfEmpty(b.ProjectedAddress)
}

func intOrNull(i *int) any {
	if i == nil {
		return nil
	}
	return *i
}

func (t convTx) InsertParticipant(p conversations.Participant) error {
	typ, addr, proxy, proj := bindingCols(p.Binding)
	_, err := t.q.ExecContext(context.Background(), `INSERT INTO participants (sid, conversation_seq, identity,
		binding_type, binding_address, binding_proxy, binding_projected, attributes, role_sid, last_read_index,
		last_read_at, date_created, date_updated)
		VALUES (?, (SELECT seq FROM conversations WHERE sid = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.SID, p.ConversationSID, nullIfEmpty(p.Identity), typ, addr, proxy, proj, p.Attributes, p.RoleSID,
		intOrNull(p.LastReadIndex), ms(p.LastReadAt), ms(p.Created), ms(p.Updated))
	return err
}

func (t convTx) UpdateParticipant(p conversations.Participant) error {
	typ, addr, proxy, proj := bindingCols(p.Binding)
	_, err := t.q.ExecContext(context.Background(), `UPDATE participants SET identity = ?, binding_type = ?,
		binding_address = ?, binding_proxy = ?, binding_projected = ?, attributes = ?, role_sid = ?,
		last_read_index = ?, last_read_at = ?, date_created = ?, date_updated = ? WHERE sid = ?`,
		nullIfEmpty(p.Identity), typ, addr, proxy, proj, p.Attributes, p.RoleSID,
		intOrNull(p.LastReadIndex), ms(p.LastReadAt), ms(p.Created), ms(p.Updated), p.SID)
	return err
}

func (t convTx) DeleteParticipant(conversationSID, sid string) error {
	_, err := t.q.ExecContext(context.Background(), `DELETE FROM participants WHERE sid = ?
		AND conversation_seq = (SELECT seq FROM conversations WHERE sid = ?)`, sid, conversationSID)
	return err
}

// ---- messages ----

const msgCols = `m.idx, m.sid, c.account_sid, c.sid, m.author, m.body, m.attributes, m.participant_sid,
	m.idempotency_key, m.date_created, m.date_updated, m.media`

const msgFrom = " FROM messages m JOIN conversations c ON c.seq = m.conversation_seq"

func scanMessage(row interface{ Scan(...any) error }) (conversations.Message, error) {
	var m conversations.Message
	var key, media sql.NullString
	var created, updated sql.NullInt64
	err := row.Scan(&m.Index, &m.SID, &m.AccountSID, &m.ConversationSID, &m.Author, &m.Body, &m.Attributes,
		&m.ParticipantSID, &key, &created, &updated, &media)
	m.IdempotencyKey = key.String
	m.Created, m.Updated = fromMS(created), fromMS(updated)
	if err == nil && media.Valid {
		err = json.Unmarshal([]byte(media.String), &m.Media)
	}
	return m, err
}

func (r convReader) Message(ctx context.Context, conversationSID, messageSID string) (conversations.Message, error) {
	m, err := scanMessage(r.q.QueryRowContext(ctx, "SELECT "+msgCols+msgFrom+" WHERE m.sid = ? AND c.sid = ?",
		messageSID, conversationSID))
	if errors.Is(err, sql.ErrNoRows) {
		return m, notFound("Message", messageSID)
	}
	if err != nil {
		return m, err
	}
	ms := []conversations.Message{m}
	err = r.attachDelivery(ctx, ms)
	return ms[0], err
}

func (r convReader) MessageByIdempotencyKey(ctx context.Context, conversationSID, key string) (conversations.Message, error) {
	m, err := scanMessage(r.q.QueryRowContext(ctx, "SELECT "+msgCols+msgFrom+
		" WHERE c.sid = ? AND m.idempotency_key = ?", conversationSID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return m, notFound("Message with idempotency key", key)
	}
	return m, err
}

func (r convReader) Messages(ctx context.Context, conversationSID string, order conversations.Order, p conversations.PageRequest) (conversations.Page[conversations.Message], error) {
	var seq int64
	err := r.q.QueryRowContext(ctx, "SELECT seq FROM conversations WHERE sid = ?", conversationSID).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return conversations.Page[conversations.Message]{}, notFound("Conversation", conversationSID)
	}
	if err != nil {
		return conversations.Page[conversations.Message]{}, err
	}
	page, err := listPage(ctx, r.q, "SELECT "+msgCols+msgFrom, []string{"m.conversation_seq = ?"}, []any{seq},
		"m.idx", order == conversations.Descending, p, scanMessage)
	if err != nil {
		return page, err
	}
	return page, r.attachDelivery(ctx, page.Items)
}

// attachDelivery fills in the delivery summary of messages that have receipts.
func (r convReader) attachDelivery(ctx context.Context, msgs []conversations.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	args := make([]any, len(msgs))
	for i, m := range msgs {
		args[i] = m.SID
	}
	rows, err := r.q.QueryContext(ctx, `SELECT message_sid, status, count(*) FROM receipts
		WHERE message_sid IN (?`+strings.Repeat(", ?", len(msgs)-1)+`) GROUP BY message_sid, status`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	counts := map[string]map[conversations.ReceiptStatus]int{}
	for rows.Next() {
		var msg, status string
		var n int
		if err := rows.Scan(&msg, &status, &n); err != nil {
			return err
		}
		if counts[msg] == nil {
			counts[msg] = map[conversations.ReceiptStatus]int{}
		}
		counts[msg][conversations.ReceiptStatus(status)] = n
	}
	for i := range msgs {
		if c := counts[msgs[i].SID]; c != nil {
			msgs[i].Delivery = conversations.Summarize(c)
		}
	}
	return rows.Err()
}

func (t convTx) InsertMessage(m conversations.Message) error {
	var media any
	if len(m.Media) > 0 {
		b, err := json.Marshal(m.Media)
		if err != nil {
			return err
		}
		media = string(b)
	}
	ctx := context.Background()
	// The message's "added" event will most likely be the next event this
	// write appends: its seq goes into the row now, saving an UPDATE (a
	// round trip, on PostgreSQL) when AppendEvent comes (see there).
	seq, err := t.db.seqs.next(t.db.writer)
	if err != nil {
		return err
	}
	const insert = `INSERT INTO messages (conversation_seq, idx, sid, author,
		body, attributes, participant_sid, idempotency_key, date_created, date_updated, media, event_seq)
		VALUES ((SELECT seq FROM conversations WHERE sid = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	args := []any{m.ConversationSID, m.Index, m.SID, m.Author, m.Body, m.Attributes, m.ParticipantSID,
		nullIfEmpty(m.IdempotencyKey), ms(m.Created), ms(m.Updated), media, seq}
	if t.w.Later(insert, args...) {
		// Sent ahead, a repeated key fails the unique index, and the write
		// runs again with the insert below, which finds the earlier message.
		t.db.seqs.inRow = rowSeq{message: m.SID, seq: seq}
		return t.attachMedia(m)
	}
	res, err := t.q.ExecContext(ctx, insert+`
		ON CONFLICT (conversation_seq, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`, args...)
	if err != nil {
		return err
	}
	t.db.seqs.inRow = rowSeq{message: m.SID, seq: seq}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return conversations.ErrDuplicateKey
	}
	return t.attachMedia(m)
}

// attachMedia links the message's media to it.
func (t convTx) attachMedia(m conversations.Message) error {
	const attach = `UPDATE media SET conversation_sid = ?, message_sid = ?, date_updated = ? WHERE sid = ?`
	for _, a := range m.Media {
		args := []any{m.ConversationSID, m.SID, ms(m.Updated), a.SID}
		if t.w.Later(attach, args...) {
			continue
		}
		if _, err := t.q.ExecContext(context.Background(), attach, args...); err != nil {
			return err
		}
	}
	return nil
}

func (r convReader) MediaFile(ctx context.Context, sid string) (conversations.MediaFile, error) {
	var f conversations.MediaFile
	var msg sql.NullString
	err := r.q.QueryRowContext(ctx, `SELECT sid, content_type, filename, size, author, message_sid FROM media WHERE sid = ?`, sid).
		Scan(&f.SID, &f.ContentType, &f.Filename, &f.Size, &f.Author, &msg)
	if errors.Is(err, sql.ErrNoRows) {
		return f, notFound("Media", sid)
	}
	f.MessageSID = msg.String
	return f, err
}

func (t convTx) UpdateMessage(m conversations.Message) error {
	_, err := t.q.ExecContext(context.Background(), `UPDATE messages SET author = ?, body = ?, attributes = ?,
		participant_sid = ?, date_created = ?, date_updated = ? WHERE sid = ?`,
		m.Author, m.Body, m.Attributes, m.ParticipantSID, ms(m.Created), ms(m.Updated), m.SID)
	return err
}

func (t convTx) DeleteMessage(conversationSID, sid string) error {
	t.db.mediaMayBeGone(t.w)
	_, err := t.q.ExecContext(context.Background(), `DELETE FROM messages WHERE sid = ?
		AND conversation_seq = (SELECT seq FROM conversations WHERE sid = ?)`, sid, conversationSID)
	return err
}

// ---- receipts ----

const receiptCols = `r.seq, r.sid, c.account_sid, c.sid, r.message_sid, r.participant_sid,
	r.channel_message_sid, r.status, r.error_code, r.date_created, r.date_updated`

const receiptFrom = " FROM receipts r JOIN conversations c ON c.seq = r.conversation_seq"

func scanReceipt(row interface{ Scan(...any) error }) (conversations.Receipt, error) {
	var r conversations.Receipt
	var created, updated sql.NullInt64
	err := row.Scan(&r.Key, &r.SID, &r.AccountSID, &r.ConversationSID, &r.MessageSID, &r.ParticipantSID,
		&r.ChannelMessageSID, &r.Status, &r.ErrorCode, &created, &updated)
	r.Created, r.Updated = fromMS(created), fromMS(updated)
	return r, err
}

func (r convReader) Receipt(ctx context.Context, conversationSID, messageSID, receiptSID string) (conversations.Receipt, error) {
	rc, err := scanReceipt(r.q.QueryRowContext(ctx, "SELECT "+receiptCols+receiptFrom+
		" WHERE r.sid = ? AND r.message_sid = ? AND c.sid = ?", receiptSID, messageSID, conversationSID))
	if errors.Is(err, sql.ErrNoRows) {
		return rc, notFound("Receipt", receiptSID)
	}
	return rc, err
}

func (r convReader) Receipts(ctx context.Context, conversationSID, messageSID string, p conversations.PageRequest) (conversations.Page[conversations.Receipt], error) {
	return listPage(ctx, r.q, "SELECT "+receiptCols+receiptFrom, []string{"r.message_sid = ?", "c.sid = ?"},
		[]any{messageSID, conversationSID}, "r.seq", false, p, scanReceipt)
}

func (r convReader) ReceiptByChannelMessage(ctx context.Context, channelMessageSID string) (conversations.Receipt, error) {
	rc, err := scanReceipt(r.q.QueryRowContext(ctx, "SELECT "+receiptCols+receiptFrom+
		" WHERE r.channel_message_sid = ? AND r.channel_message_sid != ''", channelMessageSID))
	if errors.Is(err, sql.ErrNoRows) {
		return rc, notFound("Receipt for channel message", channelMessageSID)
	}
	return rc, err
}

func (t convTx) InsertReceipt(rc conversations.Receipt) error {
	_, err := t.q.ExecContext(context.Background(), `INSERT INTO receipts (sid, conversation_seq, message_sid,
		participant_sid, channel_message_sid, status, error_code, date_created, date_updated)
		VALUES (?, (SELECT seq FROM conversations WHERE sid = ?), ?, ?, ?, ?, ?, ?, ?)`,
		rc.SID, rc.ConversationSID, rc.MessageSID, rc.ParticipantSID, rc.ChannelMessageSID, string(rc.Status),
		rc.ErrorCode, ms(rc.Created), ms(rc.Updated))
	return err
}

func (t convTx) UpdateReceipt(rc conversations.Receipt) error {
	_, err := t.q.ExecContext(context.Background(), `UPDATE receipts SET status = ?, error_code = ?, date_updated = ?
		WHERE sid = ?`, string(rc.Status), rc.ErrorCode, ms(rc.Updated), rc.SID)
	return err
}

func (t convTx) Enqueue(jobs ...outbox.Job) error {
	return t.db.enqueueInWrite(context.Background(), t.w, jobs)
}

func (r convReader) OpenConversationByBinding(ctx context.Context, address, proxy string) (conversations.Conversation, error) {
	c, err := scanConversation(r.q.QueryRowContext(ctx, "SELECT "+convCols+` FROM participants p
		JOIN conversations c ON c.seq = p.conversation_seq
		WHERE p.binding_address = ? AND p.binding_proxy = ? AND c.state != 'closed'
		ORDER BY p.seq DESC LIMIT 1`, address, proxy))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("Conversation with binding", address)
	}
	return c, err
}

// ---- users ----

const userCols = `u.seq, u.sid, u.account_sid, u.service_sid, u.identity, u.friendly_name, u.attributes,
	u.role_sid, u.date_created, u.date_updated`

func scanUser(row interface{ Scan(...any) error }) (conversations.User, error) {
	var u conversations.User
	var created, updated sql.NullInt64
	err := row.Scan(&u.Key, &u.SID, &u.AccountSID, &u.ServiceSID, &u.Identity, &u.FriendlyName, &u.Attributes,
		&u.RoleSID, &created, &updated)
	u.Created, u.Updated = fromMS(created), fromMS(updated)
	return u, err
}

func (r convReader) User(ctx context.Context, ref string) (conversations.User, error) {
	where := " WHERE u.identity = ?"
	if sid.Looks(ref) {
		where = " WHERE u.sid = ?"
	}
	u, err := scanUser(r.q.QueryRowContext(ctx, "SELECT "+userCols+" FROM users u"+where, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("User", ref)
	}
	return u, err
}

func (r convReader) Users(ctx context.Context, p conversations.PageRequest) (conversations.Page[conversations.User], error) {
	return listPage(ctx, r.q, "SELECT "+userCols+" FROM users u", nil, nil, "u.seq", false, p, scanUser)
}

func (t convTx) InsertUser(u conversations.User) error {
	_, err := t.q.ExecContext(context.Background(), `INSERT INTO users (sid, account_sid, service_sid, identity,
		friendly_name, attributes, role_sid, date_created, date_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.SID, u.AccountSID, u.ServiceSID, u.Identity, u.FriendlyName, u.Attributes, u.RoleSID,
		ms(u.Created), ms(u.Updated))
	return err
}

func (t convTx) UpdateUser(u conversations.User) error {
	_, err := t.q.ExecContext(context.Background(), `UPDATE users SET friendly_name = ?, attributes = ?,
		role_sid = ?, date_updated = ? WHERE sid = ?`, u.FriendlyName, u.Attributes, u.RoleSID, ms(u.Updated), u.SID)
	return err
}

func (t convTx) DeleteUser(sid string) error {
	_, err := t.q.ExecContext(context.Background(), "DELETE FROM users WHERE sid = ?", sid)
	return err
}

// ---- memberships ----

func scanMembership(row interface{ Scan(...any) error }) (conversations.Membership, error) {
	var m conversations.Membership
	var c conversations.Conversation
	var p conversations.Participant
	var unique, identity, bType, bAddr, bProxy, bProj sql.NullString
	var inactiveMS, closedMS int64
	var dInactive, dClosed, created, updated, lastRead, lastReadAt, pCreated, pUpdated sql.NullInt64
	err := row.Scan(&c.Key, &c.SID, &c.AccountSID, &c.ServiceSID, &c.MessagingServiceSID, &unique,
		&c.FriendlyName, &c.Attributes, &c.State, &inactiveMS, &closedMS, &dInactive,
		&dClosed, &c.LastMessageIndex, &created, &updated,
		&p.Key, &p.SID, &identity, &bType, &bAddr, &bProxy, &bProj, &p.Attributes, &p.RoleSID,
		&lastRead, &lastReadAt, &pCreated, &pUpdated)
	c.UniqueName = unique.String
	c.Timers = conversations.Timers{
		Inactive: time.Duration(inactiveMS) * time.Millisecond, Closed: time.Duration(closedMS) * time.Millisecond,
		DateInactive: fromMS(dInactive), DateClosed: fromMS(dClosed),
	}
	c.Created, c.Updated = fromMS(created), fromMS(updated)
	p.AccountSID, p.ConversationSID, p.Identity = c.AccountSID, c.SID, identity.String
	if bType.Valid {
		p.Binding = &conversations.Binding{Type: bType.String, Address: bAddr.String,
			ProxyAddress: bProxy.String, ProjectedAddress: bProj.String}
	}
	if lastRead.Valid {
		i := int(lastRead.Int64)
		p.LastReadIndex = &i
	}
	p.LastReadAt, p.Created, p.Updated = fromMS(lastReadAt), fromMS(pCreated), fromMS(pUpdated)
	m.Key, m.Conversation, m.Participant = p.Key, c, p
	return m, err
}

func (r convReader) Memberships(ctx context.Context, f conversations.MembershipFilter, p conversations.PageRequest) (conversations.Page[conversations.Membership], error) {
	where, arg := "p.identity = ?", f.Identity
	switch {
	case f.Address != "":
		where, arg = "p.binding_address = ?", f.Address
	case f.Conversation != "":
		where, arg = "c.sid = ?", f.Conversation
	}
	wheres, args := []string{where}, []any{arg}
	if f.With != "" {
		wheres = append(wheres, "EXISTS (SELECT 1 FROM participants w WHERE w.conversation_seq = p.conversation_seq AND w.identity = ?)")
		args = append(args, f.With)
	}
	return listPage(ctx, r.q, "SELECT "+convCols+`, p.seq, p.sid, p.identity, p.binding_type, p.binding_address,
		p.binding_proxy, p.binding_projected, p.attributes, p.role_sid, p.last_read_index, p.last_read_at,
		p.date_created, p.date_updated`+partFrom, wheres, args, "p.seq", false, p, scanMembership)
}

// ConversationsWithBindings lists the conversations, not closed, that have
// a messaging (SMS, WhatsApp) participant.
func (s *Conversations) ConversationsWithBindings(ctx context.Context) ([]string, error) {
	return column[string](ctx, s.db.reads, `SELECT DISTINCT c.sid FROM participants p
		JOIN conversations c ON c.seq = p.conversation_seq
		WHERE p.binding_address IS NOT NULL AND p.binding_address != '' AND c.state != 'closed'`)
}
