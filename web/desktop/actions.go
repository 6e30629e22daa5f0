package main

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/web/desktop/desk"
)

// The desk's components send what the agent does as go-app actions, and
// the shell handles them: a component holds data only (a callback field
// would differ on every render, so go-app would re-render the component
// every time its parent does).
const (
	actSignIn       = "desk.sign-in"       // value: credentials
	actActivity     = "desk.activity"      // value: the activity SID
	actAnswer       = "desk.answer"        // value: answer
	actSelect       = "desk.select"        // value: the conversation SID
	actRetryHistory = "desk.retry-thread"  // value: the conversation SID
	actRetryPast    = "desk.retry-past"    // value: the conversation SID
	actViewFile     = "desk.view-file"     // value: [2]string{src, name}
	actMonitor      = "desk.monitor"       // value: desk.TeamChat
	actStopMonitor  = "desk.stop-monitor"  // value: monitored
	actSend         = "desk.send"          // value: outgoing
	actTyping       = "desk.typing"        // value: the conversation SID
	actFiles        = "desk.files"         // value: an array of File (app.Value)
	actRemoveDraft  = "desk.remove-draft"  // value: draftRef
	actTransfer     = "desk.transfer"      // value: transferChoice
	actOutbound     = "desk.outbound"      // value: desk.Outbound
	actComplete     = "desk.complete"      // value: completion
	actReport       = "desk.report"        // value: reportRange
	actReportCSV    = "desk.report-csv"    // value: reportRange
	actConfirm      = "desk.confirm"       // value: bool, the answer
	actClose        = "desk.close"         // value: dialogTransfer, dialogOutbound or dialogViewer
	actOpenCanned   = "desk.open-canned"   // none: the composer opens its canned responses
	actOpenTransfer = "desk.open-transfer" // value: the conversation SID
	actOpenInvite   = "desk.open-invite"   // value: the conversation SID
	actEnd          = "desk.end"           // value: the conversation SID
)

// The dialogs actClose closes.
const (
	dialogTransfer = "transfer"
	dialogOutbound = "outbound"
	dialogViewer   = "viewer"
)

// credentials are what the sign-in form holds.
type credentials struct{ Email, Password string }

// answer is the agent's answer to an offer.
type answer struct{ Reservation, Status string }

// outgoing is what the composer sends: a reply (with the chat's files)
// or a private note.
type outgoing struct {
	Conv, Body string
	Note       bool
}

// draftRef names a file waiting to go with a chat's next message.
type draftRef struct{ Conv, ID string }

// transferChoice is where the chat goes (a queue or a worker SID) and,
// for a transfer, how (cold or warm).
type transferChoice struct{ To, Kind string }

// completion is a wrapped-up task and its outcome ("" if none chosen).
type completion struct{ Task, Outcome string }

// monitored is a chat a supervisor monitors.
type monitored struct{ Task, Conv string }

// reportRange is the days a report covers, as yyyy-mm-dd.
type reportRange struct{ Start, End string }

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
		d.viewer = a.Value.([2]string)
	}))
	ctx.Handle(actMonitor, signedIn(func(ctx app.Context, a app.Action) { d.apply(ctx, d.m.Monitor(a.Value.(desk.TeamChat))) }))
	ctx.Handle(actStopMonitor, signedIn(func(ctx app.Context, a app.Action) {
		v := a.Value.(monitored)
		d.m.CloseChat(v.Task)
		d.unwatch(v.Conv)
	}))
	// the composer's, the dialogs' and the reports'
	ctx.Handle(actSend, signedIn(func(ctx app.Context, a app.Action) { d.sendMessage(ctx, a.Value.(outgoing)) }))
	ctx.Handle(actTyping, signedIn(func(ctx app.Context, a app.Action) {
		if sess, conv := d.sess, a.Value.(string); sess != nil {
			d.ctx.Async(func() { _ = sess.Typing(context.Background(), conv) })
		}
	}))
	ctx.Handle(actFiles, signedIn(func(ctx app.Context, a app.Action) { d.pickFiles(ctx, a.Value.(app.Value)) }))
	ctx.Handle(actRemoveDraft, signedIn(func(ctx app.Context, a app.Action) { d.removeDraft(a.Value.(draftRef)) }))
	ctx.Handle(actTransfer, signedIn(func(ctx app.Context, a app.Action) { d.submitTransfer(ctx, a.Value.(transferChoice)) }))
	ctx.Handle(actOutbound, signedIn(func(ctx app.Context, a app.Action) { d.submitOutbound(ctx, a.Value.(desk.Outbound)) }))
	ctx.Handle(actComplete, signedIn(func(ctx app.Context, a app.Action) { d.complete(ctx, a.Value.(completion)) }))
	ctx.Handle(actReport, signedIn(func(ctx app.Context, a app.Action) { d.loadReport(a.Value.(reportRange)) }))
	ctx.Handle(actReportCSV, signedIn(func(ctx app.Context, a app.Action) { d.downloadReport(a.Value.(reportRange)) }))
	ctx.Handle(actConfirm, func(ctx app.Context, a app.Action) {
		if c := d.confirm; c != nil {
			d.confirm = nil
			if a.Value.(bool) {
				c.yes(ctx)
			}
		}
	})
	ctx.Handle(actClose, func(ctx app.Context, a app.Action) {
		switch a.Value.(string) {
		case dialogTransfer:
			d.transfer = nil
		case dialogOutbound:
			d.outbound = nil
		case dialogViewer:
			d.viewer = [2]string{}
		}
	})
	ctx.Handle(actOpenTransfer, signedIn(func(ctx app.Context, a app.Action) { d.openTransfer(ctx, a.Value.(string), false) }))
	ctx.Handle(actOpenInvite, signedIn(func(ctx app.Context, a app.Action) { d.openTransfer(ctx, a.Value.(string), true) }))
	ctx.Handle(actEnd, signedIn(func(ctx app.Context, a app.Action) { d.endChat(ctx, a.Value.(string)) }))
}
