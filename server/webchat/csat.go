package webchat

import (
	"context"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/textrule"
	"parley/shared/i18n"
)

// MaxCSATQuestionChars bounds a deployment's wording of the rating
// question: it is one line above five buttons.
const MaxCSATQuestionChars = 200

// CSAT is a deployment's satisfaction survey: whether the widget asks for
// a rating when a chat ends, in which words, and whether it offers a
// comment box.
type CSAT struct {
	Enabled bool `json:"enabled"`
	Comment bool `json:"comment"`
	// Questions are the deployment's own wording of the question, by
	// language (see i18n.Langs); a language without one is asked in the
	// widget's default words (i18n.CSATFor).
	Questions map[string]string `json:"questions,omitempty"`
}

// DefaultCSAT is the survey of a new deployment, and of one stored before
// surveys existed: off, with a comment box once it is turned on.
func DefaultCSAT() CSAT { return CSAT{Comment: true} }

// CSATParams are the survey's settable fields; nil leaves a field as it is.
type CSATParams struct {
	Enabled, Comment *bool
	// Questions set the question per language; "" goes back to the
	// default wording.
	Questions map[string]string
}

// applyCSAT checks p and sets it on c, naming the parameter at fault.
func applyCSAT(c *CSAT, p CSATParams) error {
	for _, lang := range slices.Sorted(maps.Keys(p.Questions)) {
		q := strings.TrimSpace(p.Questions[lang])
		field := "Csat.Question." + lang
		switch {
		case !i18n.Speaks(lang):
			return invalid("%s: the question's languages are the widget's: %s", field, strings.Join(i18n.Langs(), ", "))
		case utf8.RuneCountInString(q) > MaxCSATQuestionChars:
			return invalid("%s is %d characters; the limit is %d", field, utf8.RuneCountInString(q), MaxCSATQuestionChars)
		}
		if err := textrule.Name(field, q); err != nil {
			return err // every visitor reads it
		}
		if q == "" {
			delete(c.Questions, lang)
			continue
		}
		if c.Questions == nil {
			c.Questions = map[string]string{}
		}
		c.Questions[lang] = q
	}
	if p.Enabled != nil {
		c.Enabled = *p.Enabled
	}
	if p.Comment != nil {
		c.Comment = *p.Comment
	}
	return nil
}

// RateParams are a visitor's rating of their chat, as the widget sends it.
type RateParams struct {
	DeploymentKey, Origin, Token, ConversationSID string
	Score                                         int
	Comment                                       string
}

// Rate takes a visitor's rating of the chat that just ended: the token
// must be the visitor's (from the deployment), the deployment must ask for
// ratings, the conversation must be theirs and over, and rated once only
// (conversations.Service.Rate).
func (s *Service) Rate(ctx context.Context, p RateParams) (conversations.Rating, error) {
	if err := conversations.CheckRating(p.Score, p.Comment); err != nil {
		return conversations.Rating{}, err
	}
	sess, err := s.guest(ctx, p.DeploymentKey, p.Origin, p.Token)
	if err != nil {
		return conversations.Rating{}, err
	}
	d, err := s.store.Deployment(ctx, sess.Deployment)
	if err != nil {
		return conversations.Rating{}, err
	}
	if !d.CSAT.Enabled {
		return conversations.Rating{}, apperr.New(apperr.Forbidden, apperr.CodeForbidden,
			"Webchat deployment %s does not ask for ratings: turn Csat.Enabled on", d.Key)
	}
	if !d.CSAT.Comment && strings.TrimSpace(p.Comment) != "" {
		return conversations.Rating{}, invalid("Comment: webchat deployment %s does not take comments (Csat.Comment is off)", d.Key)
	}
	if p.ConversationSID == "" {
		return conversations.Rating{}, invalid("ConversationSid is required: the chat being rated")
	}
	ctx = conversations.WithOrigin(ctx, conversations.Origin{Source: "SDK", Identity: sess.Identity})
	_, r, err := s.conv.Rate(ctx, p.ConversationSID, conversations.RateParams{
		Identity: sess.Identity, Score: p.Score, Comment: p.Comment, Channel: "web"})
	return r, err
}
