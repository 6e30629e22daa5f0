package conversations

import (
	"context"
	"errors"
	"time"

	"parley/server/apperr"
	"parley/shared/sid"
)

// MessageParams are the settable fields of a message. Nil fields are left as
// they are (or at their defaults on create).
type MessageParams struct {
	Author         *string
	Body           *string
	Attributes     *string
	IdempotencyKey string
	// MediaSIDs are uploaded files to attach, on create only.
	MediaSIDs []string
	// Sender, when set, is the chat identity sending (SendAs): it must be a
	// participant, and it may attach only files it uploaded itself. The
	// account may send as any author and attach any file.
	Sender      string
	DateCreated *time.Time
	DateUpdated *time.Time

	// The identity (Sender, or else Author) whose participant the send
	// looked up while reading the conversation, and that participant: ""
	// if it is none.
	foundWho  string
	foundPSID string
}

// ErrDuplicateKey is returned by Tx.InsertMessage when the conversation
// already has a message with the same idempotency key.
var ErrDuplicateKey = errors.New("a message with this idempotency key exists")

// SendMessage appends a message to an open conversation and gives it the next
// index. A send that repeats an earlier IdempotencyKey returns the earlier
// message instead of storing a second one.
func (s *Service) SendMessage(ctx context.Context, convRef string, p MessageParams) (Message, error) {
	if s.wants(ctx, "onMessageAdd") {
		// A webhook hears only of messages that could be stored.
		if p.Sender != "" {
			if err := s.Participates(ctx, p.Sender, convRef); err != nil {
				return Message{}, err
			}
		}
		if err := s.ask(ctx, convRef, PreAction{Name: "onMessageAdd", NewMessage: &p}); err != nil {
			return Message{}, err
		}
	}
	// Without a sender, the read of the conversation finds the author's
	// participant, which the message is linked to: one query less on every
	// send through the REST API.
	who := p.Sender
	if who == "" && p.Author != nil {
		if a := authorOf(*p.Author); checkIdentity("Author", a) == nil {
			who = a
		}
	}
	var m Message
	err := s.store.UpdateSending(ctx, convRef, who, func(tx Tx) error {
		// The sender is checked inside the write, so the check and the
		// message are one consistent step; a sender who is not a
		// participant learns nothing, not even whether the conversation
		// exists.
		c, psid, err := tx.MessageTarget(ctx, convRef, who)
		if p.Sender != "" && (apperr.Is(err, apperr.NotFound) || err == nil && psid == "") {
			return notParticipant(p.Sender, convRef)
		}
		if err != nil {
			return err
		}
		p.foundWho, p.foundPSID = who, psid
		m, err = s.appendMessage(ctx, tx, &c, p)
		return err
	})
	return m, err
}

// appendMessage stores a message as the next of conversation c, updating c.
// Of c it needs only what MessageTarget reads.
func (s *Service) appendMessage(ctx context.Context, tx Tx, c *Conversation, p MessageParams) (Message, error) {
	if err := c.mustBeOpen("messages"); err != nil {
		// A retry of a send that made it before the close still gets its
		// message back.
		if p.IdempotencyKey != "" {
			if m, err := tx.MessageByIdempotencyKey(ctx, c.SID, p.IdempotencyKey); err == nil {
				return m, nil
			}
		}
		return Message{}, err
	}
	now := s.now()
	m := Message{
		SID:             sid.New(sid.Message),
		AccountSID:      s.accountSID,
		ConversationSID: c.SID,
		Index:           c.LastMessageIndex + 1,
		Author:          DefaultAuthor,
		IdempotencyKey:  p.IdempotencyKey,
		Created:         now,
		Updated:         now,
	}
	if (p.Body == nil || *p.Body == "") && len(p.MediaSIDs) == 0 {
		return m, apperr.Invalidf(apperr.CodeBodyRequired, "A message needs a Body or at least one MediaSid")
	}
	if err := s.applyMessageParams(ctx, tx, &m, p); err != nil {
		return m, err
	}
	media, err := attachments(ctx, tx, p)
	if errors.Is(err, errAttachedElsewhere) && p.IdempotencyKey != "" {
		// A retried send finds its media attached to its first copy.
		if m, err := tx.MessageByIdempotencyKey(ctx, c.SID, p.IdempotencyKey); err == nil {
			return m, nil
		}
	}
	if err != nil {
		return m, err
	}
	m.Media = media
	// A repeated idempotency key is found by the insert itself, saving a
	// lookup on every send.
	if err := tx.InsertMessage(m); errors.Is(err, ErrDuplicateKey) {
		return tx.MessageByIdempotencyKey(ctx, c.SID, p.IdempotencyKey)
	} else if err != nil {
		return m, err
	}
	c.LastMessageIndex = m.Index
	woke := c.State == Inactive // a new message wakes an inactive conversation
	if woke {
		c.State, c.Updated = Active, now
	}
	c.scheduleTimers(now)
	if err := tx.UpdateActivity(*c); err != nil {
		return m, err
	}
	if woke {
		// The event carries the whole conversation, and c may hold only
		// what a message changes (MessageTarget): read it back, as stored.
		whole, err := tx.Conversation(ctx, c.SID)
		if err != nil {
			return m, err
		}
		if err := s.record(ctx, tx, Event{Type: ConversationUpdated, ConversationSID: c.SID, Conversation: &whole, Before: Inactive}); err != nil {
			return m, err
		}
	}
	return m, s.record(ctx, tx, Event{Type: MessageAdded, ConversationSID: c.SID, Message: &m, Reach: c.Reach})
}

