package conversations

import "context"

// PreAction is a change about to be made, as a pre-event webhook sees it:
// Twilio's onConversationAdd, onConversationUpdate, onConversationRemove,
// and the same for participants and messages.
type PreAction struct {
	Name         string // Twilio's pre-event name
	Conversation *Conversation
	// MessageSID and ParticipantRef name the message or participant an
	// update or removal is about.
	MessageSID, ParticipantRef string
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

// askAbout asks about a change to an existing conversation, fetched first
// so the hook knows which one.
func (s *Service) askAbout(ctx context.Context, convRef string, a PreAction) error {
	if s.preHook == nil {
		return nil
	}
	c, err := s.store.Conversation(ctx, convRef)
	if err != nil {
		return err
	}
	a.Conversation = &c
	return s.preHook(ctx, a)
}
