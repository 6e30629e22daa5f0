package main

import (
	"context"
	"errors"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/model"
	"parley/shared/realtime"
	"parley/web/attach"
	"parley/web/desktop/desk"
	"parley/web/dial"
)

// Signing in and out, the realtime session, and reading what the agent
// has now.

func (d *Desktop) setLogin(ctx app.Context, l model.DeskLogin) {
	d.tokenMu.Lock()
	d.saved = Saved{Token: l.Token, Expires: l.ExpiresAt.Time, Agent: l.Agent, Settings: l.Settings}
	if d.m != nil {
		d.m.Settings = l.Settings // a refresh brings the operator's changes
	}
	d.tokenMu.Unlock()
	ctx.SessionStorage().Set(storageKey, d.saved)
	// Refresh at four fifths of the token's life.
	life := time.Until(l.ExpiresAt.Time)
	d.ctx.After(max(life*4/5, 5*time.Second), func(ctx app.Context) {
		if d.signedIn && d.token() == l.Token {
			d.refresh(ctx)
		}
	})
}

// signIn signs in with what the sign-in form holds.
func (d *Desktop) signIn(ctx app.Context, email, password string) {
	if d.busy {
		return
	}
	if email == "" || password == "" {
		d.problem = "Enter your email and password."
		return
	}
	d.busy, d.problem = true, ""
	d.ctx.Async(func() {
		l, err := client.NewREST(d.origin, nil, nil).DeskSignIn(context.Background(), email, password)
		d.ctx.Dispatch(func(ctx app.Context) {
			d.busy = false
			if err != nil {
				d.problem = client.Explain(err)
				return
			}
			d.setLogin(ctx, l)
			d.start(ctx)
		})
	})
}

func (d *Desktop) refresh(ctx app.Context) {
	d.ctx.Async(func() {
		l, err := d.rest.DeskRefresh(context.Background())
		d.ctx.Dispatch(func(ctx app.Context) {
			d.loading = false
			var apiErr *client.APIError
			switch {
			case errors.As(err, &apiErr) && apiErr.Status == 401:
				d.signedOut(ctx, "Your session ended; sign in again.")
			case err != nil:
				// Offline: try again shortly, keeping the token while it lasts.
				d.problem = "Cannot reach the server: " + client.Explain(err)
				d.ctx.After(5*time.Second, func(ctx app.Context) { d.refresh(ctx) })
			default:
				first := !d.signedIn
				d.setLogin(ctx, l)
				if d.sess != nil {
					sess := d.sess
					d.ctx.Async(func() { sess.UpdateToken(context.Background(), l.Token) })
				}
				if first {
					d.start(ctx)
				}
			}
		})
	})
}

func (d *Desktop) signOut(ctx app.Context, e app.Event) {
	if len(d.m.Chats) > 0 {
		d.confirm = &confirmation{text: "You have chats open. Sign out anyway? They stay with you until you complete them.",
			yes: func(ctx app.Context) { d.doSignOut(ctx) }}
		return
	}
	d.doSignOut(ctx)
}

func (d *Desktop) doSignOut(ctx app.Context) {
	rest := d.rest
	d.ctx.Async(func() {
		_ = rest.DeskSignOut(context.Background())
		d.ctx.Dispatch(func(ctx app.Context) { d.signedOut(ctx, "") })
	})
}

// failed shows what a call that went out while signed in came to, after
// what (what it was for). A refused token means the session ended
// meanwhile (the laptop slept past its expiry): the agent is signed out,
// once, and told so; a desk already signed out ignores answers arriving
// late, which would otherwise replace that reason with the raw refusal.
func (d *Desktop) failed(ctx app.Context, what string, err error) {
	if !d.signedIn {
		return
	}
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.Status == 401 {
		d.signedOut(ctx, "Your session ended; sign in again.")
		return
	}
	d.problem = what + client.Explain(err)
}

func (d *Desktop) signedOut(ctx app.Context, why string) {
	d.line.Leave()
	ctx.SessionStorage().Del(storageKey)
	ctx.SessionStorage().Del(unsentKey) // another agent may sign in at this tab
	*d = Desktop{Compo: d.Compo, ctx: d.ctx, origin: d.origin, rest: d.rest, links: attach.Links{REST: d.rest},
		stopCatching: d.stopCatching, problem: why}
}

