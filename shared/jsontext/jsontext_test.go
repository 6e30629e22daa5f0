package jsontext

import "testing"

func TestLossless(t *testing.T) {
	for text, want := range map[string]bool{
		`{"a":"plain"}`:              true,
		`{"a":"caf\u00e9 😀"}`:        true,
		`{"a":"\ud83d\ude00"}`:       true, // a pair
		`{"a":"\\ud800"}`:            true, // an escaped backslash, then text
		`{"a":"\ud800"}`:             false,
		`{"a":"\ude00"}`:             false,
		`{"a":"\ud800\u0041"}`:       false,
		`{"a":"\ud800x"}`:            false,
		`{"a":"\ud800`:               false,
		"{\"a\":\"\xff\"}":           false,
		`{"a":"\uzzzz"}`:             true, // not JSON at all: its parser refuses it
		`["\uD83D\uDE00", "\u2028"]`: true,
	} {
		if got := Lossless([]byte(text)); got != want {
			t.Errorf("Lossless(%s) = %v, want %v", text, got, want)
		}
	}
}
