package interactions

import (
	"context"

	"parley/server/conversations"
	"parley/server/routing"
)

// The services Interactions stands on, narrowed to what it calls: the
// package compiles against these alone, so a test can hand it the real
// services (cheap over a temp SQLite store) or, where one cannot run, a
// small fake.

// Conversations is what Interactions needs of the conversations service
// (*conversations.Service): the channel's conversation, who is in it, and
// closing it; and to hear of conversations that close under a channel.
type Conversations interface {
	Conversation(ctx context.Context, ref string) (conversations.Conversation, error)
	// CreateConversationWithParticipants starts an outbound interaction's
	// conversation.
	CreateConversationWithParticipants(ctx context.Context, cp conversations.ConversationParams, parts []conversations.ParticipantParams) (conversations.Conversation, error)
	UpdateConversation(ctx context.Context, ref string, p conversations.ConversationParams) (conversations.Conversation, error)
	Participants(ctx context.Context, convRef string, p conversations.PageRequest) (conversations.Page[conversations.Participant], error)
	Participant(ctx context.Context, convRef, ref string) (conversations.Participant, error)
	AddParticipant(ctx context.Context, convRef string, p conversations.ParticipantParams) (conversations.Participant, error)
	RemoveParticipant(ctx context.Context, convRef, ref string) error
	// Observe hears of every change; Interactions listens for closings.
	Observe(o conversations.Observer)
}

// Router is what Interactions needs of routing (routing.Router, one
// engine or a cluster's): a channel's tasks made, read, moved on and
// canceled; an agent's own task accepted for them; and routing's events.
type Router interface {
	CreateTask(ctx context.Context, workspaceSID string, p routing.TaskParams) (routing.Task, error)
	Task(ctx context.Context, workspaceSID, taskSID string) (routing.Task, error)
	Tasks(ctx context.Context, workspaceSID string, f routing.TaskFilter, r routing.PageRequest) (routing.Page[routing.Task], error)
	UpdateTask(ctx context.Context, workspaceSID, taskSID string, p routing.TaskParams) (routing.Task, error)
	UpdateReservation(ctx context.Context, workspaceSID, taskSID, workerSID, reservationSID string, p routing.ReservationParams) (routing.Reservation, error)
	// Subscribe adds a listener for routing's events; it must not block.
	Subscribe(fn func(routing.Event))
}

var (
	_ Conversations = (*conversations.Service)(nil)
	_ Router        = routing.Router(nil)
)
