package main

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/i18n"
)

// Outside its team's business hours the widget's page says so in its
// config (server/frontend.AwayConfig): the widget then says when the team
// is back, in the team's time, and its form becomes an offline message
// form. The server decides whether a chat is held (webchat.Init), so a
// visitor whose page was drawn a minute before opening still gets an agent.

// Away is the config's word that the team is away: times in RFC 3339 with
// the team's zone's offset, so their wall clock is the team's.
type Away struct {
	Back string `json:"back"` // "" when the team is back in no time in sight
	Now  string `json:"now"`
	Zone string `json:"zone"`
}

// away reports whether the team was away when the page was drawn.
func (w *Widget) away() bool { return w.cfg.Away != nil }

// backAt says when the team is back: "We’re back Monday at 09:00 (Paris
// time)".
func (w *Widget) backAt() string {
	a := w.cfg.Away
	back, _ := time.Parse(time.RFC3339, a.Back) // zero when absent: "We’re away"
	now, err := time.Parse(time.RFC3339, a.Now)
	if err != nil {
		now = time.Now()
	}
	return w.t.BackAt(back, now, a.Zone)
}

// formFields are the form the visitor fills in: the deployment's, or
// while the team is away the offline message form, as the server checks
// it (webchat.OfflineForm): name, a required email, the message.
func (w *Widget) formFields() []Field {
	if !w.away() {
		return w.cfg.Form
	}
	return offlineForm(w.t)
}

func offlineForm(t i18n.Texts) []Field {
	return []Field{
		{Name: "friendlyName", Label: t.FieldName, Type: "text", Required: true},
		{Name: "email", Label: t.FieldEmail, Type: "email", Required: true},
		{Name: "question", Label: t.Hours().Message, Type: "textarea", Required: true},
	}
}

// subtitle is the header's second line: when the team is back while it
// is away.
func (w *Widget) subtitle() string {
	if w.away() {
		return w.backAt()
	}
	return w.t.Subtitle
}

// heldNotice tells a visitor who left a message while the team is away
// what happens next.
func (w *Widget) heldNotice() app.UI {
	return app.P().Class("held").Role("status").Text(w.t.Hours().Held)
}
