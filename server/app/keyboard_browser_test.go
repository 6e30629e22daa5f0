package app

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	conv "github.com/twilio/twilio-go/rest/conversations/v1"
)

// People who cannot use a mouse chat with the keyboard alone: these
// journeys press keys and nothing else (no click, no script moving
// focus), so whatever they reach, a keyboard user reaches.

// ---- keys ----

// press presses a key (kb.Tab, kb.Enter, " " ...) as a keyboard does,
// the char event included, so Enter and Space activate buttons.
func press(key string) chromedp.Action { return chromedp.KeyEvent(key) }

// shiftTab presses Shift+Tab.
func shiftTab() chromedp.Action {
	return chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(input.ModifierShift))
}

// typeKeys types text key by key into whatever has the focus.
func typeKeys(text string) chromedp.Action { return chromedp.KeyEvent(text) }

// focusIs waits until the focused element of the document ctx acts in
// matches sel. (Not document.hasFocus(): headless Chromium is slow to tell
// a widget's new frame process that it has the focus, though keys reach it.)
func focusIs(sel string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(20 * time.Second)
		for {
			var at struct {
				Match bool
				Where string
			}
			if err := chromedp.Evaluate(`({match: document.activeElement.matches(`+jsString(sel)+`),
				where: document.activeElement.outerHTML.slice(0, 120)})`, &at).Do(ctx); err != nil {
				return err
			}
			if at.Match {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the focus is not on %s but on %s", sel, at.Where)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// tabTo presses Tab (or, back, Shift+Tab) on keys until the focus, in the
// document of in, is on an element matching sel, and checks the focus
// shows there. It fails after max presses, listing where the focus went.
func tabTo(t *testing.T, keys, in context.Context, sel string, back bool, max int) {
	t.Helper()
	var path []string
	for i := 0; ; i++ {
		var at struct {
			Match, Shown bool
			Where        string
		}
		run(t, in, "see where the focus is", chromedp.Evaluate(`(() => {
			const el = document.activeElement;
			if (!el || el === document.body) return {match: false, shown: false, where: "nothing"};
			// A ring on the element, or on the label wrapping a hidden input.
			const ring = e => { const s = getComputedStyle(e); return (s.outlineStyle != "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow != "none"; };
			return {
				match: el.matches(`+jsString(sel)+`),
				shown: ring(el) || (el.closest("label") != null && ring(el.closest("label"))),
				where: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className == "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") +
					" " + JSON.stringify((el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 24)),
			};
		})()`, &at))
		if at.Match {
			if !at.Shown {
				t.Errorf("the focus on %s does not show", at.Where)
			}
			return
		}
		path = append(path, at.Where)
		if i == max {
			t.Fatalf("%d presses of Tab never reach %s; the focus went: %s", max, sel, strings.Join(path, " → "))
		}
		key := press(kb.Tab)
		if back {
			key = shiftTab()
		}
		run(t, keys, "press Tab", key)
	}
}

// chooseFileByKeyboard presses Space on the focused file input of the
// document in and answers the file chooser that opens with path, as a
// person picks a file in the system's dialog.
func chooseFileByKeyboard(t *testing.T, keys, in context.Context, path string) {
	t.Helper()
	opened := make(chan cdp.BackendNodeID, 1)
	lctx, stop := context.WithCancel(in)
	defer stop()
	chromedp.ListenTarget(lctx, func(ev any) {
		if e, ok := ev.(*page.EventFileChooserOpened); ok {
			select {
			case opened <- e.BackendNodeID:
			default:
			}
		}
	})
	run(t, in, "catch the file chooser", page.SetInterceptFileChooserDialog(true))
	defer chromedp.Run(in, page.SetInterceptFileChooserDialog(false))
	run(t, keys, "press Space on the file input", press(" "))
	select {
	case node := <-opened:
		run(t, in, "pick the file in the chooser", dom.SetFileInputFiles([]string{path}).WithBackendNodeID(node))
	case <-time.After(10 * time.Second):
		t.Fatal("Space on the focused file input opened no file chooser")
	}
}

// ---- the visitor ----

func TestAVisitorChatsWithTheKeyboardOnly(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop support"},
		"Attachments.MaxBytes": {"4096"}, "Attachments.AllowedTypes": {"image/png", "application/pdf"}})
	shop := s.shopFor(t, d.Key, "")
	photo := filepath.Join(t.TempDir(), "kettle.png")
	if err := os.WriteFile(photo, pngFile(t), 0o600); err != nil {
		t.Fatal(err)
	}

	// Tab from the top of the shop's page reaches the launcher; Enter opens
	// the chat with the focus in its first field.
	run(t, b.ctx, "open the shop", chromedp.Navigate(shop+"/"), chromedp.WaitReady("parley-chat", chromedp.ByQuery),
		chromedp.Evaluate(`window.parleyReady = new Promise(ready => Parley.on("ready", ready)); true`, nil))
	run(t, b.ctx, "Tab to the launcher", press(kb.Tab), focusIs("parley-chat"))
	// Focusing the launcher starts loading the widget; the visitor waits for it.
	run(t, b.ctx, "the widget loads", chromedp.Evaluate(`window.parleyReady.then(() => true)`, nil, awaitPromise))
	run(t, b.ctx, "Enter opens the chat", press(kb.Enter))
	w := b.widgetFrame(t, s.baseURL)
	run(t, w, "the focus is in the first field", focusIs("#field-friendlyName"))
	// From here the keys go to the widget's frame target itself. Sent to
	// the page, they reach the frame most times, but in headless Chromium
	// about one run in three the page drops the frame's focus just after
	// the widget focuses its field, and keys go nowhere (see the report of
	// issue 24): a fault in the handover, not in the widget's order.
	keys := w

	// The form, field by field; Enter on the button starts the chat and
	// the focus goes on to the composer.
	run(t, keys, "type the name", typeKeys("Ada"), press(kb.Tab))
	run(t, w, "on to the email", focusIs("#field-email"))
	run(t, keys, "type the email", typeKeys("ada@example.com"), press(kb.Tab))
	run(t, w, "on to the question", focusIs("#field-question"))
	run(t, keys, "type the question", typeKeys("Is the kettle in stock?"))
	tabTo(t, keys, w, `button[type="submit"]`, false, 3)
	run(t, keys, "Enter sends the form", press(kb.Enter))
	run(t, w, "the chat starts, the focus in the composer", waitText(".msg.own .body", "Is the kettle in stock?"), focusIs("#composer"))

	// A message, sent with Enter.
	run(t, keys, "type and send a message", typeKeys("Hello?"), pressEnter())
	run(t, w, "see it sent", waitText(".msg.own .body", "Hello?"))
	sid := s.joinTheWidgetsChat(t, "agent-1", "Sam")
	if _, err := s.tw.ConversationsV1.CreateConversationMessage(sid, (&conv.CreateConversationMessageParams{}).
		SetAuthor("agent-1").SetBody("Yes: https://shop.example.com/kettle")); err != nil {
		t.Fatal(err)
	}
	run(t, w, "the agent answers", waitText(".msg.other .body", "Yes"))

	// A file: the attach button is the field before the composer, named,
	// and Space opens the file chooser.
	tabTo(t, keys, w, "#attach", true, 2)
	var name string
	run(t, w, "read the attach button's name", chromedp.Evaluate(`[...document.activeElement.labels].map(l => l.textContent).join(" ").trim()`, &name))
	if name == "" {
		t.Error("the file input has no label")
	}
	chooseFileByKeyboard(t, keys, w, photo)
	run(t, w, "the photo uploads", waitText(".draft .file-size", "B"))
	tabTo(t, keys, w, "#composer", false, 3)
	run(t, keys, "send the photo", typeKeys("Here it is"), pressEnter())
	run(t, w, "see the photo sent", waitText(".msg.own .body", "Here it is"), chromedp.WaitVisible(".msg.own .thumb img", chromedp.ByQuery))
	b.screenshot(t, b.ctx, "keyboard-1-chat")

	// End the chat: back through the thread to the header's button.
	tabTo(t, keys, w, "button.end", true, 40)
	run(t, keys, "Enter ends the chat", press(kb.Enter))
	run(t, w, "confirm", confirmTheEnd(t, w, "keyboard", true))
	b.screenshot(t, b.ctx, "keyboard-2-ended")
	tabTo(t, keys, w, ".ended .primary", false, 5)
	run(t, keys, "Enter starts a new chat, the focus in the form", press(kb.Enter), focusIs("#field-friendlyName"))
	c, err := s.tw.ConversationsV1.FetchConversation(sid)
	if err != nil || *c.State != "closed" {
		t.Fatalf("after the visitor ended it with the keyboard the conversation is %v (%v)", c.State, err)
	}
	msgs, _ := s.tw.ConversationsV1.ListConversationMessage(sid, nil)
	var bodies []string
	for _, m := range msgs {
		body, files := "", 0
		if m.Body != nil {
			body = *m.Body
		}
		if m.Media != nil {
			files = len(*m.Media)
		}
		bodies = append(bodies, fmt.Sprintf("%s+%d", body, files))
	}
	if got := strings.Join(bodies, " | "); !strings.Contains(got, "Hello?+0") || !strings.Contains(got, "Here it is+1") {
		t.Errorf("the conversation holds %s; want the typed message and the photo", got)
	}
}

// ---- the agent ----

func TestAnAgentWorksWithTheKeyboardOnly(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	if !s.app.front.BuiltDesktop() {
		t.Fatal("the desktop WASM is not built into this test binary: run make build")
	}
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")

	// Sign in: the email field has the focus; Enter in the password sends.
	desk := b.tab(t, s.baseURL+"/desktop/")
	run(t, desk, "the focus is in the email field", focusIs("#email"))
	run(t, desk, "sign in", typeKeys(ana.Email), press(kb.Tab), typeKeys(agentPassword), press(kb.Enter),
		chromedp.WaitVisible("#activity", chromedp.ByID))
	// The activity is the browser's own <select>, keyboard-ready as such;
	// headless Chromium's closed select ignores synthetic arrow keys, so
	// it is set the way the other desk tests set it.
	run(t, desk, "Ana goes Available", setActivity("Available"))

	// The first offer: Tab to Accept, Enter; then on to the composer.
	ada := s.visitorChats(t, "Ada", "Where is my order?")
	run(t, desk, "Ana is offered Ada's chat", waitText(".offer .who", "Ada"))
	tabTo(t, desk, desk, ".offer .accept", false, 10)
	run(t, desk, "Enter accepts", press(kb.Enter), waitText(".msg .body", "Where is my order?"))
	// The Accept button is gone: the focus goes on to the chat's composer,
	// not back to the top of the page.
	run(t, desk, "the focus is in the composer", focusIs("#composer"))
	run(t, desk, "Ana answers Ada", typeKeys("Hello Ada"), pressEnter(), waitText(".msg.mine .body", "Hello Ada"))

	// A second offer while she writes: back to it, accept, switch to it.
	bea := s.visitorChats(t, "Bea", "Can I return a kettle?")
	run(t, desk, "Ana is offered Bea's chat", waitText(".offer .who", "Bea"))
	tabTo(t, desk, desk, ".offer .accept", true, 20)
	run(t, desk, "Enter accepts", press(kb.Enter), waitText(".chat-tab", "Bea"))
	b.screenshot(t, desk, "keyboard-desk-1-two-chats")
	tabTo(t, desk, desk, `.chat-tab:not([aria-current="true"])`, false, 20)
	run(t, desk, "Enter switches to Bea's chat", press(kb.Enter), waitText(".msg .body", "Can I return a kettle?"))
	tabTo(t, desk, desk, "#composer", false, 20)
	run(t, desk, "Ana answers Bea", typeKeys("Hello Bea"), pressEnter(), waitText(".msg.mine .body", "Hello Bea"))
	b.screenshot(t, desk, "keyboard-desk-2-switched")

	for sid, want := range map[string]string{ada: "Hello Ada", bea: "Hello Bea"} {
		msgs, err := s.tw.ConversationsV1.ListConversationMessage(sid, nil)
		if err != nil || len(msgs) == 0 || msgs[len(msgs)-1].Body == nil || *msgs[len(msgs)-1].Body != want {
			t.Errorf("conversation %s does not end with %q (%v)", sid, want, err)
		}
	}
}
