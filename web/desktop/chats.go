package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/model"
	"parley/shared/sid"
	"parley/web/desktop/desk"
)

// The calls that work a chat: answering its offer, loading its thread,
// notes and earlier conversations, and ending it. Their answers go to the
// desk model.

// answer accepts or rejects an offer.
func (d *Desktop) answer(ctx app.Context, resSID, status string) {
	m := d.m
	o, ok := m.Offer(resSID)
	if !ok {
		return
	}
	ws := d.rest.Workspace(o.Res.WorkspaceSID)
	m.Answering(resSID, status)
	d.ctx.Async(func() {
		r, err := ws.AnswerReservation(context.Background(), o.Res.WorkerSID, o.Res.SID, status)
		d.ctx.Dispatch(func(ctx app.Context) {
			if d.m != m {
				return
			}
			if err != nil {
				d.failed(ctx, "", err)
			}
			d.apply(ctx, m.Answered(o, status, r, err != nil))
			if err == nil && status == "accepted" {
				// The Accept button is gone with its offer: the focus goes
				// on to the composer rather than back to the page's top.
				ctx.Defer(func(app.Context) { focusComposer() })
			}
		})
	})
}

// loadHistory reads a chat's thread; the model says when to try again.
func (d *Desktop) loadHistory(conv string) {
	m := d.m
	m.LoadingHistory(conv)
	d.ctx.Async(func() {
		cx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		about, err1 := d.rest.Conversation(cx, conv)
		msgs, err2 := d.rest.MessagesPage(cx, conv, true, 50, "")
		parts, err3 := d.rest.Participants(cx, conv)
		err := errors.Join(err1, err2, err3)
		d.ctx.Dispatch(func(ctx app.Context) {
			if d.m != m {
				return
			}
			if err != nil {
				d.apply(ctx, m.HistoryFailed(conv, client.Explain(err)))
				return
			}
			d.apply(ctx, m.History(conv, about, msgs.Messages, parts))
		})
	})
}

// loadNotes reads the chat's notes: those a colleague wrote before a
// transfer, and the agent's own after a reload.
func (d *Desktop) loadNotes(conv string) {
	var notes []model.Note
	d.call("Cannot load the chat's notes: ", func(cx context.Context) (err error) {
		cx, cancel := context.WithTimeout(cx, 20*time.Second)
		defer cancel()
		notes, err = d.rest.Notes(cx, conv)
		return err
	}, func(_ app.Context, m *desk.Model) { m.Notes(conv, notes) })
}

// call makes a REST call off the UI goroutine, then, back on it and
// unless the agent signed out meanwhile, says why it failed (after what)
// or runs then with the model the call was made for.
func (d *Desktop) call(what string, do func(context.Context) error, then func(ctx app.Context, m *desk.Model)) {
	m := d.m
	d.ctx.Async(func() {
		err := do(context.Background())
		d.ctx.Dispatch(func(ctx app.Context) {
			if d.m != m {
				return // signed out meanwhile
			}
			if err != nil {
				d.failed(ctx, what, err)
				return
			}
			then(ctx, m)
		})
	})
}

// sendMessage sends what the composer wrote: a private note, or a reply
// with the chat's uploaded files, shown as on its way until the server
// acknowledges it.
func (d *Desktop) sendMessage(ctx app.Context, o outgoing) {
	m := d.m
	c := m.Chat(o.Conv)
	if c == nil || d.sess == nil || c.Status == desk.Monitor {
		return
	}
	if o.Note {
		d.writeNote(o.Conv, o.Body)
		return
	}
	media, ok := d.takeDrafts(o.Conv)
	if !ok { // the composer waits for uploads: a file picked as it sent
		d.attachErr = "Wait for the files to finish uploading, then send."
		d.giveBack(o.Conv, o.Body)
		return
	}
	d.attachErr = ""
	if o.Body == "" && len(media) == 0 {
		return
	}
	text := pendingText(o.Body, len(media))
	d.apply(ctx, m.Sending(o.Conv, text))
	sess, key := d.sess, sid.Key()
	d.ctx.Async(func() {
		_, err := sess.SendMessage(context.Background(), client.Outgoing{ConversationSID: o.Conv, Body: o.Body,
			IdempotencyKey: key, MediaSIDs: media})
		d.ctx.Dispatch(func(ctx app.Context) {
			if err != nil && d.m == m {
				d.failed(ctx, "Your message was not sent: ", err)
				m.SendFailed(o.Conv, text)
				d.giveBack(o.Conv, o.Body)
			}
		})
	})
}

// pendingText is how a message on its way shows until acknowledged.
func pendingText(body string, files int) string {
	switch {
	case files == 1:
		body = strings.TrimSpace(body + " (1 file)")
	case files > 1:
		body = strings.TrimSpace(fmt.Sprintf("%s (%d files)", body, files))
	}
	return body
}

// writeNote posts the composer's text as a private note.
func (d *Desktop) writeNote(conv, body string) {
	m := d.m
	d.ctx.Async(func() {
		n, err := d.rest.AddNote(context.Background(), conv, body)
		d.ctx.Dispatch(func(ctx app.Context) {
			if d.m != m {
				return
			}
			if err != nil {
				d.failed(ctx, "Your note was not saved: ", err)
				d.giveBack(conv, body)
				return
			}
			d.apply(ctx, m.NoteWritten(n))
		})
	})
}

// giveBack returns words the server did not take to their chat, unless
// the agent has typed anew there: into the box if the chat is in front,
// else with the chat's unsent words.
func (d *Desktop) giveBack(conv, body string) {
	if d.unsent[conv] != "" {
		return
	}
	d.unsent.keep(d.ctx, conv, body)
	if box := app.Window().GetElementByID("composer"); box.Truthy() && d.m.Active == conv && box.Get("value").String() == "" {
		box.Set("value", body)
	}
}

// loadPast lists the customer's other conversations, newest first: a web
// visitor by identity, a texting customer by phone number.
func (d *Desktop) loadPast(conv string) {
	m := d.m
	who := m.PastWanted(conv)
	if who == "" {
		return
	}
	by := client.ByIdentity
	if strings.HasPrefix(who, "+") || strings.Contains(who, ":+") {
		by = client.ByAddress
	}
	d.ctx.Async(func() {
		cx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		list, err := d.rest.ParticipantConversations(cx, by, who, 50)
		past := desk.PastOf(list, conv)
		d.ctx.Dispatch(func(ctx app.Context) {
			if d.m == m {
				m.PastLoaded(conv, past, err != nil)
			}
		})
	})
}

// endChat closes the conversation for everyone; the wrap-up follows.
func (d *Desktop) endChat(ctx app.Context, conv string) {
	m := d.m
	c := m.Chat(conv)
	if c == nil {
		return
	}
	m.Ending(conv)
	ch := d.rest.Channel(c.Attrs.InteractionSID, c.Attrs.ChannelSID)
	d.ctx.Async(func() {
		err := ch.Close(context.Background())
		d.ctx.Dispatch(func(ctx app.Context) {
			if d.m != m {
				return
			}
			if err != nil {
				m.EndFailed(conv)
				d.failed(ctx, "", err)
				return
			}
			m.Ended(conv)
		})
	})
}

func focusComposer() {
	if box := app.Window().GetElementByID("composer"); box.Truthy() {
		box.Call("focus")
	}
}
