package app

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	conv "github.com/twilio/twilio-go/rest/conversations/v1"
)

// Every screen a visitor or an agent meets passes axe-core with no serious
// or critical violation, in the light theme through the real embed, in
// the dark theme and right to left in Arabic.

func TestEveryScreenOfTheEmbeddedWidgetPassesAxe(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop support"}, "WelcomeMessage": {"Hello from the shop!"},
		"Attachments.MaxBytes": {"4096"}, "Attachments.AllowedTypes": {"image/png", "application/pdf"}})
	shop := shopSite(t, s.baseURL, d.Key)
	if r := s.postForm(t, "/parley/v1/Deployments/"+d.Key, url.Values{"AllowedOrigins": {shop}}); r.status != 200 {
		t.Fatalf("allow the shop's origin: %d %s", r.status, r.text)
	}
	run(t, b.ctx, "open the shop", chromedp.Navigate(shop+"/"), chromedp.WaitReady("parley-chat", chromedp.ByQuery))
	run(t, b.ctx, "open the chat", chromedp.Evaluate(`Parley.open()`, nil))
	w := b.widgetFrame(t, s.baseURL)
	widgetScreensPassAxe(t, b, s, b.ctx, w, "light")
}

func TestTheWidgetInTheDarkThemePassesAxe(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop support"}, "Theme.Mode": {"dark"}})
	w := b.tab(t, s.baseURL+"/widget/?key="+d.Key)
	sayYesToDialogs(w)
	widgetScreensPassAxe(t, b, s, w, w, "dark")
}

func TestTheWidgetRightToLeftInArabicPassesAxe(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"دعم المتجر"}, "Locale": {"ar"}})
	w := b.tab(t, s.baseURL+"/widget/?key="+d.Key)
	sayYesToDialogs(w)
	var dir string
	run(t, w, "see the page right to left", chromedp.WaitVisible("#field-friendlyName", chromedp.ByID),
		chromedp.Evaluate(`document.documentElement.dir`, &dir))
	if dir != "rtl" {
		t.Fatalf("the Arabic widget's direction is %q", dir)
	}
	widgetScreensPassAxe(t, b, s, w, w, "rtl")
}

