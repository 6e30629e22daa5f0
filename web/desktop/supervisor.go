package main

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
	"parley/web/desktop/desk"
)

// The supervisor's team and queue views are read from TaskRouter; a
// monitored chat is followed over the socket (polled where it cannot be).

// reloadSupervisionSoon coalesces a burst of routing events into one
// reload a moment later.
func (d *Desktop) reloadSupervisionSoon(ctx app.Context) {
	if d.reloading {
		return
	}
	d.reloading = true
	d.ctx.After(300*time.Millisecond, func(ctx app.Context) {
		d.reloading = false
		if d.m != nil {
			d.reloadSupervision(ctx)
		}
	})
}

// reloadSupervision reads the team and queues from TaskRouter.
func (d *Desktop) reloadSupervision(ctx app.Context) {
	m := d.m
	ws := d.rest.Workspace(d.saved.Agent.WorkspaceSID)
	d.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		workers, err := ws.Workers(c, 200, false)
		if err != nil {
			return
		}
		tasks, _ := ws.Tasks(c, 500)
		queues, _ := ws.Queues(c, 100)
		byTask := map[string]model.Task{}
		for _, t := range tasks {
			byTask[t.SID] = t
		}
		var team []desk.TeamRow
		for _, w := range workers {
			res, _ := ws.Reservations(c, w.SID, 50)
			team = append(team, desk.TeamRowOf(w, res, byTask))
		}
		var rows []desk.QueueRow
		for _, q := range queues {
			if st, err := ws.QueueStatistics(c, q.SID); err == nil {
				rows = append(rows, desk.QueueRowOf(q, st))
			}
		}
		d.ctx.Dispatch(func(ctx app.Context) {
			if d.m == m {
				m.Supervision(team, rows)
			}
		})
	})
}

// watch follows a monitored chat over the socket: the server sends the
// supervisor's session the chat's events though she is not in it. What
// was said before is read once the subscription holds, so nothing falls
// between; the session follows it again after a reconnection by itself
// (OnMonitor). Without a socket, or refused, the chat is polled.
func (d *Desktop) watch(conv string) {
	m, sess := d.m, d.sess
	if sess == nil {
		d.poll(conv)
		return
	}
	d.ctx.Async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := sess.Monitor(ctx, conv)
		d.ctx.Dispatch(func(ctx app.Context) {
			if d.m == m {
				d.apply(ctx, m.Watching(conv, err))
			}
		})
	})
}

// unwatch stops following a chat no longer monitored.
func (d *Desktop) unwatch(conv string) {
	if sess := d.sess; sess != nil {
		d.ctx.Async(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			sess.Unmonitor(ctx, conv) // the server's events for it stop; none is shown meanwhile
		})
	}
}

// poll reloads a monitored chat every 2 s while it is watched, where the
// socket cannot follow it.
func (d *Desktop) poll(conv string) {
	m := d.m
	c := m.Chat(conv)
	d.ctx.After(2*time.Second, func(ctx app.Context) {
		if d.m == m && m.Chat(conv) == c && m.Monitoring(conv) {
			d.loadHistory(conv)
			d.poll(conv)
		}
	})
}
