package main

import (
	"testing"
	"time"
)

func TestAChatLeftWhileAwaySaysWhenInTheDesksTime(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 3, 9, 9, 5, 0, 0, paris) // a Monday
	for at, want := range map[string]string{
		"2026-03-09T07:42:00Z": "Left while away · 08:42",        // this morning
		"2026-03-07T19:00:00Z": "Left while away · Sat 20:00",    // the weekend
		"2026-02-20T19:00:00Z": "Left while away · 20 Feb 20:00", // long ago
		"":                     "",                               // not left while away
		"yesterday":            "",                               // damaged: no label
	} {
		got, ok := awayLabel(at, now)
		if got != want || ok != (want != "") {
			t.Errorf("awayLabel(%q) = %q, %v; want %q", at, got, ok, want)
		}
	}
}
