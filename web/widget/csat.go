package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
)

// CSATConfig is the deployment's satisfaction survey (see
// server/webchat.CSAT): asked in the ended view when Enabled.
type CSATConfig struct {
	Enabled   bool              `json:"enabled"`
	Comment   bool              `json:"comment"`
	Questions map[string]string `json:"questions"` // by language; the widget's default otherwise
}

// rating is the survey of the chat that just ended: which chat, with the
// token that was the visitor's in it (kept past the end: the socket goes,
// the grant lasts until it expires), and how far the visitor got.
type rating struct {
	conversation, token string
	sending, sent       bool
	problem             string
}

// offerRating prepares the survey for the chat that is ending, if the
// deployment asks.
func (w *Widget) offerRating() {
	w.rating = rating{}
	if w.cfg.CSAT.Enabled && w.saved.Conversation != "" {
		w.rating = rating{conversation: w.saved.Conversation, token: w.token()}
	}
}

// ratingView is the survey: five radio buttons in a group named by the
// question (a native radio group: arrows move the choice, screen readers
// say "3 – Okay, 3 of 5"), the optional comment and Send; then the thanks,
// in a status the screen reader announces.
func (w *Widget) ratingView() app.UI {
	ct := w.t.CSAT()
	r := w.rating
	if r.sent {
		return app.P().ID("csat-thanks").Class("csat-thanks").Role("status").TabIndex(-1).Text(ct.Thanks)
	}
	scores := make([]app.UI, 0, 5)
	for i, name := range ct.Scale {
		n := i + 1
		id := "csat-" + strconv.Itoa(n)
		scores = append(scores, app.Span().Class("csat-score").Body(
			// The browser owns which is checked, as it owns the comment's
			// text: a render binding Checked lags the keys, and arrows
			// pressed quickly had a render of the score before put its
			// check back (the chat was rated 3 after the visitor chose 4).
			app.Input().Type("radio").ID(id).Name("csat-score").Value(strconv.Itoa(n)).Class("visually-hidden").
				Required(true).OnChange(func(ctx app.Context, e app.Event) { w.rating.problem = "" }),
			app.Label().For(id).Title(name).Body(
				app.Span().Aria("hidden", "true").Text(strconv.Itoa(n)),
				app.Span().Class("visually-hidden").Text(name),
			),
		))
	}
	return app.Form().ID("csat").Class("csat").Attr("novalidate", true).OnSubmit(w.sendRating).Body(
		app.FieldSet().Class("csat-scale").Aria("describedby", "csat-problem").Body(
			app.Legend().ID("csat-question").Text(w.t.CSATQuestion(w.cfg.CSAT.Questions)),
			app.Div().Class("csat-scores").Body(scores...),
		),
		app.If(w.cfg.CSAT.Comment, func() app.UI {
			return app.Div().Class("field").Body(
				app.Label().For("csat-comment").Text(ct.Comment),
				app.Textarea().ID("csat-comment").Name("comment").Rows(2).MaxLength(1000).Dir("auto"),
			)
		}),
		app.P().ID("csat-problem").Class("field-error").Role("alert").Text(r.problem),
		app.Button().Type("submit").ID("csat-send").Class("primary").Disabled(r.sending).Text(ct.Send),
	)
}

// sendRating sends the chosen score (and comment) once; the server
// refuses a second.
func (w *Widget) sendRating(ctx app.Context, e app.Event) {
	e.PreventDefault()
	r := w.rating
	if r.sending || r.sent {
		return
	}
	score := 0
	if el := app.Window().Get("document").Call("querySelector", "#csat input[name=csat-score]:checked"); el.Truthy() {
		score, _ = strconv.Atoi(el.Get("value").String())
	}
	if score == 0 {
		w.rating.problem = w.t.CSAT().Choose
		w.ctx.Defer(func(app.Context) { focus("csat-1") })
		return
	}
	comment := ""
	if el := app.Window().GetElementByID("csat-comment"); el.Truthy() {
		comment = strings.TrimSpace(el.Get("value").String())
	}
	w.rating.sending, w.rating.problem = true, ""
	w.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		err := w.api.rate(c, r.token, r.conversation, score, comment)
		w.ctx.Dispatch(func(ctx app.Context) {
			w.rating.sending = false
			var apiErr *client.APIError
			switch {
			case err == nil, errors.As(err, &apiErr) && apiErr.Status == 409:
				// Taken (or taken before, by a retry that timed out): thanked.
				w.rating.sent = true
				w.ctx.Defer(func(app.Context) { focus("csat-thanks") })
			default:
				w.rating.problem = fmt.Sprintf(w.t.CSAT().Failed, client.Explain(err))
			}
		})
	})
}

// rate sends a visitor's rating of their ended chat.
func (g guestAPI) rate(ctx context.Context, token, conversation string, score int, comment string) error {
	return g.chat.Rate(ctx, token, conversation, score, comment)
}
