package conversations

import (
	"context"

	"parley/server/apperr"
)

// These operations act as a chat identity rather than as the account: the
// identity must be a participant of the conversation, and it is the author.
// The realtime socket uses them for its commands.

// SendAs sends a message authored by identity.
func (s *Service) SendAs(ctx context.Context, identity, conversationSID string, p MessageParams) (Message, error) {
	p.Author = &identity
	p.Sender = identity
	return s.SendMessage(ctx, conversationSID, p)
}

// AdvanceReadHorizon moves identity's read horizon forward to index. A lower
// index than the current horizon changes nothing: horizons only advance
// from a client, so late or reordered reads cannot move one back.
func (s *Service) AdvanceReadHorizon(ctx context.Context, identity, conversationSID string, index int) (Participant, error) {
	var part Participant
	err := s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.Conversation(ctx, conversationSID)
		if err != nil {
			return err
		}
		if part, err = tx.Participant(ctx, c.SID, identity); err != nil {
			return notParticipant(identity, conversationSID)
		}
		if part.LastReadIndex != nil && *part.LastReadIndex >= index {
			return nil
		}
		part.Updated = s.now()
		if err := s.applyParticipantParams(c, &part, ParticipantParams{LastReadIndex: &index}); err != nil {
			return err
		}
		if err := tx.UpdateParticipant(part); err != nil {
			return err
		}
		return s.record(ctx, tx, Event{Type: ParticipantUpdated, ConversationSID: c.SID, Participant: &part})
	})
	return part, err
}

// Participates refuses (403) an identity that is not a participant of the
// conversation (by SID or unique name).
func (s *Service) Participates(ctx context.Context, identity, conversationSID string) error {
	if _, err := s.store.ParticipantSID(ctx, conversationSID, identity); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return notParticipant(identity, conversationSID)
		}
		return err
	}
	return nil
}

// notParticipant does not say whether the conversation exists: an identity
// outside it must not learn that either.
func notParticipant(identity, conversation string) error {
	return apperr.New(apperr.Forbidden, apperr.CodeForbidden,
		"%s is not a participant of conversation %s", identity, conversation)
}
