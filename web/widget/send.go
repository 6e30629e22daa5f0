package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/sid"
)

// ---- sending and reading ----

func (w *Widget) onInput(ctx app.Context, e app.Event) {
	if w.sess == nil || time.Since(w.lastTyping) < 2*time.Second {
		return
	}
	w.lastTyping = time.Now()
	sess, conv := w.sess, w.saved.Conversation
	w.ctx.Async(func() { sess.Typing(context.Background(), conv) })
}

func (w *Widget) onComposerKey(ctx app.Context, e app.Event) {
	if e.Get("key").String() == "Enter" && !e.Get("shiftKey").Bool() && !e.Get("isComposing").Bool() {
		e.PreventDefault()
		w.send(ctx, e)
	}
}

// send queues the composer's text and sends it. Offline, it stays queued
// (and in localStorage) until the session reconnects.
func (w *Widget) send(ctx app.Context, e app.Event) {
	e.PreventDefault()
	box := app.Window().GetElementByID("composer")
	if !box.Truthy() {
		return
	}
	body := strings.TrimSpace(box.Get("value").String())
	media, ok := w.takeDrafts()
	if !ok {
		w.attachErr = w.t.WaitForUploads
		return
	}
	w.attachErr = ""
	if body == "" && len(media) == 0 {
		return
	}
	box.Set("value", "")
	m := Msg{Key: sid.Key(), Author: w.saved.Identity, Body: body, Created: time.Now(), Media: media}
	w.thread.Queue(m)
	w.save(ctx)
	w.scrollToEnd(ctx)
	if w.sess != nil {
		w.deliver(ctx, m)
	}
}

// deliver sends one outbox message; the session resends it across
// reconnections with the same key until it is acknowledged.
func (w *Widget) deliver(ctx app.Context, m Msg) {
	sess, conv := w.sess, w.saved.Conversation
	w.ctx.Async(func() {
		out := client.Outgoing{ConversationSID: conv, Body: m.Body, Attributes: sendAttributes(m.Key), IdempotencyKey: m.Key}
		for _, f := range m.Media {
			out.MediaSIDs = append(out.MediaSIDs, f.SID)
		}
		ack, err := sess.SendMessage(context.Background(), out)
		w.ctx.Dispatch(func(ctx app.Context) {
			var apiErr *client.APIError
			switch {
			case errors.As(err, &apiErr):
				w.thread.Fail(m.Key, apiErr.Message)
			case err != nil:
				return // the session ended; the message stays queued
			case ack.Index != nil:
				w.thread.Acked(m.Key, ack.SID, *ack.Index)
			}
			w.save(ctx)
		})
	})
}

func (w *Widget) retry(m Msg) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		w.thread.Fail(m.Key, "")
		if w.sess != nil {
			w.deliver(ctx, m)
		}
	}
}

// markRead moves the read horizon to the newest message while the widget
// is open.
func (w *Widget) markRead(ctx app.Context) {
	last := w.thread.LastIndex()
	if !w.visible || w.sess == nil || last <= w.ownRead {
		return
	}
	w.ownRead, w.unread = last, 0
	w.post(map[string]any{"type": "unread", "count": 0})
	sess, conv := w.sess, w.saved.Conversation
	w.ctx.Async(func() { sess.Read(context.Background(), conv, last) })
}
