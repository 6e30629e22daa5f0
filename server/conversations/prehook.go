package conversations

import "context"

// PreAction is a change about to be made, as a pre-event webhook sees it:
// Twilio's onConversationAdd, onParticipantAdd, onMessageAdd.
type PreAction struct {
	Name         string // Twilio's pre-event name
	Conversation *Conversation
	// One of these is the change asked for; the hook may amend it.
	NewConversation *ConversationParams
	NewParticipant  *ParticipantParams
	NewMessage      *MessageParams
}

// PreHook is asked before a change is made. An error refuses the change
// with that error; the hook may amend the params it is given.
type PreHook func(ctx context.Context, a PreAction) error

// SetPreHook sets who is asked before changes. Call it before the service
// is used.
func (s *Service) SetPreHook(h PreHook) { s.preHook = h }

func (s *Service) ask(ctx context.Context, a PreAction) error {
	if s.preHook == nil {
		return nil
	}
	return s.preHook(ctx, a)
}
