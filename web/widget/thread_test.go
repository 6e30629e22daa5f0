package main

import (
	"testing"
	"time"
)

var day1 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func msg(index int, author string, at time.Time) Msg {
	return Msg{SID: "IM" + string(rune('a'+index)), Index: index, Author: author, Body: "hi", Created: at}
}

func TestThreadKeepsEachMessageOnceInIndexOrder(t *testing.T) {
	th := NewThread()
	th.Add(msg(2, "agent", day1), msg(0, "me", day1))
	th.Add(msg(1, "agent", day1), msg(2, "agent", day1)) // history overlapping a live event
	if got := indexes(th); got != "012" {
		t.Fatalf("thread holds %q, want 012", got)
	}
	if th.Oldest != 0 {
		t.Fatalf("oldest index %d, want 0", th.Oldest)
	}
}

func TestThreadOutboxBecomesStoredOnceWhateverArrivesFirst(t *testing.T) {
	for _, eventFirst := range []bool{true, false} {
		th := NewThread()
		th.Queue(Msg{Key: "k1", Author: "me", Body: "hello", Created: day1})
		stored := Msg{SID: "IMx", Key: "k1", Index: 0, Author: "me", Body: "hello", Created: day1}
		if eventFirst {
			th.Add(stored)
			th.Acked("k1", "IMx", 0)
		} else {
			th.Acked("k1", "IMx", 0)
			th.Add(stored)
		}
		if len(th.Outbox) != 0 || len(th.Stored) != 1 {
			t.Fatalf("event first=%v: outbox %d, stored %d; want 0 and 1", eventFirst, len(th.Outbox), len(th.Stored))
		}
	}
}

func TestRowsSeparateDaysAndMarkTheFirstUnreadFromOthers(t *testing.T) {
	th := NewThread()
	th.Add(msg(0, "me", day1), msg(1, "agent", day1), msg(2, "me", day1.Add(24*time.Hour)), msg(3, "agent", day1.Add(24*time.Hour)))
	rows := th.Rows("me", 1, time.UTC)
	var shape string
	for _, r := range rows {
		switch {
		case !r.Date.IsZero():
			shape += "D"
		case r.NewMark:
			shape += "N"
		default:
			shape += "m"
		}
	}
	// Message 2 is after the horizon but the visitor's own: the mark goes before 3.
	if shape != "DmmDmNm" {
		t.Fatalf("rows are %s, want DmmDmNm", shape)
	}
}

func TestLinkifyMakesOnlyWebLinks(t *testing.T) {
	cases := []struct {
		body string
		want []Segment
	}{
		{"see https://example.com/a?b=1.", []Segment{{Text: "see "}, {Text: "https://example.com/a?b=1", URL: "https://example.com/a?b=1"}, {Text: "."}}},
		{"javascript:alert(1)", []Segment{{Text: "javascript:alert(1)"}}},
		{"<b>www.shop.example</b>", []Segment{{Text: "<b>"}, {Text: "www.shop.example", URL: "https://www.shop.example"}, {Text: "</b>"}}},
		{"(https://en.wikipedia.org/wiki/Go_(language))", []Segment{{Text: "("}, {Text: "https://en.wikipedia.org/wiki/Go_(language)", URL: "https://en.wikipedia.org/wiki/Go_(language)"}, {Text: ")"}}},
	}
	for _, c := range cases {
		got := Linkify(c.body)
		if len(got) != len(c.want) {
			t.Errorf("Linkify(%q) = %q, want %q", c.body, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("Linkify(%q) = %q, want %q", c.body, got, c.want)
				break
			}
		}
	}
}

func indexes(th *Thread) string {
	s := ""
	for _, m := range th.Stored {
		s += string(rune('0' + m.Index))
	}
	return s
}
