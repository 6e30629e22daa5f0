package conversations

import (
	"context"
	"fmt"

	"parley/server/apperr"
)

// CreateConversationWithParticipants creates a conversation and its first
// participants in one step: either all of it exists afterwards or none of it.
func (s *Service) CreateConversationWithParticipants(ctx context.Context, cp ConversationParams, parts []ParticipantParams) (Conversation, error) {
	c, _, err := s.Open(ctx, Opening{Conversation: cp, Participants: parts})
	return c, err
}

// Opening is how a conversation starts: its fields, first participants and
// first messages (a welcome, the customer's question).
type Opening struct {
	Conversation ConversationParams
	Participants []ParticipantParams
	Messages     []MessageParams
}

// Open creates a conversation with its first participants and messages in
// one transaction: either all of it exists afterwards or none of it.
func (s *Service) Open(ctx context.Context, o Opening) (Conversation, []Message, error) {
	now := s.now()
	c := newConversation(s, now)
	if err := checkInitialState(o.Conversation); err != nil {
		return c, nil, err
	}
	if len(o.Participants) > MaxParticipantsPerRequest {
		return c, nil, apperr.Invalidf(apperr.CodeTooManyParticipants,
			"Request contains too many participants: %d, the limit is %d; add the rest afterwards", len(o.Participants), MaxParticipantsPerRequest)
	}
	o.Conversation = s.withDefaults(o.Conversation)
	var msgs []Message
	err := s.store.Update(ctx, func(tx Tx) error {
		msgs = msgs[:0]
		if err := s.applyConversationParams(ctx, tx, &c, o.Conversation, now); err != nil {
			return err
		}
		if err := tx.InsertConversation(c); err != nil {
			return err
		}
		if err := s.observe(ctx, tx, Event{Type: ConversationCreated, ConversationSID: c.SID, Conversation: &c}); err != nil {
			return err
		}
		for i, p := range o.Participants {
			if _, err := s.addParticipant(ctx, tx, c, p); err != nil {
				if e, ok := apperr.As(err); ok {
					return apperr.New(e.Kind, e.Code, "Participant %d: %s", i+1, e.Message)
				}
				return fmt.Errorf("participant %d: %w", i+1, err)
			}
		}
		for _, p := range o.Messages {
			m, err := s.appendMessage(ctx, tx, &c, p)
			if err != nil {
				return err
			}
			msgs = append(msgs, m)
		}
		return nil
	})
	return c, msgs, err
}