// widgetScreensPassAxe walks a visitor through the widget in w (form,
// its errors, the chat with an agent's answer, a file, the end) and
// checks each screen with axe and the composer's placeholder contrast;
// screenshots are of the tab top.
func widgetScreensPassAxe(t *testing.T, b *browser, s *testServer, top, w context.Context, name string) {
	t.Helper()
	run(t, w, "see the form", chromedp.WaitVisible("#field-friendlyName", chromedp.ByID))
	axeCheck(t, w, name+": the form")
	run(t, w, "send it empty", chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[aria-invalid="true"]`, chromedp.ByQuery))
	axeCheck(t, w, name+": the form with errors")
	b.screenshot(t, top, name+"-1-form-errors")

	run(t, w, "start the chat", fillTheForm("Ada", "ada@example.com", "Where is my order?"),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery), waitText(".msg.own .body", "Where is my order?"))
	sid := s.joinTheWidgetsChat(t, "agent-1", "Sam")
	if _, err := s.tw.ConversationsV1.CreateConversationMessage(sid, (&conv.CreateConversationMessageParams{}).
		SetAuthor("agent-1").SetBody("It ships today: https://track.example.com/1234")); err != nil {
		t.Fatal(err)
	}
	run(t, w, "see the answer", waitText(".msg.other .body", "It ships today"))
	if r := contrastOf(t, w, "#composer", "::placeholder"); r < 4.5 {
		t.Errorf("%s: the composer's placeholder has a contrast of %.2f:1, want 4.5:1", name, r)
	}
	axeCheck(t, w, name+": the chat")
	b.screenshot(t, top, name+"-2-chat")

	if countOf(t, w, "#attach") > 0 {
		path := filepath.Join(t.TempDir(), "kettle.png")
		if err := os.WriteFile(path, pngFile(t), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, w, "attach a photo", chromedp.SetUploadFiles("#attach", []string{path}, chromedp.ByID),
			waitText(".draft .file-size", "B"))
		axeCheck(t, w, name+": a file waiting to go")
		run(t, w, "send it", chromedp.Click(".send", chromedp.ByQuery), chromedp.WaitVisible(".msg.own .thumb img", chromedp.ByQuery),
			chromedp.Click(".msg.own .thumb", chromedp.ByQuery), chromedp.WaitVisible(".viewer img", chromedp.ByQuery))
		axeCheck(t, w, name+": the picture viewer")
		run(t, w, "close the viewer", chromedp.KeyEvent("\x1b"), chromedp.WaitNotPresent(".viewer", chromedp.ByQuery))
	}

	run(t, w, "end the chat", chromedp.Click("button.end", chromedp.ByQuery), confirmTheEnd(t, w, name, false))
	axeCheck(t, w, name+": the ended chat")
	b.screenshot(t, top, name+"-3-ended")
}

// sayYesToDialogs accepts every JavaScript dialog the tab ctx opens (the
// browser's own listener answers in its first tab only).
func sayYesToDialogs(ctx context.Context) {
	chromedp.ListenTarget(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go chromedp.Run(ctx, page.HandleJavaScriptDialog(true))
		}
	})
}

// confirmTheEnd says yes to the widget's question before it ends a chat,
// and waits for the end. The question is either the browser's own
// confirm() (the browser's dialog handler says yes) or a dialog in the
// widget, checked with axe and answered with the button that ends, by a
// click or, with keyboard, by Tab and Enter.
func confirmTheEnd(t *testing.T, w context.Context, name string, keyboard bool) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		const dialog = `document.querySelector('[role="alertdialog"], [role="dialog"], dialog[open]')`
		var state string
		if err := chromedp.Poll(`document.querySelector(".ended") ? "ended" : `+dialog+` ? "dialog" : false`, &state).Do(ctx); err != nil {
			return err
		}
		if state == "ended" {
			return nil
		}
		axeCheck(t, w, name+": the end confirmation")
		// The button that ends says so; the other keeps chatting.
		const yes = `[...` + dialog + `.querySelectorAll("button")].find(b => /end|termin|إنهاء/i.test(b.textContent))`
		if !keyboard {
			if err := chromedp.Evaluate(yes+`.click()`, nil).Do(ctx); err != nil {
				return err
			}
		} else {
			for i := 0; ; i++ {
				var there bool
				if err := chromedp.Evaluate(`document.activeElement === `+yes, &there).Do(ctx); err != nil {
					return err
				}
				if there {
					break
				}
				if i == 10 {
					t.Fatalf("%s: Tab never reaches the button that ends the chat in the confirmation", name)
				}
				if err := chromedp.KeyEvent(kb.Tab).Do(ctx); err != nil {
					return err
				}
			}
			// A real key press: a button acts on Enter's character, which
			// pressEnter (a bare keydown) does not send.
			if err := chromedp.KeyEvent(kb.Enter).Do(ctx); err != nil {
				return err
			}
		}
		return chromedp.WaitVisible(".ended", chromedp.ByQuery).Do(ctx)
	})
}

func TestEveryScreenOfTheDeskPassesAxe(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	if !s.app.front.BuiltDesktop() {
		t.Fatal("the desktop WASM is not built into this test binary: run make build")
	}
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	s.mustCreateAgent(t, "sue@example.com", "supervisor")
	key, err := s.app.DemoDeployment(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	desk := b.tab(t, s.baseURL+"/desktop/")
	run(t, desk, "see the sign-in", chromedp.WaitVisible("#email", chromedp.ByID))
	axeCheck(t, desk, "sign-in")
	run(t, desk, "sign in with a wrong password",
		chromedp.SendKeys("#email", ana.Email, chromedp.ByID),
		chromedp.SendKeys("#password", "not it", chromedp.ByID),
		chromedp.Click(`#signin button[type="submit"]`, chromedp.ByQuery),
		waitText("#signin .problem", ""),
	)
	axeCheck(t, desk, "sign-in refused")
	desk = b.signInToTheDesk(t, s, ana.Email)
	axeCheck(t, desk, "an empty desk")
	run(t, desk, "Ana goes Available", setActivity("Available"))

	visitor := b.tab(t, s.baseURL+"/widget/?key="+key)
	run(t, visitor, "a visitor starts a chat", fillTheForm("Ada", "ada@example.com", "Where is my order?"),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery), waitText(".msg.own .body", "Where is my order?"))
	run(t, desk, "Ana is offered it", waitText(".offer .who", "Ada"))
	axeCheck(t, desk, "an offer")
	b.screenshot(t, desk, "desk-1-offer")
	run(t, desk, "Ana accepts", chromedp.Click(".offer .accept", chromedp.ByQuery), waitText(".msg .body", "Where is my order?"))
	run(t, desk, "Ana answers", chromedp.SendKeys("#composer", "Let me look.\n", chromedp.ByID), waitText(".msg.mine .body", "Let me look."))
	run(t, visitor, "the visitor answers", chromedp.SendKeys("#composer", "Thanks\n", chromedp.ByID))
	run(t, desk, "Ana reads it", waitText(".msg .body", "Thanks"))
	axeCheck(t, desk, "a chat")
	b.screenshot(t, desk, "desk-2-chat")
	run(t, desk, "Ana's system turns dark", emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{
		{Name: "prefers-color-scheme", Value: "dark"}}))
	if r := contrastOf(t, desk, "#composer", "::placeholder"); r < 4.5 {
		t.Errorf("dark desk: the composer's placeholder has a contrast of %.2f:1, want 4.5:1", r)
	}
	axeCheck(t, desk, "a chat, dark")
	b.screenshot(t, desk, "desk-2-chat-dark")
	run(t, desk, "Ana's system turns light again", emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{
		{Name: "prefers-color-scheme", Value: "light"}}))
	run(t, desk, "Ana writes a note", chromedp.Click("#mode-note", chromedp.ByID),
		chromedp.SendKeys("#composer", "Order 1234\n", chromedp.ByID), waitText(".note .body", "Order 1234"))
	axeCheck(t, desk, "a chat with a private note")
	run(t, desk, "Ana opens the transfer", chromedp.Click("#mode-reply", chromedp.ByID),
		chromedp.Click("#transfer", chromedp.ByID), chromedp.WaitVisible("#transfer-to", chromedp.ByID))
	axeCheck(t, desk, "the transfer dialog")
	run(t, desk, "Ana cancels it and ends the chat", chromedp.Click(`#transfer-form button[type="button"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent("#transfer-form", chromedp.ByID), chromedp.Click("#end", chromedp.ByID), waitText(`label[for="disposition"]`, "How did it end?"))
	axeCheck(t, desk, "wrap-up")
	b.screenshot(t, desk, "desk-3-wrap-up")

	sue := b.signInToTheDesk(t, s, "sue@example.com")
	run(t, sue, "Sue opens the team", chromedp.Click("#nav-team", chromedp.ByID), waitText(".team-row", "ana"))
	axeCheck(t, sue, "the team")
	run(t, sue, "Sue opens the queues", chromedp.Click("#nav-queues", chromedp.ByID), waitText(".queue-row", "Everyone"))
	axeCheck(t, sue, "the queues")
	run(t, sue, "Sue opens the reports", chromedp.Click("#nav-reports", chromedp.ByID), chromedp.WaitVisible(".report-total", chromedp.ByQuery))
	axeCheck(t, sue, "the reports")
	b.screenshot(t, sue, "desk-4-reports")
}
