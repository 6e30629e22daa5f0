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
			app.Option().Value("resolved").Text("Resolved"),
			app.Option().Value("follow-up").Text("Needs a follow-up"),
			app.Option().Value("no-answer").Text("Customer left"),
		),
		app.Button().Type("submit").ID("complete").Class("primary").Text("Complete"),
	)
}

// complete finishes the task, keeping the disposition in its attributes.
func (d *Desktop) complete(ctx app.Context, task string) {
	disposition := valueOf("disposition")
	if disposition == "" {
		d.problem = "Choose how the chat ended before completing it."
		return
	}
	m := d.m
	ws := d.rest.Workspace(d.saved.Agent.WorkspaceSID)
	d.ctx.Async(func() {
		cx := context.Background()
		t, err := ws.Task(cx, task)
		if err == nil {
			attrs := model.TaskAttributesOf(t.Attributes)
			attrs.Conversations.Outcome = disposition
			err = ws.CompleteTask(cx, task, "completed by agent", attrs)
		}
		d.ctx.Dispatch(func(ctx app.Context) {
			if d.m != m {
				return
			}
			if err != nil {
				d.failed(ctx, "", err)
				return
			}
			m.CloseChat(task)
		})
	})
}
