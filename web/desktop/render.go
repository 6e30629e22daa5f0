package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
	"parley/web/attach"
)

// Render draws the desktop. Every string from a person or the server goes
// through app.Text (a DOM text node), so markup in a message shows as text.
func (d *Desktop) Render() app.UI {
	if !d.signedIn {
		return d.signInView()
	}
	// Notices come and go inside a box that stays: go-app matches children
	// by position, so a notice before the work area would make it (and the
	// text being typed) be rebuilt.
	return app.Div().ID("desk").Class("desk").Body(
		d.header(),
		app.Div().Class("notices").Body(
			app.If(!d.connected, func() app.UI {
				return app.Div().Class("banner").Role("status").Text("Reconnecting…")
			}),
			app.If(d.problem != "", func() app.UI {
				return app.Div().Class("problem").Role("alert").Body(
					app.Span().Text(d.problem),
					app.Button().Type("button").Class("link").Text("Dismiss").OnClick(func(app.Context, app.Event) { d.problem = "" }),
				)
			}),
		),
		d.main(),
		app.If(d.transfer != nil, d.transferView),
		app.If(d.confirm != nil, d.confirmView),
		app.If(d.outbound != nil, d.outboundView),
		app.If(d.viewer != "", d.viewerView),
	)
}

func (d *Desktop) signInView() app.UI {
	if d.loading {
		return app.Div().Class("loading").Role("status").Text("Loading…")
	}
	return app.Main().Class("signin").Body(
		app.Form().ID("signin").Class("card").OnSubmit(d.signIn).Body(
			app.H1().Text("Parley desk"),
			app.If(d.problem != "", func() app.UI { return app.P().Class("problem").Role("alert").Text(d.problem) }),
			app.Label().For("email").Text("Email"),
			app.Input().ID("email").Type("email").Name("email").Attr("autocomplete", "username").Required(true).AutoFocus(true),
			app.Label().For("password").Text("Password"),
			app.Input().ID("password").Type("password").Name("password").Attr("autocomplete", "current-password").Required(true),
			app.Button().Type("submit").Class("primary").Disabled(d.busy).Text("Sign in"),
		),
	)
}

func (d *Desktop) header() app.UI {
	a := d.saved.Agent
	tabs := []app.UI{d.navButton("chats", fmt.Sprintf("Chats (%d)", len(d.chats)))}
	if d.isSupervisor() {
		tabs = append(tabs, d.navButton("team", "Team"), d.navButton("queues", "Queues"), d.navButton("reports", "Reports"))
	}
	opts := make([]app.UI, 0, len(d.activities))
	for _, act := range d.activities {
		opts = append(opts, app.Option().Value(act.SID).Selected(act.SID == d.activity).Text(act.FriendlyName))
	}
	return app.Header().Class("top").Body(
		app.H1().Class("brand").Text("Parley desk"), // the page's one heading at level one, for screen readers' outline
		app.Nav().Class("tabs").Body(tabs...),
		app.Div().Class("me").Body(
			app.Label().For("activity").Class("sr-only").Text("Activity"),
			app.Select().ID("activity").Class("activity").OnChange(d.onActivity).Body(opts...),
			app.Span().ID("me").Class("name").Text(a.DisplayName+" · "+a.Role),
			app.Button().Type("button").ID("signout").Class("link").Text("Sign out").OnClick(d.signOut),
		),
	)
}

func (d *Desktop) navButton(view, label string) app.UI {
	return app.Button().Type("button").ID("nav-"+view).Class("tab").Aria("current", d.view == view).
		Text(label).OnClick(func(ctx app.Context, e app.Event) {
		d.view = view
		switch view {
		case "team", "queues":
			d.reloadSupervision(ctx)
		case "reports":
			d.loadReport(ctx)
		}
	})
}