// MaxMediaPerMessage is how many files one message may carry.
const MaxMediaPerMessage = 10

var errAttachedElsewhere = errors.New("media is attached to another message")

// attachments checks the files a send attaches: each exists once, is free,
// and is the sender's own.
func attachments(ctx context.Context, tx Tx, p MessageParams) ([]Attachment, error) {
	if len(p.MediaSIDs) > MaxMediaPerMessage {
		return nil, apperr.Invalidf(apperr.CodeBadRequest,
			"A message may carry at most %d media; this one has %d", MaxMediaPerMessage, len(p.MediaSIDs))
	}
	var out []Attachment
	seen := make(map[string]bool, len(p.MediaSIDs))
	for _, ref := range p.MediaSIDs {
		if seen[ref] {
			return nil, apperr.Invalidf(apperr.CodeBadRequest, "MediaSid %s is given twice", ref)
		}
		seen[ref] = true
		f, err := tx.MediaFile(ctx, ref)
		if apperr.Is(err, apperr.NotFound) {
			return nil, apperr.Invalidf(apperr.CodeBadRequest, "MediaSid %s does not name an uploaded file; upload it first", ref)
		}
		if err != nil {
			return nil, err
		}
		if f.MessageSID != "" {
			return nil, errors.Join(errAttachedElsewhere, apperr.Conflictf(apperr.CodeBadRequest,
				"Media %s is already attached to message %s; upload the file again to send it twice", ref, f.MessageSID))
		}
		if p.Sender != "" && f.Author != p.Sender {
			return nil, apperr.New(apperr.Forbidden, apperr.CodeForbidden, "Media %s was uploaded by someone else; %s may attach only its own uploads", ref, p.Sender)
		}
		out = append(out, f.Attachment)
	}
	return out, nil
}

// authorOf is the author a message's Author parameter names.
func authorOf(a string) string {
	if a == "" {
		return DefaultAuthor
	}
	return a
}

func (s *Service) applyMessageParams(ctx context.Context, tx Tx, m *Message, p MessageParams) error {
	if p.Author != nil && *p.Author != m.Author {
		a := authorOf(*p.Author)
		if err := checkIdentity("Author", a); err != nil {
			return err
		}
		m.Author, m.ParticipantSID = a, ""
		// The author is linked to its participant when it is one, as Twilio does.
		if a == p.foundWho { // never "": authorOf names the default author
			m.ParticipantSID = p.foundPSID
		} else if psid, err := tx.ParticipantSID(ctx, m.ConversationSID, a); err == nil {
			m.ParticipantSID = psid
		} else if !apperr.Is(err, apperr.NotFound) {
			return err
		}
	}
	if p.Body != nil {
		if len(*p.Body) > MaxBodyBytes {
			return apperr.Invalidf(apperr.CodeBodyTooLong,
				"Body is %d bytes; the limit is %d bytes (32 KiB)", len(*p.Body), MaxBodyBytes)
		}
		m.Body = *p.Body
	}
	attrs, err := checkAttributes(p.Attributes, m.Attributes, MaxAttributesBytes)
	if err != nil {
		return err
	}
	m.Attributes = attrs
	if p.DateCreated != nil {
		m.Created = p.DateCreated.UTC().Truncate(time.Millisecond)
	}
	if p.DateUpdated != nil {
		m.Updated = p.DateUpdated.UTC().Truncate(time.Millisecond)
	}
	return nil
}

