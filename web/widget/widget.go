package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/i18n"
	"parley/shared/model"
	"parley/shared/realtime"
	"parley/shared/sid"
	"parley/web/attach"
	"parley/web/composer"
)

type phase int

const (
	phaseLoading phase = iota
	phaseForm
	phaseChat
	phaseEnded
	phaseBroken // the page itself is wrong: no config
)

// Widget is the whole customer-side chat: the form, the conversation and
// its end. Its fields change on the UI goroutine only; work that blocks
// runs in Async and comes back through Dispatch, always on w.ctx: go-app
// drops a dispatch whose context's element is gone, and an event's context
// is its element's (a form that a chat has replaced, say).
type Widget struct {
	app.Compo

	ctx    app.Context
	cfg    Config
	t      i18n.Texts
	origin string
	api    guestAPI
	rest   *client.REST

	phase   phase
	problem string // shown on the form or the ended view

	// the form
	errs       map[string]string
	submitting bool
	user       struct{ token, name, email string } // from Parley.setUser

	// the chat
	tokenMu      sync.Mutex
	saved        Saved
	sess         *client.Session
	thread       *Thread
	next         string // URL of the next older history page
	loadingOlder bool
	names        map[string]string    // identity → display name
	othersRead   int                  // highest read horizon of the other participants
	readUpTo     int                  // own read horizon when the chat loaded: the "new" mark
	ownRead      int                  // own read horizon, as last sent
	typing       map[string]time.Time // identity → until
	queue        *model.QueuePosition // the chat's place in line while it waits
	connected    bool
	dialErr      string // why the last connection attempt failed, for the banner's title
	lastTyping   time.Time
	visible      bool
	unread       int
	stop         context.CancelFunc
	awaitingUser bool // the site said it signs its customer in
	earlier      earlier
	parentOrigin string
	confirming   bool      // asking "End this chat?"
	rating       rating    // the survey of the chat that ended (csat.go)
	leftAway     bool      // this page left a message while the team was away
	cameBack     time.Time // when a resume token last brought the chat back
	email        emailState

	// attachments
	drafts    []*attach.Draft
	attachErr string
	dragging  bool
	// stopCatching ends the listening for dropped and pasted files.
	stopCatching func()
	links        attach.Links // media SID → content URL
	viewer       string       // the picture shown over the chat, if any
	viewerName   string
}

// OnMount starts the widget in the browser.
func (w *Widget) OnMount(ctx app.Context) {
	mark("parley:mount")
	w.ctx = ctx
	w.thread = NewThread()
	w.errs, w.names, w.typing = map[string]string{}, map[string]string{}, map[string]time.Time{}
	w.origin = app.Window().Get("location").Get("origin").String()
	composer.KeepEnterForSending()
	cfg, err := readConfig()
	w.t = i18n.For(cfg.Locale, app.Window().Get("navigator").Get("language").String())
	root := app.Window().Get("document").Get("documentElement")
	root.Set("lang", w.t.Lang)
	root.Set("dir", w.t.Dir)
	if err != nil {
		w.phase, w.problem = phaseBroken, err.Error()
		return
	}
	w.cfg = cfg
	w.api = guestAPI{chat: client.NewREST(w.origin, nil, nil).Webchat(cfg.Key)}
	w.rest = client.NewREST(w.origin, client.TokenAuth(func(context.Context) (string, error) { return w.token(), nil }), nil)
	w.links.REST = w.rest
	w.stopCatching = attach.Catch(ctx, ".chat", "#composer", w.pickFiles, func(on bool) {
		w.dragging = on && w.cfg.Attachments.Enabled
	})
	w.listenToLoader()
	// "ready" goes once the first screen is drawn, so the loader (and the
	// benchmark timing click to form) sees a widget a visitor can use. It
	// says whether a chat is under way (the loader then starts the widget
	// on the site's next pages by itself, to count the answers) and theme
	// says the language, which the launcher speaks from then on.
	w.ctx.Defer(func(ctx app.Context) {
		w.takeOver(ctx)
		mark("parley:ready")
		w.post(map[string]any{"type": "ready", "chat": w.phase == phaseChat || (w.phase == phaseLoading && !w.awaitingUser)})
		w.post(map[string]any{"type": "theme", "color": cfg.Theme.Color, "position": cfg.Theme.Position, "lang": w.t.Lang,
			"away": w.away()})
	})

	if tok := linkToken(); tok != "" { // an emailed link: its chat first
		w.openLink(ctx, tok)
		return
	}
	var saved Saved
	ctx.LocalStorage().Get(storageKey(cfg.Key), &saved)
	if saved.Token != "" && time.Until(saved.Expires) > 10*time.Second {
		w.resume(ctx, saved)
		return
	}
	if saved.canResume() {
		w.comeBack(ctx, saved, "")
		return
	}
	// A site that signs its customer in says so in the frame's address
	// (see assets/embed.js): the chat starts when the loader hands the
	// customer over, with no form shown in between. Should that never
	// come, the form does.
	if app.Window().Get("location").Get("hash").String() == "#user" {
		w.awaitingUser = true
		ctx.After(5*time.Second, func(app.Context) {
			if w.awaitingUser {
				w.awaitingUser, w.phase = false, phaseForm
			}
		})
		return
	}
	w.phase = phaseForm
}

