package main

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
	"parley/web/desktop/desk"
)

// The wrap-up: how the chat ended, then Complete.

func (d *Desktop) wrapUp(c *desk.Chat) app.UI {
	task := c.TaskSID
	return app.Form().Class("wrapup").OnSubmit(func(ctx app.Context, e app.Event) { e.PreventDefault(); d.complete(ctx, task) }).Body(
		app.If(c.CustomerLeft, func() app.UI {
			return app.P().ID("customer-left").Class("left").Role("status").
				Text(firstNonEmpty(c.Attrs.CustomerName, "The customer") + " left the chat.")
		}),
		app.Label().For("disposition").Text("How did it end?"),
		app.Select().ID("disposition").Body(
			app.Option().Value("").Text("Choose…"),
			app.Range(model.Outcomes).Slice(func(i int) app.UI {
				return app.Option().Value(model.Outcomes[i].Value).Text(model.Outcomes[i].Label)
			}),
		),
		app.Button().Type("submit").ID("complete").Class("primary").Text("Complete"),
	)
}

// complete finishes the task with its outcome: one call, in which the
// server keeps the outcome in the task's attributes.
func (d *Desktop) complete(ctx app.Context, task string) {
	disposition := valueOf("disposition")
	if disposition == "" {
		d.problem = "Choose how the chat ended before completing it."
		return
	}
	d.call("", func(cx context.Context) error {
		_, err := d.rest.DeskComplete(cx, task, disposition)
		return err
	}, func(_ app.Context, m *desk.Model) { m.CloseChat(task) })
}
