package main

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
	"parley/web/desktop/desk"
)

// wrapUp is a chat in wrap-up: how it ended, then Complete (sent as
// actComplete). The outcome chosen is its own, for the task it was
// chosen for: the next chat in wrap-up starts from "Choose…".
type wrapUp struct {
	app.Compo

	Itask     string
	Icustomer string
	Ileft     bool // the customer left the chat

	chosen, chosenFor string
}

func newWrapUp() *wrapUp { return &wrapUp{} }

// Chat is the task wrapped up, the customer's name and whether they left.
func (w *wrapUp) Chat(task, customer string, left bool) *wrapUp {
	w.Itask, w.Icustomer, w.Ileft = task, customer, left
	return w
}

func (w *wrapUp) outcome() string {
	if w.chosenFor != w.Itask {
		return ""
	}
	return w.chosen
}

// Render draws the form.
func (w *wrapUp) Render() app.UI {
	outcome := w.outcome()
	return app.Form().Class("wrapup").OnSubmit(func(ctx app.Context, e app.Event) {
		e.PreventDefault()
		ctx.NewActionWithValue(actComplete, completion{Task: w.Itask, Outcome: w.outcome()})
	}).Body(
		app.If(w.Ileft, func() app.UI {
			return app.P().ID("customer-left").Class("left").Role("status").
				Text(firstNonEmpty(w.Icustomer, "The customer") + " left the chat.")
		}),
		app.Label().For("disposition").Text("How did it end?"),
		app.Select().ID("disposition").OnChange(func(ctx app.Context, e app.Event) {
			w.chosen, w.chosenFor = ctx.JSSrc().Get("value").String(), w.Itask
		}).Body(
			app.Option().Value("").Selected(outcome == "").Text("Choose…"),
			app.Range(model.Outcomes).Slice(func(i int) app.UI {
				o := model.Outcomes[i]
				return app.Option().Value(o.Value).Selected(outcome == o.Value).Text(o.Label)
			}),
		),
		app.Button().Type("submit").ID("complete").Class("primary").Text("Complete"),
	)
}

// complete finishes the task with its outcome: one call, in which the
// server keeps the outcome in the task's attributes.
func (d *Desktop) complete(ctx app.Context, c completion) {
	if c.Outcome == "" {
		d.problem = "Choose how the chat ended before completing it."
		return
	}
	d.call("", func(cx context.Context) error {
		_, err := d.rest.DeskComplete(cx, c.Task, c.Outcome)
		return err
	}, func(_ app.Context, m *desk.Model) { m.CloseChat(c.Task) })
}
