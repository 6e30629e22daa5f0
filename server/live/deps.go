package live

import (
	"context"

	"parley/server/auth"
	"parley/server/conversations"
	"parley/server/realtime"
	"parley/server/routing"
)

// The parts live stands on, narrowed to what it calls: the package
// compiles against these alone, so a test hands it the real services
// (cheap over a temp SQLite store) and the real hub, or, where a real
// part cannot be steered (routing's wait estimates), a small
// implementation; and a change elsewhere in those parts does not reach
// here.

// Conversations is what live needs of the conversations service
// (*conversations.Service): to be its publisher, to start a session at a
// point of the event log and replay what it missed, and to carry out a
// session's commands.
type Conversations interface {
	// SetPublisher makes p hear every committed event, in commit order.
	SetPublisher(p conversations.Publisher)
	Subscribe(ctx context.Context, identity string, attach func(conversations.Feed)) error
	EventsSince(ctx context.Context, identity string, cursor, upTo int64, limit int) ([]conversations.Event, error)
	SendAs(ctx context.Context, identity, conversationSID string, p conversations.MessageParams) (conversations.Message, error)
	AdvanceReadHorizon(ctx context.Context, identity, conversationSID string, index int) (conversations.Participant, error)
	Conversation(ctx context.Context, ref string) (conversations.Conversation, error)
	// Participants finds a conversation's customers, who hear of its place
	// in line.
	Participants(ctx context.Context, convRef string, p conversations.PageRequest) (conversations.Page[conversations.Participant], error)
}

// Tokens is what live needs of the token service (*auth.Service): a
// session's access token checked. What it says (auth.Session) is what
// revocations match.
type Tokens interface {
	Verify(ctx context.Context, token string) (auth.Session, error)
}

// Hub is what live needs of the realtime hub (*realtime.Hub): who
// receives what (topics, identities, watching sessions), sending to them,
// and closing sessions whose access ended. The hub's listeners
// (OnPresence, OnInterest) are fields the app sets: OnPresence to
// Live.Presence; in a cluster, OnInterest to Clustered.Notices.Want.
type Hub interface {
	Join(identity, topic string)
	Leave(identity, topic string)
	Wants(topic string) bool
	Online(identity string) bool
	Subscribed(identity, topic string) bool
	Publish(topic string, f realtime.Frame)
	SendTo(identity string, f realtime.Frame)
	Watch(s *realtime.Session, topic string) error
	Unwatch(s *realtime.Session, topic string)
	Revoke(match func(identity string, claims any) bool, why realtime.Revocation) int
	Sessions(fn func(identity string, claims any))
	RevokeMembers(topic string, match func(identity string) bool, why realtime.Revocation) int
}

// Positions is what the queue watch needs of routing (routing.Router, one
// engine or a cluster's): a workspace's waiting tasks with their places
// and estimates, and how a task that stopped waiting ended.
type Positions interface {
	QueuePositions(ctx context.Context, workspaceSID string) ([]routing.QueuePosition, error)
	Task(ctx context.Context, workspaceSID, taskSID string) (routing.Task, error)
}

var (
	_ Conversations = (*conversations.Service)(nil)
	_ Tokens        = (*auth.Service)(nil)
	_ Hub           = (*realtime.Hub)(nil)
	_ Positions     = routing.Router(nil)
)
