package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The loader (assets/embed.js) and the widget talk with postMessage:
// objects with parley: 1 and a type. The widget says "ready", "theme",
// "message", "unread", "started", "ended" and "close"; the loader says
// "open", "close" and "setUser". Only the page that frames the widget is
// listened to, and once it has spoken, only its origin is written to.

// post sends a message to the loader, if the widget is framed.
func (w *Widget) post(msg map[string]any) {
	win := app.Window()
	parent := win.Get("parent")
	if !parent.Truthy() || parent.Equal(win.JSValue()) {
		return
	}
	msg["parley"] = 1
	target := w.parentOrigin
	if target == "" {
		// Before the loader speaks only "ready" and "theme" carry nothing
		// private; frame-ancestors already limits who frames us.
		if t := msg["type"]; t != "ready" && t != "theme" {
			return
		}
		target = "*"
	}
	parent.Call("postMessage", msg, target)
}

func (w *Widget) listenToLoader() {
	win := app.Window()
	win.Call("addEventListener", "message", app.FuncOf(func(this app.Value, args []app.Value) any {
		e := args[0]
		data := e.Get("data")
		if !e.Get("source").Equal(win.Get("parent")) || !data.Truthy() || data.Type() != app.TypeObject ||
			data.Get("parley").Int() != 1 {
			return nil
		}
		origin := e.Get("origin").String()
		typ := data.Get("type").String()
		w.ctx.Dispatch(func(ctx app.Context) {
			first := w.parentOrigin == ""
			w.parentOrigin = origin
			switch typ {
			case "open":
				w.visible = true
				w.markRead(ctx)
				// Focus the first thing to do, unless the visitor is already
				// somewhere in the widget.
				w.ctx.Defer(func(app.Context) {
					active := app.Window().Get("document").Get("activeElement")
					if !active.Truthy() || active.Get("tagName").String() == "BODY" {
						focus(w.focusTarget())
					}
				})
			case "close":
				w.visible = false
			case "setUser":
				w.setUser(ctx, data.Get("user"))
			}
			if first && w.unread > 0 {
				w.post(map[string]any{"type": "unread", "count": w.unread})
			}
		})
		return nil
	}))
	// Outside a frame (the widget opened on its own) it is always visible.
	if win.Get("parent").Equal(win.JSValue()) {
		w.visible = true
	}
}

// setUser takes a logged-in customer from the site: a signed identity
// token lets them skip the form.
func (w *Widget) setUser(ctx app.Context, u app.Value) {
	if !u.Truthy() || u.Type() != app.TypeObject {
		return
	}
	str := func(k string) string {
		if v := u.Get(k); v.Type() == app.TypeString {
			return v.String()
		}
		return ""
	}
	w.user.token, w.user.name, w.user.email = str("token"), str("name"), str("email")
	// Prefill what the site knows, where the visitor has not typed.
	prefill := func(field, v string) {
		if el := app.Window().GetElementByID("field-" + field); v != "" && el.Truthy() && el.Get("value").String() == "" {
			el.Set("value", v)
		}
	}
	prefill("friendlyName", w.user.name)
	prefill("email", w.user.email)
	waiting := w.awaitingUser
	w.awaitingUser = false
	switch {
	case w.user.token != "" && (w.phase == phaseForm || waiting) && !w.submitting:
		w.start(ctx, map[string]string{})
	case waiting:
		w.phase = phaseForm
	}
}

func (w *Widget) focusTarget() string {
	switch w.phase {
	case phaseChat:
		return "composer"
	case phaseForm:
		if len(w.cfg.Form) > 0 {
			return "field-" + w.cfg.Form[0].Name
		}
	}
	return "panel"
}
