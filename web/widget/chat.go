package main

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/model"
	"parley/shared/realtime"
	"parley/web/dial"
)

// ---- the chat ----

// resume opens a chat: the realtime session first, so nothing said while
// the history loads is missed, then the newest page of history.
func (w *Widget) resume(ctx app.Context, saved Saved) {
	w.tokenMu.Lock()
	w.saved = saved
	w.tokenMu.Unlock()
	w.phase, w.problem = phaseChat, ""
	w.thread = NewThread()
	for _, m := range saved.Outbox {
		w.thread.Queue(m)
	}
	w.readUpTo, w.ownRead, w.othersRead = -2, -1, -1
	w.save(ctx)
	w.scheduleRefresh(ctx)
	w.connect(ctx)
}

// connect opens the realtime session, trying until the server answers;
// the session is left (and closed) by w.line.Leave.
func (w *Widget) connect(ctx app.Context) {
	conv := w.saved.Conversation
	w.line.Open(w.ctx, w.origin, w.token, dial.Handlers{
		Event:  w.onEvent,
		Resync: w.reload,
		State: func(ctx app.Context, st client.State) {
			back := st == client.Connected && !w.connected
			w.connected = st == client.Connected
			if back && w.sess != nil {
				// queue_position is not replayed: what changed while the
				// socket was down is read again.
				w.readQueue(ctx)
			}
		},
		// The token expired while the visitor was away (a laptop asleep, a
		// long tunnel), too late to refresh.
		Refused:    w.expire,
		DialFailed: func(ctx app.Context, err error) { w.connected, w.dialErr = false, err.Error() }, // offline, or the server is away
	}, func(live context.Context, sess *client.Session, err error) {
		if err != nil {
			w.ctx.Dispatch(func(ctx app.Context) {
				switch {
				case live.Err() != nil: // the widget left the chat meanwhile
				case errors.Is(err, client.ErrChatEnded):
					w.ended(ctx)
				default: // refused: the token expired or was revoked
					w.expire(ctx)
				}
			})
			return
		}
		conversation, err := w.fetchConversation(live, conv)
		w.ctx.Dispatch(func(ctx app.Context) {
			if live.Err() != nil {
				return // the widget left the chat meanwhile
			}
			w.sess, w.connected = sess, true
			if err == nil {
				w.links.ServiceSID = conversation.ChatServiceSID // files are uploaded to it too
			}
			if err == nil && conversation.State == "closed" {
				w.ended(ctx)
				return
			}
			var apiErr *client.APIError
			if errors.As(err, &apiErr) && (apiErr.Status == 401 || apiErr.Status == 403 || apiErr.Status == 404) {
				w.expire(ctx)
				return
			}
			for _, m := range w.thread.Outbox {
				w.deliver(ctx, m)
			}
			w.reload(ctx)
			w.readQueue(ctx)
		})
	})
}

func (w *Widget) fetchConversation(ctx context.Context, sid string) (model.Conversation, error) {
	return w.rest.Conversation(ctx, sid)
}

// reload fetches the newest page of history and the participants, merging
// them with what live events brought meanwhile.
func (w *Widget) reload(ctx app.Context) {
	conv, self := w.saved.Conversation, w.saved.Identity
	w.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		page, err := history(c, w.rest, conv, "")
		names, othersRead, perr := people(c, w.rest, conv, self)
		ownRead := w.ownReadFromServer(c, conv, self)
		w.ctx.Dispatch(func(ctx app.Context) {
			if err != nil || perr != nil {
				w.problem = client.Explain(errors.Join(err, perr))
				return
			}
			if w.readUpTo == -2 {
				w.readUpTo, w.ownRead = ownRead, ownRead
				if ownRead < 0 {
					w.readUpTo = -3 // a chat never read has nothing "new" to mark
				}
			}
			w.thread.Add(page.Msgs...)
			w.next = page.Next
			w.thread.HasMore = page.Next != ""
			for k, v := range names {
				w.names[k] = v
			}
			w.othersRead = max(w.othersRead, othersRead)
			w.markRead(ctx)
			w.scrollToEnd(ctx)
		})
	})
}

