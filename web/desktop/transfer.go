package main

import (
	"context"
	"errors"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/model"
	"parley/web/desktop/desk"
)

// transferForm is the dialog handing a chat to a queue or a colleague
// (transfer), or asking a colleague to join (invite).
type transferForm struct {
	conv    string // the conversation handed on
	invite  bool
	queues  []model.TaskQueue
	workers []model.Worker
	sending bool
	problem string
}

// confirmation asks before something the agent may regret.
type confirmation struct {
	text string
	yes  func(ctx app.Context)
}

func (d *Desktop) openTransfer(ctx app.Context, conv string, invite bool) {
	f := &transferForm{conv: conv, invite: invite}
	d.transfer = f
	ws := d.rest.Workspace(d.saved.Agent.WorkspaceSID)
	d.ctx.Async(func() {
		cx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		queues, err1 := ws.Queues(cx, 100)
		workers, err2 := ws.Workers(cx, 200, true)
		err := errors.Join(err1, err2)
		d.ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				f.problem = client.Explain(err)
				return
			}
			f.queues = queues
			for _, w := range workers {
				if w.SID != d.saved.Agent.WorkerSID {
					f.workers = append(f.workers, w)
				}
			}
		})
	})
}

// submitTransfer sends the chat on: a transfer (warm keeps the agent in,
// cold hands it over) or an invite of a colleague.
func (d *Desktop) submitTransfer(ctx app.Context, e app.Event) {
	e.PreventDefault()
	f := d.transfer
	if f == nil || f.sending {
		return
	}
	to := valueOf("transfer-to")
	if to == "" {
		f.problem = "Choose a queue or a colleague."
		return
	}
	kind := valueOf("transfer-type")
	c, a := d.m.Chat(f.conv), d.saved.Agent
	if c == nil {
		d.transfer = nil
		return
	}
	ch := d.rest.Channel(c.Attrs.InteractionSID, c.Attrs.ChannelSID)
	f.sending, f.problem = true, ""
	d.ctx.Async(func() {
		cx := context.Background()
		var err error
		if f.invite {
			props := map[string]string{"workspace_sid": a.WorkspaceSID}
			if to[:2] == "WK" {
				props["worker_sid"] = to
			} else {
				props["queue_sid"] = to
			}
			err = ch.Invite(cx, props)
		} else {
			err = ch.Transfer(cx, a.WorkerSID, to, kind)
		}
		d.ctx.Dispatch(func(ctx app.Context) {
			f.sending = false
			if err != nil {
				f.problem = client.Explain(err)
				return
			}
			d.transfer = nil
		})
	})
}
func (d *Desktop) transferView() app.UI {
	f := d.transfer
	title := "Transfer the chat"
	if f.invite {
		title = "Invite a colleague"
	}
	opts := []app.UI{app.Option().Value("").Text("Choose…")}
	for _, q := range f.queues {
		opts = append(opts, app.Option().Value(q.SID).Text("Queue: "+q.FriendlyName))
	}
	for _, w := range f.workers {
		opts = append(opts, app.Option().Value(w.SID).Text("Agent: "+desk.WorkerName(w)))
	}
	return app.Div().Class("dialog-backdrop").Body(
		app.Form().ID("transfer-form").Class("dialog").Role("dialog").Aria("label", title).OnSubmit(d.submitTransfer).Body(
			app.H2().Text(title),
			app.If(f.problem != "", func() app.UI { return app.P().Class("problem").Role("alert").Text(f.problem) }),
			app.Label().For("transfer-to").Text("To"),
			app.Select().ID("transfer-to").Body(opts...),
			app.If(!f.invite, func() app.UI {
				return app.Div().Body(
					app.Label().For("transfer-type").Text("Kind"),
					app.Select().ID("transfer-type").Body(
						app.Option().Value("cold").Text("Cold: hand it over"),
						app.Option().Value("warm").Text("Warm: stay until they join"),
					))
			}),
			app.Div().Class("dialog-actions").Body(
				app.Button().Type("button").Text("Cancel").OnClick(func(app.Context, app.Event) { d.transfer = nil }),
				app.Button().Type("submit").ID("transfer-send").Class("primary").Disabled(f.sending).Text(map[bool]string{false: "Transfer", true: "Invite"}[f.invite]),
			),
		),
	)
}

func (d *Desktop) confirmView() app.UI {
	c := d.confirm
	return app.Div().Class("dialog-backdrop").Body(
		app.Div().Class("dialog").Role("alertdialog").Body(
			app.P().Text(c.text),
			app.Div().Class("dialog-actions").Body(
				app.Button().Type("button").Text("Cancel").OnClick(func(app.Context, app.Event) { d.confirm = nil }),
				app.Button().Type("button").ID("confirm-yes").Class("primary").Text("Yes").OnClick(func(ctx app.Context, e app.Event) {
					d.confirm = nil
					c.yes(ctx)
				}),
			),
		),
	)
}
