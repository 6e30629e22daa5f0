package webchat

import (
	"context"
	"encoding/json"
	"net/mail"
	"time"

	"parley/server/auth"
	"parley/server/conversations"
)

// MaxUnreadMinutes bounds EmailReplies.UnreadMinutes: a day, within the
// outbox's retry window and far within a resume link's life.
const MaxUnreadMinutes = 24 * 60

// EmailReplies are a deployment's settings for reaching visitors by email
// (Parley sends it only when SMTP is configured).
type EmailReplies struct {
	// UnreadMinutes is how long an agent's message may stay unread by a
	// visitor who gave an email before Parley emails it; 0 is off.
	UnreadMinutes int `json:"unread_minutes"`
	// Field names the form field holding the visitor's email; "" means the
	// form's first field of type email.
	Field string `json:"field,omitempty"`
}

// EmailRepliesParams set EmailReplies; nil leaves a field as it is.
type EmailRepliesParams struct {
	UnreadMinutes *int
	Field         *string
}

// applyEmailReplies checks p against d's form (already updated) and sets it.
func applyEmailReplies(d *Deployment, p EmailRepliesParams) error {
	if p.UnreadMinutes != nil {
		if m := *p.UnreadMinutes; m < 0 || m > MaxUnreadMinutes {
			return invalid("EmailReplies.UnreadMinutes must be between 0 (off) and %d (a day), got %d", MaxUnreadMinutes, m)
		}
		d.EmailReplies.UnreadMinutes = *p.UnreadMinutes
	}
	if p.Field != nil {
		d.EmailReplies.Field = *p.Field
	}
	if f := d.EmailReplies.Field; f != "" {
		for _, field := range d.Form {
			if field.Name == f {
				if field.Type != "email" {
					return invalid("EmailReplies.Field %q is a field of type %s; it must name a field of type email", f, field.Type)
				}
				return nil
			}
		}
		return invalid("EmailReplies.Field %q is not a field of the PreEngagementForm", f)
	}
	return nil
}

// EmailField is the form field that holds a visitor's email: the one the
// deployment names, else the first field of type email; "" when none.
func (d Deployment) EmailField() string {
	if d.EmailReplies.Field != "" {
		return d.EmailReplies.Field
	}
	for _, f := range d.Form {
		if f.Type == "email" {
			return f.Name
		}
	}
	return ""
}

// Visitor is what a web conversation says of its visitor, for email.
type Visitor struct {
	DeploymentKey string
	Email         string // "" when they gave none (or none that is an address)
	Lang          string // the widget's language when they started, if known
	// LeftWhileAway is when they left the chat outside business hours
	// (zero for a chat started while the team was in): they were told
	// the answer comes by email.
	LeftWhileAway time.Time
}

// VisitorOf reads a web conversation's attributes, as Init wrote them; ok
// is false for a conversation no deployment started.
func VisitorOf(c conversations.Conversation, d func(key string) (Deployment, error)) (v Visitor, ok bool, err error) {
	var attrs struct {
		Channel       string            `json:"channel_type"`
		Key           string            `json:"deployment_key"`
		Locale        string            `json:"locale"`
		PreEngagement map[string]string `json:"pre_engagement_data"`
		LeftWhileAway string            `json:"left_while_away_at"`
	}
	if json.Unmarshal([]byte(c.Attributes), &attrs) != nil || attrs.Channel != "web" || attrs.Key == "" {
		return v, false, nil
	}
	dep, err := d(attrs.Key)
	if err != nil {
		return v, false, err
	}
	v = Visitor{DeploymentKey: attrs.Key, Lang: attrs.Locale}
	f := dep.EmailField()
	if t, err := time.Parse(time.RFC3339, attrs.LeftWhileAway); err == nil {
		// The offline form asked for the email, whatever the deployment's
		// own form asks.
		v.LeftWhileAway, f = t, OfflineEmailField
	}
	if f != "" {
		// Init checked it; the attributes may have been changed since.
		if a, err := mail.ParseAddress(attrs.PreEngagement[f]); err == nil {
			v.Email = a.Address
		}
	}
	return v, true, nil
}

// GuestIn checks a visitor's token (of deployment key, from origin) and
// that its identity takes part in the conversation; it returns the
// identity.
func (s *Service) GuestIn(ctx context.Context, key, origin, token, conversationSID string) (string, error) {
	sess, err := s.guest(ctx, key, origin, token)
	if err != nil {
		return "", err
	}
	return sess.Identity, s.conv.Participates(ctx, sess.Identity, conversationSID)
}

// ResumeToken mints a resume token that brings guest back into its
// conversation through deployment key (see Resume): what an emailed link
// carries.
func (s *Service) ResumeToken(guest, key, conversationSID string) (string, time.Time, error) {
	return s.auth.MintResume(auth.Resume{Identity: guest, DeploymentKey: key, ConversationSID: conversationSID}, ResumeTTL)
}