// start makes the agent's desk and opens the realtime session, which
// then loads the activities, the reservations and chats the agent
// already has (after a reload).
func (d *Desktop) start(ctx app.Context) {
	d.signedIn = true
	d.m = desk.New(d.saved.Agent)
	d.unsent = loadUnsent(ctx)
	d.m.Settings = d.saved.Settings
	d.m.Visible = d.visible()
	d.connect(ctx)
}

// connect opens the realtime session, trying until the server answers;
// the session is left (and closed) by d.line.Leave.
func (d *Desktop) connect(ctx app.Context) {
	ended := func(ctx app.Context) { d.signedOut(ctx, "Your session ended; sign in again.") }
	d.line.Open(d.ctx, d.origin, d.token, dial.Handlers{
		Event:  d.onEvent,
		Resync: d.load,
		// A monitored chat, followed again after a reconnection.
		Monitor: func(ctx app.Context, conv string, err error) {
			if d.m != nil {
				d.apply(ctx, d.m.Watching(conv, err))
			}
		},
		State: func(ctx app.Context, st client.State) { d.connected = st == client.Connected },
		// The token expired while the laptop slept, or the agent signed
		// out elsewhere.
		Refused:    ended,
		DialFailed: func(ctx app.Context, _ error) { d.connected = false }, // offline, or the server is away
	}, func(live context.Context, sess *client.Session, err error) {
		d.ctx.Dispatch(func(ctx app.Context) {
			if live.Err() != nil {
				return // the desk left (signed out) while connecting
			}
			if err != nil { // refused: the token expired or was revoked
				ended(ctx)
				return
			}
			d.sess, d.connected = sess, true
			d.m.SetSession(true)
			d.load(ctx)
			if d.m.Canned == nil {
				d.loadCanned()
			}
		})
	})
}

// onEvent applies a realtime event to the desk.
func (d *Desktop) onEvent(ctx app.Context, f realtime.ServerFrame) {
	if d.m != nil {
		d.apply(ctx, d.m.Apply(f, time.Now()))
	}
}

// load reads what the agent has now: activities, its worker, its live
// reservations and their tasks.
func (d *Desktop) load(ctx app.Context) {
	m, a := d.m, d.saved.Agent
	ws := d.rest.Workspace(a.WorkspaceSID)
	d.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		acts, err1 := ws.Activities(c)
		worker, err2 := ws.Worker(c, a.WorkerSID)
		res, err3 := ws.Reservations(c, a.WorkerSID, 50)
		err := errors.Join(err1, err2, err3)
		tasks := map[string]model.Task{}
		for _, r := range res {
			if desk.LiveReservation(r) {
				if t, err := ws.Task(c, r.TaskSID); err == nil {
					tasks[r.TaskSID] = t
				}
			}
		}
		d.ctx.Dispatch(func(ctx app.Context) {
			if d.m != m {
				return // signed out meanwhile
			}
			if err != nil {
				d.failed(ctx, "", err)
				return
			}
			fx := m.Loaded(acts, worker, res, tasks)
			supervise := fx.Supervision
			fx.Supervision = false
			d.apply(ctx, fx)
			if supervise {
				d.reloadSupervision(ctx)
			}
		})
	})
}

// ---- activity ----

// chooseActivity sets the worker's activity, asking first before going
// Offline with chats open.
func (d *Desktop) chooseActivity(ctx app.Context, sid string) {
	if d.m.LeavesChats(sid) {
		if sel := app.Window().GetElementByID("activity"); sel.Truthy() {
			sel.Set("value", d.m.Activity)
		}
		d.confirm = &confirmation{text: "You have chats open. Go Offline anyway? They stay with you until you complete them.",
			yes: func(ctx app.Context) { d.setActivity(ctx, sid) }}
		return
	}
	d.setActivity(ctx, sid)
}

func (d *Desktop) setActivity(ctx app.Context, sid string) {
	a := d.saved.Agent
	var w model.Worker
	d.call("", func(cx context.Context) (err error) {
		w, err = d.rest.Workspace(a.WorkspaceSID).SetActivity(cx, a.WorkerSID, sid)
		return err
	}, func(_ app.Context, m *desk.Model) {
		m.ActivitySet(w.ActivitySID)
		d.problem = ""
	})
}
