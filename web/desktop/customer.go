package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
	"parley/web/desktop/desk"
)

// customerPanel shows who the chat is with: name, channel, the form's
// answers labelled, the chat's other details worth an agent's eye, and
// their earlier conversations ("Try again" sends
// actRetryPast).
type customerPanel struct {
	app.Compo

	Iconv       string
	Iattrs      model.TaskAttributes
	Ipast       []desk.Past
	IpastLoaded bool
	IpastFailed bool
}

func newCustomerPanel() *customerPanel { return &customerPanel{} }

// Chat is the conversation and what its task says of the customer.
func (p *customerPanel) Chat(conv string, a model.TaskAttributes) *customerPanel {
	p.Iconv, p.Iattrs = conv, a
	return p
}

// Past is the customer's earlier conversations, whether they came and
// whether listing them failed.
func (p *customerPanel) Past(past []desk.Past, loaded, failed bool) *customerPanel {
	p.Ipast, p.IpastLoaded, p.IpastFailed = past, loaded, failed
	return p
}

// Render draws the panel.
func (p *customerPanel) Render() app.UI {
	a := p.Iattrs
	rows := []app.UI{
		app.Dt().Text("Name"), app.Dd().ID("customer-name").Text(firstNonEmpty(a.CustomerName, "—")),
		app.Dt().Text("Channel"), app.Dd().Text(channelName(a.ChannelType)),
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
	details := detailsOf(a)
	return app.Aside().Class("customer").Aria("label", "Customer").Body(
		app.H2().Text("Customer"),
		app.Dl().Body(rows...),
		app.If(len(details) > 0, func() app.UI {
			return app.Div().Class("details").Body(
				app.H3().Text("Details"),
				app.Dl().ID("details").Body(details...),
			)
		}),
		app.H3().Text("Earlier conversations"),
		p.pastView(),
	)
}

func (p *customerPanel) pastView() app.UI {
	switch {
	case p.IpastFailed:
		conv := p.Iconv
		return app.P().ID("past-failed").Class("hint").Body(
			app.Text("Could not list them. "),
			app.Button().Type("button").Class("link").Text("Try again").
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(actRetryPast, conv) }, app.EventScope(conv)),
		)
	case !p.IpastLoaded:
		return app.P().Class("hint").Text("Loading…")
	}
	if len(p.Ipast) == 0 {
		return app.P().ID("past-none").Class("hint").Text("No earlier conversations.")
	}
	items := make([]app.UI, 0, len(p.Ipast))
	for _, past := range p.Ipast {
		items = append(items, app.Li().Class("past").Body(
			app.Time().DateTime(past.Created.Format(time.RFC3339)).Text(past.Created.Local().Format("2 Jan 2006")),
			app.Span().Class("topic").Text(past.Topic),
			app.Span().Class("tag").Text(past.State),
			app.If(past.CSAT.Score > 0, func() app.UI { return ratingTag(past.CSAT) }),
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

// detailsOf lists, labelled, what else a chat's task says that an agent
// may use: where the chat started, how, the visitor's language, and the
// deployment's or integration's own keys, when short and plain (text,
// numbers, yes/no). Routing's internals (SIDs, tokens, Flex's nested
// objects) are left out; the list stops at ten.
func detailsOf(a model.TaskAttributes) []app.UI {
	var rows []app.UI
	add := func(label, value string) {
		if value = strings.TrimSpace(value); value != "" && len(rows) < 20 {
			rows = append(rows, app.Dt().Text(label), app.Dd().Text(value))
		}
	}
	add("Started on", a.DeploymentName)
	if a.Direction == "outbound" {
		add("Started by", "An agent (outbound)")
	}
	if a.ChannelType == "" || a.ChannelType == "web" {
		switch {
		case strings.HasPrefix(a.CustomerAddress, "cust_"):
			add("Visitor", "Signed in on the site")
		case strings.HasPrefix(a.CustomerAddress, "guest_"):
			add("Visitor", "Guest")
		}
	}
	keys := make([]string, 0, len(a.Other))
	for k := range a.Other {
		if !internalKey(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		var v any
		if json.Unmarshal(a.Other[k], &v) != nil {
			continue
		}
		label := humanise(k)
		if s, ok := v.(string); ok && k == "locale" {
			label, v = "Language", languageName(s)
		}
		switch v := v.(type) {
		case string:
			if r := []rune(v); len(r) > 200 {
				v = string(r[:200]) + "…"
			}
			add(label, v)
		case float64:
			add(label, strconv.FormatFloat(v, 'f', -1, 64))
		case bool:
			add(label, map[bool]string{true: "Yes", false: "No"}[v])
		}
	}
	return rows
}

// internalKey reports whether a task attribute is routing's or an
// integration's plumbing rather than something about the customer.
func internalKey(k string) bool {
	l := strings.ToLower(k)
	for _, s := range []string{"sid", "token", "secret", "password", "key", "url", "webhook"} {
		if strings.HasSuffix(l, s) {
			return true
		}
	}
	for _, p := range []string{"flex", "twilio", "routing", "task", "workflow", "workspace", "conversations", "channel"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// languageName names a language code in the agent's own language, as the
// browser's Intl.DisplayNames does ("fr" reads "French (fr)" to an agent
// in English); the code alone where the browser cannot name it.
func languageName(code string) (name string) {
	name = code
	intl := app.Window().Get("Intl")
	if !intl.Truthy() || !intl.Get("DisplayNames").Truthy() {
		return name
	}
	defer func() { recover() }() // a code Intl refuses (a RangeError) stays as it is
	agent := app.Window().Get("navigator").Get("language").String()
	names := intl.Get("DisplayNames").New([]any{agent, "en"}, map[string]any{"type": "language"})
	if n := names.Call("of", code); n.Truthy() && n.String() != code {
		name = n.String() + " (" + code + ")"
	}
	return name
}
