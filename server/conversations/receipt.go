package conversations

import (
	"context"

	"parley/server/apperr"
	"parley/shared/sid"
)

// ReceiptParams are what a channel reports about one message it carried to
// one participant.
type ReceiptParams struct {
	ConversationSID, MessageSID, ParticipantSID string
	// ChannelMessageSID is the provider's ID for what it sent; later
	// reports name it.
	ChannelMessageSID string
	Status            ReceiptStatus
	ErrorCode         int
}

// rank orders statuses: a report never moves a receipt backwards (a late
// "sent" after "delivered" changes nothing), but failures always count.
var rank = map[ReceiptStatus]int{Sent: 1, Delivered: 2, Read: 3, Undelivered: 4, Failed: 4}

// RecordDelivery stores a channel's report on a message: the first report
// for a ChannelMessageSID makes its receipt, later ones move it forward.
// Each change updates the message's delivery summary, which participants
// hear of as a message update.
func (s *Service) RecordDelivery(ctx context.Context, p ReceiptParams) (Receipt, error) {
	if rank[p.Status] == 0 {
		return Receipt{}, apperr.Invalidf(apperr.CodeBadRequest, "Delivery status %q is not one of sent, delivered, read, failed, undelivered", p.Status)
	}
	var r Receipt
	err := s.store.Update(ctx, func(tx Tx) error {
		now := s.now()
		var err error
		r, err = tx.ReceiptByChannelMessage(ctx, p.ChannelMessageSID)
		switch {
		case err == nil:
			if rank[p.Status] <= rank[r.Status] && p.Status != Failed && p.Status != Undelivered {
				return nil
			}
			r.Status, r.ErrorCode, r.Updated = p.Status, p.ErrorCode, now
			if err := tx.UpdateReceipt(r); err != nil {
				return err
			}
		case apperr.Is(err, apperr.NotFound):
			if p.ConversationSID == "" {
				return apperr.NotFoundf("No message was sent as %s; its report is dropped", p.ChannelMessageSID)
			}
			r = Receipt{SID: sid.New(sid.Receipt), AccountSID: s.accountSID, ConversationSID: p.ConversationSID,
				MessageSID: p.MessageSID, ParticipantSID: p.ParticipantSID, ChannelMessageSID: p.ChannelMessageSID,
				Status: p.Status, ErrorCode: p.ErrorCode, Created: now, Updated: now}
			if err := tx.InsertReceipt(r); err != nil {
				return err
			}
		default:
			return err
		}
		m, err := tx.Message(ctx, r.ConversationSID, r.MessageSID)
		if err != nil {
			return err
		}
		if err := s.observe(ctx, tx, Event{Type: DeliveryUpdated, ConversationSID: r.ConversationSID, Message: &m, Receipt: &r}); err != nil {
			return err
		}
		// Participants see the new summary as a message update; observers
		// tell it by its Receipt and hear onDeliveryUpdated instead.
		return s.record(ctx, tx, Event{Type: MessageUpdated, ConversationSID: r.ConversationSID, Message: &m, Receipt: &r})
	})
	return r, err
}
