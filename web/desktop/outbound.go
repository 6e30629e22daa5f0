package main

import (
	"context"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/model"
	"parley/shared/sid"
)

// outboundForm is the dialog that starts a conversation with a customer's
// phone over SMS or WhatsApp, from one of the desk's numbers.
type outboundForm struct {
	numbers []outboundNumber
	queue   string // the desk queue the agent's own task is made in
	sending bool
	problem string
}

// outboundNumber is an SMS or WhatsApp address the desk can text from.
type outboundNumber struct {
	Type, Address, FriendlyName string
}

// firstMessage is what an agent wrote when starting a conversation: sent
// once the conversation's task is accepted for them and the chat opens.
type firstMessage struct {
	body, key string
}

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
			for _, a := range addrs {
				if a.Type == "sms" || a.Type == "whatsapp" {
					name := ""
					if a.FriendlyName != nil {
						name = *a.FriendlyName
					}
					f.numbers = append(f.numbers, outboundNumber{Type: a.Type, Address: a.Address, FriendlyName: name})
				}
			}
			if len(f.numbers) == 0 {
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
func (d *Desktop) submitOutbound(ctx app.Context, e app.Event) {
	e.PreventDefault()
	f := d.outbound
	if f == nil || f.sending {
		return
	}
	from, to := valueOf("outbound-from"), strings.Join(strings.Fields(valueOf("outbound-to")), "")
	body := strings.TrimSpace(valueOf("outbound-body"))
	var typ string
	for _, n := range f.numbers {
		if n.Address == from {
			typ = n.Type
		}
	}
	switch {
	case typ == "":
		f.problem = "Choose the number to text from."
		return
	case body == "":
		f.problem = "Write the first message."
		return
	case f.queue == "":
		f.problem = "The desk has no queue to start the conversation in."
		return
	}
	if typ == "whatsapp" && !strings.HasPrefix(to, "whatsapp:") {
		to = "whatsapp:" + to
	}
	a := d.saved.Agent
	channel := map[string]any{"type": typ, "initiated_by": "agent",
		"participants": []map[string]string{{"address": to, "proxy_address": from}},
		"properties":   map[string]string{"friendly_name": to}}
	routing := map[string]any{"properties": map[string]any{"workspace_sid": a.WorkspaceSID,
		"queue_sid": f.queue, "worker_sid": a.WorkerSID, "task_channel_unique_name": typ,
		"attributes": model.TaskAttributes{CustomerName: to, CustomerAddress: to}}}
	f.sending, f.problem = true, ""
	d.ctx.Async(func() {
		ix, err := d.rest.CreateInteraction(context.Background(), channel, routing)
		d.ctx.Dispatch(func(ctx app.Context) {
			f.sending = false
			if err != nil {
				f.problem = client.Explain(err)
				return
			}
			if d.firstMessages == nil {
				d.firstMessages = map[string]firstMessage{}
			}
			d.firstMessages[ix.SID] = firstMessage{body: body, key: sid.Key()}
			d.outbound = nil
			d.sendFirstMessage(ix.SID)
		})
	})
}

// sendFirstMessage sends the message an agent started a conversation
// with, once its chat is open. The agent joins the conversation when the
// task is accepted, which may lag the acceptance event: a refused send is
// retried (with the same key, so never twice).
func (d *Desktop) sendFirstMessage(interaction string) {
	first, ok := d.firstMessages[interaction]
	if !ok || d.sess == nil {
		return
	}
	c := d.m.ChatOf(interaction)
	if c == nil {
		return // the chat's opening calls again
	}
	delete(d.firstMessages, interaction)
	sess, conv := d.sess, c.Attrs.ConversationSID
	d.apply(d.ctx, d.m.Sending(conv, first.body))
	d.ctx.Async(func() {
		var err error
		for wait := 100 * time.Millisecond; wait < 10*time.Second; wait *= 2 {
			if _, err = sess.SendKeyed(context.Background(), conv, first.body, "", first.key); err == nil {
				return
			}
			time.Sleep(wait)
		}
		d.ctx.Dispatch(func(ctx app.Context) {
			d.failed(ctx, "Your first message was not sent: ", err)
		})
	})
}

func (d *Desktop) outboundView() app.UI {
	f := d.outbound
	opts := []app.UI{app.Option().Value("").Text("Choose…")}
	for _, n := range f.numbers {
		label := n.Address
		if n.FriendlyName != "" {
			label += " (" + n.FriendlyName + ")"
		}
		opts = append(opts, app.Option().Value(n.Address).Text(strings.ToUpper(n.Type[:1])+n.Type[1:]+": "+label))
	}
	if len(f.numbers) == 1 {
		opts = opts[1:]
	}
	return app.Div().Class("dialog-backdrop").Body(
		app.Form().ID("outbound-form").Class("dialog").Role("dialog").Aria("label", "Text a customer").OnSubmit(d.submitOutbound).Body(
			app.H2().Text("Text a customer"),
			app.If(f.problem != "", func() app.UI { return app.P().Class("problem").Role("alert").Text(f.problem) }),
			app.Label().For("outbound-from").Text("From"),
			app.Select().ID("outbound-from").Body(opts...),
			app.Label().For("outbound-to").Text("Customer's number"),
			app.Input().ID("outbound-to").Type("tel").Placeholder("+15551234567").Required(true).Pattern(`\s*(whatsapp:)?\+[1-9][0-9 ]{6,20}\s*`),
			app.Label().For("outbound-body").Text("Message"),
			app.Textarea().ID("outbound-body").Rows(3).Required(true),
			app.Div().Class("dialog-actions").Body(
				app.Button().Type("button").Text("Cancel").OnClick(func(app.Context, app.Event) { d.outbound = nil }),
				app.Button().Type("submit").ID("outbound-send").Class("primary").Disabled(f.sending).Text("Send"),
			),
		),
	)
}
