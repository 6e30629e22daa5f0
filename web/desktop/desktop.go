package main

import (
	"context"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/model"
	"parley/web/attach"
	"parley/web/composer"
	"parley/web/desktop/desk"
	"parley/web/dial"
)

// Desktop is the desk's shell: it holds the session and the desk model
// (web/desktop/desk), runs what the model says to do next, and lays out
// the components that show it (sign-in, activity picker, offer cards,
// chat list, thread, composer, customer panel, dialogs, supervisor
// views). Its fields change on the UI goroutine only; blocking work runs
// in Async and comes back through Dispatch on d.ctx.
type Desktop struct {
	app.Compo

	ctx     app.Context
	origin  string
	rest    *client.REST
	tokenMu sync.Mutex
	saved   Saved

	// m is the desk's state, nil until signed in.
	m *desk.Model

	signedIn  bool
	loading   bool
	problem   string // shown at the top until the next action
	busy      bool   // a sign-in is on its way
	connected bool
	sess      *client.Session
	line      dial.Line // the realtime session

	reloading bool // a reload of the team and queues is coming

	// dialogs: what the shell loaded for them, or nil when closed
	transfer *transferForm
	confirm  *confirmation
	outbound *outboundForm
	viewer   [2]string // the picture shown over the desk, if any: link and name

	titleFlash bool
	announce   string // said to screen readers: the chat a shortcut brought in front

	// the files going with each chat's next message, and what was wrong
	// with the last ones picked
	links     attach.Links
	drafts    map[string][]*attach.Draft
	unsent    unsent // the words typed in each chat and not sent
	attachErr string
	dragging  bool
	// stopCatching ends the listening for dropped and pasted files.
	stopCatching func()

	keys keyboard // the shortcuts (keys.go)
}

// Saved is the sign-in kept in sessionStorage: a reload keeps working,
// while another tab (or another agent sharing the computer) signs in anew.
type Saved struct {
	Token   string      `json:"token"`
	Expires time.Time   `json:"expires"`
	Agent   model.Agent `json:"agent"`
	// Settings are the server's for the desk (the wait thresholds).
	Settings model.DeskSettings `json:"settings"`
}

const storageKey = "parley:desk"

// OnMount starts the desktop in the browser.
func (d *Desktop) OnMount(ctx app.Context) {
	d.ctx = ctx
	d.origin = app.Window().Get("location").Get("origin").String()
	if boot := app.Window().GetElementByID("boot"); boot.Truthy() {
		boot.Call("remove")
	}
	d.rest = client.NewREST(d.origin, client.TokenAuth(func(context.Context) (string, error) { return d.token(), nil }), nil)
	d.links.REST = d.rest
	d.stopCatching = attach.Catch(ctx, ".chat", "#composer", d.pickFiles, func(on bool) { d.dragging = on })
	composer.KeepEnterForSending()
	d.handleActions(ctx)
	d.listenForKeys(ctx)
	// Coming back to the tab reads the chat in front of the agent.
	app.Window().Get("document").Call("addEventListener", "visibilitychange", app.FuncOf(func(app.Value, []app.Value) any {
		d.ctx.Dispatch(func(ctx app.Context) {
			if d.m != nil {
				d.apply(ctx, d.m.SetVisible(d.visible()))
			}
		})
		return nil
	}))
	var saved Saved
	ctx.SessionStorage().Get(storageKey, &saved)
	if saved.Token != "" && time.Until(saved.Expires) > 10*time.Second {
		d.saved = saved
		d.loading = true
		d.refresh(ctx) // checks the token is still good, then starts work
	}
}

// OnDismount stops the realtime session.
func (d *Desktop) OnDismount() {
	d.line.Leave()
	if d.stopCatching != nil {
		d.stopCatching()
	}
	if d.keys.stop != nil {
		d.keys.stop()
	}
}

func (d *Desktop) token() string {
	d.tokenMu.Lock()
	defer d.tokenMu.Unlock()
	return d.saved.Token
}

// apply runs what the model said to do after a change.
func (d *Desktop) apply(ctx app.Context, fx desk.Effects) {
	m := d.m
	if m == nil {
		return
	}
	if fx.Problem != "" {
		d.problem = fx.Problem
	}
	if fx.Calm {
		d.titleFlash = false
	}
	if fx.Ring {
		d.ring()
	}
	if fx.Flash {
		d.flashTitle()
	}
	if r := fx.Read; r != nil && d.sess != nil {
		sess := d.sess
		d.ctx.Async(func() { _ = sess.Read(context.Background(), r.Conversation, r.Index) })
	}
	if fx.ServiceSID != "" {
		d.links.ServiceSID = fx.ServiceSID // files are uploaded to it too
	}
	for _, conv := range fx.Open {
		d.opened(conv)
	}
	if fx.History != "" {
		d.loadHistory(fx.History)
	}
	if fx.Past != "" {
		d.loadPast(fx.Past)
	}
	if conv := fx.Retry; conv != "" {
		c := m.Chat(conv)
		d.ctx.After(fx.RetryIn, func(ctx app.Context) {
			if d.m == m && m.Chat(conv) == c && m.RetryHistory(conv, false) {
				d.loadHistory(conv)
			}
		})
	}
	if fx.Watch != "" {
		d.watch(fx.Watch)
	}
	if fx.Poll != "" {
		d.poll(fx.Poll)
	}
	if fx.Reload {
		d.load(ctx)
	}
	if fx.Supervision {
		d.reloadSupervisionSoon(ctx)
	}
	if fx.Lapse > 0 {
		d.ctx.After(fx.Lapse, func(app.Context) {}) // re-render when the typing lapses
	}
	if fx.Scroll {
		d.scrollToEnd()
	}
}

// opened loads what a chat just opened shows: its thread, its notes, the
// customer's earlier conversations, and sends the first message of a
// conversation the agent started.
func (d *Desktop) opened(conv string) {
	c := d.m.Chat(conv)
	if c == nil {
		return
	}
	d.loadHistory(conv)
	d.loadNotes(conv)
	if !c.PastLoaded {
		d.loadPast(conv)
	}
	d.sendFirstMessage(c.Attrs.InteractionSID)
}

// selectChat brings a chat to the front.
func (d *Desktop) selectChat(ctx app.Context, conv string) { d.apply(ctx, d.m.Select(conv)) }

func (d *Desktop) scrollToEnd() {
	d.ctx.Defer(func(app.Context) {
		if l := app.Window().GetElementByID("messages"); l.Truthy() {
			l.Set("scrollTop", l.Get("scrollHeight"))
		}
	})
}

func valueOf(id string) string {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		return el.Get("value").String()
	}
	return ""
}