// OnDismount stops the realtime session.
func (w *Widget) OnDismount() {
	if w.stop != nil {
		w.stop()
	}
	if w.stopCatching != nil {
		w.stopCatching()
	}
}

func (w *Widget) token() string {
	w.tokenMu.Lock()
	defer w.tokenMu.Unlock()
	return w.saved.Token
}

func (w *Widget) save(ctx app.Context) {
	w.tokenMu.Lock()
	w.saved.Outbox = append(w.saved.Outbox[:0], w.thread.Outbox...)
	s := w.saved
	w.tokenMu.Unlock()
	ctx.LocalStorage().Set(storageKey(w.cfg.Key), s)
}

// ---- the form ----

func (w *Widget) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	w.sendForm(ctx)
}

// sendForm checks the form's answers and, if they are right, starts the chat.
func (w *Widget) sendForm(ctx app.Context) {
	if w.submitting {
		return
	}
	w.errs = map[string]string{}
	data := map[string]string{}
	form := w.formFields()
	for _, f := range form {
		// The fields themselves are the truth: autofill does not always
		// fire input events.
		v := ""
		if el := app.Window().GetElementByID("field-" + f.Name); el.Truthy() {
			v = strings.TrimSpace(el.Get("value").String())
		}
		if v != "" {
			data[f.Name] = v
		}
		switch {
		case f.Required && v == "":
			w.errs[f.Name] = w.t.Required
		case f.Type == "email" && v != "":
			if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
				w.errs[f.Name] = w.t.BadEmail
			}
		}
	}
	if len(w.errs) > 0 {
		for _, f := range form { // focus the first field to fix
			if w.errs[f.Name] != "" {
				w.ctx.Defer(func(app.Context) { focus("field-" + f.Name) })
				break
			}
		}
		return
	}
	w.start(ctx, data)
}

