// Package composer holds what the widget's and the desk's message boxes
// share: Enter sends, Shift+Enter breaks the line.
package composer

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// KeepEnterForSending stops Enter (without Shift) from putting a new line
// in the composer (the textarea with id "composer"), where it sends. Call
// it once, when the app mounts. go-app runs OnKeyDown on its UI goroutine
// after the listener has returned: its PreventDefault comes too late, and
// a keyboard whose character arrives apart from its keydown (as on
// Windows, or from chromedp) then types the new line after the handler
// emptied the box. These listeners run during the events themselves: the
// keydown's default is prevented, and so is the line break of its
// character, whenever it comes.
func KeepEnterForSending() {
	doc := app.Window().Get("document")
	plain := false // the Enter being pressed sends: no Shift, no composition
	inComposer := func(e app.Value) bool { return e.Get("target").Get("id").String() == "composer" }
	doc.Call("addEventListener", "keydown", app.FuncOf(func(_ app.Value, args []app.Value) any {
		e := args[0]
		if e.Get("key").String() != "Enter" {
			return nil
		}
		plain = inComposer(e) && !e.Get("shiftKey").Bool() && !e.Get("isComposing").Bool()
		if plain {
			e.Call("preventDefault")
		}
		return nil
	}), true)
	doc.Call("addEventListener", "beforeinput", app.FuncOf(func(_ app.Value, args []app.Value) any {
		e := args[0]
		if t := e.Get("inputType").String(); plain && inComposer(e) && (t == "insertLineBreak" || t == "insertParagraph") {
			e.Call("preventDefault")
		}
		return nil
	}), true)
	doc.Call("addEventListener", "keyup", app.FuncOf(func(_ app.Value, args []app.Value) any {
		if args[0].Get("key").String() == "Enter" {
			plain = false
		}
		return nil
	}), true)
}
