package main

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/model"
	"parley/shared/sid"
	"parley/web/desktop/desk"
)

// outboundForm is what the shell knows of the dialog that starts a
// conversation with a customer's phone over SMS or WhatsApp: the desk's
// numbers and queue it loaded, and how the sending goes.
type outboundForm struct {
	numbers []desk.Number
	queue   string // the desk queue the agent's own task is made in
	sending bool
	problem string
}

// openOutbound opens the dialog and loads the numbers to text from.
func (d *Desktop) openOutbound(ctx app.Context, e app.Event) {
	f := &outboundForm{}
	d.outbound = f
	ws := d.rest.Workspace(d.saved.Agent.WorkspaceSID)
	d.ctx.Async(func() {
		cx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var queues []model.TaskQueue
		addrs, err := d.rest.Addresses(cx, 100)
		if err == nil {
			queues, err = ws.Queues(cx, 1)
		}
		d.ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				f.problem = client.Explain(err)
				return
			}
			if f.numbers = desk.NumbersOf(addrs); len(f.numbers) == 0 {
				f.problem = "There is no SMS or WhatsApp number to text from: an admin adds one under Configuration/Addresses."
			}
			if len(queues) > 0 {
				f.queue = queues[0].SID
			}
		})
	})
}

// submitOutbound starts the conversation as an agent-initiated Flex
// interaction: routed to the agent's own worker and accepted for them.
func (d *Desktop) submitOutbound(ctx app.Context, o desk.Outbound) {
	f := d.outbound
	if f == nil || f.sending {
		return
	}
	channel, routing, body, problem := o.Start(f.numbers, f.queue, d.saved.Agent)
	if f.problem = problem; problem != "" {
		return
	}
	f.sending = true
	d.ctx.Async(func() {
		ix, err := d.rest.CreateInteraction(context.Background(), channel, routing)
		d.ctx.Dispatch(func(ctx app.Context) {
			f.sending = false
			if err != nil {
				f.problem = client.Explain(err)
				return
			}
			if d.m == nil {
				return // signed out meanwhile
			}
			d.m.Started(ix.SID, desk.FirstMessage{Body: body, Key: sid.Key()})
			if d.outbound == f {
				d.outbound = nil
			}
			d.sendFirstMessage(ix.SID)
		})
	})
}

// sendFirstMessage sends the message an agent started a conversation
// with, once its chat is open. The agent joins the conversation when the
// task is accepted, which may lag the acceptance event: a refused send is
// retried (with the same key, so never twice).
func (d *Desktop) sendFirstMessage(interaction string) {
	if d.sess == nil {
		return
	}
	first, conv, ok := d.m.FirstMessage(interaction)
	if !ok {
		return // the chat's opening calls again
	}
	sess := d.sess
	d.apply(d.ctx, d.m.Sending(conv, first.Body))
	d.ctx.Async(func() {
		var err error
		for wait := 100 * time.Millisecond; wait < 10*time.Second; wait *= 2 {
			if _, err = sess.SendKeyed(context.Background(), conv, first.Body, "", first.Key); err == nil {
				return
			}
			time.Sleep(wait)
		}
		d.ctx.Dispatch(func(ctx app.Context) {
			d.failed(ctx, "Your first message was not sent: ", err)
		})
	})
}

// outboundDialog holds what the agent fills in to text a customer first
// and sends it as actOutbound (Cancel sends actClose).
type outboundDialog struct {
	app.Compo

	Inumbers []desk.Number
	Isending bool
	Iproblem string

	form desk.Outbound
}

func newOutboundDialog() *outboundDialog { return &outboundDialog{} }

// Form is what the shell loaded and how the sending goes.
func (o *outboundDialog) Form(f *outboundForm) *outboundDialog {
	o.Inumbers, o.Isending, o.Iproblem = f.numbers, f.sending, f.problem
	return o
}

// Render draws the dialog.
func (o *outboundDialog) Render() app.UI {
	opts := []app.UI{app.Option().Value("").Text("Choose…")}
	for _, n := range o.Inumbers {
		opts = append(opts, app.Option().Value(n.Address).Text(n.Label()))
	}
	if len(o.Inumbers) == 1 {
		opts = opts[1:] // the only choice shows chosen; desk.Outbound takes it so
	}
	return app.Div().Class("dialog-backdrop").Body(
		app.Form().ID("outbound-form").Class("dialog").Role("dialog").Aria("label", "Text a customer").OnSubmit(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			ctx.NewActionWithValue(actOutbound, o.form)
		}).Body(
			app.H2().Text("Text a customer"),
			app.If(o.Iproblem != "", func() app.UI { return app.P().Class("problem").Role("alert").Text(o.Iproblem) }),
			app.Label().For("outbound-from").Text("From"),
			app.Select().ID("outbound-from").OnChange(o.ValueTo(&o.form.From)).Body(opts...),
			app.Label().For("outbound-to").Text("Customer's number"),
			app.Input().ID("outbound-to").Type("tel").Placeholder("+15551234567").Required(true).Pattern(`\s*(whatsapp:)?\+[1-9][0-9 ]{6,20}\s*`).
				OnInput(o.ValueTo(&o.form.To)),
			app.Label().For("outbound-body").Text("Message"),
			app.Textarea().ID("outbound-body").Rows(3).Required(true).OnInput(o.ValueTo(&o.form.Body)),
			app.Div().Class("dialog-actions").Body(
				app.Button().Type("button").Text("Cancel").
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(actClose, dialogOutbound) }),
				app.Button().Type("submit").ID("outbound-send").Class("primary").Disabled(o.Isending).Text("Send"),
			),
		),
	)
}
