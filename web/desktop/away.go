package main

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
)

// A chat left outside business hours (an offline message) waited for the
// team: its customer has most likely left the page, and Parley emails
// them the replies they leave unread. The offer and the chat say so, so
// that the agent writes a reply that stands on its own.

// awayNote is the small "Left while away · 18:42" line of a chat or an
// offer left outside business hours; nothing for any other.
func awayNote(a model.TaskAttributes, now time.Time) app.UI {
	text, ok := awayLabel(a.LeftWhileAwayAt, now)
	if !ok {
		return nil
	}
	title := "Left outside business hours: the customer may not be on the page."
	if a.RepliesByEmail {
		title += " Replies they leave unread are emailed to them."
	}
	return app.P().Class("away-note").Title(title).Text(text)
}

// awayLabel says when the chat was left, in the desk's time: the hour
// today, the weekday and hour within the week, else the date too.
func awayLabel(at string, now time.Time) (string, bool) {
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return "", false
	}
	t = t.In(now.Location())
	layout := "2 Jan 15:04"
	switch y1, m1, d1 := t.Date(); {
	case y1 == now.Year() && m1 == now.Month() && d1 == now.Day():
		layout = "15:04"
	case now.Sub(t) < 6*24*time.Hour:
		layout = "Mon 15:04"
	}
	return "Left while away · " + t.Format(layout), true
}
