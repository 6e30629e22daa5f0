package main

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Getting the agent's attention: a tone, a notification when the page is
// hidden, and the tab's title flashing.

// ring plays a short tone, flashes the title and shows a notification
// when the page is hidden.
func (d *Desktop) ring() {
	win := app.Window()
	if ac := win.Get("AudioContext"); ac.Truthy() {
		func() {
			defer func() { recover() }() // no audio device: stay silent
			actx := ac.New()
			osc := actx.Call("createOscillator")
			osc.Get("frequency").Set("value", 880)
			osc.Call("connect", actx.Get("destination"))
			osc.Call("start")
			osc.Call("stop", actx.Get("currentTime").Float()+0.2)
		}()
	}
	if n := win.Get("Notification"); n.Truthy() && n.Get("permission").String() == "granted" && !d.visible() {
		n.New("New chat", map[string]any{"body": "A customer is waiting."})
	}
	d.flashTitle()
}

func (d *Desktop) flashTitle() {
	if d.titleFlash {
		return
	}
	d.titleFlash = true
	d.flashStep(0)
}

func (d *Desktop) flashStep(n int) {
	doc := app.Window().Get("document")
	if !d.titleFlash || (d.visible() && (d.m == nil || len(d.m.Offers) == 0)) {
		d.titleFlash = false
		doc.Set("title", "Parley desk")
		return
	}
	if n%2 == 0 {
		doc.Set("title", "● New chat — Parley desk")
	} else {
		doc.Set("title", "Parley desk")
	}
	d.ctx.After(time.Second, func(ctx app.Context) {
		ctx.PreventUpdate() // the title is not in the desk: nothing to re-render
		d.flashStep(n + 1)
	})
}

func (d *Desktop) visible() bool {
	return app.Window().Get("document").Get("visibilityState").String() != "hidden"
}

func askNotificationPermission() {
	if n := app.Window().Get("Notification"); n.Truthy() && n.Get("permission").String() == "default" {
		n.Call("requestPermission")
	}
}
