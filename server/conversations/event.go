package conversations

import (
	"context"
	"time"
)

// EventType names a change to a conversation that participants hear about.
type EventType string

// Event types. They are persisted in the event log, in commit order, and
// published to live subscribers after their transaction commits.
const (
	ConversationAdded   EventType = "conversation_added" // targeted: the identity joined it
	ConversationUpdated EventType = "conversation_updated"
	ConversationRemoved EventType = "conversation_removed" // targeted: deleted, or the identity left
	ParticipantAdded    EventType = "participant_added"
	ParticipantUpdated  EventType = "participant_updated"
	ParticipantRemoved  EventType = "participant_removed"
	MessageAdded        EventType = "message_added"
	MessageUpdated      EventType = "message_updated"
	MessageRemoved      EventType = "message_removed"
)

// Observed-only event types: observers hear them, the log does not keep
// them (no participant's client needs them).
const (
	ConversationCreated EventType = "conversation_created"
	ConversationDeleted EventType = "conversation_deleted"
	DeliveryUpdated     EventType = "delivery_updated" // a channel reported on a message
)

// Event is one change, as recorded in the event log.
type Event struct {
	// Seq is the event's position in the log: assigned at commit, it only
	// grows, so it orders every event and serves as a resume cursor.
	Seq             int64
	Type            EventType
	ConversationSID string
	// Target, when set, is the one identity the event is for; otherwise it
	// is for every participant of the conversation.
	Target string
	Time   time.Time

	// One of these is the changed resource, as it is after the change (or
	// was before a removal).
	Conversation *Conversation
	Participant  *Participant
	Message      *Message
	Receipt      *Receipt // DeliveryUpdated only

	// Before is the conversation's state before a ConversationUpdated
	// that changed it; empty otherwise. Observers only.
	Before State
	// Origin is who made the change. Observers only.
	Origin Origin
	// Reach, on a MessageAdded, is the conversation's as the message was
	// written (ReachUnknown when not read). Observers only.
	Reach Reach
}

// Publisher hears about events after they commit, one at a time, in
// commit order. It must not block: it runs on the store's writer.
type Publisher interface {
	Publish(Event)
}

// Observer hears about every event inside the transaction that makes it,
// so work it adds to tx (an outbox job) commits or rolls back with the
// change. It must be quick and must not wait on anything outside tx.
type Observer interface {
	Observe(tx Tx, e Event) error
}

// record appends an event to the log within tx and publishes it once tx
// commits.
func (s *Service) record(ctx context.Context, tx Tx, e Event) error {
	e.Time = s.now()
	e, err := tx.AppendEvent(e)
	if err != nil {
		return err
	}
	if err := s.observe(ctx, tx, e); err != nil {
		return err
	}
	if s.publisher != nil {
		tx.AfterCommit(func() { s.publisher.Publish(e) })
	}
	return nil
}

// observe tells the observers of e, which the log may or may not keep.
func (s *Service) observe(ctx context.Context, tx Tx, e Event) error {
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	e.Origin = OriginOf(ctx)
	for _, o := range s.observers {
		if err := o.Observe(tx, e); err != nil {
			return err
		}
	}
	return nil
}

// SetPublisher sets who hears about committed events.
func (s *Service) SetPublisher(p Publisher) { s.publisher = p }

// Observe adds an observer of every change, inside its transaction.
// Call it before the service is used.
func (s *Service) Observe(o Observer) { s.observers = append(s.observers, o) }

// recordJoin records a participant joining: everyone in the conversation
// hears of the participant, and a chat identity also hears of the
// conversation itself.
func (s *Service) recordJoin(ctx context.Context, tx Tx, c Conversation, p Participant) error {
	if err := s.record(ctx, tx, Event{Type: ParticipantAdded, ConversationSID: c.SID, Participant: &p}); err != nil {
		return err
	}
	if p.Identity == "" {
		return nil
	}
	return s.record(ctx, tx, Event{Type: ConversationAdded, ConversationSID: c.SID, Target: p.Identity, Conversation: &c})
}

// recordLeave records a participant leaving; the mirror of recordJoin.
func (s *Service) recordLeave(ctx context.Context, tx Tx, c Conversation, p Participant) error {
	if err := s.record(ctx, tx, Event{Type: ParticipantRemoved, ConversationSID: c.SID, Participant: &p}); err != nil {
		return err
	}
	if p.Identity == "" {
		return nil
	}
	return s.record(ctx, tx, Event{Type: ConversationRemoved, ConversationSID: c.SID, Target: p.Identity, Conversation: &c})
}

// Feed is where a realtime session starts: the identity's conversations and
// the log position they are current to.
type Feed struct {
	Cursor        int64
	Conversations []string
}

// Subscribe reads an identity's conversations and the log's current
// position at one consistent point, and calls attach with them there, before
// any later event is published. A subscriber that attaches in attach misses
// nothing after Cursor and, replaying the log up to Cursor, nothing before.
func (s *Service) Subscribe(ctx context.Context, identity string, attach func(Feed)) error {
	return s.store.Update(ctx, func(tx Tx) error {
		cursor, err := tx.LastEventSeq()
		if err != nil {
			return err
		}
		convs, err := tx.ConversationsOf(ctx, identity)
		if err != nil {
			return err
		}
		attach(Feed{Cursor: cursor, Conversations: convs})
		return nil
	})
}

// ErrTooFarBehind is returned by EventsSince when the log no longer holds
// (or holds too many of) the events after a cursor: the client must refetch.
var ErrTooFarBehind = errTooFarBehind{}

type errTooFarBehind struct{}

func (errTooFarBehind) Error() string {
	return "the event log no longer covers this cursor; refetch over REST and reconnect without one"
}

// EventsSince returns the events for identity after cursor and up to upTo,
// in order: those of its conversations and those targeted at it. It returns
// ErrTooFarBehind when the log was pruned past cursor or more than limit
// events would be needed.
func (s *Service) EventsSince(ctx context.Context, identity string, cursor, upTo int64, limit int) ([]Event, error) {
	oldest, err := s.store.OldestEventSeq(ctx)
	if err != nil {
		return nil, err
	}
	if cursor+1 < oldest || upTo-cursor > int64(limit)*100 {
		return nil, ErrTooFarBehind
	}
	evs, err := s.store.EventsSince(ctx, identity, cursor, upTo, limit+1)
	if err != nil {
		return nil, err
	}
	if len(evs) > limit {
		return nil, ErrTooFarBehind
	}
	return evs, nil
}

// PruneEvents drops events older than keep from the log.
func (s *Service) PruneEvents(ctx context.Context, keep time.Duration) (int64, error) {
	var n int64
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		n, err = tx.PruneEvents(s.now().Add(-keep))
		return err
	})
	return n, err
}
