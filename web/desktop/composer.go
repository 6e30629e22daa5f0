package main

import (
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
	"parley/web/attach"
)

// composeBox writes replies and private notes, with files and canned
// responses, for the chat in front. It holds what is its own (the mode,
// the open canned list, when it last said the agent types) and sends the
// rest as actions: actSend, actTyping, actFiles, actRemoveDraft. The
// chat's actions (transfer, invite, end) are in its header (chathead.go).
type composeBox struct {
	app.Compo

	Iconv      string
	Icustomer  string // the customer's name and the agent's, for
	Iagent     string // canned responses' placeholders
	Idrafts    []attach.Draft
	IattachErr string
	Icanned    []model.CannedResponse
	Iunsent    unsent

	shown       string                 // the chat whose words the box holds
	note        bool                   // writes private notes, not replies
	suggestions []model.CannedResponse // the canned list, nil when closed
	suggested   int
	lastTyping  time.Time
	wait        bool // a send found files still uploading
	ctx         app.Context
}

func newComposeBox() *composeBox { return &composeBox{} }

// Chat is the conversation written to and the customer's name.
func (c *composeBox) Chat(conv, customer string) *composeBox {
	c.Iconv, c.Icustomer = conv, customer
	return c
}

// Agent is the agent's display name.
func (c *composeBox) Agent(name string) *composeBox { c.Iagent = name; return c }

// Drafts are the files going with the chat's next message (copies: an
// upload's progress changes them, and so re-renders the composer), and
// what was wrong with the last files picked.
func (c *composeBox) Drafts(drafts []*attach.Draft, problem string) *composeBox {
	c.Idrafts = make([]attach.Draft, 0, len(drafts))
	for _, d := range drafts {
		c.Idrafts = append(c.Idrafts, *d)
	}
	c.IattachErr = problem
	return c
}

// Canned are the shared responses "/" searches.
func (c *composeBox) Canned(all []model.CannedResponse) *composeBox { c.Icanned = all; return c }

// Unsent is where the box keeps each chat's unsent words (the shell's: it
// outlives the box, which goes while a chat is in wrap-up or another view
// is in front).
func (c *composeBox) Unsent(u unsent) *composeBox { c.Iunsent = u; return c }

// unsent is what the agent typed and has not sent, by conversation: the
// desk's one message box serves every chat, so turning to another chat
// puts one chat's words away and brings the other's back. Without it,
// half a reply to one customer would wait in the box for the next.
type unsent map[string]string

// OnMount keeps the context the drafts' remove buttons send through, and
// brings back what the agent had typed in this chat.
func (c *composeBox) OnMount(ctx app.Context) {
	c.ctx = ctx
	c.shown = ""
	ctx.Handle(actOpenCanned, func(ctx app.Context, a app.Action) { c.openCanned() })
	ctx.Defer(func(app.Context) { c.bringBack() })
}

// OnUpdate follows the agent to another chat: this chat's words are put
// away and the other's brought back.
func (c *composeBox) OnUpdate(ctx app.Context) {
	if c.Iconv == c.shown {
		return
	}
	if box := app.Window().GetElementByID("composer"); box.Truthy() && c.shown != "" && c.Iunsent != nil {
		c.Iunsent.keep(ctx, c.shown, box.Get("value").String())
	}
	c.suggestions, c.wait = nil, false
	c.bringBack()
}

// bringBack puts the chat's unsent words in the box.
func (c *composeBox) bringBack() {
	box := app.Window().GetElementByID("composer")
	if !box.Truthy() {
		return
	}
	c.shown = c.Iconv
	box.Set("value", c.Iunsent[c.Iconv])
}

// keep remembers a chat's unsent words (none: it forgets the chat), in
// the tab's session storage too, so a reload keeps them as it keeps the
// sign-in.
func (u unsent) keep(ctx app.Context, conv, text string) {
	if u == nil || u[conv] == text {
		return
	}
	if text == "" {
		delete(u, conv)
	} else {
		u[conv] = text
	}
	ctx.SessionStorage().Set(unsentKey, u)
}

// unsentKey is where the tab keeps the unsent words.
const unsentKey = "parley:desk:unsent"

// loadUnsent reads what the tab kept of the unsent words.
func loadUnsent(ctx app.Context) unsent {
	u := unsent{}
	if err := ctx.SessionStorage().Get(unsentKey, &u); err != nil || u == nil {
		return unsent{}
	}
	return u
}

