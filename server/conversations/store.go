package conversations

import (
	"context"
	"time"

	"parley/server/outbox"
	"parley/server/paging"
)

// Store is the persistence the conversations service needs. Reads run
// concurrently; every change runs inside Update, one transaction at a time,
// so a check made in a transaction still holds when it commits.
type Store interface {
	Reader
	// Update runs fn in a write transaction. If fn returns an error, nothing
	// it wrote is kept and Update returns that error.
	Update(ctx context.Context, fn func(Tx) error) error
	// UpdateSending is Update for a send: fn's first read is
	// tx.MessageTarget(ctx, ref, sender). Told so, a store may read the
	// targets of many sends at once, before their writes run; each answer
	// must still be the one fn would have read in its turn.
	UpdateSending(ctx context.Context, ref, sender string, fn func(Tx) error) error
}

// Reader answers questions about stored conversations. Every lookup returns
// ErrNotFound (a *apperr.Error of kind NotFound) when nothing matches.
type Reader interface {
	// ConversationBySID or, when ref is not SID-shaped, by unique name.
	Conversation(ctx context.Context, ref string) (Conversation, error)
	Conversations(ctx context.Context, f ConversationFilter, p PageRequest) (Page[Conversation], error)

	// Participant by SID or, when ref is not SID-shaped, by identity.
	Participant(ctx context.Context, conversationSID, ref string) (Participant, error)
	// ParticipantSID is the SID of identity's participant in the
	// conversation (by SID or unique name): what every message needs to
	// know, without the cost of reading the whole participant.
	ParticipantSID(ctx context.Context, conversationRef, identity string) (string, error)
	// ParticipantByBinding finds the participant reached at address through
	// proxyAddress, if any.
	ParticipantByBinding(ctx context.Context, conversationSID, address, proxyAddress string) (Participant, error)
	Participants(ctx context.Context, conversationSID string, p PageRequest) (Page[Participant], error)
	// OpenConversationByBinding finds the conversation, not closed, where
	// address takes part through proxyAddress, if any.
	OpenConversationByBinding(ctx context.Context, address, proxyAddress string) (Conversation, error)

	Message(ctx context.Context, conversationSID, messageSID string) (Message, error)
	Messages(ctx context.Context, conversationSID string, order Order, p PageRequest) (Page[Message], error)
	// MessageByIdempotencyKey finds a message sent earlier with the same
	// client-chosen key, so a retried send returns it instead of a copy.
	MessageByIdempotencyKey(ctx context.Context, conversationSID, key string) (Message, error)

	// MediaFile finds an uploaded file by SID.
	MediaFile(ctx context.Context, sid string) (MediaFile, error)

	Receipt(ctx context.Context, conversationSID, messageSID, receiptSID string) (Receipt, error)
	Receipts(ctx context.Context, conversationSID, messageSID string, p PageRequest) (Page[Receipt], error)
	// ReceiptByChannelMessage finds the receipt of a message a channel
	// sent under its own ID.
	ReceiptByChannelMessage(ctx context.Context, channelMessageSID string) (Receipt, error)

	// User by SID or, when ref is not SID-shaped, by identity.
	User(ctx context.Context, ref string) (User, error)
	Users(ctx context.Context, p PageRequest) (Page[User], error)

	// Memberships lists the conversations a participant identity or
	// messaging address takes part in, newest membership last.
	Memberships(ctx context.Context, f MembershipFilter, p PageRequest) (Page[Membership], error)
	// ConversationsOf lists the SIDs of every conversation identity is a
	// participant of.
	ConversationsOf(ctx context.Context, identity string) ([]string, error)

	// OldestEventSeq is the first seq a replay can still start from: no
	// event from it on has been pruned.
	OldestEventSeq(ctx context.Context) (int64, error)
	// EventsSince lists, in seq order, the events after cursor and up to
	// upTo that identity may see: those of its conversations and those
	// targeted at it. When more than limit qualify it lists limit of them,
	// not necessarily the first: ask for one more than you would replay.
	EventsSince(ctx context.Context, identity string, cursor, upTo int64, limit int) ([]Event, error)
}

// Tx is a write transaction. Its reads see its own writes.
type Tx interface {
	Reader

	InsertConversation(c Conversation) error
	UpdateConversation(c Conversation) error
	// UpdateActivity stores only what a new message changes in c: its last
	// message index, state, timers and update time. It is the write behind
	// every message, so it leaves the conversation's indexed fields alone.
	UpdateActivity(c Conversation) error
	// MessageTarget reads, of the conversation ref (by SID or unique
	// name), only what a new message reads and UpdateActivity writes back:
	// SID, Key, State, Timers, LastMessageIndex and Updated; the other
	// fields stay zero. Reading the whole row cost a sixth of the writer's
	// time per message. With a sender, it also returns the SID of the
	// sender's participant, or "" when the sender is not one: one lookup
	// instead of two on every send.
	MessageTarget(ctx context.Context, ref, sender string) (c Conversation, senderPSID string, err error)
	DeleteConversation(sid string) error
	// ApplyTimers moves active conversations whose inactive timer passed
	// to inactive, and those whose closed timer passed to closed.
	// It returns the conversations it changed, with their states before.
	ApplyTimers(now time.Time) ([]StateChange, error)

	InsertParticipant(p Participant) error
	UpdateParticipant(p Participant) error
	DeleteParticipant(conversationSID, sid string) error

	// InsertMessage stores m; its Media must have been checked with
	// MediaFile, and are marked attached to it.
	InsertMessage(m Message) error
	UpdateMessage(m Message) error
	DeleteMessage(conversationSID, sid string) error

	InsertReceipt(r Receipt) error
	UpdateReceipt(r Receipt) error

	// Enqueue adds durable work to do once the transaction commits.
	Enqueue(jobs ...outbox.Job) error

	InsertUser(u User) error
	UpdateUser(u User) error
	DeleteUser(sid string) error

	// AppendEvent adds an event to the log and returns it with its seq.
	AppendEvent(e Event) (Event, error)
	// LastEventSeq is the seq of the newest event, or 0.
	LastEventSeq() (int64, error)
	// PruneEvents drops events from before the given time.
	PruneEvents(before time.Time) (int64, error)
	// AfterCommit runs fn after the transaction commits, in commit order
	// with every other transaction's, and never if it does not commit.
	AfterCommit(fn func())
}

// PageRequest and Page are the paging types, named here for brevity.
type (
	PageRequest = paging.Request
	Page[T any] = paging.Page[T]
)

// Order is the order of a message list.
type Order string

// Message list orders.
const (
	Ascending  Order = "asc"
	Descending Order = "desc"
)

// ConversationFilter narrows a conversation list.
type ConversationFilter struct {
	State            State
	Start, End       time.Time // on creation date; zero means open-ended
	NewestFirstOrder bool      // Twilio lists newest first when dates are given
}

// MembershipFilter picks the memberships of one identity, one messaging
// address, or one user.
type MembershipFilter struct {
	Identity     string
	Address      string
	Conversation string // every participant of one conversation
	// With keeps only the conversations this identity also takes part in.
	With string
}