func (d *Desktop) main() app.UI {
	switch d.view {
	case "team":
		return d.teamView()
	case "queues":
		return d.queuesView()
	case "reports":
		return d.reportsView()
	}
	return app.Div().Class("work").Body(
		app.Aside().Class("side").Body(
			app.Button().Type("button").ID("new-text").Class("link").Text("Text a customer…").OnClick(d.openOutbound),
			app.If(len(d.offers) > 0, func() app.UI {
				return app.Section().Class("offers").Aria("label", "Incoming chats").Body(
					app.Range(d.offers).Slice(func(i int) app.UI { return d.offerCard(d.offers[i]) }))
			}),
			app.Ul().Class("chat-list").Aria("label", "Your chats").Body(
				app.Range(d.chats).Slice(func(i int) app.UI { return d.chatTab(d.chats[i]) })),
			app.If(len(d.chats) == 0 && len(d.offers) == 0, func() app.UI {
				return app.P().Class("hint").Text("No chats yet. Set yourself Available to receive them.")
			}),
		),
		d.chatView(),
	)
}

func (d *Desktop) offerCard(o *Offer) app.UI {
	left := int(time.Until(o.Expires).Seconds())
	fields := make([]app.UI, 0, len(o.Attrs.PreEngagement))
	for _, k := range sortedKeys(o.Attrs.PreEngagement) {
		if k != "friendlyName" && k != "question" { // shown above as the name and the first message
			fields = append(fields, app.Dt().Text(labelOf(o.Attrs, k)), app.Dd().Text(o.Attrs.PreEngagement[k]))
		}
	}
	return app.Article().Class("offer").Aria("live", "assertive").Body(
		app.Div().Class("offer-head").Body(
			app.Strong().Class("who").Text(firstNonEmpty(o.Attrs.CustomerName, o.Attrs.CustomerAddress, "Customer")),
			app.Span().Class("channel").Text(firstNonEmpty(o.Attrs.ChannelType, "chat")),
			app.If(!o.Expires.IsZero(), func() app.UI {
				return app.Span().Class("countdown").Title("Seconds left to answer").Text(fmt.Sprintf("%ds", max(left, 0)))
			}),
		),
		awayNote(o.Attrs, time.Now()),
		app.If(o.Attrs.TransferType != "", func() app.UI {
			return app.P().Class("hint").Text("Transferred to you (" + o.Attrs.TransferType + ")")
		}),
		app.If(o.Attrs.PreEngagement["question"] != "", func() app.UI {
			return app.P().Class("first").Text(o.Attrs.PreEngagement["question"])
		}),
		app.Dl().Class("answers").Body(fields...),
		app.Div().Class("offer-actions").Body(
			app.Button().Type("button").Class("primary", "accept").Text("Accept").
				OnClick(func(ctx app.Context, e app.Event) { d.answer(ctx, o, "accepted") }),
			app.Button().Type("button").Class("reject").Text("Reject").
				OnClick(func(ctx app.Context, e app.Event) { d.answer(ctx, o, "rejected") }),
		),
	)
}

func (d *Desktop) chatTab(c *Chat) app.UI {
	name := firstNonEmpty(c.Attrs.CustomerName, c.Attrs.CustomerAddress, "Customer")
	return app.Li().Body(
		app.Button().Type("button").Class("chat-tab").Aria("current", c.Attrs.ConversationSID == d.active).
			OnClick(func(ctx app.Context, e app.Event) { d.selectChat(ctx, c.Attrs.ConversationSID) }).Body(
			app.Span().Class("tab-name").Text(name),
			app.If(c.Status == "wrapping", func() app.UI { return app.Span().Class("tag").Text("wrap-up") }),
			app.If(c.Status == "monitor", func() app.UI { return app.Span().Class("tag").Text("monitoring") }),
			app.If(c.Unread > 0, func() app.UI {
				return app.Span().Class("unread").Aria("label", fmt.Sprintf("%d unread", c.Unread)).Text(fmt.Sprint(c.Unread))
			}),
		),
	)
}

