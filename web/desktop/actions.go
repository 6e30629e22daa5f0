package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/web/desktop/desk"
)

// The desk's components send what the agent does as go-app actions, and
// the shell handles them: a component holds data only (a callback field
// would differ on every render, so go-app would re-render the component
// every time its parent does).
const (
	actSignIn       = "desk.sign-in"      // value: credentials
	actActivity     = "desk.activity"     // value: the activity SID
	actAnswer       = "desk.answer"       // value: answer
	actSelect       = "desk.select"       // value: the conversation SID
	actRetryHistory = "desk.retry-thread" // value: the conversation SID
	actRetryPast    = "desk.retry-past"   // value: the conversation SID
	actViewFile     = "desk.view-file"    // value: [2]string{src, name}
	actMonitor      = "desk.monitor"      // value: desk.TeamChat
	actTransfer     = "desk.transfer"     // value: the conversation SID
	actInvite       = "desk.invite"       // value: the conversation SID
	actEnd          = "desk.end"          // value: the conversation SID
)

// credentials are what the sign-in form holds.
type credentials struct{ Email, Password string }

// answer is the agent's answer to an offer.
type answer struct{ Reservation, Status string }

// handleActions routes the components' actions to the shell.
func (d *Desktop) handleActions(ctx app.Context) {
	signedIn := func(h func(ctx app.Context, a app.Action)) app.ActionHandler {
		return func(ctx app.Context, a app.Action) {
			if d.m != nil {
				h(ctx, a)
			}
		}
	}
	ctx.Handle(actSignIn, func(ctx app.Context, a app.Action) {
		if c, ok := a.Value.(credentials); ok && !d.signedIn {
			d.signIn(ctx, c.Email, c.Password)
		}
	})
	ctx.Handle(actActivity, signedIn(func(ctx app.Context, a app.Action) { d.chooseActivity(ctx, a.Value.(string)) }))
	ctx.Handle(actAnswer, signedIn(func(ctx app.Context, a app.Action) {
		v := a.Value.(answer)
		d.answer(ctx, v.Reservation, v.Status)
	}))
	ctx.Handle(actSelect, signedIn(func(ctx app.Context, a app.Action) { d.selectChat(ctx, a.Value.(string)) }))
	ctx.Handle(actRetryHistory, signedIn(func(ctx app.Context, a app.Action) {
		if conv := a.Value.(string); d.m.RetryHistory(conv, true) {
			d.loadHistory(conv)
		}
	}))
	ctx.Handle(actRetryPast, signedIn(func(ctx app.Context, a app.Action) { d.loadPast(a.Value.(string)) }))
	ctx.Handle(actViewFile, signedIn(func(ctx app.Context, a app.Action) {
		v := a.Value.([2]string)
		d.viewer, d.viewerName = v[0], v[1]
	}))
	ctx.Handle(actMonitor, signedIn(func(ctx app.Context, a app.Action) { d.apply(ctx, d.m.Monitor(a.Value.(desk.TeamChat))) }))
	ctx.Handle(actTransfer, signedIn(func(ctx app.Context, a app.Action) { d.openTransfer(ctx, a.Value.(string), false) }))
	ctx.Handle(actInvite, signedIn(func(ctx app.Context, a app.Action) { d.openTransfer(ctx, a.Value.(string), true) }))
	ctx.Handle(actEnd, signedIn(func(ctx app.Context, a app.Action) { d.endChat(ctx, a.Value.(string)) }))
}
