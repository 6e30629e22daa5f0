package desk

import (
	"slices"
	"testing"

	"parley/shared/model"
)

func responses(titles ...string) []model.CannedResponse {
	out := make([]model.CannedResponse, len(titles))
	for i, t := range titles {
		out[i] = model.CannedResponse{SID: t, Title: t, Body: "About " + t}
	}
	return out
}

func titlesOf(rs []model.CannedResponse) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Title)
	}
	return out
}

func TestCannedSearchPutsTheLikeliestFirst(t *testing.T) {
	all := append(responses("Refund policy", "Greeting", "Goodbye", "Order status", "Late refund"),
		model.CannedResponse{Title: "Shipping", Body: "We ship in 2 days", Tags: []string{"delivery"}})
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"Goodbye", "Greeting", "Late refund", "Order status", "Refund policy", "Shipping"}},
		{"ref", []string{"Refund policy", "Late refund"}}, // a title's start beats a later word
		{"REF", []string{"Refund policy", "Late refund"}}, // case does not matter
		{"deliv", []string{"Shipping"}},                   // tags count
		{"2 days", []string{"Shipping"}},                  // so does the body
		{"status", []string{"Order status"}},
		{"zebra", nil},
	} {
		if got := titlesOf(MatchCanned(all, tc.query)); !slices.Equal(got, tc.want) {
			t.Errorf("/%s lists %q, want %q", tc.query, got, tc.want)
		}
	}
}

func TestCannedSearchListsAFewAtMost(t *testing.T) {
	all := responses("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10")
	if got := MatchCanned(all, "a"); len(got) != MaxSuggestions {
		t.Errorf("/a lists %d responses, want %d", len(got), MaxSuggestions)
	}
}

func TestPlaceholdersTakeFirstNames(t *testing.T) {
	for _, tc := range []struct{ body, customer, agent, want string }{
		{"Hi {{customer}}, {{agent}} here.", "Ada Lovelace", "Ana Silva", "Hi Ada, Ana here."},
		{"Hi {{customer}}!", "", "Ana", "Hi there!"},
		{"No placeholders", "Ada", "Ana", "No placeholders"},
	} {
		if got := FillIn(tc.body, tc.customer, tc.agent); got != tc.want {
			t.Errorf("FillIn(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

func TestTheListOpensOnlyForASlashAtTheStartOfAReply(t *testing.T) {
	all := responses("Refund policy", "Greeting")
	for _, tc := range []struct {
		text     string
		note     bool
		wantOpen bool
		want     []string
	}{
		{"/", false, true, []string{"Greeting", "Refund policy"}},
		{"/ref", false, true, []string{"Refund policy"}},
		{"/zebra", false, true, nil}, // open, saying nothing matches
		{"hello /ref", false, false, nil},
		{"/ref\nmore", false, false, nil}, // a second line is a message being written
		{"/ref", true, false, nil},        // notes are not for canned replies
	} {
		got, open := Suggest(all, tc.text, tc.note)
		if open != tc.wantOpen || !slices.Equal(titlesOf(got), tc.want) {
			t.Errorf("Suggest(%q, note %v) = %q open %v, want %q open %v", tc.text, tc.note, titlesOf(got), open, tc.want, tc.wantOpen)
		}
	}
}
