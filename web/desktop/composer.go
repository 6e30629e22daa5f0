package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/sid"
	"parley/web/attach"
	"parley/web/desktop/desk"
)

// The composer: replies and private notes, files, canned responses (the
// chat's actions are in its header, chathead.go); a chat in wrap-up shows
// the wrap-up instead, a monitored one its own actions.

func (d *Desktop) composer(c *desk.Chat) app.UI {
	conv := c.Attrs.ConversationSID
	switch c.Status {
	case desk.Monitor:
		return app.Div().Class("actions").Body(
			app.P().Class("hint").Text("Monitoring: the customer does not see you."),
			app.Button().Type("button").Text("Stop monitoring").OnClick(func(ctx app.Context, e app.Event) {
				d.m.CloseChat(c.TaskSID)
				d.unwatch(conv)
			}),
		)
	case desk.Wrapping:
		return d.wrapUp(c)
	}
	mode := func(note bool, id, label string) app.UI {
		return app.Button().Type("button").ID(id).Class("mode").Aria("pressed", d.noteMode == note).Text(label).
			OnClick(func(ctx app.Context, e app.Event) { d.noteMode = note; focusComposer() })
	}
	placeholder, sendLabel, formClass := "Type a reply; Enter sends; / finds a canned response", "Send", "composer"
	if d.noteMode {
		placeholder, sendLabel, formClass = "Write a private note: only agents see it", "Add note", "composer note-mode"
	}
	drafts := d.drafts[conv]
	return app.Div().Class("compose").Body(
		app.Div().Class("modes").Role("group").Aria("label", "Write").Body(
			mode(false, "mode-reply", "Reply"),
			mode(true, "mode-note", "Private note"),
		),
		// What comes and goes sits in a box that stays, and the attach
		// button hides rather than leaving: go-app matches children by
		// position, and a shifted textarea would be replaced, losing what
		// the agent was typing and the focus.
		app.Div().Class("compose-extras").Body(
			app.If(d.attachErr != "", func() app.UI { return app.P().Class("attach-error").Role("alert").Text(d.attachErr) }),
			app.If(len(drafts) > 0 && !d.noteMode, func() app.UI { return d.draftsView(conv) }),
			app.If(d.suggestions != nil, d.suggestionsView),
		),
		app.Form().Class(formClass).OnSubmit(d.send).Body(
			app.Label().For("attach").Class("attach").Hidden(d.noteMode).Title("Attach files").Body(
				app.Raw(attach.PaperclipIcon),
				app.Span().Class("sr-only").Text("Attach files"),
				app.Input().Type("file").ID("attach").Class("sr-only").Multiple(true).OnChange(d.onFileInput),
			),
			app.Label().For("composer").Class("sr-only").Text(map[bool]string{false: "Message", true: "Private note"}[d.noteMode]),
			app.Textarea().ID("composer").Rows(2).Placeholder(placeholder).
				OnKeyDown(d.onComposerKey).OnInput(d.onInput),
			app.Button().Type("submit").ID("send").Class("primary").Text(sendLabel),
		),
	)
}

func (d *Desktop) send(ctx app.Context, e app.Event) {
	e.PreventDefault()
	m := d.m
	c := m.ActiveChat()
	box := app.Window().GetElementByID("composer")
	if c == nil || !box.Truthy() || d.sess == nil || c.Status == desk.Monitor {
		return
	}
	conv := c.Attrs.ConversationSID
	body := strings.TrimSpace(box.Get("value").String())
	if d.noteMode {
		if body != "" {
			box.Set("value", "")
			d.writeNote(conv, body)
		}
		return
	}
	media, ok := d.takeDrafts(conv)
	if !ok {
		d.attachErr = "Wait for the files to finish uploading, then send."
		return
	}
	d.attachErr = ""
	if body == "" && len(media) == 0 {
		return
	}
	box.Set("value", "")
	text := pendingText(body, len(media))
	d.apply(ctx, m.Sending(conv, text))
	sess, key := d.sess, sid.Key()
	d.ctx.Async(func() {
		_, err := sess.SendMessage(context.Background(), client.Outgoing{ConversationSID: conv, Body: body,
			IdempotencyKey: key, MediaSIDs: media})
		d.ctx.Dispatch(func(ctx app.Context) {
			if err != nil && d.m == m {
				d.failed(ctx, "Your message was not sent: ", err)
				m.SendFailed(conv, text)
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

func (d *Desktop) onComposerKey(ctx app.Context, e app.Event) {
	if d.onSuggestionKey(e) {
		return
	}
	if e.Get("key").String() == "Enter" && !e.Get("shiftKey").Bool() {
		d.send(ctx, e)
	}
}

func (d *Desktop) onInput(ctx app.Context, e app.Event) {
	d.suggest(ctx.JSSrc().Get("value").String())
	// A private note is not for the customer: not even its typing shows.
	if d.sess == nil || d.noteMode || time.Since(d.lastTyping) < 2*time.Second {
		return
	}
	d.lastTyping = time.Now()
	sess, conv := d.sess, d.m.Active
	d.ctx.Async(func() { _ = sess.Typing(context.Background(), conv) })
}
