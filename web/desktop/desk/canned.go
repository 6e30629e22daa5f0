package desk

import (
	"sort"
	"strings"

	"parley/shared/model"
)

// Canned responses: typing "/" at the start of the composer opens a list
// of the shared responses matching what follows. The whole list is loaded
// once (a desk has hundreds at most), so searching in memory answers
// every keystroke.

// MaxSuggestions bounds the list under the composer.
const MaxSuggestions = 8

// CannedLoaded keeps the workspace's shared responses.
func (m *Model) CannedLoaded(all []model.CannedResponse) { m.Canned = all }

// Suggest is what the composer's text asks of the canned responses: the
// matches of what follows a leading "/", and whether the list is open at
// all (a note, a line break or no "/" closes it).
func Suggest(all []model.CannedResponse, text string, note bool) (matches []model.CannedResponse, open bool) {
	if note || !strings.HasPrefix(text, "/") || strings.Contains(text, "\n") {
		return nil, false
	}
	return MatchCanned(all, text[1:]), true
}

// MatchCanned returns the responses matching query, best first: a title
// starting with it, then a word of the title starting with it, then a
// tag, then the title or body containing it. An empty query lists all.
func MatchCanned(all []model.CannedResponse, query string) []model.CannedResponse {
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
	out := make([]model.CannedResponse, 0, min(len(hits), MaxSuggestions))
	for _, h := range hits[:min(len(hits), MaxSuggestions)] {
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

// FillIn replaces a response's placeholders: {{customer}} with the
// customer's first name, {{agent}} with the agent's.
func FillIn(body, customer, agent string) string {
	first := func(name, fallback string) string {
		if f := strings.Fields(name); len(f) > 0 {
			return f[0]
		}
		return fallback
	}
	return strings.NewReplacer("{{customer}}", first(customer, "there"), "{{agent}}", first(agent, "")).Replace(body)
}
