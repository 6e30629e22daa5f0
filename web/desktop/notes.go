package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/model"
)

// Private notes and the customer's past conversations: what agents know
// about a chat that the customer does not see.

// addNote keeps a note once, in time order (the REST answer and the
// socket's note_added may both bring it).
func (c *Chat) addNote(n model.Note) {
	if slices.ContainsFunc(c.Notes, func(x model.Note) bool { return x.SID == n.SID }) {
		return
	}
	c.Notes = append(c.Notes, n)
	sort.SliceStable(c.Notes, func(i, j int) bool { return c.Notes[i].DateCreated.Before(c.Notes[j].DateCreated.Time) })
}

// loadNotes reads the chat's notes: those a colleague wrote before a
// transfer, and the agent's own after a reload.
func (d *Desktop) loadNotes(c *Chat) {
	conv := c.Attrs.ConversationSID
	d.ctx.Async(func() {
		cx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		notes, err := d.rest.Notes(cx, conv)
		d.ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				d.failed(ctx, "Cannot load the chat's notes: ", err)
				return
			}
			for _, n := range notes {
				c.addNote(n)
			}
		})
	})
}

// writeNote posts the composer's text as a private note.
func (d *Desktop) writeNote(c *Chat, body string) {
	conv := c.Attrs.ConversationSID
	d.ctx.Async(func() {
		n, err := d.rest.AddNote(context.Background(), conv, body)
		d.ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				d.failed(ctx, "Your note was not saved: ", err)
				if box := app.Window().GetElementByID("composer"); box.Truthy() && box.Get("value").String() == "" {
					box.Set("value", body) // give the words back
				}
				return
			}
			c.addNote(n)
			d.scrollToEnd(conv)
		})
	})
}

// entry is one line of a chat's thread: a message or a note.
type entry struct {
	at   time.Time
	msg  *model.Message
	note *model.Note
}

// timeline merges messages and notes by time, so a note sits where it
// was written.
func (c *Chat) timeline() []entry {
	out := make([]entry, 0, len(c.Msgs)+len(c.Notes))
	for i := range c.Msgs {
		out = append(out, entry{at: c.Msgs[i].DateCreated.Time, msg: &c.Msgs[i]})
	}
	for i := range c.Notes {
		out = append(out, entry{at: c.Notes[i].DateCreated.Time, note: &c.Notes[i]})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].msg != nil && out[j].msg != nil {
			return out[i].msg.Index < out[j].msg.Index
		}
		return out[i].at.Before(out[j].at)
	})
	return out
}

func (d *Desktop) noteView(n model.Note) app.UI {
	author := n.AuthorName
	if n.Author == d.saved.Agent.Identity {
		author = "You"
	}
	return app.Li().Class("note").DataSet("sid", n.SID).Body(
		app.Span().Class("author").Text(author+" · private note"),
		app.P().Class("body").Text(n.Body),
		app.Span().Class("meta").Body(
			app.Time().DateTime(n.DateCreated.Time.Format(time.RFC3339)).Text(n.DateCreated.Time.Local().Format("15:04")),
		),
	)
}

// Past is one earlier conversation of the chat's customer.
type Past struct {
	SID     string
	Topic   string
	State   string
	Created time.Time
	CSAT    model.CSAT // the customer's rating of it, if they gave one
}

// loadPast lists the customer's other conversations, newest first: a web
// visitor by identity, a texting customer by phone number.
func (d *Desktop) loadPast(c *Chat) {
	who := c.Attrs.CustomerAddress
	if who == "" {
		c.PastLoaded = true // nobody to look up: nothing to wait for
		return
	}
	c.PastFailed = false
	by := client.ByIdentity
	if strings.HasPrefix(who, "+") || strings.Contains(who, ":+") {
		by = client.ByAddress
	}
	conv := c.Attrs.ConversationSID
	d.ctx.Async(func() {
		cx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		list, err := d.rest.ParticipantConversations(cx, by, who, 50)
		var past []Past
		for i := len(list) - 1; i >= 0 && len(past) < 10; i-- {
			pc := list[i]
			if pc.ConversationSID == conv {
				continue
			}
			past = append(past, Past{SID: pc.ConversationSID, State: pc.ConversationState,
				Created: pc.ConversationDateCreated.Time, Topic: cmp.Or(pc.Topic(), "(no subject)"),
				CSAT: model.CSATOf(pc.ConversationAttributes)})
		}
		d.ctx.Dispatch(func(ctx app.Context) {
			c.PastFailed = err != nil
			if err == nil {
				c.Past, c.PastLoaded = past, true
			}
		})
	})
}

func (d *Desktop) pastView(c *Chat) app.UI {
	switch {
	case c.PastFailed:
		return app.P().ID("past-failed").Class("hint").Body(
			app.Text("Could not list them. "),
			app.Button().Type("button").Class("link").Text("Try again").OnClick(func(app.Context, app.Event) { d.loadPast(c) }),
		)
	case !c.PastLoaded:
		return app.P().Class("hint").Text("Loading…")
	}
	if len(c.Past) == 0 {
		return app.P().ID("past-none").Class("hint").Text("No earlier conversations.")
	}
	items := make([]app.UI, 0, len(c.Past))
	for _, p := range c.Past {
		items = append(items, app.Li().Class("past").Body(
			app.Time().DateTime(p.Created.Format(time.RFC3339)).Text(p.Created.Local().Format("2 Jan 2006")),
			app.Span().Class("topic").Text(p.Topic),
			app.Span().Class("tag").Text(p.State),
			app.If(p.CSAT.Score > 0, func() app.UI { return ratingTag(p.CSAT) }),
		))
	}
	return app.Ol().ID("past").Class("past-list").Body(items...)
}

// ratingTag shows a customer's rating of an earlier conversation: the
// score out of 5 (its comment as the title), named for screen readers.
func ratingTag(r model.CSAT) app.UI {
	return app.Span().Class("tag", "csat").Title(r.Comment).Aria("label", fmt.Sprintf("Rated %d out of 5", r.Score)).
		Text(fmt.Sprintf("★ %d/5", r.Score))
}

func focusComposer() {
	if box := app.Window().GetElementByID("composer"); box.Truthy() {
		box.Call("focus")
	}
}
