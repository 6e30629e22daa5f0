package main

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
		if got := titlesOf(matchCanned(all, tc.query)); !slices.Equal(got, tc.want) {
			t.Errorf("/%s lists %q, want %q", tc.query, got, tc.want)
		}
	}
}

func TestCannedSearchListsAFewAtMost(t *testing.T) {
	all := responses("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10")
	if got := matchCanned(all, "a"); len(got) != maxSuggestions {
		t.Errorf("/a lists %d responses, want %d", len(got), maxSuggestions)
	}
}

func TestPlaceholdersTakeFirstNames(t *testing.T) {
	for _, tc := range []struct{ body, customer, agent, want string }{
		{"Hi {{customer}}, {{agent}} here.", "Ada Lovelace", "Ana Silva", "Hi Ada, Ana here."},
		{"Hi {{customer}}!", "", "Ana", "Hi there!"},
		{"No placeholders", "Ada", "Ana", "No placeholders"},
	} {
		if got := fillIn(tc.body, tc.customer, tc.agent); got != tc.want {
			t.Errorf("fillIn(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}
