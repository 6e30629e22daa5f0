package main

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
)

// ---- ending the chat ----

// askToEnd asks "End this chat?" in the widget: a modal dialog that
// takes the focus (the browser keeps it inside and the chat inert behind
// it) and gives it back to "End chat" when the visitor says no.
func (w *Widget) askToEnd(ctx app.Context, e app.Event) {
	w.confirming = true
	w.ctx.Defer(func(app.Context) {
		if d := app.Window().GetElementByID("end-dialog"); d.Truthy() && !d.Get("open").Bool() {
			d.Call("showModal")
		}
		focus("end-no")
	})
}

// keepChatting closes the question: the visitor said no, or Escape.
func (w *Widget) keepChatting(ctx app.Context, e app.Event) {
	if !w.confirming {
		return
	}
	w.confirming = false
	w.ctx.Defer(func(app.Context) { focus("end-chat") })
}

// endChat ends the chat: the visitor said yes.
func (w *Widget) endChat(ctx app.Context, e app.Event) {
	w.confirming = false
	tok, conv := w.token(), w.saved.Conversation
	w.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		err := w.api.end(c, tok, conv)
		w.ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				w.problem = client.Explain(err)
				return
			}
			w.ended(ctx)
		})
	})
}

// ended shows the end of the chat; the transcript stays until a new chat.
func (w *Widget) ended(ctx app.Context) {
	if w.phase == phaseEnded {
		return
	}
	w.post(map[string]any{"type": "ended", "conversation_sid": w.saved.Conversation})
	w.offerRating()
	w.line.Leave()
	w.sess = nil
	ctx.LocalStorage().Del(storageKey(w.cfg.Key))
	w.phase = phaseEnded
}

func (w *Widget) startNew(ctx app.Context, e app.Event) {
	w.thread = NewThread()
	w.phase, w.problem = phaseForm, ""
	w.typing = map[string]time.Time{}
	w.email = emailState{}
	w.rating = rating{}
	w.queue = nil
	w.ctx.Defer(func(app.Context) { focus(w.focusTarget()) }) // the button pressed is gone
}
