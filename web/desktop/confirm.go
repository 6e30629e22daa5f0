package main

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// confirmation asks before something the agent may regret; the shell
// keeps what Yes does.
type confirmation struct {
	text string
	yes  func(ctx app.Context)
}

// confirmDialog asks the question; the answer goes as actConfirm.
type confirmDialog struct {
	app.Compo

	Itext string
}

func newConfirmDialog() *confirmDialog { return &confirmDialog{} }

// Text is the question.
func (c *confirmDialog) Text(v string) *confirmDialog { c.Itext = v; return c }

// Render draws the dialog.
func (c *confirmDialog) Render() app.UI {
	answer := func(yes bool) app.EventHandler {
		return func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(actConfirm, yes) }
	}
	return app.Div().Class("dialog-backdrop").Body(
		app.Div().Class("dialog").Role("alertdialog").Body(
			app.P().Text(c.Itext),
			app.Div().Class("dialog-actions").Body(
				app.Button().Type("button").Text("Cancel").OnClick(answer(false)),
				app.Button().Type("button").ID("confirm-yes").Class("primary").Text("Yes").OnClick(answer(true)),
			),
		),
	)
}
