package webchat

import (
	"context"
	"time"

	"parley/server/auth"
	"parley/server/channels"
	"parley/server/conversations"
	"parley/server/paging"
)

// The services webchat stands on, narrowed to what it calls: the package
// compiles against these alone, so a test can hand it the real services
// (cheap over a temp SQLite store) or, where one cannot run, a small fake,
// and a change elsewhere in those services does not reach here.

// Conversations is what webchat needs of the conversations service
// (*conversations.Service): the guest's user, its chats, and opening,
// ending and rating one.
type Conversations interface {
	CreateUser(ctx context.Context, p conversations.UserParams) (conversations.User, error)
	UpdateUser(ctx context.Context, ref string, p conversations.UserParams) (conversations.User, error)
	// UserConversations lists a user's memberships: where a verified
	// customer's open chat and a guest's refresh are found.
	UserConversations(ctx context.Context, userRef string, p paging.Request) (conversations.User, paging.Page[conversations.Membership], error)
	// Participates refuses an identity that is not in the conversation.
	Participates(ctx context.Context, identity, conversationSID string) error
	Conversation(ctx context.Context, ref string) (conversations.Conversation, error)
	UpdateConversation(ctx context.Context, ref string, p conversations.ConversationParams) (conversations.Conversation, error)
	// Open makes a conversation with its participants and first messages
	// in one write.
	Open(ctx context.Context, o conversations.Opening) (conversations.Conversation, []conversations.Message, error)
	Rate(ctx context.Context, ref string, p conversations.RateParams) (conversations.Conversation, conversations.Rating, error)
}

// Tokens is what webchat needs of the token service (*auth.Service):
// a guest's access token and resume token, minted and checked.
type Tokens interface {
	MintGuest(identity, deploymentKey string, ttl time.Duration) (string, auth.Session, error)
	Verify(ctx context.Context, token string) (auth.Session, error)
	MintResume(r auth.Resume, ttl time.Duration) (string, time.Time, error)
	VerifyResume(token string) (auth.Resume, error)
}

// Addresses is what webchat needs of the addresses service
// (*channels.Service): a deployment's web address, made with it, and the
// web addresses a backend starts chats on.
type Addresses interface {
	// NewAddress checks and builds an address without storing it: the
	// deployment's store keeps both in one write.
	NewAddress(p channels.AddressParams) (channels.Address, error)
	Address(ctx context.Context, sid string) (channels.Address, error)
}

var (
	_ Conversations = (*conversations.Service)(nil)
	_ Tokens        = (*auth.Service)(nil)
	_ Addresses     = (*channels.Service)(nil)
)
