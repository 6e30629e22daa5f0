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

// PreHook is asked before a change is made.
type PreHook interface {
	// Wants says, cheaply, whether the hook asks about changes named
	// name made in ctx; the service reads nothing for a hook that does not.
	Wants(ctx context.Context, name string) bool
	// Ask may refuse the change (its error is the caller's) or amend the
	// params it is given.
	Ask(ctx context.Context, a PreAction) error
}

// SetPreHook sets who is asked before changes. Call it before the service
// is used.
func (s *Service) SetPreHook(h PreHook) { s.preHook = h }

// ask asks the hook about a change, when it wants to hear of it. With
// convRef set, the conversation is fetched first so the hook knows which.
func (s *Service) ask(ctx context.Context, convRef string, a PreAction) error {
	if !s.wants(ctx, a.Name) {
		return nil
	}
	if convRef != "" {
		c, err := s.store.Conversation(ctx, convRef)
		if err != nil {
			return err
		}
		a.Conversation = &c
	}
	return s.preHook.Ask(ctx, a)
}

// wants says whether the hook asks about changes named name.
func (s *Service) wants(ctx context.Context, name string) bool {
	return s.preHook != nil && s.preHook.Wants(ctx, name)
}
