package main

import (
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf16"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/web/desktop/desk"
)

// The desk's keyboard shortcuts. An agent's hands live in the composer,
// so the shortcuts are chords that work while typing, as Flex UI 2's do
// (Ctrl+Shift+<key>); moving between chats is Alt+↑/↓, as in Slack and
// Teams. Only "?" is a single key, and it never fires in a field. Why
// these keys and not others: docs/DESK.md, "Keyboard".

// command is what a key press asks the desk to do.
type command int

const (
	cmdNone    command = iota
	cmdHelp            // list the shortcuts
	cmdAccept          // accept the offer in front (the first)
	cmdNext            // the next chat in the list
	cmdPrev            // the previous chat in the list
	cmdCompose         // put the focus in the composer
	cmdCanned          // open the canned responses in the composer
	cmdEnd             // end the chat in front
)

// keyPress is what the desk reads of a keydown event.
type keyPress struct {
	Key, Code              string // KeyboardEvent.key and .code
	Ctrl, Shift, Alt, Meta bool
	// Typing is set when the focus is in a field that takes characters
	// (input, textarea, select, contenteditable).
	Typing bool
	// Composing is set while an input method composes a character.
	Composing bool
}

// shortcut is one line of the list of shortcuts; cmd is cmdNone for
// keys that belong to a control (Enter in the composer) and are listed
// so they are found.
type shortcut struct {
	cmd  command
	keys []string // each a key of the chord, as the list shows it
	what string
}

// shortcuts is the list the "?" dialog shows, in its order, and the
// chords commandFor knows: one table, so the list cannot drift from the
// keys.
var shortcuts = []shortcut{
	{cmdAccept, []string{"Ctrl", "Shift", "A"}, "Accept the offer at the top"},
	{cmdNext, []string{"Alt", "↓"}, "Next chat"},
	{cmdPrev, []string{"Alt", "↑"}, "Previous chat"},
	{cmdCompose, []string{"Ctrl", "Shift", "F"}, "Go to the composer"},
	{cmdNone, []string{"Enter"}, "Send (in the composer; Shift+Enter starts a new line)"},
	{cmdCanned, []string{"Ctrl", "Shift", "L"}, "Insert a canned response (or type / at the start of the composer)"},
	{cmdNone, []string{"↑", "↓", "Enter"}, "Choose a canned response and insert it"},
	{cmdEnd, []string{"Ctrl", "Shift", "1"}, "End the chat"},
	{cmdHelp, []string{"?"}, "Show these shortcuts (outside a text field)"},
	{cmdNone, []string{"Esc"}, "Close a list or this dialog"},
}

// commandFor maps a key press to the desk's command, or cmdNone. Letters
// and digits are read from Code, the key's place on the keyboard, so a
// chord holds on any layout (Shift+1 is "!" on some, "+" on others).
func commandFor(k keyPress) command {
	if k.Composing {
		return cmdNone
	}
	switch {
	case k.Ctrl && k.Shift && !k.Alt && !k.Meta:
		for _, s := range shortcuts {
			if len(s.keys) == 3 && s.keys[0] == "Ctrl" && (k.Code == codeOf(s.keys[2]) ||
				(k.Code == "" && strings.EqualFold(k.Key, s.keys[2]))) {
				return s.cmd
			}
		}
	case k.Alt && !k.Ctrl && !k.Shift && !k.Meta:
		switch k.Key {
		case "ArrowDown":
			return cmdNext
		case "ArrowUp":
			return cmdPrev
		}
	case k.Key == "?" && !k.Ctrl && !k.Alt && !k.Meta && !k.Typing:
		return cmdHelp
	}
	return cmdNone
}

// codeOf is the KeyboardEvent.code of a letter or digit.
func codeOf(key string) string {
	switch {
	case len(key) != 1:
		return ""
	case key[0] >= '0' && key[0] <= '9':
		return "Digit" + key
	case key[0] >= 'A' && key[0] <= 'Z':
		return "Key" + key
	}
	return ""
}

// step is the chat after (by > 0) or before (by < 0) active in chats,
// going round at either end; the first (or last) when active is none
// of them, "" when there is no chat.
func step(chats []string, active string, by int) string {
	n := len(chats)
	if n == 0 {
		return ""
	}
	for i, c := range chats {
		if c == active {
			return chats[((i+by)%n+n)%n]
		}
	}
	if by < 0 {
		return chats[n-1]
	}
	return chats[0]
}

// ---- the hook into the page ----

// keyboard is the shell's state for the shortcuts.
type keyboard struct {
	// live is whether a chord goes to the desk (signed in, no dialog of
	// the shortcuts open): read on the listener's side to decide, during
	// the event, whether to take the key from the browser.
	live atomic.Bool
	// open shows the list of shortcuts; back is the element that had
	// the focus before, which gets it back on close.
	open bool
	back app.Value
	stop func()
}

// actShortcuts is the dialog's answer: false closes the list of
// shortcuts (Close, Escape). Opening it is the shell's own (showShortcuts).
const actShortcuts = "desk.shortcuts"

