package webchat

import (
	"context"
	"errors"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/hours"
	"parley/shared/i18n"
)

// A deployment's business hours (Deployment.Hours) decide how its visitors
// start: while the team is open a chat is routed at once; outside the
// hours the widget offers an offline message form (name, email, message),
// and Init keeps the message as a conversation that is held, not routed,
// until the team opens. RouteHeld routes what is held once its deployment
// is open, in the order it was left.

// LeftWhileAwayAttr is the conversation attribute that marks a chat left
// outside business hours: when it was left (RFC 3339, UTC). The visitor was
// told the team is away, so they expect the answer by email (followup
// emails it even when the deployment's EmailReplies are off), and the desk
// tells the agent the customer is not on the page.
const LeftWhileAwayAttr = "left_while_away_at"

// AwayUnreadMinutes is how long an agent's reply to a chat left while
// away stays unread before Parley emails it, when the deployment sets no
// EmailReplies.UnreadMinutes of its own: long enough for a visitor who
// came back to the page to read it there, short enough that one who did
// not hears soon after the team opens.
const AwayUnreadMinutes = 2

// leftWhileAway is the attribute marking a chat left at t, when away.
func leftWhileAway(away bool, t time.Time) map[string]any {
	if !away {
		return nil
	}
	return map[string]any{LeftWhileAwayAttr: t.UTC().Format(time.RFC3339)}
}

// Away is a deployment outside its business hours.
type Away struct {
	// Back is when the team next opens, in the deployment's zone; zero
	// when the schedule does not open in the next 400 days.
	Back time.Time
	// Zone is the deployment's IANA time zone.
	Zone string
}

// AwayAt reports whether d is outside its business hours at t, and if so
// when it is back. A deployment without hours is always open.
func (d Deployment) AwayAt(t time.Time) (Away, bool) {
	if d.Hours == nil || d.Hours.Open(t) {
		return Away{}, false
	}
	a := Away{Zone: d.Hours.Zone()}
	if back, ok := d.Hours.NextOpen(t); ok {
		a.Back = back.In(d.Hours.Location())
	}
	return a, true
}

// OfflineForm is the form a visitor fills in outside business hours: the
// team answers later, by email when the visitor has left the page, so the
// email is required. The widget draws the same fields (web/widget); the
// answers land where the pre-engagement form's would (friendlyName, email,
// question: the first message), so whatever reads a chat's email finds it.
func OfflineForm() []Field {
	return []Field{
		{Name: "friendlyName", Label: i18n.English.FieldName, Type: "text", Required: true},
		{Name: OfflineEmailField, Label: i18n.English.FieldEmail, Type: "email", Required: true},
		{Name: "question", Label: i18n.English.Hours().Message, Labels: messageLabels, Type: "textarea", Required: true},
	}
}

// OfflineEmailField is the offline form's email field: a chat left while
// away keeps the visitor's address at pre_engagement_data.email.
const OfflineEmailField = "email"

// messageLabels name the offline form's message field in every language
// the widget speaks.
var messageLabels = func() map[string]string {
	m := map[string]string{}
	for _, lang := range i18n.Langs() {
		m[lang] = i18n.For(lang, "").Hours().Message
	}
	return m
}()

// checkHours reads a deployment's BusinessHours parameter: a schedule's
// JSON (hours.Spec), or "" for none (always open).
func checkHours(raw string) (*hours.Schedule, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	s, err := hours.Parse([]byte(raw))
	var fe *hours.FieldError
	if errors.As(err, &fe) {
		return nil, invalid("BusinessHours.%s %s", fe.Field, fe.Problem)
	}
	return s, err
}

// Held is a conversation left outside business hours, waiting for its
// deployment to open.
type Held struct {
	Seq             int64 // the order they were left in
	DeploymentKey   string
	ConversationSID string
	Created         time.Time
}

// HeldStore keeps the conversations left outside business hours until
// they are routed, across restarts.
type HeldStore interface {
	Hold(ctx context.Context, h Held) error
	// HeldDeployments are the deployments with held conversations.
	HeldDeployments(ctx context.Context) ([]string, error)
	// HeldOf lists up to limit of a deployment's held conversations,
	// oldest first.
	HeldOf(ctx context.Context, key string, limit int) ([]Held, error)
	Release(ctx context.Context, seq int64) error
}

// hold keeps a conversation left outside business hours until its
// deployment opens (RouteHeld). Without a store to keep it in, it is
// routed at once: a message is never left unrouted.
func (s *Service) hold(d Deployment) func(context.Context, conversations.Conversation) error {
	if s.Held == nil {
		return s.startedThrough(d)
	}
	return func(ctx context.Context, c conversations.Conversation) error {
		return s.Held.Hold(ctx, Held{DeploymentKey: d.Key, ConversationSID: c.SID, Created: s.now()})
	}
}

// RouteHeld routes the conversations held for deployments that are open
// now, each deployment's in the order they were left, and says how many it
// routed. Parley calls it at start and then often: a team's opening is
// noticed within that interval, whatever happened to the clocks. A
// conversation is released once routed, in a write of its own; one that
// Routed says was routed already (Parley stopped between the two writes)
// is released without routing it again, so no agent is offered it twice.
// One closed meanwhile (the visitor ended it) or deleted is released
// unrouted. A deleted deployment's conversations are routed at once: the
// team still owes them an answer.
func (s *Service) RouteHeld(ctx context.Context) (int, error) {
	if s.Held == nil {
		return 0, nil
	}
	keys, err := s.Held.HeldDeployments(ctx)
	if err != nil {
		return 0, err
	}
	routed := 0
	var errs []error
	for _, key := range keys {
		d, err := s.store.Deployment(ctx, key)
		if apperr.Is(err, apperr.NotFound) {
			d, err = Deployment{Key: key}, nil
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, away := d.AwayAt(s.Now()); away {
			continue
		}
		n, err := s.routeHeldOf(ctx, d)
		routed += n
		errs = append(errs, err)
	}
	return routed, errors.Join(errs...)
}

// routeHeldOf routes an open deployment's held conversations, oldest
// first; it stops at the first that fails, so the order holds when it is
// tried again.
func (s *Service) routeHeldOf(ctx context.Context, d Deployment) (int, error) {
	routed := 0
	for {
		held, err := s.Held.HeldOf(ctx, d.Key, 100)
		if err != nil || len(held) == 0 {
			return routed, err
		}
		for _, h := range held {
			c, err := s.conv.Conversation(ctx, h.ConversationSID)
			switch {
			case apperr.Is(err, apperr.NotFound):
			case err != nil:
				return routed, err
			case c.State == conversations.Closed:
			default:
				if s.Routed != nil {
					done, err := s.Routed(ctx, c)
					if err != nil {
						return routed, err
					}
					if done {
						break // routed before a stop; only the release is owed
					}
				}
				if s.Started != nil {
					if err := s.Started(ctx, d, c); err != nil {
						return routed, err
					}
				}
				routed++
			}
			if err := s.Held.Release(ctx, h.Seq); err != nil {
				return routed, err
			}
		}
	}
}