func (w *Widget) ownReadFromServer(ctx context.Context, conv, self string) int {
	parts, err := w.rest.Participants(ctx, conv)
	if err != nil {
		return -1
	}
	for _, p := range parts {
		if id, _, read := participantInfo(p); id == self {
			return read
		}
	}
	return -1
}

func (w *Widget) loadOlder(ctx app.Context) {
	if w.loadingOlder || w.next == "" {
		return
	}
	w.loadingOlder = true
	from, conv := w.next, w.saved.Conversation
	list := app.Window().GetElementByID("messages")
	before, top := 0, 0
	if list.Truthy() {
		before, top = list.Get("scrollHeight").Int(), list.Get("scrollTop").Int()
	}
	w.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		page, err := history(c, w.rest, conv, from)
		w.ctx.Dispatch(func(ctx app.Context) {
			w.loadingOlder = false
			if err != nil {
				w.problem = client.Explain(err)
				return
			}
			w.thread.Add(page.Msgs...)
			w.next = page.Next
			w.thread.HasMore = page.Next != ""
			// Keep the reader's place: the list grew above it.
			w.ctx.Defer(func(app.Context) {
				if l := app.Window().GetElementByID("messages"); l.Truthy() {
					l.Set("scrollTop", l.Get("scrollHeight").Int()-before+top)
				}
			})
		})
	})
}

func (w *Widget) onScroll(ctx app.Context, e app.Event) {
	if ctx.JSSrc().Get("scrollTop").Int() < 48 {
		w.loadOlder(ctx)
	}
}

// onEvent applies a realtime event.
func (w *Widget) onEvent(ctx app.Context, f realtime.ServerFrame) {
	self := w.saved.Identity
	switch f.Event {
	case realtime.MessageAdded, realtime.MessageUpdated:
		var m model.Message
		if json.Unmarshal(f.Data, &m) != nil || m.ConversationSID != w.saved.Conversation {
			return
		}
		msg := fromModel(m)
		if f.Event == realtime.MessageUpdated {
			w.thread.Update(msg)
			return
		}
		atEnd := w.nearEnd()
		if w.thread.Add(msg) == 0 {
			return
		}
		w.save(ctx)
		if msg.Author != self {
			delete(w.typing, msg.Author)
			w.post(map[string]any{"type": "message", "message": map[string]any{
				"sid": msg.SID, "author": w.nameOf(msg), "body": msg.Body, "date_created": msg.Created.UTC().Format(time.RFC3339)}})
			if !w.visible {
				w.unread++
			}
		}
		w.markRead(ctx)
		if atEnd || msg.Author == self {
			w.scrollToEnd(ctx)
		}
	case realtime.MessageRemoved:
		var m model.Message
		if json.Unmarshal(f.Data, &m) == nil {
			w.thread.Remove(m.SID)
		}
	case realtime.ParticipantAdded, realtime.ParticipantUpdated:
		var p model.Participant
		if json.Unmarshal(f.Data, &p) != nil {
			return
		}
		if id, name, read := participantInfo(p); id != "" && id != self {
			if name != "" {
				w.names[id] = name
			}
			w.othersRead = max(w.othersRead, read)
		}
	case realtime.TypingStarted:
		var t realtime.Typing
		if json.Unmarshal(f.Data, &t) != nil || t.Identity == self || f.ConversationSID != w.saved.Conversation {
			return
		}
		ttl := time.Duration(max(t.ExpiresInMS, 1000)) * time.Millisecond
		w.typing[t.Identity] = time.Now().Add(ttl)
		atEnd := w.nearEnd()
		w.ctx.After(ttl+100*time.Millisecond, func(app.Context) {}) // re-render when it lapses
		if atEnd {
			w.scrollToEnd(ctx)
		}
	case realtime.TypingEnded:
		var t realtime.Typing
		if json.Unmarshal(f.Data, &t) == nil {
			delete(w.typing, t.Identity)
		}
	case realtime.ConversationUpdated:
		var c model.Conversation
		if json.Unmarshal(f.Data, &c) == nil && c.SID == w.saved.Conversation && c.State == "closed" {
			w.ended(ctx)
		}
	case realtime.ConversationRemoved:
		if f.ConversationSID == w.saved.Conversation {
			w.ended(ctx)
		}
	case realtime.QueuePosition:
		w.onQueuePosition(f)
	}
}