func (d *Desktop) chatView() app.UI {
	c := d.chat(d.active)
	if c == nil {
		return app.Section().Class("chat", "empty").Body(app.P().Class("hint").Text("Select a chat."))
	}
	typing := time.Now().Before(c.Typing)
	lines := c.timeline()
	class := []string{"chat"}
	if d.dragging {
		class = append(class, "dragging")
	}
	return app.Section().Class(class...).Aria("label", "Chat with "+c.Attrs.CustomerName).Body(
		app.Div().Class("thread").Body(
			// A box that stays, so the list after it keeps its place.
			app.Div().Class("thread-notices").Body(
				awayNote(c.Attrs, time.Now()),
				app.If(!c.Loaded && c.LoadErr != "", func() app.UI {
					return app.P().ID("load-problem").Class("problem").Role("alert").Body(
						app.Text("This chat did not load: "+c.LoadErr+" "),
						app.Button().Type("button").Class("link").Text("Try again").
							OnClick(func(ctx app.Context, e app.Event) { c.loadTry = 0; d.loadHistory(ctx, c) }),
					)
				}),
			),
			app.Ol().ID("messages").Class("messages").Body(
				app.Range(lines).Slice(func(i int) app.UI {
					if n := lines[i].note; n != nil {
						return d.noteView(*n)
					}
					return d.message(c, *lines[i].msg)
				}),
				app.Range(c.Pending).Slice(func(i int) app.UI {
					return app.Li().Class("msg", "mine", "pending").Body(app.P().Class("body").Text(c.Pending[i]),
						app.Span().Class("meta").Text("Sending…"))
				}),
			),
			app.Div().Class("typing-line").Body(
				app.If(typing, func() app.UI {
					return app.P().ID("typing").Class("typing").Role("status").Text(firstNonEmpty(c.Attrs.CustomerName, "The customer") + " is typing…")
				}),
			),
			d.composer(c),
		),
		d.customerPanel(c),
	)
}

func (d *Desktop) message(c *Chat, m model.Message) app.UI {
	mine := m.Author == d.saved.Agent.Identity
	var attrs struct {
		Parley struct {
			Kind string `json:"kind"`
			Name string `json:"name"` // a welcome message's deployment
		} `json:"parley"`
	}
	_ = json.Unmarshal([]byte(m.Attributes), &attrs)
	classes := []string{"msg"}
	author := firstNonEmpty(c.Names[m.Author], m.Author)
	switch {
	case mine:
		classes, author = append(classes, "mine"), "You"
	case attrs.Parley.Kind == "welcome":
		// Signed as the widget signs it: with the deployment's name
		// (older welcomes do not carry it; the task does).
		classes, author = append(classes, "bot"), firstNonEmpty(attrs.Parley.Name, c.Attrs.DeploymentName, author)
	case attrs.Parley.Kind != "":
		classes = append(classes, "bot")
	case m.Author == c.Attrs.CustomerAddress || c.Names[m.Author] == c.Attrs.CustomerName:
		classes = append(classes, "customer")
	}
	body := ""
	if m.Body != nil {
		body = *m.Body
	}
	status := ""
	if mine {
		status = "Sent"
		if m.Index <= c.CustomerRead {
			status = "Seen"
		}
	}
	return app.Li().Class(classes...).DataSet("index", m.Index).Body(
		app.Span().Class("author").Text(author),
		app.If(body != "", func() app.UI { return app.P().Class("body").Text(body) }),
		app.If(len(m.Media) > 0, func() app.UI { return d.attachments(m.Media) }),
		app.Span().Class("meta").Body(
			app.Time().DateTime(m.DateCreated.Time.Format(time.RFC3339)).Text(m.DateCreated.Time.Local().Format("15:04")),
			app.If(status != "", func() app.UI { return app.Span().Class("receipt").Text(" · " + status) }),
		),
	)
}

