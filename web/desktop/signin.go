package main

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// signIn is the sign-in form (or "Loading…" while a kept session is
// checked). It sends the credentials as actSignIn.
type signIn struct {
	app.Compo

	Iloading bool
	Ibusy    bool
	Iproblem string
}

func newSignIn() *signIn { return &signIn{} }

// Loading shows that a kept session is being checked.
func (s *signIn) Loading(v bool) *signIn { s.Iloading = v; return s }

// Busy disables the button while a sign-in is on its way.
func (s *signIn) Busy(v bool) *signIn { s.Ibusy = v; return s }

// Problem is what went wrong, shown above the form.
func (s *signIn) Problem(v string) *signIn { s.Iproblem = v; return s }

// Render draws the form.
func (s *signIn) Render() app.UI {
	if s.Iloading {
		return app.Div().Class("loading").Role("status").Text("Loading…")
	}
	return app.Main().Class("signin").Body(
		app.Form().ID("signin").Class("card").OnSubmit(s.submit).Body(
			app.H1().Text("Parley desk"),
			app.If(s.Iproblem != "", func() app.UI { return app.P().Class("problem").Role("alert").Text(s.Iproblem) }),
			app.Label().For("email").Text("Email"),
			app.Input().ID("email").Type("email").Name("email").Attr("autocomplete", "username").Required(true).AutoFocus(true),
			app.Label().For("password").Text("Password"),
			app.Input().ID("password").Type("password").Name("password").Attr("autocomplete", "current-password").Required(true),
			app.Button().Type("submit").Class("primary").Disabled(s.Ibusy).Text("Sign in"),
		),
	)
}

func (s *signIn) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if s.Ibusy {
		return
	}
	askNotificationPermission() // while the click still counts as the agent's gesture
	ctx.NewActionWithValue(actSignIn, credentials{Email: strings.TrimSpace(valueOf("email")), Password: valueOf("password")})
}
