package main

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
)

// Canned responses: typing "/" at the start of the composer opens a list
// of the shared responses matching what follows; arrows choose, Enter or
// Tab inserts, Escape closes. The whole list is loaded once (a page of 100
// at a time): a desk has hundreds at most, and searching in memory
// answers every keystroke.

// maxSuggestions bounds the list under the composer.
const maxSuggestions = 8

// matchCanned returns the responses matching query, best first: a title
// starting with it, then a word of the title starting with it, then a
// tag, then the title or body containing it. An empty query lists all.
func matchCanned(all []model.CannedResponse, query string) []model.CannedResponse {
	q := strings.ToLower(strings.TrimSpace(query))
	type scored struct {
		r     model.CannedResponse
		score int
	}
	var hits []scored
	for _, r := range all {
		title := strings.ToLower(r.Title)
		score := 0
		switch {
		case q == "" || strings.HasPrefix(title, q):
			score = 4
		case wordStarts(title, q):
			score = 3
		case tagStarts(r.Tags, q):
			score = 2
		case strings.Contains(title, q) || strings.Contains(strings.ToLower(r.Body), q):
			score = 1
		}
		if score > 0 {
			hits = append(hits, scored{r, score})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return strings.ToLower(hits[i].r.Title) < strings.ToLower(hits[j].r.Title)
	})
	out := make([]model.CannedResponse, 0, min(len(hits), maxSuggestions))
	for _, h := range hits[:min(len(hits), maxSuggestions)] {
		out = append(out, h.r)
	}
	return out
}

func wordStarts(s, q string) bool {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '_' || r == '/' }) {
		if strings.HasPrefix(w, q) {
			return true
		}
	}
	return false
}

func tagStarts(tags []string, q string) bool {
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t), q) {
			return true
		}
	}
	return false
}

// fillIn replaces a response's placeholders: {{customer}} with the
// customer's first name, {{agent}} with the agent's.
func fillIn(body, customer, agent string) string {
	first := func(name, fallback string) string {
		if f := strings.Fields(name); len(f) > 0 {
			return f[0]
		}
		return fallback
	}
	return strings.NewReplacer("{{customer}}", first(customer, "there"), "{{agent}}", first(agent, "")).Replace(body)
}

// loadCanned reads every shared response.
func (d *Desktop) loadCanned() {
	d.ctx.Async(func() {
		cx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		all, err := d.rest.CannedResponses(cx)
		d.ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				d.failed(ctx, "Cannot load the canned responses: ", err)
				return
			}
			d.canned = all
		})
	})
}

// suggest opens, updates or closes the list as the composer changes.
func (d *Desktop) suggest(text string) {
	if d.noteMode || !strings.HasPrefix(text, "/") || strings.Contains(text, "\n") {
		d.suggestions = nil
		return
	}
	d.suggestions, d.suggested = matchCanned(d.canned, text[1:]), 0
}

// onSuggestionKey handles the keys the open list takes; it reports
// whether it took the key.
func (d *Desktop) onSuggestionKey(e app.Event) bool {
	if len(d.suggestions) == 0 {
		return false
	}
	switch e.Get("key").String() {
	case "ArrowDown":
		d.suggested = (d.suggested + 1) % len(d.suggestions)
	case "ArrowUp":
		d.suggested = (d.suggested + len(d.suggestions) - 1) % len(d.suggestions)
	case "Enter", "Tab":
		d.insertCanned(d.suggestions[d.suggested])
	case "Escape":
		d.suggestions = nil
	default:
		return false
	}
	e.PreventDefault()
	return true
}

// insertCanned puts a response in the composer, for the agent to adjust
// and send.
func (d *Desktop) insertCanned(r model.CannedResponse) {
	d.suggestions = nil
	customer := ""
	if c := d.m.ActiveChat(); c != nil {
		customer = c.Attrs.CustomerName
	}
	if box := app.Window().GetElementByID("composer"); box.Truthy() {
		box.Set("value", fillIn(r.Body, customer, d.saved.Agent.DisplayName))
		box.Call("focus")
	}
}

func (d *Desktop) suggestionsView() app.UI {
	items := make([]app.UI, 0, len(d.suggestions))
	for i, r := range d.suggestions {
		items = append(items, app.Li().ID("canned-"+r.SID).Class("canned-option").Role("option").
			Aria("selected", i == d.suggested).
			OnMouseDown(func(ctx app.Context, e app.Event) { e.PreventDefault(); d.insertCanned(r) }).Body(
			app.Strong().Text(r.Title),
			app.Span().Class("canned-body").Text(r.Body),
		))
	}
	if len(items) == 0 {
		items = append(items, app.Li().Class("canned-none").Text("No canned response matches."))
	}
	return app.Ul().ID("canned").Class("canned").Role("listbox").Aria("label", "Canned responses").Body(items...)
}