func (d *Desktop) composer(c *Chat) app.UI {
	switch c.Status {
	case "monitor":
		return app.Div().Class("actions").Body(
			app.P().Class("hint").Text("Monitoring: the customer does not see you."),
			app.Button().Type("button").Text("Stop monitoring").OnClick(func(ctx app.Context, e app.Event) { d.stopMonitoring(ctx, c) }),
		)
	case "wrapping":
		return app.Form().Class("wrapup").OnSubmit(func(ctx app.Context, e app.Event) { e.PreventDefault(); d.complete(ctx, c) }).Body(
			app.If(c.CustomerLeft, func() app.UI {
				return app.P().ID("customer-left").Class("left").Role("status").
					Text(firstNonEmpty(c.Attrs.CustomerName, "The customer") + " left the chat.")
			}),
			app.Label().For("disposition").Text("How did it end?"),
			app.Select().ID("disposition").Body(
				app.Option().Value("").Text("Choose…"),
				app.Option().Value("resolved").Text("Resolved"),
				app.Option().Value("follow-up").Text("Needs a follow-up"),
				app.Option().Value("no-answer").Text("Customer left"),
			),
			app.Button().Type("submit").ID("complete").Class("primary").Text("Complete"),
		)
	}
	mode := func(note bool, id, label string) app.UI {
		return app.Button().Type("button").ID(id).Class("mode").Aria("pressed", d.noteMode == note).Text(label).
			OnClick(func(ctx app.Context, e app.Event) { d.noteMode = note; focusComposer() })
	}
	placeholder, sendLabel, formClass := "Type a reply; Enter sends; / finds a canned response", "Send", "composer"
	if d.noteMode {
		placeholder, sendLabel, formClass = "Write a private note: only agents see it", "Add note", "composer note-mode"
	}
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
			app.If(len(c.Drafts) > 0 && !d.noteMode, func() app.UI { return d.draftsView(c) }),
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
		app.Div().Class("actions").Body(
			app.Button().Type("button").ID("transfer").Text("Transfer").
				OnClick(func(ctx app.Context, e app.Event) { d.openTransfer(ctx, c, false) }),
			app.Button().Type("button").ID("invite").Text("Invite").
				OnClick(func(ctx app.Context, e app.Event) { d.openTransfer(ctx, c, true) }),
			app.Button().Type("button").ID("end").Class("danger").Text("End chat").
				OnClick(func(ctx app.Context, e app.Event) { d.endChat(ctx, c) }),
		),
	)
}

func (d *Desktop) customerPanel(c *Chat) app.UI {
	a := c.Attrs
	rows := []app.UI{
		app.Dt().Text("Name"), app.Dd().ID("customer-name").Text(firstNonEmpty(a.CustomerName, "—")),
		app.Dt().Text("Channel"), app.Dd().Text(firstNonEmpty(a.ChannelType, "chat")),
	}
	if email := a.PreEngagement["email"]; email != "" {
		rows = append(rows, app.Dt().Text(labelOf(a, "email")), app.Dd().Text(email))
	}
	// A web visitor's address is only its guest identity: not worth showing.
	if a.CustomerAddress != "" && a.CustomerAddress != a.CustomerName && a.ChannelType != "web" {
		rows = append(rows, app.Dt().Text("Address"), app.Dd().Text(a.CustomerAddress))
	}
	for _, k := range sortedKeys(a.PreEngagement) {
		if k != "email" && k != "friendlyName" && k != "question" {
			rows = append(rows, app.Dt().Text(labelOf(a, k)), app.Dd().Text(a.PreEngagement[k]))
		}
	}
	return app.Aside().Class("customer").Aria("label", "Customer").Body(
		app.H2().Text("Customer"),
		app.Dl().Body(rows...),
		app.H3().Text("Earlier conversations"),
		d.pastView(c),
	)
}

func (d *Desktop) teamView() app.UI {
	rows := make([]app.UI, 0, len(d.team))
	for _, r := range d.team {
		chats := make([]app.UI, 0, len(r.Chats))
		for _, tc := range r.Chats {
			chats = append(chats, app.Li().Body(
				app.Span().Class("team-chat").Text(fmt.Sprintf("%s · %s · %s", firstNonEmpty(tc.Customer, "Customer"), tc.Status, since(tc.Since))),
				app.Button().Type("button").Class("link", "monitor").Text("Monitor").
					OnClick(func(ctx app.Context, e app.Event) { d.monitor(ctx, tc) }),
			))
		}
		rows = append(rows, app.Tr().Class("team-row").Body(
			app.Td().Class("agent").Text(r.Name),
			app.Td().Class("activity-name").Text(r.Worker.ActivityName),
			app.Td().Text(since(r.Worker.DateStatusChanged.Time)),
			app.Td().Body(app.Ul().Class("team-chats").Body(chats...)),
		))
	}
	return app.Section().ID("team").Class("board").Body(
		app.H2().Text("Team"),
		app.Table().Body(
			app.THead().Body(app.Tr().Body(app.Th().Text("Agent"), app.Th().Text("Activity"), app.Th().Text("For"), app.Th().Text("Chats"))),
			app.TBody().Body(rows...),
		),
	)
}

