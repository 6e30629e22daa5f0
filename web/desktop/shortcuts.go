package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// shortcutsDialog lists the desk's keyboard shortcuts (the shortcuts
// table in keys.go). It is the browser's own modal <dialog>, opened with
// showModal: the page behind it is inert, the focus moves in (to Close)
// and stays in, and Escape closes it; every way of closing sends
// actShortcuts false, and the shell gives the focus back.
type shortcutsDialog struct {
	app.Compo
}

func newShortcutsDialog() *shortcutsDialog { return &shortcutsDialog{} }

// OnMount opens the dialog as a modal once it is in the page.
func (s *shortcutsDialog) OnMount(ctx app.Context) {
	ctx.Defer(func(app.Context) {
		if el := app.Window().GetElementByID("shortcuts"); el.Truthy() && !el.Get("open").Bool() {
			el.Call("showModal")
		}
	})
}

// Render draws the list, one row per shortcut, its keys as <kbd>.
func (s *shortcutsDialog) Render() app.UI {
	rows := make([]app.UI, 0, len(shortcuts))
	for _, sc := range shortcuts {
		keys := make([]app.UI, 0, 2*len(sc.keys))
		for i, k := range sc.keys {
			if i > 0 && sc.keys[0] != "↑" { // a chord, not a choice of keys
				keys = append(keys, app.Span().Class("plus").Aria("hidden", true).Text("+"))
			}
			keys = append(keys, app.Kbd().Text(k))
		}
		rows = append(rows, app.Tr().Class("shortcut").Body(
			app.Td().Class("keys").Body(keys...),
			app.Td().Text(sc.what),
		))
	}
	closeIt := func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(actShortcuts, false) }
	return app.Dialog().ID("shortcuts").Class("shortcuts").Role("dialog").Aria("modal", true).
		Aria("labelledby", "shortcuts-title").On("close", closeIt).Body(
		app.Div().Class("shortcuts-head").Body(
			app.H2().ID("shortcuts-title").Text("Keyboard shortcuts"),
			app.Button().Type("button").ID("shortcuts-close").Text("Close").OnClick(closeIt),
		),
		app.Table().Body(
			app.THead().Body(app.Tr().Body(app.Th().Scope("col").Text("Keys"), app.Th().Scope("col").Text("What they do"))),
			app.TBody().Body(rows...),
		),
	)
}
