package main

import (
	"context"
	"errors"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/model"
)

// transferForm is the dialog handing a chat to a queue or a colleague
// (transfer), or asking a colleague to join (invite).
type transferForm struct {
	chat    *Chat
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

func (d *Desktop) openTransfer(ctx app.Context, c *Chat, invite bool) {
	f := &transferForm{chat: c, invite: invite}
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
	c, a := f.chat, d.saved.Agent
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
