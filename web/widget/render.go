package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/web/attach"
)

// Render draws the widget. Every string from a person or the server goes
// through app.Text (a DOM text node), so markup in a message shows as text.
func (w *Widget) Render() app.UI {
	// What comes and goes sits in a box that stays: go-app matches children
	// by position, and a banner shifting the chat would rebuild it, losing
	// what the visitor was typing.
	return app.Div().ID("panel").Class("panel", "pos-"+w.cfg.Theme.Position).TabIndex(-1).OnKeyDown(w.onKey).Body(
		w.header(),
		app.Div().Class("notices").Body(
			app.If(w.phase == phaseChat && !w.connected, func() app.UI {
				return app.Div().Class("banner").Role("status").Title(w.dialErr).Text(w.t.Reconnecting)
			}),
		),
		w.body(),
		app.If(w.earlier.open, w.earlierView),
		app.If(w.viewer != "", w.viewerView),
		app.If(w.confirming && w.phase == phaseChat, w.endDialog),
	)
}

// endDialog asks before ending the chat (see askToEnd). A native modal
// dialog: the browser keeps the focus in it, makes the rest inert and
// turns Escape into "cancel".
func (w *Widget) endDialog() app.UI {
	return app.Dialog().ID("end-dialog").Class("confirm-end").Role("alertdialog").
		Aria("labelledby", "end-title").Aria("describedby", "end-text").On("cancel", w.keepChatting).Body(
		app.H2().ID("end-title").Text(w.t.EndTitle),
		app.P().ID("end-text").Text(w.t.ConfirmEnd),
		app.Div().Class("actions").Body(
			app.Button().Type("button").ID("end-no").Class("secondary", "cancel").Text(w.t.EndNo).OnClick(w.keepChatting),
			app.Button().Type("button").Class("primary", "confirm").Text(w.t.EndYes).OnClick(w.endChat),
		),
	)
}

func (w *Widget) header() app.UI {
	title := firstNonEmpty(w.cfg.Name, w.t.Title)
	// The subtitle has a row of its own, the header's full width: the
	// buttons, which come and go, never make it wrap (and the header jump).
	return app.Header().Class("head").Body(
		app.Div().Class("head-text").Body(
			app.H1().Class("title").Text(title),
			app.P().Class("subtitle").Text(w.subtitle()),
		),
		app.Div().Class("head-actions").Body(
			app.If(w.phase == phaseChat, func() app.UI {
				return app.Button().Type("button").ID("end-chat").Class("end").Aria("haspopup", "dialog").
					Text(w.t.EndChat).OnClick(w.askToEnd)
			}),
			app.If(w.canSeeEarlier(), func() app.UI {
				return app.Button().Type("button").Class("icon", "history").Aria("label", w.t.Earlier).Title(w.t.Earlier).
					Aria("expanded", w.earlier.open).OnClick(w.openEarlier).Body(app.Raw(clockIcon))
			}),
			app.Button().Type("button").Class("icon", "min").Aria("label", w.t.Minimise).Title(w.t.Minimise).
				OnClick(w.minimise).Body(app.Span().Aria("hidden", "true").Text("–")),
		),
	)
}

// clockIcon marks the earlier chats.
const clockIcon = `<svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/></svg>`

func (w *Widget) body() app.UI {
	switch w.phase {
	case phaseForm:
		return w.form()
	case phaseChat:
		return w.chat()
	case phaseEnded:
		return w.endedView()
	case phaseBroken:
		return app.Div().Class("problem").Role("alert").Text(w.problem)
	}
	return app.Div().Class("loading").Role("status").Text(w.t.Loading)
}

func (w *Widget) form() app.UI {
	form := w.formFields()
	fields := make([]app.UI, 0, len(form))
	for _, f := range form {
		fields = append(fields, w.field(f))
	}
	submit := w.t.Start
	if w.away() {
		submit = w.t.Hours().Send
	}
	return app.Form().Class("form").Attr("novalidate", true).OnSubmit(w.submit).Body(
		app.If(w.away(), func() app.UI { return app.P().Class("intro").Text(w.t.Hours().Intro) }),
		app.If(w.problem != "", func() app.UI { return app.P().Class("problem").Role("alert").Text(w.problem) }),
		app.Range(fields).Slice(func(i int) app.UI { return fields[i] }),
		app.Button().Type("submit").Class("primary").Disabled(w.submitting).Text(submit),
		app.If(w.submitting, func() app.UI { return app.P().Class("hint").Role("status").Text(w.t.Loading) }),
	)
}

