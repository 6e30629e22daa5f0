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

// transferForm is what the shell knows of the dialog handing a chat to a
// queue or a colleague (transfer), or asking a colleague to join
// (invite): the targets it loaded and how the sending goes.
type transferForm struct {
	conv    string // the conversation handed on
	invite  bool
	queues  []model.TaskQueue
	workers []model.Worker
	sending bool
	problem string
}

// openTransfer opens the dialog and loads where the chat can go.
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
			f.queues, f.workers = queues, desk.Colleagues(workers, d.saved.Agent)
		})
	})
}

// submitTransfer sends the chat on: a transfer (warm keeps the agent in,
// cold hands it over) or an invite of a colleague.
func (d *Desktop) submitTransfer(ctx app.Context, to transferChoice) {
	f := d.transfer
	if f == nil || f.sending {
		return
	}
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
			err = ch.Invite(cx, desk.InviteProperties(a.WorkspaceSID, to.To))
		} else {
			err = ch.Transfer(cx, a.WorkerSID, to.To, to.Kind)
		}
		d.ctx.Dispatch(func(ctx app.Context) {
			f.sending = false
			if err != nil {
				f.problem = client.Explain(err)
				return
			}
			if d.transfer == f {
				d.transfer = nil
			}
		})
	})
}

// transferDialog asks where the chat goes and, for a transfer, how; it
// holds the agent's choice and sends it as actTransfer (Cancel sends
// actClose).
type transferDialog struct {
	app.Compo

	Iinvite  bool
	Iqueues  []model.TaskQueue
	Iworkers []model.Worker
	Isending bool
	Iproblem string

	to, kind string
	problem  string // what the choice lacks
}

func newTransferDialog() *transferDialog { return &transferDialog{} }

// Form is what the shell loaded and how the sending goes.
func (t *transferDialog) Form(f *transferForm) *transferDialog {
	t.Iinvite, t.Iqueues, t.Iworkers, t.Isending, t.Iproblem = f.invite, f.queues, f.workers, f.sending, f.problem
	return t
}

func (t *transferDialog) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if t.to == "" {
		t.problem = "Choose a queue or a colleague."
		return
	}
	t.problem = ""
	ctx.NewActionWithValue(actTransfer, transferChoice{To: t.to, Kind: firstNonEmpty(t.kind, "cold")})
}

// Render draws the dialog.
func (t *transferDialog) Render() app.UI {
	title := "Transfer the chat"
	if t.Iinvite {
		title = "Invite a colleague"
	}
	opts := []app.UI{app.Option().Value("").Text("Choose…")}
	for _, q := range t.Iqueues {
		opts = append(opts, app.Option().Value(q.SID).Text("Queue: "+q.FriendlyName))
	}
	for _, w := range t.Iworkers {
		opts = append(opts, app.Option().Value(w.SID).Text("Agent: "+desk.WorkerName(w)))
	}
	problem := firstNonEmpty(t.problem, t.Iproblem)
	return app.Div().Class("dialog-backdrop").Body(
		app.Form().ID("transfer-form").Class("dialog").Role("dialog").Aria("label", title).OnSubmit(t.submit).Body(
			app.H2().Text(title),
			app.If(problem != "", func() app.UI { return app.P().Class("problem").Role("alert").Text(problem) }),
			app.Label().For("transfer-to").Text("To"),
			app.Select().ID("transfer-to").OnChange(t.ValueTo(&t.to)).Body(opts...),
			app.If(!t.Iinvite, func() app.UI {
				return app.Div().Body(
					app.Label().For("transfer-type").Text("Kind"),
					app.Select().ID("transfer-type").OnChange(t.ValueTo(&t.kind)).Body(
						app.Option().Value("cold").Text("Cold: hand it over"),
						app.Option().Value("warm").Text("Warm: stay until they join"),
					))
			}),
			app.Div().Class("dialog-actions").Body(
				app.Button().Type("button").Text("Cancel").
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(actClose, dialogTransfer) }),
				app.Button().Type("submit").ID("transfer-send").Class("primary").Disabled(t.Isending).Text(map[bool]string{false: "Transfer", true: "Invite"}[t.Iinvite]),
			),
		),
	)
}
