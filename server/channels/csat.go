package channels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/outbox"
	"parley/server/textrule"
	"parley/shared/i18n"
)

// Satisfaction surveys by text. When a conversation with an SMS or
// WhatsApp customer ends on an address whose survey is on, the customer is
// texted the question; their next message, if it is only a digit from 1
// to 5 and comes within RatingWindow with no conversation open, is taken
// as the rating (and thanked), not routed as a new chat. Anything else
// goes where it always did.

// RatingWindow is how long after the question a bare digit is still
// taken as its answer: texts are read hours later, and a single digit is
// no way to start a conversation anyway.
const RatingWindow = 24 * time.Hour

// MaxSurveyQuestionChars bounds an address's question: two SMS segments.
const MaxSurveyQuestionChars = 300

// TextKind is the outbox kind of a survey's texts (the question, the
// thanks): they go outside any conversation, which has closed.
const TextKind = "csat_text"

// Survey is an SMS or WhatsApp address's satisfaction survey.
type Survey struct {
	Enabled bool `json:"enabled"`
	// Question is the text sent; empty for Parley's default (English,
	// i18n's CSATTexts.SMS).
	Question string `json:"question,omitempty"`
}

// SurveyParams are Survey's settable fields.
type SurveyParams struct {
	Enabled  *bool
	Question *string
}

// question is the text asking for a rating.
func (s Survey) question() string {
	if s.Question != "" {
		return s.Question
	}
	return i18n.For("en", "").CSAT().SMS
}

func applySurvey(a *Address, p SurveyParams) error {
	if p.Enabled == nil && p.Question == nil {
		return nil
	}
	if a.Type != "sms" && a.Type != "whatsapp" {
		return apperr.Invalidf(apperr.CodeBadRequest, "Parley.Csat applies to sms and whatsapp addresses only (a webchat deployment has its own Csat)")
	}
	if p.Question != nil {
		q := strings.TrimSpace(*p.Question)
		if n := utf8.RuneCountInString(q); n > MaxSurveyQuestionChars {
			return apperr.Invalidf(apperr.CodeBadRequest, "Parley.Csat.Question is %d characters; the limit is %d", n, MaxSurveyQuestionChars)
		}
		if err := textrule.Text("Parley.Csat.Question", q); err != nil {
			return err
		}
		a.Channel.CSAT.Question = q
	}
	if p.Enabled != nil {
		a.Channel.CSAT.Enabled = *p.Enabled
	}
	return nil
}

// textJob is a survey text's outbox payload.
type textJob struct {
	ConversationSID string `json:"conversation_sid"`
	To              string `json:"to"`
	From            string `json:"from"`
	Thanks          bool   `json:"thanks,omitempty"` // the thanks for a rating; else the question
}

// observeSurvey queues, in the change's transaction, the question when a
// conversation with messaging customers closes, and the thanks when one of
// them rated it by text. Whether the address asks is the handler's to
// check: an observer reads nothing outside its transaction.
func (m *Messaging) observeSurvey(tx conversations.Tx, e conversations.Event) error {
	thanks := false
	switch {
	case e.Type == conversations.ConversationUpdated && e.Conversation != nil &&
		e.Conversation.State == conversations.Closed && e.Before != "" && e.Before != conversations.Closed:
	case e.Type == conversations.CSATSubmitted && e.Conversation != nil:
		r, _ := conversations.RatingOf(*e.Conversation)
		if r.Channel != "sms" && r.Channel != "whatsapp" {
			return nil
		}
		thanks = true
	default:
		return nil
	}
	return m.enqueueForEach(tx, e, TextKind, func(p conversations.Participant) any {
		return textJob{ConversationSID: e.ConversationSID, To: p.Binding.Address, From: p.Binding.ProxyAddress, Thanks: thanks}
	})
}

