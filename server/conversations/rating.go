package conversations

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"parley/server/apperr"
	"parley/server/textrule"
)

// CSAT limits: the scale customers rate on, and how long a comment may be.
const (
	MinScore        = 1
	MaxScore        = 5
	MaxCommentChars = 1000
)

// CSATAttribute is the key of a conversation's attributes that carries its
// rating (a Rating as JSON). The rating lives in the attributes, not a
// column of its own, because every reader of a conversation already has
// them: REST and twilio-go, the webhooks' Attributes, the realtime
// conversation frames and the desk's list of a customer's earlier
// conversations, with no new field in Twilio's resource shape.
const CSATAttribute = "csat"

// CSATSubmitted is the observed-only event of a conversation's rating:
// observers (the post-event webhook onCsatSubmitted, the task's score)
// hear of it in the rating's transaction; the log does not keep it, as the
// ConversationUpdated beside it tells clients of the new attributes.
const CSATSubmitted EventType = "csat_submitted"

// Rating is a customer's satisfaction with one conversation.
type Rating struct {
	// Score is 1 (very unhappy) to 5 (very happy); 0 until the customer
	// rates (an SMS customer who was asked and has not answered yet).
	Score   int    `json:"score,omitempty"`
	Comment string `json:"comment,omitempty"`
	// Channel is how the rating came: web, sms or whatsapp.
	Channel string `json:"channel,omitempty"`
	// DateRated is when the customer rated; DateAsked when Parley texted
	// the question (SMS and WhatsApp only).
	DateRated *time.Time `json:"date_rated,omitempty"`
	DateAsked *time.Time `json:"date_asked,omitempty"`
}

// RateParams are a customer's rating of a conversation.
type RateParams struct {
	// Identity (a chat customer) or Address (an SMS or WhatsApp customer)
	// is who rates: they must be a participant.
	Identity, Address string
	Score             int
	Comment           string
	Channel           string
}

// RatingOf reads a conversation's rating from its attributes; ok is false
// when it has none (not even a question asked).
func RatingOf(c Conversation) (r Rating, ok bool) {
	var attrs map[string]json.RawMessage
	if json.Unmarshal([]byte(c.Attributes), &attrs) != nil || attrs[CSATAttribute] == nil {
		return r, false
	}
	return r, json.Unmarshal(attrs[CSATAttribute], &r) == nil
}

// CheckRating checks a score and comment as Rate does, for callers that
// want to refuse a bad one before anything else.
func CheckRating(score int, comment string) error {
	if score < MinScore || score > MaxScore {
		return apperr.Invalidf(apperr.CodeBadRequest, "Score must be a whole number from %d to %d, got %d", MinScore, MaxScore, score)
	}
	if n := utf8.RuneCountInString(comment); n > MaxCommentChars {
		return apperr.Invalidf(apperr.CodeBadRequest, "Comment is %d characters; the limit is %d", n, MaxCommentChars)
	}
	return textrule.Text("Comment", comment)
}

// Rate records a customer's rating of a conversation that has ended: once
// only, by a customer who took part in it. Its check and its write are in
// one transaction, so two ratings sent at once cannot both be taken. The
// attributes gain "csat" (see CSATAttribute); the conversation's
// participants hear of it as an update, and observers hear CSATSubmitted.
func (s *Service) Rate(ctx context.Context, ref string, p RateParams) (Conversation, Rating, error) {
	p.Comment = strings.TrimSpace(p.Comment)
	if err := CheckRating(p.Score, p.Comment); err != nil {
		return Conversation{}, Rating{}, err
	}
	var c Conversation
	var r Rating
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		if c, err = tx.Conversation(ctx, ref); apperr.Is(err, apperr.NotFound) {
			return notParticipant(firstOf(p.Identity, p.Address), ref) // say nothing of what exists
		} else if err != nil {
			return err
		}
		if err := ratedBy(ctx, tx, c, p); err != nil {
			return err
		}
		if c.State != Closed {
			return apperr.Conflictf(apperr.CodeBadRequest,
				"Conversation %s has not ended: a rating is taken once the chat is over", c.SID)
		}
		r, _ = RatingOf(c)
		if r.Score != 0 {
			return apperr.Conflictf(apperr.CodeBadRequest, "Conversation %s was rated already", c.SID)
		}
		now := s.now()
		r.Score, r.Comment, r.DateRated = p.Score, p.Comment, &now
		r.Channel = firstOf(p.Channel, r.Channel)
		if c.Attributes, err = withRating(c.Attributes, r); err != nil {
			return err
		}
		c.Updated = now
		if err := tx.UpdateConversation(c); err != nil {
			return err
		}
		if err := s.record(ctx, tx, Event{Type: ConversationUpdated, ConversationSID: c.SID, Conversation: &c}); err != nil {
			return err
		}
		return s.observe(ctx, tx, Event{Type: CSATSubmitted, ConversationSID: c.SID, Conversation: &c})
	})
	return c, r, err
}

// MarkAsked notes on a closed conversation that its customer was asked
// for a rating (by text), unless they were already: an answer is taken
// only for a conversation marked so. It returns the conversation's rating
// as it stands, rated (Score set) or not.
func (s *Service) MarkAsked(ctx context.Context, sid, channel string) (Rating, error) {
	var r Rating
	err := s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.Conversation(ctx, sid)
		if err != nil {
			return err
		}
		r, _ = RatingOf(c)
		if r.DateAsked != nil || r.Score != 0 {
			return nil
		}
		now := s.now()
		r.DateAsked, r.Channel = &now, channel
		if c.Attributes, err = withRating(c.Attributes, r); err != nil {
			return err
		}
		c.Updated = now
		if err := tx.UpdateConversation(c); err != nil {
			return err
		}
		return s.record(ctx, tx, Event{Type: ConversationUpdated, ConversationSID: c.SID, Conversation: &c})
	})
	return r, err
}

// ratedBy checks that p's customer takes part in c, saying nothing of c
// to anyone else.
func ratedBy(ctx context.Context, tx Tx, c Conversation, p RateParams) error {
	switch {
	case p.Identity != "":
		if _, err := tx.ParticipantSID(ctx, c.SID, p.Identity); apperr.Is(err, apperr.NotFound) {
			return notParticipant(p.Identity, c.SID)
		} else if err != nil {
			return err
		}
		return nil
	case p.Address != "":
		page, err := tx.Participants(ctx, c.SID, PageRequest{Size: maxMembers})
		if err != nil {
			return err
		}
		for _, part := range page.Items {
			if part.Binding != nil && part.Binding.Address == p.Address {
				return nil
			}
		}
		return notParticipant(p.Address, c.SID)
	}
	return apperr.Invalidf(apperr.CodeBadRequest, "A rating names the customer who gives it")
}

// withRating sets r under CSATAttribute in attrs, a JSON object (or
// empty); attributes that are another JSON value cannot carry it.
func withRating(attrs string, r Rating) (string, error) {
	m := map[string]json.RawMessage{}
	if strings.TrimSpace(attrs) != "" {
		if err := json.Unmarshal([]byte(attrs), &m); err != nil || m == nil {
			return "", apperr.Conflictf(apperr.CodeInvalidAttributes,
				"The conversation's attributes are not a JSON object, so they cannot carry its rating")
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	m[CSATAttribute] = b
	out, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	if len(out) > MaxConversationAttributesBytes {
		return "", apperr.Invalidf(apperr.CodeBadRequest,
			"The conversation's attributes would be %d bytes with its rating; the limit is %d", len(out), MaxConversationAttributesBytes)
	}
	return string(out), nil
}

func firstOf(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