// Render draws the modes, what comes and goes (a problem, the drafts, the
// canned list) and the form.
func (c *composeBox) Render() app.UI {
	mode := func(note bool, id, label string) app.UI {
		return app.Button().Type("button").ID(id).Class("mode").Aria("pressed", c.note == note).Text(label).
			OnClick(func(ctx app.Context, e app.Event) { c.note = note; focusComposer() })
	}
	placeholder, sendLabel, formClass := "Type a reply; Enter sends; / finds a canned response", "Send", "composer"
	if c.note {
		placeholder, sendLabel, formClass = "Write a private note: only agents see it", "Add note", "composer note-mode"
	}
	problem := c.IattachErr
	if c.wait && c.uploading() {
		problem = "Wait for the files to finish uploading, then send."
	}
	return app.Div().Class("composer-box").Body(
		app.Div().Class("modes").Role("group").Aria("label", "Write").Body(
			mode(false, "mode-reply", "Reply"),
			mode(true, "mode-note", "Private note"),
		),
		// What comes and goes sits in a box that stays, and the attach
		// button hides rather than leaving: go-app matches children by
		// position, and a shifted textarea would be replaced, losing what
		// the agent was typing and the focus.
		app.Div().Class("compose-extras").Body(
			app.If(problem != "", func() app.UI { return app.P().Class("attach-error").Role("alert").Text(problem) }),
			app.If(len(c.Idrafts) > 0 && !c.note, c.draftsView),
			app.If(c.suggestions != nil, c.suggestionsView),
		),
		app.Form().Class(formClass).OnSubmit(c.send).Body(
			app.Label().For("attach").Class("attach").Hidden(c.note).Title("Attach files").Body(
				app.Raw(attach.PaperclipIcon),
				app.Span().Class("sr-only").Text("Attach files"),
				app.Input().Type("file").ID("attach").Class("sr-only").Multiple(true).OnChange(c.onFileInput),
			),
			app.Label().For("composer").Class("sr-only").Text(map[bool]string{false: "Message", true: "Private note"}[c.note]),
			app.Textarea().ID("composer").Rows(2).Placeholder(placeholder).
				OnKeyDown(c.onKey).OnInput(c.onInput),
			app.Button().Type("submit").ID("send").Class("primary").Text(sendLabel),
		),
	)
}

func (c *composeBox) uploading() bool {
	for i := range c.Idrafts {
		if c.Idrafts[i].Uploading() {
			return true
		}
	}
	return false
}

// send hands the text (and, for a reply, the chat's files) to the shell
// and empties the box; a reply waits for its files to finish uploading.
func (c *composeBox) send(ctx app.Context, e app.Event) {
	e.PreventDefault()
	box := app.Window().GetElementByID("composer")
	if c.Iconv == "" || !box.Truthy() {
		return
	}
	body := strings.TrimSpace(box.Get("value").String())
	if !c.note {
		if c.wait = c.uploading(); c.wait {
			return
		}
		if body == "" && len(c.Idrafts) == 0 {
			return
		}
	} else if body == "" {
		return
	}
	box.Set("value", "")
	c.Iunsent.keep(ctx, c.Iconv, "")
	c.suggestions = nil
	ctx.NewActionWithValue(actSend, outgoing{Conv: c.Iconv, Body: body, Note: c.note})
}

func (c *composeBox) onKey(ctx app.Context, e app.Event) {
	if c.onSuggestionKey(e) {
		return
	}
	if e.Get("key").String() == "Enter" && !e.Get("shiftKey").Bool() {
		c.send(ctx, e)
	}
}

func (c *composeBox) onInput(ctx app.Context, e app.Event) {
	text := ctx.JSSrc().Get("value").String()
	if c.Iunsent != nil {
		c.Iunsent.keep(ctx, c.Iconv, text)
	}
	c.suggest(text)
	// A private note is not for the customer: not even its typing shows.
	if c.note || time.Since(c.lastTyping) < 2*time.Second {
		return
	}
	c.lastTyping = time.Now()
	ctx.NewActionWithValue(actTyping, c.Iconv)
}

// onFileInput sends the picked files on as an array: emptying the input
// (so picking the same file again fires change again) empties its list.
func (c *composeBox) onFileInput(ctx app.Context, e app.Event) {
	input := ctx.JSSrc()
	files := app.Window().Get("Array").Call("from", input.Get("files"))
	input.Set("value", "")
	ctx.NewActionWithValue(actFiles, files)
}

// draftsView renders the files waiting to go with the chat's next message.
func (c *composeBox) draftsView() app.UI {
	drafts := make([]*attach.Draft, len(c.Idrafts))
	for i := range c.Idrafts {
		drafts[i] = &c.Idrafts[i]
	}
	conv := c.Iconv
	return attach.Drafts(drafts, deskWords, func(f *attach.Draft) {
		c.ctx.NewActionWithValue(actRemoveDraft, draftRef{Conv: conv, ID: f.ID})
	})
}

// monitorBar is what a monitored chat shows instead of the composer: the
// customer does not see the supervisor, who can stop (actStopMonitor).
type monitorBar struct {
	app.Compo

	Itask, Iconv string
}

func newMonitorBar() *monitorBar { return &monitorBar{} }

// Chat is the monitored chat's task and conversation.
func (b *monitorBar) Chat(task, conv string) *monitorBar { b.Itask, b.Iconv = task, conv; return b }

// Render draws the bar.
func (b *monitorBar) Render() app.UI {
	return app.Div().Class("actions").Body(
		app.P().Class("hint").Text("Monitoring: the customer does not see you."),
		app.Button().Type("button").Text("Stop monitoring").OnClick(func(ctx app.Context, e app.Event) {
			ctx.NewActionWithValue(actStopMonitor, monitored{Task: b.Itask, Conv: b.Iconv})
		}),
	)
}