// field draws one form field. Its value lives in the DOM, not in the
// render: a re-render must never overwrite what the visitor (or autofill)
// typed; submit reads the fields.
func (w *Widget) field(f Field) app.UI {
	id := "field-" + f.Name
	errID := id + "-error"
	problem := w.errs[f.Name]
	onInput := func(ctx app.Context, e app.Event) { delete(w.errs, f.Name) } // typing clears the field's error
	var input app.UI
	switch f.Type {
	case "textarea":
		input = app.Textarea().ID(id).Name(f.Name).Rows(3).Required(f.Required).Aria("invalid", problem != "").
			Aria("describedby", errID).OnInput(onInput)
	case "select":
		opts := []app.UI{app.Option().Value("").Text(w.t.Choose)}
		for _, o := range f.Options {
			opts = append(opts, app.Option().Value(o).Text(o))
		}
		input = app.Select().ID(id).Name(f.Name).Required(f.Required).Aria("invalid", problem != "").
			Aria("describedby", errID).OnChange(onInput).Body(opts...)
	default:
		auto := map[string]string{"friendlyName": "name", "email": "email"}[f.Name]
		input = app.Input().ID(id).Name(f.Name).Type(f.Type).Required(f.Required).Attr("autocomplete", auto).
			Aria("invalid", problem != "").Aria("describedby", errID).OnInput(onInput)
	}
	label := w.t.Label(f.Name, f.Label, f.Labels)
	if f.Required {
		label += " *"
	}
	return app.Div().Class("field").Body(
		app.Label().For(id).Text(label),
		input,
		app.P().ID(errID).Class("field-error").Text(problem),
	)
}

func (w *Widget) chat() app.UI {
	rows := w.thread.Rows(w.saved.Identity, w.readUpTo, time.Local)
	lastOwn := -1
	for i, m := range w.thread.Stored {
		if m.Author == w.saved.Identity {
			lastOwn = i
		}
	}
	items := make([]app.UI, 0, len(rows)+2)
	if w.thread.HasMore {
		items = append(items, app.Button().Type("button").Class("older").Disabled(w.loadingOlder).
			Text(w.t.LoadOlder).OnClick(func(ctx app.Context, e app.Event) { w.loadOlder(ctx) }))
	}
	for _, r := range rows {
		switch {
		case !r.Date.IsZero():
			items = append(items, app.Div().Class("day").Role("separator").Text(w.dayLabel(r.Date)))
		case r.NewMark:
			items = append(items, app.Div().Class("new-mark").Role("separator").Text(w.t.NewMessages))
		default:
			items = append(items, w.message(*r.Msg, lastOwn >= 0 && r.Msg.SID != "" && r.Msg.SID == w.thread.Stored[lastOwn].SID))
		}
	}
	if who := w.typingNames(); who != "" {
		items = append(items, app.Div().Class("typing").Role("status").Text(fmt.Sprintf(w.t.Typing, who)))
	}
	chatClass := "chat"
	if w.dragging {
		chatClass += " dragging"
	}
	policy := w.cfg.Attachments
	return app.Div().Class(chatClass).DataSet("drop", w.t.DropHere).Body(
		app.Div().Class("notices").Body(
			app.If(w.problem != "", func() app.UI { return app.P().Class("problem").Role("alert").Text(w.problem) }),
			w.queueView(),
			app.If(w.leftAway, w.heldNotice),
		),
		app.Div().ID("messages").Class("messages").Role("log").Aria("live", "polite").Aria("label", w.t.Messages).
			TabIndex(0).OnScroll(w.onScroll).Body(items...),
		app.Div().Class("notices").Body(
			app.If(w.attachErr != "", func() app.UI { return app.P().Class("attach-error").Role("alert").Text(w.attachErr) }),
			app.If(len(w.drafts) > 0, w.draftsView),
		),
		app.Form().Class("composer").OnSubmit(w.send).Body(
			app.If(policy.Enabled, func() app.UI {
				return app.Label().For("attach").Class("attach").Title(w.t.Attach).Body(
					app.Raw(attach.PaperclipIcon),
					app.Span().Class("visually-hidden").Text(w.t.Attach),
					app.Input().Type("file").ID("attach").Class("visually-hidden").Multiple(true).
						Accept("%s", strings.Join(policy.AllowedTypes, ",")).OnChange(w.onFileInput),
				)
			}),
			app.Label().For("composer").Class("visually-hidden").Text(w.t.Placeholder),
			app.Textarea().ID("composer").Dir("auto").Rows(1).Placeholder(w.t.Placeholder).MaxLength(32768).
				OnKeyDown(w.onComposerKey).OnInput(w.onInput),
			app.Button().Type("submit").Class("send").Aria("label", w.t.Send).Title(w.t.Send).
				Body(app.Span().Aria("hidden", "true").Text("➤")),
		),
	)
}

