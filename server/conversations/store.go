package conversations

import (
	"context"
	"time"
)

// Store is the persistence the conversations service needs. Reads run
// concurrently; every change runs inside Update, one transaction at a time,
// so a check made in a transaction still holds when it commits.
type Store interface {
	Reader
	// Update runs fn in a write transaction. If fn returns an error, nothing
	// it wrote is kept and Update returns that error.
	Update(ctx context.Context, fn func(Tx) error) error
}

// Reader answers questions about stored conversations. Every lookup returns
// ErrNotFound (a *apperr.Error of kind NotFound) when nothing matches.
type Reader interface {
	// ConversationBySID or, when ref is not SID-shaped, by unique name.
	Conversation(ctx context.Context, ref string) (Conversation, error)
	Conversations(ctx context.Context, f ConversationFilter, p PageRequest) (Page[Conversation], error)

	// Participant by SID or, when ref is not SID-shaped, by identity.
	Participant(ctx context.Context, conversationSID, ref string) (Participant, error)
	// ParticipantByBinding finds the participant reached at address through
	// proxyAddress, if any.
	ParticipantByBinding(ctx context.Context, conversationSID, address, proxyAddress string) (Participant, error)
	Participants(ctx context.Context, conversationSID string, p PageRequest) (Page[Participant], error)

	Message(ctx context.Context, conversationSID, messageSID string) (Message, error)
	Messages(ctx context.Context, conversationSID string, order Order, p PageRequest) (Page[Message], error)
	// MessageByIdempotencyKey finds a message sent earlier with the same
	// client-chosen key, so a retried send returns it instead of a copy.
	MessageByIdempotencyKey(ctx context.Context, conversationSID, key string) (Message, error)

	Receipt(ctx context.Context, conversationSID, messageSID, receiptSID string) (Receipt, error)
	Receipts(ctx context.Context, conversationSID, messageSID string, p PageRequest) (Page[Receipt], error)

	// User by SID or, when ref is not SID-shaped, by identity.
	User(ctx context.Context, ref string) (User, error)
	Users(ctx context.Context, p PageRequest) (Page[User], error)

	// Memberships lists the conversations a participant identity or
	// messaging address takes part in, newest membership last.
	Memberships(ctx context.Context, f MembershipFilter, p PageRequest) (Page[Membership], error)
}

// Tx is a write transaction. Its reads see its own writes.
type Tx interface {
	Reader

	InsertConversation(c Conversation) error
	UpdateConversation(c Conversation) error
	DeleteConversation(sid string) error
	// ApplyTimers moves active conversations whose inactive timer passed
	// to inactive, and those whose closed timer passed to closed.
	ApplyTimers(now time.Time) (int, error)

	InsertParticipant(p Participant) error
	UpdateParticipant(p Participant) error
	DeleteParticipant(conversationSID, sid string) error

	InsertMessage(m Message) error
	UpdateMessage(m Message) error
	DeleteMessage(conversationSID, sid string) error

	InsertUser(u User) error
	UpdateUser(u User) error
	DeleteUser(sid string) error
}

// PageRequest asks for one page of a list. The zero value asks for the first
// page of the default size.
type PageRequest struct {
	Size int
	// After, when set, asks for items after the one with this key; Before
	// for items before it (walking back from a later page).
	After, Before *int64
}

// Page is one page of a list, in the order asked for.
type Page[T any] struct {
	Items []T
	// HasNext and HasPrev say whether items lie beyond either end.
	HasNext, HasPrev bool
}

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
	Identity string
	Address  string
}
