package conversations

import (
	"context"
	"fmt"

	"parley/server/apperr"
)

// CreateConversationWithParticipants creates a conversation and its first
// participants in one step: either all of it exists afterwards or none of it.
func (s *Service) CreateConversationWithParticipants(ctx context.Context, cp ConversationParams, parts []ParticipantParams) (Conversation, error) {
	now := s.now()
	c := newConversation(s, now)
	if err := checkInitialState(cp); err != nil {
		return c, err
	}
	if len(parts) > MaxParticipantsPerRequest {
		return c, apperr.Invalidf(apperr.CodeTooManyParticipants,
			"Request contains too many participants: %d, the limit is %d; add the rest afterwards", len(parts), MaxParticipantsPerRequest)
	}
	err := s.store.Update(ctx, func(tx Tx) error {
		if err := s.applyConversationParams(ctx, tx, &c, cp, now); err != nil {
			return err
		}
		if err := tx.InsertConversation(c); err != nil {
			return err
		}
		for i, p := range parts {
			if _, err := s.addParticipant(ctx, tx, c, p); err != nil {
				if e, ok := apperr.As(err); ok {
					return apperr.New(e.Kind, e.Code, "Participant %d: %s", i+1, e.Message)
				}
				return fmt.Errorf("participant %d: %w", i+1, err)
			}
		}
		return nil
	})
	return c, err
}
