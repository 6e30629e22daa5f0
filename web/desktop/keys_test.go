package main

import (
	"strings"
	"testing"
)

func TestCommandFor(t *testing.T) {
	for _, c := range []struct {
		name string
		k    keyPress
		want command
	}{
		{"Ctrl+Shift+A accepts", keyPress{Key: "A", Code: "KeyA", Ctrl: true, Shift: true}, cmdAccept},
		{"while typing too", keyPress{Key: "A", Code: "KeyA", Ctrl: true, Shift: true, Typing: true}, cmdAccept},
		{"on another layout, by the key's place", keyPress{Key: "Q", Code: "KeyA", Ctrl: true, Shift: true}, cmdAccept},
		{"Ctrl+Shift+1 ends, whatever Shift+1 types", keyPress{Key: "!", Code: "Digit1", Ctrl: true, Shift: true}, cmdEnd},
		{"Ctrl+Shift+F goes to the composer", keyPress{Key: "F", Code: "KeyF", Ctrl: true, Shift: true}, cmdCompose},
		{"Ctrl+Shift+L opens the canned responses", keyPress{Key: "L", Code: "KeyL", Ctrl: true, Shift: true}, cmdCanned},
		{"no code: the key names it", keyPress{Key: "l", Ctrl: true, Shift: true}, cmdCanned},
		{"Ctrl+A is the browser's select-all", keyPress{Key: "a", Code: "KeyA", Ctrl: true}, cmdNone},
		{"Ctrl+Shift+Alt+A is not the chord", keyPress{Key: "A", Code: "KeyA", Ctrl: true, Shift: true, Alt: true}, cmdNone},
		{"Cmd+Shift+A is not the chord", keyPress{Key: "A", Code: "KeyA", Meta: true, Shift: true}, cmdNone},
		{"Ctrl+Shift+T stays the browser's", keyPress{Key: "T", Code: "KeyT", Ctrl: true, Shift: true}, cmdNone},
		{"Alt+Down: next chat", keyPress{Key: "ArrowDown", Code: "ArrowDown", Alt: true}, cmdNext},
		{"Alt+Up: previous chat, in the composer too", keyPress{Key: "ArrowUp", Code: "ArrowUp", Alt: true, Typing: true}, cmdPrev},
		{"Down alone moves in a list", keyPress{Key: "ArrowDown", Code: "ArrowDown"}, cmdNone},
		{"Alt+Shift+Down selects text", keyPress{Key: "ArrowDown", Alt: true, Shift: true}, cmdNone},
		{"? lists the shortcuts", keyPress{Key: "?", Code: "Slash", Shift: true}, cmdHelp},
		{"? in a field is a question mark", keyPress{Key: "?", Code: "Slash", Shift: true, Typing: true}, cmdNone},
		{"a letter alone does nothing", keyPress{Key: "a", Code: "KeyA"}, cmdNone},
		{"nothing while an input method composes", keyPress{Key: "A", Code: "KeyA", Ctrl: true, Shift: true, Composing: true}, cmdNone},
	} {
		if got := commandFor(c.k); got != c.want {
			t.Errorf("%s: %+v gives %d, want %d", c.name, c.k, got, c.want)
		}
	}
}

func TestStepGoesRoundTheChats(t *testing.T) {
	chats := []string{"CH1", "CH2", "CH3"}
	for _, c := range []struct {
		active string
		by     int
		want   string
	}{
		{"CH1", 1, "CH2"}, {"CH3", 1, "CH1"}, {"CH1", -1, "CH3"}, {"CH2", -1, "CH1"},
		{"", 1, "CH1"}, {"", -1, "CH3"}, {"gone", 1, "CH1"},
	} {
		if got := step(chats, c.active, c.by); got != c.want {
			t.Errorf("step from %q by %d: %q, want %q", c.active, c.by, got, c.want)
		}
	}
	if got := step(nil, "CH1", 1); got != "" {
		t.Errorf("no chats: %q", got)
	}
	if got := step([]string{"CH1"}, "CH1", 1); got != "CH1" {
		t.Errorf("one chat: %q", got)
	}
}

// Every command has a line in the list, so "?" shows every key.
func TestEveryShortcutIsListed(t *testing.T) {
	listed := map[command]bool{}
	for _, s := range shortcuts {
		listed[s.cmd] = true
		if len(s.keys) == 0 || strings.TrimSpace(s.what) == "" {
			t.Errorf("shortcut %+v has no keys or no words", s)
		}
	}
	for cmd := cmdHelp; cmd <= cmdEnd; cmd++ {
		if !listed[cmd] {
			t.Errorf("command %d is not in the list", cmd)
		}
	}
}
