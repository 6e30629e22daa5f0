package main

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
)

// What the widget does with email (see server/followup): a visitor who
// gave an email may have the transcript sent to it, and a link from an
// email Parley sent brings the visitor back into that chat.

// emailState is the transcript button's progress.
type emailState struct {
	sending bool
	status  string // what the last request came to, read out politely
}

// transcript asks the server to email the chat's transcript to the
// address the visitor gave; the request names no address.
func (g guestAPI) transcript(ctx context.Context, token, conversation, lang string) error {
	return g.chat.Transcript(ctx, token, conversation, lang)
}

// emailButton offers the transcript by email, where the deployment does.
func (w *Widget) emailButton() app.UI {
	return app.If(w.cfg.EmailTranscript, w.emailTranscriptView)
}

func (w *Widget) emailTranscriptView() app.UI {
	m := w.t.MailIn()
	label := m.EmailTranscript
	if w.email.sending {
		label = m.EmailSending
	}
	return app.Div().Class("email-transcript").Body(
		app.Button().Type("button").ID("email-transcript").Class("secondary").Disabled(w.email.sending).
			Text(label).OnClick(w.emailTranscript),
		app.P().ID("email-status").Class("hint").Role("status").Aria("live", "polite").Text(w.email.status),
	)
}

func (w *Widget) emailTranscript(ctx app.Context, e app.Event) {
	if w.email.sending {
		return
	}
	w.email = emailState{sending: true}
	tok, conv, lang := w.token(), w.saved.Conversation, w.t.Lang
	w.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		err := w.api.transcript(c, tok, conv, lang)
		w.ctx.Dispatch(func(ctx app.Context) {
			w.email.sending = false
			if err != nil {
				w.email.status = client.Explain(err)
				return
			}
			w.email.status = w.t.MailIn().EmailSent
		})
	})
}

// linkToken takes a resume token from the page's address (an emailed
// link: /widget/?key=...#resume=TOKEN) and removes it from the address,
// so that a reload, a bookmark or the history do not keep it.
func linkToken() string {
	loc := app.Window().Get("location")
	tok, ok := strings.CutPrefix(loc.Get("hash").String(), "#resume=")
	if !ok || tok == "" {
		return ""
	}
	app.Window().Get("history").Call("replaceState", nil, "", loc.Get("pathname").String()+loc.Get("search").String())
	tok, _ = url.QueryUnescape(tok)
	return tok
}

// openLink brings the visitor into the chat an emailed link names. A
// chat that ended (or was deleted) says so on the form; what the visitor
// saved here of another chat stays.
func (w *Widget) openLink(ctx app.Context, tok string) {
	w.phase, w.problem = phaseLoading, ""
	w.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		fresh, err := w.api.resume(c, tok)
		w.ctx.Dispatch(func(ctx app.Context) {
			switch {
			case resumeRefused(err):
				w.phase, w.problem = phaseForm, w.t.MailIn().LinkEnded
			case err != nil: // offline, the server away or busy
				w.ctx.After(5*time.Second, func(ctx app.Context) { w.openLink(ctx, tok) })
			default:
				w.cameBack = time.Now()
				w.resume(ctx, fresh)
			}
		})
	})
}