func (w *Widget) message(m Msg, lastOwn bool) app.UI {
	own := m.Author == w.saved.Identity
	class := "msg other"
	if own {
		class = "msg own"
	}
	if m.Kind == "welcome" {
		class = "msg welcome"
	}
	switch {
	case m.Failed != "":
		class += " failed"
	case m.Pending():
		class += " pending"
	}
	segs := Linkify(m.Body)
	body := make([]app.UI, len(segs))
	for i, s := range segs {
		if s.URL != "" {
			body[i] = app.A().Href(s.URL).Target("_blank").Rel("noopener noreferrer nofollow ugc").Text(s.Text)
		} else {
			body[i] = app.Text(s.Text)
		}
	}
	status := ""
	switch {
	case !own:
	case m.Failed != "":
		status = w.t.NotSent
	case m.Pending():
		status = w.t.Sending
	case lastOwn && m.Index <= w.othersRead:
		status = w.t.Read
	case lastOwn:
		status = w.t.Sent
	}
	return app.Div().Class(class).DataSet("sid", m.SID).Body(
		app.If(!own, func() app.UI { return app.Div().Class("author").Text(w.nameOf(m)) }),
		app.If(m.Body != "", func() app.UI { return app.P().Class("body").Dir("auto").Body(body...) }),
		app.If(len(m.Media) > 0, func() app.UI { return w.attachments(m.Media) }),
		app.Div().Class("meta").Body(
			app.Time().DateTime(m.Created.UTC().Format(time.RFC3339)).Text(clock(m.Created, w.t.Lang)),
			app.If(status != "", func() app.UI {
				return app.Span().Class("status").Aria("live", "polite").Text(status)
			}),
			app.If(m.Failed != "", func() app.UI {
				return app.Button().Type("button").Class("retry").Title(m.Failed).Text(w.t.Retry).OnClick(w.retry(m), app.EventScope(m.Key))
			}),
		),
	)
}

func (w *Widget) typingNames() string {
	var who []string
	now := time.Now()
	for id, until := range w.typing {
		if until.After(now) {
			who = append(who, firstNonEmpty(w.names[id], w.t.Agent))
		}
	}
	return strings.Join(who, ", ")
}

func (w *Widget) endedView() app.UI {
	return app.Div().Class("ended").Body(
		app.P().Class("ended-text").Role("status").Text(w.t.Ended),
		app.If(w.rating.conversation != "", w.ratingView),
		app.Button().Type("button").Class("primary").Text(w.t.StartNew).OnClick(w.startNew),
		app.If(len(w.thread.Stored) > 0, func() app.UI {
			return app.Button().Type("button").Class("secondary").Text(w.t.Transcript).OnClick(w.downloadTranscript)
		}),
		w.emailButton(),
	)
}

func (w *Widget) dayLabel(d time.Time) string {
	today := time.Now()
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.Local)
	switch {
	case d.Equal(today):
		return w.t.Today
	case d.Equal(today.AddDate(0, 0, -1)):
		return w.t.Yesterday
	}
	return localDate(d, w.t.Lang)
}

// clock and localDate format times in the visitor's language with the
// browser's Intl, which knows more locales than we could carry.
func clock(t time.Time, lang string) string {
	if app.IsServer {
		return t.Format("15:04")
	}
	return app.Window().Get("Date").New(t.UnixMilli()).Call("toLocaleTimeString", lang,
		map[string]any{"hour": "2-digit", "minute": "2-digit"}).String()
}

func localDate(t time.Time, lang string) string {
	if app.IsServer {
		return t.Format("2 Jan 2006")
	}
	return app.Window().Get("Date").New(t.UnixMilli()).Call("toLocaleDateString", lang,
		map[string]any{"dateStyle": "medium"}).String()
}

// downloadTranscript saves the loaded conversation as a text file.
func (w *Widget) downloadTranscript(ctx app.Context, e app.Event) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n\n", firstNonEmpty(w.cfg.Name, w.t.Title), w.saved.Conversation)
	for _, m := range w.thread.Stored {
		fmt.Fprintf(&b, "[%s] %s: %s\n", m.Created.Local().Format("2006-01-02 15:04"), w.nameOf(m), m.Body)
	}
	win := app.Window()
	blob := win.Get("Blob").New([]any{b.String()}, map[string]any{"type": "text/plain;charset=utf-8"})
	url := win.Get("URL").Call("createObjectURL", blob)
	a := win.Get("document").Call("createElement", "a")
	a.Set("href", url)
	a.Set("download", "chat-"+w.saved.Conversation+".txt")
	a.Call("click")
	win.Get("URL").Call("revokeObjectURL", url)
}
