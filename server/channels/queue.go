package channels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/outbox"
	"parley/shared/i18n"
	"parley/shared/sid"
)

// Places in line by text. A web visitor watches their place in the widget;
// an SMS or WhatsApp customer cannot, so when they write while their chat
// waits for an agent (its task pending or offered, not yet accepted) and
// their address says so, Parley texts them their place and the estimated
// wait: at most once per the address's QueueUpdates.Minutes, so a customer
// who writes "hello?" five times is told once. The message that starts a
// conversation is not answered so: its chat is only starting to wait, and
// an agent often takes it at once.
//
// When the customer was last told is kept in the store beside the
// conversation (QueueTexts), and claimed in the same transaction as the
// text's outbox job: two messages at once cannot both text, and a restart
// does not forget. Kept in memory a restart would text again; kept in the
// conversation's attributes every text would be a conversation update,
// heard by webhooks and the desk, for what is only bookkeeping.

// QueueTextKind is the outbox kind of the texts telling a waiting
// customer their place in line.
const QueueTextKind = "queue_text"

// MaxQueueUpdateMinutes bounds QueueUpdates.Minutes: a day.
const MaxQueueUpdateMinutes = 24 * 60

// QueueUpdates is an SMS or WhatsApp address's texts of a waiting
// customer's place in line.
type QueueUpdates struct {
	// Minutes is the least time between two such texts to a customer;
	// 0 sends none (the default).
	Minutes int `json:"minutes"`
}

// QueueUpdatesParams are QueueUpdates' settable fields.
type QueueUpdatesParams struct {
	Minutes *int
}

func applyQueueUpdates(a *Address, p QueueUpdatesParams) error {
	if p.Minutes == nil {
		return nil
	}
	if a.Type != "sms" && a.Type != "whatsapp" {
		return apperr.Invalidf(apperr.CodeBadRequest, "Parley.QueueUpdates applies to sms and whatsapp addresses only (a web visitor sees their place in the widget)")
	}
	if n := *p.Minutes; n < 0 || n > MaxQueueUpdateMinutes {
		return apperr.Invalidf(apperr.CodeBadRequest, "Parley.QueueUpdates.Minutes must be from 0 (off) to %d, got %d", MaxQueueUpdateMinutes, n)
	}
	a.Channel.QueueUpdates.Minutes = *p.Minutes
	return nil
}

// Place is where a waiting chat stands in its queue.
type Place struct {
	// Position is 1 for the next chat an agent is offered.
	Position int
	// Wait is the estimated wait; meaningful only when Estimated.
	Wait      time.Duration
	Estimated bool
}

// Waiting tells where a conversation's chat waits in line; ok is false
// when it does not wait (no task, or an agent has accepted it).
type Waiting func(ctx context.Context, conversationSID string) (p Place, ok bool)

// QueueTexts remembers when each customer was last texted their place.
type QueueTexts interface {
	// ClaimQueueText queues job, in the same transaction as it records
	// that the conversation's customer was told their place at at, unless
	// they were told after since. It reports whether it queued the job.
	ClaimQueueText(ctx context.Context, conversationSID string, at, since time.Time, job outbox.Job) (bool, error)
}

// queueTextJob is a place-in-line text's outbox payload. The place is
// read when the text goes, not when it was asked for: a text held up by
// the provider tells the place as it is then, or nothing once an agent
// has the chat.
type queueTextJob struct {
	ConversationSID string `json:"conversation_sid"`
	To              string `json:"to"`
	From            string `json:"from"`
}

// tellPlace queues a text of the customer's place when conv waits, the
// address sends such texts, and the customer was not told within its
// minutes. The customer's message is in by now; trouble here is logged,
// not returned, so the provider does not retry a message that arrived.
func (m *Messaging) tellPlace(ctx context.Context, addr Address, conv conversations.Conversation, in Inbound) {
	every := time.Duration(addr.Channel.QueueUpdates.Minutes) * time.Minute
	if every <= 0 || m.Waiting == nil || m.QueueTexts == nil {
		return
	}
	if _, ok := m.Waiting(ctx, conv.SID); !ok {
		return
	}
	err := func() error {
		parts, err := m.Conversations.Participants(ctx, conv.SID, conversations.PageRequest{Size: 1000})
		if err != nil {
			return err
		}
		for _, p := range parts.Items {
			if b := p.Binding; b == nil || b.Address != in.From || b.ProxyAddress != in.To {
				continue
			}
			now := m.now()
			payload, _ := json.Marshal(queueTextJob{ConversationSID: conv.SID, To: in.From, From: in.To})
			// Keyed as the participant's messages are, so the text goes
			// in order with what the conversation sends them; due on the
			// outbox's clock, which is the real one.
			job := outbox.Job{SID: sid.New(sid.Delivery), Kind: QueueTextKind, Key: SendKind + " " + p.SID, Payload: payload,
				Created: time.Now()}
			_, err := m.QueueTexts.ClaimQueueText(ctx, conv.SID, now, now.Add(-every), job)
			return err
		}
		return nil
	}()
	if err != nil {
		m.Log.Error("channels: queue a place-in-line text", "conversation", conv.SID, "err", err)
	}
}

func (m *Messaging) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// DeliverQueueText texts a waiting customer their place in line and the
// estimated wait, as they stand now: nothing if the chat no longer waits
// or the address no longer sends such texts. It is the outbox handler for
// QueueTextKind.
func (m *Messaging) DeliverQueueText(ctx context.Context, j outbox.Job) outbox.Result {
	var q queueTextJob
	if err := json.Unmarshal(j.Payload, &q); err != nil {
		return outbox.Result{Err: fmt.Errorf("damaged place-in-line job: %w", err), Final: true}
	}
	addr, err := m.Addresses.AddressByValue(ctx, TypeOf(q.From), q.From)
	if err != nil {
		return outbox.Result{Err: err, Final: apperr.Is(err, apperr.NotFound)}
	}
	if addr.Channel.QueueUpdates.Minutes <= 0 || m.Waiting == nil {
		return outbox.Result{Status: 200} // turned off since
	}
	place, ok := m.Waiting(ctx, q.ConversationSID)
	if !ok {
		return outbox.Result{Status: 200} // an agent has the chat now
	}
	a := m.Adapters[addr.Channel.Adapter]
	if a == nil {
		return outbox.Result{Err: fmt.Errorf("the %s adapter of %s is not configured on this server", addr.Channel.Adapter, q.From)}
	}
	if _, err := a.Send(ctx, Outgoing{To: q.To, From: q.From, Body: PlaceText(i18n.For("en", ""), place)}); err != nil {
		return outbox.Result{Err: err, Final: errors.Is(err, ErrRefused)}
	}
	return outbox.Result{Status: 200}
}

// PlaceText is the text of a place in line in t's language, the widget's
// words in sentences: "You are 3rd in line. Estimated wait: about 4
// minutes.", the place alone when there is no estimate.
func PlaceText(t i18n.Texts, p Place) string {
	s := t.QueuePlace(p.Position) + "."
	if p.Estimated {
		s += " " + t.QueueWait(int(p.Wait.Round(time.Second).Seconds())) + "."
	}
	return s
}
