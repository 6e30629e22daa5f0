package app

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parley/server/mail/mailtest"
)

// On Sunday evening a visitor leaves a message in the offline form and
// closes the page. On Monday at 09:00 the desk offers it marked as left
// while away, so the agent knows the customer is gone; the agent answers,
// and the answer reaches the visitor at the address they gave, though the
// deployment's EmailReplies are off.
func TestAnOfflineMessageIsMarkedInTheDeskAndItsAnswerEmailed(t *testing.T) {
	srv := mailtest.Start(t)
	clock := &shiftedClock{}
	paris, _ := time.LoadLocation("Europe/Paris")
	sunday := nextWeekday(time.Now(), time.Sunday, 20, 0, paris)
	clock.Set(sunday)
	const minute = 100 * time.Millisecond
	s := startServerWith(t, func(c *Config) {
		c.GuestLimits = startServerLimits
		c.Now = clock.Now
		c.HoursInterval = 50 * time.Millisecond
		c.GuestTokenTTL = 24 * time.Hour
		c.Mail, c.MailMinute = &srv.Config, minute
		c.Outbox = OutboxConfig{FirstRetry: 50 * time.Millisecond, MaxRetryWait: 200 * time.Millisecond}
	})
	b := startBrowser(t, s)
	if !s.app.front.BuiltDesktop() {
		t.Fatal("the desktop WASM is not built into this test binary: run make build")
	}
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop"}, "Locale": {"en"}, "BusinessHours": {officeHours}})
	shop := s.shopFor(t, d.Key, "")

	run(t, b.ctx, "open the shop", openShadowRoots(), chromedp.Navigate(shop+"/"), chromedp.WaitReady("parley-chat", chromedp.ByQuery),
		chromedp.Poll(`document.querySelector("parley-chat").shadowRoot.querySelector(".root").classList.contains("away")`, nil,
			chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Evaluate(`Parley.open()`, nil))
	widget := b.widgetFrame(t, s.baseURL)
	run(t, widget, "the visitor leaves a message",
		waitText(".intro", "Leave us a message and we’ll reply by email."),
		chromedp.WaitVisible("#field-friendlyName", chromedp.ByID),
		chromedp.SendKeys("#field-friendlyName", "Ada", chromedp.ByID),
		chromedp.SendKeys("#field-email", "ada@example.com", chromedp.ByID),
		chromedp.SendKeys("#field-question", "Has order 1234 shipped?", chromedp.ByID),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText(".held", "We’ve got your message"),
	)
	run(t, b.ctx, "and closes the page", chromedp.Navigate("about:blank"))

	clock.Set(nextWeekday(sunday, time.Monday, 9, 0, paris))
	eventually(t, func() bool { return s.countRows(t, "webchat_held") == 0 }, func() string { return "the message was not routed at opening" })
	desk := b.signInToTheDesk(t, s, ana.Email)
	run(t, desk, "Ana goes Available", setActivity("Available"))
	// Sunday 20:00 in Paris is still Sunday in any zone the browser may
	// be in, from UTC-3 to UTC+3.
	run(t, desk, "the offer says the message was left while the team was away",
		waitText(".offer .first", "Has order 1234 shipped?"),
		waitText(".offer .away-note", "Left while away · Sun "),
	)
	b.screenshot(t, desk, "offer-left-while-away")
	run(t, desk, "Ana accepts; the chat says so too", chromedp.Click(".offer .accept", chromedp.ByQuery),
		waitText(".msg .body", "Has order 1234 shipped?"),
		waitText(".thread-notices .away-note", "Left while away · Sun "),
	)
	b.screenshot(t, desk, "chat-left-while-away")
	var title string
	run(t, desk, "its tooltip says the replies are emailed",
		chromedp.AttributeValue(".thread-notices .away-note", "title", &title, nil, chromedp.ByQuery))
	if !strings.Contains(title, "emailed") {
		t.Errorf("the note's title %q does not say the replies are emailed", title)
	}
	run(t, desk, "Ana answers", chromedp.SendKeys("#composer", "Yes, it left on Friday.\n", chromedp.ByID),
		waitText(".msg.mine .body", "Yes, it left on Friday."))

	got := srv.Wait(t, 1, 30*time.Second)[0]
	if len(got.To) != 1 || got.To[0] != "ada@example.com" {
		t.Errorf("emailed %v, want the offline form's ada@example.com", got.To)
	}
	if _, text, _ := letterParts(t, got); !strings.Contains(text, "Yes, it left on Friday.") {
		t.Errorf("the email does not hold Ana's answer:\n%s", text)
	}
}
