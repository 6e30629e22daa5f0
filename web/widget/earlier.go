package main

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
)

// A customer the website signed in keeps one identity from visit to visit,
// so their earlier chats are theirs to read again: a list over the chat,
// and each one's messages, read-only. Anonymous visitors get a new identity
// with every chat and have none.

// earlier is the earlier-chats sheet's state.
type earlier struct {
	open, loaded bool
	problem      string
	chats        []pastChat
	shown        *pastChat // the chat whose messages are open
	msgs         []Msg
	msgsLoaded   bool
}

// pastChat is one of the customer's conversations, as listed.
type pastChat struct {
	SID, Topic string
	Ongoing    bool
	Created    time.Time
}

// earlierChats lists identity's conversations but current, newest first.
func earlierChats(ctx context.Context, rest *client.REST, identity, current string) ([]pastChat, error) {
	list, err := rest.ParticipantConversations(ctx, client.ByIdentity, identity, 50)
	if err != nil {
		return nil, err
	}
	var chats []pastChat
	for _, pc := range list {
		if pc.ConversationSID != current {
			chats = append(chats, pastChat{SID: pc.ConversationSID, Topic: pc.Topic(),
				Ongoing: pc.ConversationState != "closed", Created: pc.ConversationDateCreated.Time})
		}
	}
	slices.SortFunc(chats, func(a, b pastChat) int { return b.Created.Compare(a.Created) })
	return chats, nil
}

// pastMessages loads the newest 100 messages of an earlier chat, oldest
// first, and the names of who wrote them.
func pastMessages(ctx context.Context, rest *client.REST, sid, self string) ([]Msg, map[string]string, error) {
	page, err := rest.MessagesPage(ctx, sid, true, 100, "")
	if err != nil {
		return nil, nil, err
	}
	msgs := make([]Msg, 0, len(page.Messages))
	for i := len(page.Messages) - 1; i >= 0; i-- {
		msgs = append(msgs, fromModel(page.Messages[i]))
	}
	names, _, err := people(ctx, rest, sid, self)
	return msgs, names, err
}

// openEarlier shows the sheet and loads the list (or, open, closes it).
func (w *Widget) openEarlier(ctx app.Context, e app.Event) {
	if w.earlier.open {
		w.earlier = earlier{}
		return
	}
	w.earlier = earlier{open: true}
	identity, current := w.saved.Identity, w.saved.Conversation
	w.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		chats, err := earlierChats(c, w.rest, identity, current)
		w.ctx.Dispatch(func(ctx app.Context) {
			w.earlier.loaded, w.earlier.chats = true, chats
			if err != nil {
				w.earlier.problem = client.Explain(err)
			}
			w.focusIn("#earlier .back")
		})
	})
}

// showPast opens one earlier chat's messages. (The loading goes through
// the widget's context: the clicked item's is gone once the list is.)
func (w *Widget) showPast(p pastChat) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		w.earlier.shown, w.earlier.msgs, w.earlier.msgsLoaded, w.earlier.problem = &p, nil, false, ""
		self := w.saved.Identity
		w.ctx.Async(func() {
			c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			msgs, names, err := pastMessages(c, w.rest, p.SID, self)
			w.ctx.Dispatch(func(ctx app.Context) {
				if w.earlier.shown == nil || w.earlier.shown.SID != p.SID {
					return // the customer went back meanwhile
				}
				w.earlier.msgs, w.earlier.msgsLoaded = msgs, true
				for id, name := range names {
					w.names[id] = name
				}
				if err != nil {
					w.earlier.problem = client.Explain(err)
				}
				w.focusIn("#earlier .back")
			})
		})
	}
}

// earlierBack goes from a chat's messages to the list, and from the list
// back to the current chat.
func (w *Widget) earlierBack(ctx app.Context, e app.Event) {
	if w.earlier.shown != nil {
		w.earlier.shown, w.earlier.msgs, w.earlier.problem = nil, nil, ""
		w.focusIn("#earlier .past-item")
		return
	}
	w.earlier = earlier{}
	w.focusIn(".head .history")
}

func (w *Widget) focusIn(sel string) {
	w.ctx.Defer(func(app.Context) {
		if el := app.Window().Get("document").Call("querySelector", sel); el.Truthy() {
			el.Call("focus")
		}
	})
}

// canSeeEarlier says whether the header offers the earlier chats.
func (w *Widget) canSeeEarlier() bool {
	return w.saved.Verified && (w.phase == phaseChat || w.phase == phaseEnded)
}

func (w *Widget) earlierView() app.UI {
	heading := w.t.Earlier
	if p := w.earlier.shown; p != nil {
		heading = title(p, w.t.NoSubject)
	}
	return app.Section().ID("earlier").Class("sheet").Aria("label", w.t.Earlier).Body(
		app.Div().Class("sheet-head").Body(
			app.Button().Type("button").Class("secondary", "back").Text(w.t.Back).OnClick(w.earlierBack),
			app.H2().Dir("auto").Text(heading),
		),
		app.If(w.earlier.problem != "", func() app.UI {
			return app.P().Class("problem").Role("alert").Text(w.earlier.problem)
		}),
		w.earlierBody(),
	)
}

func (w *Widget) earlierBody() app.UI {
	if p := w.earlier.shown; p != nil {
		if !w.earlier.msgsLoaded {
			return app.P().Class("hint").Role("status").Text(w.t.Loading)
		}
		rows := make([]app.UI, len(w.earlier.msgs))
		for i, m := range w.earlier.msgs {
			rows[i] = w.message(m, false)
		}
		return app.Div().Class("messages", "past-messages").Role("log").Aria("label", title(p, w.t.NoSubject)).Body(rows...)
	}
	switch {
	case !w.earlier.loaded:
		return app.P().Class("hint").Role("status").Text(w.t.Loading)
	case len(w.earlier.chats) == 0 && w.earlier.problem == "":
		return app.P().Class("hint").Text(w.t.NoEarlier)
	}
	items := make([]app.UI, len(w.earlier.chats))
	for i, p := range w.earlier.chats {
		state := w.t.Closed
		if p.Ongoing {
			state = w.t.Ongoing
		}
		items[i] = app.Li().Body(app.Button().Type("button").Class("past-item").OnClick(w.showPast(p), app.EventScope(p.SID)).Body(
			app.Span().Class("past-topic").Dir("auto").Text(title(&p, w.t.NoSubject)),
			app.Span().Class("past-meta").Body(
				app.Time().DateTime(p.Created.UTC().Format(time.RFC3339)).Text(localDate(p.Created, w.t.Lang)),
				app.Text(" · "+state),
			),
		))
	}
	return app.Ul().Class("past-list").Body(items...)
}

func title(p *pastChat, none string) string { return cmp.Or(p.Topic, none) }