func (d *Desktop) queuesView() app.UI {
	rows := make([]app.UI, 0, len(d.queues))
	for _, q := range d.queues {
		rows = append(rows, app.Tr().Class("queue-row").Body(
			app.Td().Text(q.Queue.FriendlyName),
			app.Td().Class("waiting").Text(fmt.Sprint(q.Waiting)),
			app.Td().Text(seconds(q.LongestWait)),
			app.Td().Text(fmt.Sprintf("%d of %d", q.Available, q.Eligible)),
		))
	}
	return app.Section().ID("queues").Class("board").Body(
		app.H2().Text("Queues"),
		app.Table().Body(
			app.THead().Body(app.Tr().Body(app.Th().Text("Queue"), app.Th().Text("Waiting"), app.Th().Text("Longest wait"), app.Th().Text("Available agents"))),
			app.TBody().Body(rows...),
		),
	)
}

func (d *Desktop) transferView() app.UI {
	f := d.transfer
	title := "Transfer the chat"
	if f.invite {
		title = "Invite a colleague"
	}
	opts := []app.UI{app.Option().Value("").Text("Choose…")}
	for _, q := range f.queues {
		opts = append(opts, app.Option().Value(q.SID).Text("Queue: "+q.FriendlyName))
	}
	for _, w := range f.workers {
		opts = append(opts, app.Option().Value(w.SID).Text("Agent: "+workerName(w)))
	}
	return app.Div().Class("dialog-backdrop").Body(
		app.Form().ID("transfer-form").Class("dialog").Role("dialog").Aria("label", title).OnSubmit(d.submitTransfer).Body(
			app.H2().Text(title),
			app.If(f.problem != "", func() app.UI { return app.P().Class("problem").Role("alert").Text(f.problem) }),
			app.Label().For("transfer-to").Text("To"),
			app.Select().ID("transfer-to").Body(opts...),
			app.If(!f.invite, func() app.UI {
				return app.Div().Body(
					app.Label().For("transfer-type").Text("Kind"),
					app.Select().ID("transfer-type").Body(
						app.Option().Value("cold").Text("Cold: hand it over"),
						app.Option().Value("warm").Text("Warm: stay until they join"),
					))
			}),
			app.Div().Class("dialog-actions").Body(
				app.Button().Type("button").Text("Cancel").OnClick(func(app.Context, app.Event) { d.transfer = nil }),
				app.Button().Type("submit").ID("transfer-send").Class("primary").Disabled(f.sending).Text(map[bool]string{false: "Transfer", true: "Invite"}[f.invite]),
			),
		),
	)
}

func (d *Desktop) confirmView() app.UI {
	c := d.confirm
	return app.Div().Class("dialog-backdrop").Body(
		app.Div().Class("dialog").Role("alertdialog").Body(
			app.P().Text(c.text),
			app.Div().Class("dialog-actions").Body(
				app.Button().Type("button").Text("Cancel").OnClick(func(app.Context, app.Event) { d.confirm = nil }),
				app.Button().Type("button").ID("confirm-yes").Class("primary").Text("Yes").OnClick(func(ctx app.Context, e app.Event) {
					d.confirm = nil
					c.yes(ctx)
				}),
			),
		),
	)
}

// ---- formatting ----

func since(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return seconds(int(time.Since(t).Seconds()))
}

func seconds(s int) string {
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", max(s, 0))
	case s < 3600:
		return fmt.Sprintf("%dm %02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh %02dm", s/3600, s/60%60)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// labelOf names a pre-engagement answer: as the deployment's form asked
// for it, else its key made readable ("order_number" reads "Order number").
func labelOf(a model.TaskAttributes, key string) string {
	if l := strings.TrimSpace(a.Labels[key]); l != "" {
		return l
	}
	return humanise(key)
}

// humanise turns a field's key (snake_case, kebab-case or camelCase) into
// words with a capital first letter.
func humanise(key string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range key {
		switch {
		case r == '_' || r == '-' || r == '.' || r == ' ':
			b.WriteRune(' ')
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			b.WriteRune(' ')
		}
		b.WriteRune(unicode.ToLower(r))
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	words := strings.Fields(b.String())
	if len(words) == 0 {
		return key
	}
	s := strings.Join(words, " ")
	first, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(first)) + s[size:]
}
