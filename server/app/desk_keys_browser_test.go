package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The desk's shortcuts (web/desktop/keys.go), its tablet width and its
// dark theme, as an agent meets them.

// chord presses key with modifiers held, as a keyboard does for a
// shortcut: the key goes down and up, and no character is typed (a
// browser types none for Ctrl+Shift+A; a lone "char" event from the
// DevTools protocol would put one in the composer).
func chord(key string, mods input.Modifier) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for _, ev := range kb.Encode([]rune(key)[0]) {
			if ev.Type == input.KeyChar {
				continue
			}
			if err := ev.WithModifiers(mods).Do(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

const ctrlShift = input.ModifierCtrl | input.ModifierShift

// shortcutsAreClosed waits until the shortcuts dialog is gone.
func shortcutsAreClosed() chromedp.Action {
	return chromedp.WaitNotPresent("#shortcuts", chromedp.ByID)
}

// activeIs waits until the chat in front is the customer's.
func activeIs(name string) chromedp.Action {
	return waitText(`.chat-tab[aria-current="true"]`, name)
}

func TestAnAgentWorksTheDeskByItsShortcuts(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	if !s.app.front.BuiltDesktop() {
		t.Fatal("the desktop WASM is not built into this test binary: run make build")
	}
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	if r := s.postForm(t, "/parley/v1/CannedResponses", url.Values{"Title": {"Returns"},
		"Body": {"Hi {{customer}}, returns are free for 30 days."}}); r.status != 201 {
		t.Fatalf("create a canned response: %d %s", r.status, r.text)
	}
	desk := b.tab(t, s.baseURL+"/desktop/")
	run(t, desk, "sign in", focusIs("#email"), typeKeys(ana.Email), press(kb.Tab), typeKeys(agentPassword), press(kb.Enter),
		chromedp.WaitVisible("#activity", chromedp.ByID))
	run(t, desk, "Ana goes Available", setActivity("Available"))
	ada := s.visitorChats(t, "Ada", "Where is my order?")
	run(t, desk, "Ana is offered Ada's chat", waitText(".offer .who", "Ada"))

	// "?" lists the shortcuts in a modal dialog that takes the focus;
	// Escape closes it and the focus goes back where it was.
	tabTo(t, desk, desk, "#new-text", false, 10)
	run(t, desk, "? opens the list of shortcuts", typeKeys("?"),
		chromedp.WaitVisible(`#shortcuts[role="dialog"][aria-modal="true"]`, chromedp.ByQuery), focusIs("#shortcuts *"))
	var listed struct {
		Title string
		Rows  []string
		Modal bool
	}
	run(t, desk, "read the list", chromedp.Evaluate(`(() => { const d = document.getElementById("shortcuts");
		return {title: document.getElementById(d.getAttribute("aria-labelledby")).textContent,
			rows: [...d.querySelectorAll(".shortcut")].map(r => r.textContent.replace(/\s+/g, " ").trim()),
			modal: d.matches(":modal")}; })()`, &listed))
	b.screenshot(t, desk, "keys-1-shortcuts")
	if listed.Title != "Keyboard shortcuts" || !listed.Modal {
		t.Errorf("the dialog is titled %q, modal %v", listed.Title, listed.Modal)
	}
	all := strings.Join(listed.Rows, " | ")
	for _, want := range []string{"Accept the offer", "Next chat", "Previous chat", "Go to the composer", "Send",
		"canned response", "End the chat", "shortcuts"} {
		if !strings.Contains(all, want) {
			t.Errorf("the list of shortcuts lacks %q: %s", want, all)
		}
	}
	axeCheck(t, desk, "the list of shortcuts")
	run(t, desk, "Escape closes it; the focus is back", press(kb.Escape), shortcutsAreClosed(), focusIs("#new-text"))

	// Accept by its shortcut: the chat opens, the focus in its composer.
	run(t, desk, "Ctrl+Shift+A accepts Ada's chat", chord("a", ctrlShift),
		waitText(".msg .body", "Where is my order?"), focusIs("#composer"))
	// "?" in the composer is a question mark, not the list.
	run(t, desk, "Ana answers Ada", typeKeys("Is it order 12?"), pressEnter(), waitText(".msg.mine .body", "Is it order 12?"))
	run(t, desk, "no list opened while typing", chromedp.WaitNotPresent("#shortcuts", chromedp.ByID))

	bea := s.visitorChats(t, "Bea", "Can I return a kettle?")
	run(t, desk, "Ana is offered Bea's chat", waitText(".offer .who", "Bea"))
	run(t, desk, "Ctrl+Shift+A accepts it while Ana is in Ada's composer", chord("a", ctrlShift), waitText(".chat-tab", "Bea"),
		chromedp.WaitNotPresent(".offer", chromedp.ByQuery))
	run(t, desk, "Alt+Down goes to the next chat, Bea's", chord(kb.ArrowDown, input.ModifierAlt), activeIs("Bea"),
		waitText(".msg .body", "Can I return a kettle?"), waitText(`#announce[aria-live="polite"]`, "Chat with Bea"))
	run(t, desk, "Alt+Up goes back to Ada's", chord(kb.ArrowUp, input.ModifierAlt), activeIs("Ada"),
		waitText(".msg .body", "Where is my order?"), waitText("#announce", "Chat with Ada"))
	run(t, desk, "Alt+Down again: Bea's", chord(kb.ArrowDown, input.ModifierAlt), activeIs("Bea"))
	var composer string
	run(t, desk, "the composer holds no stray character", chromedp.Evaluate(`document.getElementById("composer").value`, &composer))
	if composer != "" {
		t.Errorf("the shortcuts typed %q into the composer", composer)
	}

	// From the chat list, Ctrl+Shift+F goes to the composer.
	tabTo(t, desk, desk, ".chat-tab", true, 20)
	run(t, desk, "Ctrl+Shift+F goes to the composer", chord("f", ctrlShift), focusIs("#composer"))
	// From anywhere, Ctrl+Shift+L opens the canned responses in the composer.
	tabTo(t, desk, desk, ".chat-tab", true, 20)
	run(t, desk, "Ctrl+Shift+L opens the canned responses", chord("l", ctrlShift), focusIs("#composer"),
		waitText("#canned .canned-option", "Returns"))
	b.screenshot(t, desk, "keys-2-canned")
	run(t, desk, "Ana narrows, inserts with Enter and sends with Enter", typeKeys("ret"), waitText("#canned .canned-option", "Returns"),
		pressEnter(), chromedp.WaitNotPresent("#canned", chromedp.ByID), composerHolds("Hi Bea, returns are free for 30 days."),
		pressEnter(), waitText(".msg.mine .body", "Hi Bea, returns are free for 30 days."))

	// Ctrl+Shift+1 ends the chat in front (Flex UI's key): the wrap-up
	// comes, and the focus with it.
	run(t, desk, "Ctrl+Shift+1 ends Bea's chat", chord("1", ctrlShift),
		waitText(`label[for="disposition"]`, "How did it end?"), focusIs("#disposition"))
	b.screenshot(t, desk, "keys-3-ended")

	for sid, want := range map[string]string{ada: "Is it order 12?", bea: "Hi Bea, returns are free for 30 days."} {
		msgs, err := s.tw.ConversationsV1.ListConversationMessage(sid, nil)
		if err != nil || len(msgs) == 0 || msgs[len(msgs)-1].Body == nil || *msgs[len(msgs)-1].Body != want {
			t.Errorf("conversation %s does not end with %q (%v)", sid, want, err)
		}
	}
	if c, err := s.tw.ConversationsV1.FetchConversation(bea); err != nil || *c.State != "closed" {
		t.Errorf("Bea's conversation after Ctrl+Shift+1: %v (%v)", c.State, err)
	}
}

// deskWithTwoChats signs an agent in at the given window size, has two
// visitors write and the agent accept both; the offer of a third is left
// showing.
func deskWithTwoChats(t *testing.T, b *browser, s *testServer, width, height int64) context.Context {
	t.Helper()
	ana := s.mustCreateAgent(t, fmt.Sprintf("ana%d@example.com", width), "agent")
	desk := b.tab(t, s.baseURL+"/desktop/")
	run(t, desk, "the window is "+fmt.Sprint(width)+" wide", emulation.SetDeviceMetricsOverride(width, height, 1, false))
	run(t, desk, "sign in", chromedp.WaitVisible("#email", chromedp.ByID),
		chromedp.SendKeys("#email", ana.Email, chromedp.ByID), chromedp.SendKeys("#password", agentPassword, chromedp.ByID),
		chromedp.Click(`#signin button[type="submit"]`, chromedp.ByQuery), chromedp.WaitVisible("#activity", chromedp.ByID))
	run(t, desk, "Ana goes Available", setActivity("Available"))
	for _, v := range []struct{ name, q string }{{"Ada Lovelace-Byron", "Where is my order? It was due on Monday and the tracking page says nothing."},
		{"Bea", "Can I return a kettle?"}} {
		s.visitorChats(t, v.name, v.q)
		run(t, desk, "Ana accepts "+v.name, waitText(".offer .who", v.name), chromedp.Click(".offer .accept", chromedp.ByQuery),
			waitText(".chat-tab", v.name))
	}
	s.visitorChats(t, "Cy", "Hello?")
	run(t, desk, "Cy's offer shows", waitText(".offer .who", "Cy"))
	return desk
}

// fits checks, in the desk ctx acts in, that the page does not scroll
// sideways and that each of sels shows whole inside the window.
func fits(t *testing.T, ctx context.Context, what string, sels ...string) {
	t.Helper()
	var got struct {
		ScrollWidth, InnerWidth int
		Out                     []string
	}
	run(t, ctx, "measure "+what, chromedp.Evaluate(`(() => {
		const out = [];
		for (const sel of `+jsString(strings.Join(sels, "|"))+`.split("|")) {
			const el = document.querySelector(sel);
			const r = el && el.getBoundingClientRect();
			if (!el || r.width == 0 || r.height == 0) out.push(sel + " is not shown");
			else if (r.left < 0 || r.right > innerWidth + 0.5 || r.top < 0 || r.bottom > innerHeight + 0.5)
				out.push(sel + " is cut off: " + JSON.stringify([r.left, r.top, r.right, r.bottom]));
		}
		return {scrollWidth: document.documentElement.scrollWidth, innerWidth: innerWidth, out};
	})()`, &got))
	if got.ScrollWidth > got.InnerWidth {
		t.Errorf("%s: the page is %d px wide in a window of %d: it scrolls sideways", what, got.ScrollWidth, got.InnerWidth)
	}
	for _, o := range got.Out {
		t.Errorf("%s: %s", what, o)
	}
}

// liesWithin checks that every element sels finds lies inside the box of
// the element box finds.
func liesWithin(t *testing.T, ctx context.Context, sels, box string) {
	t.Helper()
	var out []string
	run(t, ctx, "measure "+sels+" inside "+box, chromedp.Evaluate(`(() => {
		const b = document.querySelector(`+jsString(box)+`).getBoundingClientRect();
		return Array.from(document.querySelectorAll(`+jsString(sels)+`)).filter(el => {
			const r = el.getBoundingClientRect();
			return r.left < b.left - 0.5 || r.right > b.right + 0.5;
		}).map(el => el.textContent);
	})()`, &out))
	for _, o := range out {
		t.Errorf("%q sticks out of %s", o, box)
	}
}

func TestTheDeskWorksOnATablet768PixelsWide(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	if !s.app.front.BuiltDesktop() {
		t.Fatal("the desktop WASM is not built into this test binary: run make build")
	}
	desk := deskWithTwoChats(t, b, s, 768, 1024)
	fits(t, desk, "a chat at 768 px", ".top", ".offer .accept", ".chat-list", "#composer", "#send", ".customer")
	liesWithin(t, desk, ".chat-tab", ".side") // a long preview must not push a line under the chat
	b.screenshot(t, desk, "tablet-1-chat")
	// Usable: the list switches chats; the composer sends.
	run(t, desk, "Ana switches to Bea's chat", chromedp.Click(`.chat-tab:not([aria-current="true"])`, chromedp.ByQuery),
		activeIs("Bea"), waitText(".msg .body", "Can I return a kettle?"))
	run(t, desk, "Ana answers from the composer", chromedp.SendKeys("#composer", "Yes, within 30 days.\n", chromedp.ByID),
		waitText(".msg.mine .body", "Yes, within 30 days."))
	fits(t, desk, "the other chat at 768 px", ".chat-list", "#composer", "#send")
	axeCheck(t, desk, "a chat at 768 px")
	run(t, desk, "the Shortcuts button opens the list", chromedp.Click("#keys-help", chromedp.ByID), chromedp.WaitVisible("#shortcuts", chromedp.ByID))
	fits(t, desk, "the shortcuts at 768 px", "#shortcuts")
	b.screenshot(t, desk, "tablet-2-shortcuts")
}

// background is the relative luminance (0 black, 1 white) of sel's
// background in the document ctx acts in.
func background(t *testing.T, ctx context.Context, sel string) float64 {
	t.Helper()
	var lum float64
	run(t, ctx, "read the background of "+sel, chromedp.Evaluate(`(() => {
		const [r, g, b] = getComputedStyle(document.querySelector(`+jsString(sel)+`)).backgroundColor.match(/[\d.]+/g).map(Number);
		return [r, g, b].map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
			.reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
	})()`, &lum))
	return lum
}

func TestTheDeskInTheDarkPassesAxeAt1280And768(t *testing.T) {
	for _, size := range [][2]int64{{1280, 800}, {768, 1024}} {
		// A server for each size: the first agent's chats and offer stay
		// with her. Short wait thresholds, so a waiting customer's pill
		// shows red in the dark too.
		s := startServerWith(t, func(c *Config) { c.Desk = DeskConfig{WaitAmber: time.Second, WaitRed: 2 * time.Second} })
		b := startBrowser(t, s)
		if !s.app.front.BuiltDesktop() {
			t.Fatal("the desktop WASM is not built into this test binary: run make build")
		}
		w := size[0]
		desk := deskWithTwoChats(t, b, s, size[0], size[1])
		run(t, desk, "Ana's system is dark", emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{
			{Name: "prefers-color-scheme", Value: "dark"}}))
		run(t, desk, "Ana answers", chromedp.SendKeys("#composer", "Let me look.\n", chromedp.ByID), waitText(".msg.mine .body", "Let me look."))
		run(t, desk, "the other customer's wait turns red", chromedp.WaitVisible(".wait-red", chromedp.ByQuery))
		if r := contrastOf(t, desk, ".wait-red", ""); r < 4.5 {
			t.Errorf("dark at %d px: a red wait reads at %.2f:1, want 4.5:1", w, r)
		}
		for _, sel := range []string{"body", ".top", ".compose", ".customer", ".offer"} {
			if l := background(t, desk, sel); l > 0.05 {
				t.Errorf("dark at %d px: %s has a light background (luminance %.2f)", w, sel, l)
			}
		}
		if r := contrastOf(t, desk, "#composer", "::placeholder"); r < 4.5 {
			t.Errorf("dark at %d px: the composer's placeholder has a contrast of %.2f:1, want 4.5:1", w, r)
		}
		axeCheck(t, desk, fmt.Sprintf("a chat and an offer, dark, %d px", w))
		b.screenshot(t, desk, fmt.Sprintf("dark-%d-chat", w))
		run(t, desk, "Ana writes a note", chromedp.Click("#mode-note", chromedp.ByID),
			chromedp.SendKeys("#composer", "Order 1234\n", chromedp.ByID), waitText(".note .body", "Order 1234"))
		run(t, desk, "the shortcuts open", chromedp.Click("#keys-help", chromedp.ByID), chromedp.WaitVisible("#shortcuts", chromedp.ByID))
		if l := background(t, desk, "#shortcuts"); l > 0.05 {
			t.Errorf("dark at %d px: the shortcuts dialog has a light background (luminance %.2f)", w, l)
		}
		axeCheck(t, desk, fmt.Sprintf("a note and the shortcuts, dark, %d px", w))
		b.screenshot(t, desk, fmt.Sprintf("dark-%d-shortcuts", w))
	}
}