// DeliverSurveyText sends a survey's question (marking the conversation
// asked first, so that a quick answer finds it) or its thanks. It is the
// outbox handler for TextKind.
func (m *Messaging) DeliverSurveyText(ctx context.Context, j outbox.Job) outbox.Result {
	var s textJob
	if err := json.Unmarshal(j.Payload, &s); err != nil {
		return outbox.Result{Err: fmt.Errorf("damaged survey job: %w", err), Final: true}
	}
	addr, err := m.Addresses.AddressByValue(ctx, TypeOf(s.From), s.From)
	if err != nil {
		return outbox.Result{Err: err, Final: apperr.Is(err, apperr.NotFound)}
	}
	survey := addr.Channel.CSAT
	if !survey.Enabled {
		return outbox.Result{Status: 200} // the address does not ask (or no longer does)
	}
	body := i18n.For("en", "").CSAT().SMSThanks
	if !s.Thanks {
		r, err := m.Conversations.MarkAsked(ctx, s.ConversationSID, addr.Type)
		if apperr.Is(err, apperr.NotFound) {
			return outbox.Result{Err: errors.New("the conversation was deleted before its survey went"), Final: true}
		} else if err != nil {
			return outbox.Result{Err: err}
		}
		if r.Score != 0 {
			return outbox.Result{Status: 200} // rated already (through the API)
		}
		body = survey.question()
	}
	a := m.Adapters[addr.Channel.Adapter]
	if a == nil {
		return outbox.Result{Err: fmt.Errorf("the %s adapter of %s is not configured on this server", addr.Channel.Adapter, s.From)}
	}
	if _, err := a.Send(ctx, Outgoing{To: s.To, From: s.From, Body: body}); err != nil {
		return outbox.Result{Err: err, Final: errors.Is(err, ErrRefused)}
	}
	return outbox.Result{Status: 200}
}

// ratingReply reads a reply that is only a digit from 1 to 5 (ASCII,
// Arabic-Indic, Eastern Arabic-Indic or fullwidth), around spaces.
func ratingReply(body string) (int, bool) {
	body = strings.TrimSpace(body)
	r, size := utf8.DecodeRuneInString(body)
	if size == 0 || size != len(body) {
		return 0, false
	}
	for _, zero := range []rune{'0', '\u0660', '\u06F0', '\uFF10'} {
		if n := int(r - zero); n >= 1 && n <= 5 {
			return n, true
		}
	}
	return 0, false
}

// takeRating takes in as the rating of its sender's last conversation on
// this address, if that is what it is: a bare digit, no conversation open,
// the last one closed and asked within RatingWindow. A digit sent again
// after the rating (a provider's retried webhook, a second tap) is
// dropped rather than routed. It reports whether it took the message.
func (m *Messaging) takeRating(ctx context.Context, addr Address, in Inbound) (bool, error) {
	score, ok := ratingReply(in.Body)
	if !ok || len(in.Media) > 0 || !addr.Channel.CSAT.Enabled {
		return false, nil
	}
	if _, err := m.Conversations.OpenConversationByBinding(ctx, in.From, in.To); err == nil {
		return false, nil // a chat is going on: the digit is part of it
	} else if !apperr.Is(err, apperr.NotFound) {
		return false, err
	}
	last, ok, err := m.lastConversation(ctx, in.From, in.To)
	if err != nil || !ok || last.State != conversations.Closed {
		return false, err
	}
	r, _ := conversations.RatingOf(last)
	now := time.Now()
	switch {
	case r.DateAsked == nil || now.Sub(*r.DateAsked) > RatingWindow:
		return false, nil
	case r.Score != 0:
		m.Log.Info("channels: a repeated rating reply was dropped", "conversation", last.SID, "from", in.From)
		return true, nil
	}
	ctx = conversations.WithOrigin(ctx, conversations.Origin{Source: strings.ToUpper(addr.Type)})
	_, _, err = m.Conversations.Rate(ctx, last.SID, conversations.RateParams{Address: in.From, Score: score, Channel: addr.Type})
	if apperr.Is(err, apperr.Conflict) {
		return true, nil // rated a moment ago by the same reply, retried
	}
	return err == nil, err
}

// lastConversation is the newest conversation in which address talked to
// proxy.
func (m *Messaging) lastConversation(ctx context.Context, address, proxy string) (conversations.Conversation, bool, error) {
	end := int64(math.MaxInt64)
	page, err := m.Conversations.Memberships(ctx, conversations.MembershipFilter{Address: address},
		conversations.PageRequest{Size: 50, Before: &end})
	if err != nil {
		return conversations.Conversation{}, false, err
	}
	for i := len(page.Items) - 1; i >= 0; i-- {
		if b := page.Items[i].Participant.Binding; b != nil && b.ProxyAddress == proxy {
			return page.Items[i].Conversation, true, nil
		}
	}
	return conversations.Conversation{}, false, nil
}
