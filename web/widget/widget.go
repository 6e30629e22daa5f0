package main

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/i18n"
	"parley/shared/model"
	"parley/web/attach"
	"parley/web/composer"
	"parley/web/dial"
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
	line         dial.Line // the realtime session
	awaitingUser bool      // the site said it signs its customer in
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
	w.line.Leave()
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
