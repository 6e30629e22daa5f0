package main

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
	"parley/web/desktop/desk"
)

// Canned responses in the composer: typing "/" at the start opens a list
// of the shared responses matching what follows (desk.Suggest); arrows
// choose, Enter or Tab inserts, Escape closes.

// loadCanned reads every shared response, once a session opens.
func (d *Desktop) loadCanned() {
	var all []model.CannedResponse
	d.call("Cannot load the canned responses: ", func(cx context.Context) (err error) {
		cx, cancel := context.WithTimeout(cx, 20*time.Second)
		defer cancel()
		all, err = d.rest.CannedResponses(cx)
		return err
	}, func(_ app.Context, m *desk.Model) { m.CannedLoaded(all) })
}

// suggest opens, updates or closes the list as the composer changes.
func (c *composeBox) suggest(text string) {
	matches, open := desk.Suggest(c.Icanned, text, c.note)
	c.suggestions, c.suggested = nil, 0
	if open {
		c.suggestions = append(make([]model.CannedResponse, 0, len(matches)), matches...) // non-nil: open
	}
}

// openCanned opens the list from a shortcut: a reply's, over "/" in an
// empty box (what follows it searches), or over all of them when the
// agent has written something (choosing one replaces it).
func (c *composeBox) openCanned() {
	box := app.Window().GetElementByID("composer")
	if !box.Truthy() {
		return
	}
	c.note = false // canned responses are replies
	text := box.Get("value").String()
	if text == "" {
		text = "/"
		box.Set("value", text)
	}
	if text[0] == '/' {
		c.suggest(text)
		return
	}
	c.suggestions, c.suggested = desk.MatchCanned(c.Icanned, ""), 0
}

// onSuggestionKey handles the keys the open list takes; it reports
// whether it took the key. A key with a modifier is a shortcut's (Alt+↓
// is the next chat), not the list's.
func (c *composeBox) onSuggestionKey(e app.Event) bool {
	if len(c.suggestions) == 0 || e.Get("altKey").Bool() || e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool() {
		return false
	}
	switch e.Get("key").String() {
	case "ArrowDown":
		c.suggested = (c.suggested + 1) % len(c.suggestions)
	case "ArrowUp":
		c.suggested = (c.suggested + len(c.suggestions) - 1) % len(c.suggestions)
	case "Enter", "Tab":
		c.insert(c.suggestions[c.suggested])
	case "Escape":
		c.suggestions = nil
	default:
		return false
	}
	e.PreventDefault()
	return true
}

// insert puts a response in the composer, for the agent to adjust and
// send.
func (c *composeBox) insert(r model.CannedResponse) {
	c.suggestions = nil
	if box := app.Window().GetElementByID("composer"); box.Truthy() {
		text := desk.FillIn(r.Body, c.Icustomer, c.Iagent)
		box.Set("value", text)
		if c.Iunsent != nil {
			c.Iunsent.keep(c.ctx, c.Iconv, text)
		}
		box.Call("focus")
	}
}

func (c *composeBox) suggestionsView() app.UI {
	items := make([]app.UI, 0, len(c.suggestions))
	for i, r := range c.suggestions {
		// Scoped by the response: go-app keeps a handler made by the same code in place,
		// so a row reused for another response would still act for the first.
		items = append(items, app.Li().ID("canned-"+r.SID).Class("canned-option").Role("option").
			Aria("selected", i == c.suggested).
			OnMouseDown(func(ctx app.Context, e app.Event) { e.PreventDefault(); c.insert(r) }, app.EventScope(r.SID)).Body(
			app.Strong().Text(r.Title),
			app.Span().Class("canned-body").Text(r.Body),
		))
	}
	if len(items) == 0 {
		items = append(items, app.Li().Class("canned-none").Text("No canned response matches."))
	}
	return app.Ul().ID("canned").Class("canned").Role("listbox").Aria("label", "Canned responses").Body(items...)
}
