package main

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
)

// ---- the form ----

func (w *Widget) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	w.sendForm(ctx)
}

// sendForm checks the form's answers and, if they are right, starts the chat.
func (w *Widget) sendForm(ctx app.Context) {
	if w.submitting {
		return
	}
	w.errs = map[string]string{}
	data := map[string]string{}
	form := w.formFields()
	for _, f := range form {
		// The fields themselves are the truth: autofill does not always
		// fire input events.
		v := ""
		if el := app.Window().GetElementByID("field-" + f.Name); el.Truthy() {
			v = strings.TrimSpace(el.Get("value").String())
		}
		if v != "" {
			data[f.Name] = v
		}
		switch {
		case f.Required && v == "":
			w.errs[f.Name] = w.t.Required
		case f.Type == "email" && v != "":
			if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
				w.errs[f.Name] = w.t.BadEmail
			}
		}
	}
	if len(w.errs) > 0 {
		for _, f := range form { // focus the first field to fix
			if w.errs[f.Name] != "" {
				w.ctx.Defer(func(app.Context) { focus("field-" + f.Name) })
				break
			}
		}
		return
	}
	w.start(ctx, data)
}

// start asks the server for a chat, with the form's answers or, for a
// verified customer, without.
func (w *Widget) start(ctx app.Context, data map[string]string) {
	w.submitting, w.problem = true, ""
	name := firstNonEmpty(data["friendlyName"], w.user.name)
	userToken := w.user.token
	w.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		saved, err := w.api.init(c, name, data, userToken, w.t.Lang)
		w.ctx.Dispatch(func(ctx app.Context) {
			w.submitting = false
			if err != nil {
				w.phase, w.problem = phaseForm, fmt.Sprintf(w.t.CouldNotStart, client.Explain(err))
				return
			}
			saved.Verified = userToken != ""
			w.leftAway = w.away()
			w.post(map[string]any{"type": "started", "conversation_sid": saved.Conversation})
			w.resume(ctx, saved)
			// The form's button is gone with the form: a visitor in the
			// widget goes on where they write, not back to the page's top.
			if w.visible && app.Window().Get("document").Call("hasFocus").Bool() {
				w.ctx.Defer(func(app.Context) { focus("composer") })
			}
		})
	})
}
