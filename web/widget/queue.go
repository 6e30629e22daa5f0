package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
	"parley/shared/realtime"
)

// A waiting visitor's place in line and estimated wait: read over REST
// when the session (re)connects, then kept current by queue_position
// events; gone when an agent takes the chat.

// readQueue reads the chat's place in line; the session is connected, so
// every later change comes as an event.
func (w *Widget) readQueue(ctx app.Context) {
	conv := w.saved.Conversation
	w.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		p, err := w.rest.QueuePosition(c, conv)
		if err != nil {
			return // an older server, or offline: events still tell
		}
		w.ctx.Dispatch(func(ctx app.Context) {
			if w.saved.Conversation == conv {
				w.setQueue(p)
			}
		})
	})
}

// onQueuePosition applies a queue_position event.
func (w *Widget) onQueuePosition(f realtime.ServerFrame) {
	var p model.QueuePosition
	if json.Unmarshal(f.Data, &p) == nil && f.ConversationSID == w.saved.Conversation {
		w.setQueue(p)
	}
}

func (w *Widget) setQueue(p model.QueuePosition) {
	if p.Position == nil {
		w.queue = nil
		return
	}
	w.queue = &p
}

// queueView is the place and the wait, in a polite live region that is
// always there (empty when the chat does not wait), so screen readers
// announce each change without interrupting.
func (w *Widget) queueView() app.UI {
	var lines []app.UI
	if q := w.queue; q != nil && q.Position != nil {
		lines = append(lines, app.P().Class("queue-place").Text(w.t.QueuePlace(*q.Position)))
		if q.EstimatedWaitTime != nil {
			lines = append(lines, app.P().Class("queue-wait").Text(w.t.QueueWait(*q.EstimatedWaitTime)))
		}
	}
	return app.Div().ID("queue").Class("queue").Role("status").Aria("live", "polite").Aria("atomic", "true").Body(lines...)
}