// start asks the server for a chat, with the form's answers or, for a
// verified customer, without.
func (w *Widget) start(ctx app.Context, data map[string]string) {
	w.submitting, w.problem = true, ""
	name := firstNonEmpty(data["friendlyName"], w.user.name)
	userToken := w.user.token
	w.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		saved, err := w.api.init(c, name, data, userToken, w.t.Lang)
		w.ctx.Dispatch(func(ctx app.Context) {
			w.submitting = false
			if err != nil {
				w.phase, w.problem = phaseForm, fmt.Sprintf(w.t.CouldNotStart, client.Explain(err))
				return
			}
			saved.Verified = userToken != ""
			w.leftAway = w.away()
			w.post(map[string]any{"type": "started", "conversation_sid": saved.Conversation})
			w.resume(ctx, saved)
			// The form's button is gone with the form: a visitor in the
			// widget goes on where they write, not back to the page's top.
			if w.visible && app.Window().Get("document").Call("hasFocus").Bool() {
				w.ctx.Defer(func(app.Context) { focus("composer") })
			}
		})
	})
}

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
// the session is left (and closed) by w.stop.
func (w *Widget) connect(ctx app.Context) {
	bg, stop := context.WithCancel(context.Background())
	if w.stop != nil {
		w.stop()
	}
	w.stop = stop
	conv := w.saved.Conversation
	w.ctx.Async(func() {
		sess, err := client.Connect(bg, client.SessionOptions{
			URL:   w.origin,
			Token: func(context.Context) (string, error) { return w.token(), nil },
			OnEvent: func(f realtime.ServerFrame) {
				w.ctx.Dispatch(func(ctx app.Context) { w.onEvent(ctx, f) })
			},
			OnResync: func() { w.ctx.Dispatch(func(ctx app.Context) { w.reload(ctx) }) },
			OnState: func(st client.State) {
				w.ctx.Dispatch(func(ctx app.Context) {
					back := st == client.Connected && !w.connected
					w.connected = st == client.Connected
					if back && w.sess != nil {
						// queue_position is not replayed: what changed
						// while the socket was down is read again.
						w.readQueue(ctx)
					}
				})
			},
			// The token expired while the visitor was away (a laptop
			// asleep, a long tunnel), too late to refresh.
			OnRefused: func(*client.TokenRefusedError) {
				w.ctx.Dispatch(func(ctx app.Context) {
					if bg.Err() == nil { // not a session the widget already left
						w.expire(ctx)
					}
				})
			},
		}, func(err error, _ time.Duration) { // offline, or the server is away
			w.ctx.Dispatch(func(ctx app.Context) { w.connected, w.dialErr = false, err.Error() })
		})
		if err != nil {
			w.ctx.Dispatch(func(ctx app.Context) {
				switch {
				case bg.Err() != nil: // the widget left the chat meanwhile
				case errors.Is(err, client.ErrChatEnded):
					w.ended(ctx)
				default: // refused: the token expired or was revoked
					w.expire(ctx)
				}
			})
			return
		}
		conversation, err := w.fetchConversation(bg, conv)
		w.ctx.Dispatch(func(ctx app.Context) {
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

// scheduleRefresh renews the token when three quarters of its life are
// gone, and gives the live session the new one.
func (w *Widget) scheduleRefresh(ctx app.Context) {
	left := time.Until(w.saved.Expires)
	w.ctx.After(max(left*3/4, 5*time.Second), func(ctx app.Context) {
		if w.phase != phaseChat {
			return
		}
		old := w.token()
		w.ctx.Async(func() {
			c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			tok, exp, err := w.api.refresh(c, old)
			w.ctx.Dispatch(func(ctx app.Context) {
				var apiErr *client.APIError
				switch {
				case errors.As(err, &apiErr) && apiErr.Status == 401:
					w.expire(ctx)
					return
				case err != nil: // offline: try again soon, while the old token lasts
					w.ctx.After(15*time.Second, func(ctx app.Context) { w.scheduleRefresh(ctx) })
					return
				}
				w.tokenMu.Lock()
				w.saved.Token, w.saved.Expires = tok, exp
				w.tokenMu.Unlock()
				w.save(ctx)
				if w.sess != nil {
					sess := w.sess
					w.ctx.Async(func() { sess.UpdateToken(context.Background(), tok) })
				}
				w.scheduleRefresh(ctx)
			})
		})
	})
}

// expire forgets a chat whose token no longer works, and brings it back
// with its resume token if it has one (a guest's), the chat still open.
func (w *Widget) expire(ctx app.Context) {
	w.tokenMu.Lock()
	saved := w.saved
	w.tokenMu.Unlock()
	w.forget(ctx)
	// Once only in a while: a chat that the server lets resume but whose
	// token is then refused must not go round in circles.
	if saved.canResume() && time.Since(w.cameBack) > time.Minute {
		w.comeBack(ctx, saved, w.t.Expired)
		return
	}
	w.phase, w.problem = phaseForm, w.t.Expired
}

// comeBack exchanges a guest's resume token for a fresh token to its
// chat: a visitor back after the token expired finds the chat, with its
// history and without the form, while it is open. Once it is closed the
// server refuses, and the visitor gets the form (and problem, if any).
func (w *Widget) comeBack(ctx app.Context, saved Saved, problem string) {
	w.phase, w.problem = phaseLoading, ""
	w.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		fresh, err := w.api.resume(c, saved.Resume)
		w.ctx.Dispatch(func(ctx app.Context) {
			switch {
			case resumeRefused(err):
				ctx.LocalStorage().Del(storageKey(w.cfg.Key))
				w.phase, w.problem = phaseForm, problem
			case err != nil: // offline, the server away or busy: the chat waits
				w.ctx.After(5*time.Second, func(ctx app.Context) { w.comeBack(ctx, saved, problem) })
			default:
				w.cameBack = time.Now()
				fresh.Outbox = saved.Outbox // what was not sent yet goes now
				w.resume(ctx, fresh)
			}
		})
	})
}

// resumeRefused reports whether the server refused to resume a chat (it
// ended, its token expired, its deployment is gone), which ends it; any
// other failure (offline, the server away, busy or rate limiting) is
// waited out.
func resumeRefused(err error) bool {
	var apiErr *client.APIError
	return errors.As(err, &apiErr) && apiErr.Status < 500 && apiErr.Status != http.StatusTooManyRequests
}

func (w *Widget) forget(ctx app.Context) {
	if w.stop != nil {
		w.stop()
		w.stop = nil
	}
	w.sess = nil
	ctx.LocalStorage().Del(storageKey(w.cfg.Key))
}

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
	if w.stop != nil {
		w.stop()
		w.stop = nil
	}
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

func (w *Widget) minimise(ctx app.Context, e app.Event) {
	w.post(map[string]any{"type": "close"})
}

func (w *Widget) onKey(ctx app.Context, e app.Event) {
	if e.Get("key").String() == "Escape" {
		if w.confirming {
			w.keepChatting(ctx, e)
			return
		}
		if w.viewer != "" {
			w.viewer = ""
			return
		}
		if w.earlier.open {
			w.earlierBack(ctx, e)
			return
		}
		w.minimise(ctx, e)
	}
}

func (w *Widget) nearEnd() bool {
	l := app.Window().GetElementByID("messages")
	if !l.Truthy() {
		return true
	}
	return l.Get("scrollHeight").Int()-l.Get("scrollTop").Int()-l.Get("clientHeight").Int() < 80
}

func (w *Widget) scrollToEnd(ctx app.Context) {
	w.ctx.Defer(func(app.Context) {
		if l := app.Window().GetElementByID("messages"); l.Truthy() {
			l.Set("scrollTop", l.Get("scrollHeight"))
		}
	})
}

func (w *Widget) nameOf(m Msg) string {
	switch {
	case m.Author == w.saved.Identity:
		return w.t.You
	case m.Kind == "welcome":
		return firstNonEmpty(w.cfg.Name, m.Author)
	case w.names[m.Author] != "":
		return w.names[m.Author]
	}
	return w.t.Agent
}

func focus(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}
