package main

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// The server draws the widget's first screen, the header and the
// pre-engagement form, in the page itself (assets/widget/index.html), so a
// visitor can start filling it in while this program loads. Once the widget
// has drawn its own screen it takes over what the visitor did there.

// takeOver moves what was typed in the first screen, the focus and the
// caret into the widget's own form, removes the first screen, and sends
// the form if the visitor already had. It runs in one go, with no chance
// for the browser to take another keystroke between reading and removing.
func (w *Widget) takeOver(ctx app.Context) {
	boot := app.Window().GetElementByID("boot")
	if !boot.Truthy() {
		return
	}
	defer boot.Call("remove")
	form := boot.Call("querySelector", "form")
	if w.phase != phaseForm || !form.Truthy() {
		return
	}
	active := app.Window().Get("document").Get("activeElement")
	for _, f := range w.formFields() {
		from := form.Call("querySelector", `[name="`+f.Name+`"]`)
		to := app.Window().GetElementByID("field-" + f.Name)
		if !from.Truthy() || !to.Truthy() {
			continue
		}
		if v := from.Get("value").String(); v != "" {
			to.Set("value", v)
		}
		if from.Equal(active) {
			to.Call("focus")
			// Only text-like fields have a caret (an email field's is null).
			if start := from.Get("selectionStart"); start.Type() == app.TypeNumber {
				to.Call("setSelectionRange", start, from.Get("selectionEnd"))
			}
		}
	}
	if form.Call("hasAttribute", "data-pending").Bool() {
		// Through Dispatch: state changed in a Defer is not drawn.
		ctx.Dispatch(w.sendForm)
	}
}