// listenForKeys takes the desk's shortcuts from the window's keydown
// events. The listener decides during the event and prevents the
// browser's default there (go-app's handlers run after it); the command
// runs on the UI goroutine.
func (d *Desktop) listenForKeys(ctx app.Context) {
	ctx.Handle(actShortcuts, func(ctx app.Context, a app.Action) { d.showShortcuts(ctx, a.Value.(bool)) })
	listener := app.FuncOf(func(_ app.Value, args []app.Value) any {
		e := args[0]
		cmd := commandFor(keyPress{
			Key: e.Get("key").String(), Code: e.Get("code").String(),
			Ctrl: e.Get("ctrlKey").Bool(), Shift: e.Get("shiftKey").Bool(), Alt: e.Get("altKey").Bool(), Meta: e.Get("metaKey").Bool(),
			Typing: typingIn(e.Get("target")), Composing: e.Get("isComposing").Bool(),
		})
		if cmd == cmdNone || !d.keys.live.Load() {
			return nil
		}
		e.Call("preventDefault")
		d.ctx.Dispatch(func(ctx app.Context) { d.runCommand(ctx, cmd) })
		return nil
	})
	win := app.Window()
	win.Call("addEventListener", "keydown", listener)
	d.keys.stop = func() { win.Call("removeEventListener", "keydown", listener); listener.Release() }
}

// typingIn reports whether el takes typed characters.
func typingIn(el app.Value) bool {
	if !el.Truthy() {
		return false
	}
	switch el.Get("tagName").String() {
	case "TEXTAREA", "SELECT":
		return true
	case "INPUT":
		switch el.Get("type").String() {
		case "button", "submit", "reset", "checkbox", "radio", "file", "range", "color", "image":
			return false
		}
		return true
	}
	return el.Get("isContentEditable").Bool()
}

// syncKeys keeps live current; the shell calls it as it renders.
func (d *Desktop) syncKeys() { d.keys.live.Store(d.m != nil && !d.keys.open) }

// runCommand does what a shortcut asks, with the desk's own actions.
func (d *Desktop) runCommand(ctx app.Context, cmd command) {
	m := d.m
	if m == nil || d.keys.open {
		return
	}
	// An open dialog (transfer, confirm, a new text, a picture) has the
	// agent's attention: only the list of shortcuts opens over it.
	if cmd != cmdHelp && (d.transfer != nil || d.confirm != nil || d.outbound != nil || d.viewer[0] != "") {
		return
	}
	switch cmd {
	case cmdHelp:
		d.showShortcuts(ctx, true)
	case cmdAccept:
		if len(m.Offers) > 0 {
			ctx.NewActionWithValue(actAnswer, answer{Reservation: m.Offers[0].Res.SID, Status: "accepted"})
		}
	case cmdNext, cmdPrev:
		by := 1
		if cmd == cmdPrev {
			by = -1
		}
		convs := make([]string, 0, len(m.Chats))
		for _, c := range m.Chats {
			convs = append(convs, c.Attrs.ConversationSID)
		}
		if conv := step(convs, m.Active, by); conv != "" {
			ctx.NewActionWithValue(actSelect, conv)
			// The focus stays where the agent is (the composer, say): a
			// screen reader hears which chat is now in front.
			if c := m.Chat(conv); c != nil {
				d.announce = "Chat with " + customerName(c.Attrs)
			}
		}
	case cmdCompose:
		d.toComposer(ctx, false)
	case cmdCanned:
		d.toComposer(ctx, true)
	case cmdEnd:
		if c := m.ActiveChat(); c != nil && c.Status == desk.Accepted && !c.AgentEnded {
			d.endChat(ctx, c.Attrs.ConversationSID)
			d.focusWrapUp(ctx, m, c.Attrs.ConversationSID, 50)
		}
	}
}

// toComposer brings the chats to the front and puts the focus in the
// composer; with canned, the composer opens its canned responses too
// (actOpenCanned: the list is the composer's own state).
func (d *Desktop) toComposer(ctx app.Context, canned bool) {
	d.m.SetView(desk.ViewChats)
	if canned {
		ctx.NewAction(actOpenCanned)
	}
	ctx.Defer(func(app.Context) {
		if box := app.Window().GetElementByID("composer"); box.Truthy() {
			box.Call("focus")
			// The caret after what is there (in UTF-16 units, as the browser counts).
			n := len(utf16.Encode([]rune(box.Get("value").String())))
			box.Call("setSelectionRange", n, n)
		}
	})
}

// focusWrapUp puts the focus in the wrap-up once the chat has ended
// (the End chat button, or the composer, that had it is gone); it looks
// again every 100 ms, tries times at most.
func (d *Desktop) focusWrapUp(ctx app.Context, m *desk.Model, conv string, tries int) {
	ctx.After(100*time.Millisecond, func(ctx app.Context) {
		c := m.Chat(conv)
		if d.m != m || c == nil || !c.AgentEnded || m.Active != conv {
			return
		}
		if el := app.Window().GetElementByID("disposition"); c.Status == desk.Wrapping && el.Truthy() {
			el.Call("focus")
			return
		}
		if tries > 1 {
			d.focusWrapUp(ctx, m, conv, tries-1)
		}
	})
}

// showShortcuts opens or closes the list of shortcuts; closing gives
// the focus back to where it was (or to the composer, if that is gone).
func (d *Desktop) showShortcuts(ctx app.Context, open bool) {
	if open == d.keys.open || (open && d.m == nil) {
		return
	}
	d.keys.open = open
	doc := app.Window().Get("document")
	if open {
		d.keys.back = doc.Get("activeElement")
		return
	}
	back := d.keys.back
	d.keys.back = nil
	ctx.Defer(func(app.Context) {
		if back != nil && back.Truthy() && back.Get("isConnected").Bool() && !back.Equal(doc.Get("body")) {
			back.Call("focus")
			return
		}
		focusComposer()
	})
}