// Message fetches one message of a conversation.
func (s *Service) Message(ctx context.Context, convRef, messageSID string) (Message, error) {
	c, err := s.store.Conversation(ctx, convRef)
	if err != nil {
		return Message{}, err
	}
	return s.store.Message(ctx, c.SID, messageSID)
}

// Messages lists a conversation's messages by index.
func (s *Service) Messages(ctx context.Context, convRef string, order Order, p PageRequest) (Page[Message], error) {
	switch order {
	case "":
		order = Ascending
	case Ascending, Descending:
	default:
		return Page[Message]{}, apperr.Invalidf(apperr.CodeBadRequest, "Order %q is not asc or desc", order)
	}
	c, err := s.store.Conversation(ctx, convRef)
	if err != nil {
		return Page[Message]{}, err
	}
	return s.store.Messages(ctx, c.SID, order, p)
}

// UpdateMessage edits a message's author, body or attributes. Its index
// does not change.
func (s *Service) UpdateMessage(ctx context.Context, convRef, messageSID string, p MessageParams) (Message, error) {
	if err := s.ask(ctx, convRef, PreAction{Name: "onMessageUpdate", MessageSID: messageSID, NewMessage: &p}); err != nil {
		return Message{}, err
	}
	var m Message
	err := s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.Conversation(ctx, convRef)
		if err != nil {
			return err
		}
		if m, err = tx.Message(ctx, c.SID, messageSID); err != nil {
			return err
		}
		if p.Body != nil && *p.Body == "" {
			return apperr.Invalidf(apperr.CodeBadRequest, "Body cannot be emptied; delete the message instead")
		}
		m.Updated = s.now()
		if err := s.applyMessageParams(ctx, tx, &m, p); err != nil {
			return err
		}
		if err := tx.UpdateMessage(m); err != nil {
			return err
		}
		return s.record(ctx, tx, Event{Type: MessageUpdated, ConversationSID: c.SID, Message: &m})
	})
	return m, err
}

// DeleteMessage removes a message. Its index is not reused.
func (s *Service) DeleteMessage(ctx context.Context, convRef, messageSID string) error {
	if err := s.ask(ctx, convRef, PreAction{Name: "onMessageRemove", MessageSID: messageSID}); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.Conversation(ctx, convRef)
		if err != nil {
			return err
		}
		m, err := tx.Message(ctx, c.SID, messageSID)
		if err != nil {
			return err
		}
		if err := tx.DeleteMessage(c.SID, messageSID); err != nil {
			return err
		}
		return s.record(ctx, tx, Event{Type: MessageRemoved, ConversationSID: c.SID, Message: &m})
	})
}

// Receipts lists the delivery receipts of one message.
func (s *Service) Receipts(ctx context.Context, convRef, messageSID string, p PageRequest) (Page[Receipt], error) {
	c, err := s.store.Conversation(ctx, convRef)
	if err != nil {
		return Page[Receipt]{}, err
	}
	if _, err := s.store.Message(ctx, c.SID, messageSID); err != nil {
		return Page[Receipt]{}, err
	}
	return s.store.Receipts(ctx, c.SID, messageSID, p)
}

// Receipt fetches one delivery receipt.
func (s *Service) Receipt(ctx context.Context, convRef, messageSID, receiptSID string) (Receipt, error) {
	c, err := s.store.Conversation(ctx, convRef)
	if err != nil {
		return Receipt{}, err
	}
	return s.store.Receipt(ctx, c.SID, messageSID, receiptSID)
}

// Summarize folds receipt counts by status into a delivery summary. A status
// also counts towards the ones before it: a read message was delivered and sent.
func Summarize(counts map[ReceiptStatus]int) *Delivery {
	total := 0
	for _, n := range counts {
		total += n
	}
	if total == 0 {
		return nil
	}
	share := func(n int) Share {
		switch {
		case n == 0:
			return None
		case n >= total:
			return All
		}
		return Some
	}
	read := counts[Read]
	delivered := counts[Delivered] + read
	sent := counts[Sent] + delivered
	return &Delivery{
		Total:       total,
		Sent:        share(sent),
		Delivered:   share(delivered),
		Read:        share(read),
		Failed:      share(counts[Failed]),
		Undelivered: share(counts[Undelivered]),
	}
}
