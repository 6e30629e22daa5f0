package app

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// On Sunday evening, outside the team's hours, the launcher is away, the
// widget says when the team is back and takes a message (with an email it
// checks); on Monday at 09:00 the message reaches the desk as an offer,
// and the answer the visitor still on the page. The test moves the
// server's clock; the browser's is its own.
func TestAVisitorLeavesAMessageOutsideHoursAndTheDeskGetsItAtOpening(t *testing.T) {
	clock := &shiftedClock{}
	paris, _ := time.LoadLocation("Europe/Paris")
	sunday := nextWeekday(time.Now(), time.Sunday, 20, 0, paris)
	clock.Set(sunday)
	s := startServerWith(t, func(c *Config) {
		c.GuestLimits = startServerLimits
		c.Now = clock.Now
		c.HoursInterval = 50 * time.Millisecond
		// The visitor's token outlives the night the test skips (the
		// widget would refresh it hourly meanwhile).
		c.GuestTokenTTL = 24 * time.Hour
	})
	b := startBrowser(t, s)
	if !s.app.front.BuiltDesktop() {
		t.Fatal("the desktop WASM is not built into this test binary: run make build")
	}
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop"}, "Locale": {"en"}, "BusinessHours": {officeHours}})
	shop := s.shopFor(t, d.Key, "")

	run(t, b.ctx, "open the shop", openShadowRoots(), chromedp.Navigate(shop+"/"), chromedp.WaitReady("parley-chat", chromedp.ByQuery))
	run(t, b.ctx, "the launcher shows the team away", chromedp.Poll(`(() => {
		const root = document.querySelector("parley-chat").shadowRoot;
		return root.querySelector(".root").classList.contains("away") &&
			root.querySelector(".btn").getAttribute("aria-label") === "Leave a message";
	})()`, nil, chromedp.WithPollingTimeout(30*time.Second)))
	b.screenshot(t, b.ctx, "1-launcher-away")
	run(t, b.ctx, "open the chat", chromedp.Evaluate(`Parley.open()`, nil))
	widget := b.widgetFrame(t, s.baseURL)

	run(t, widget, "the widget says when the team is back and offers the offline form",
		waitText(".subtitle", "We’re back tomorrow at 09:00 (Paris time)"),
		waitText(".intro", "Leave us a message and we’ll reply by email."),
		waitText(`button[type="submit"]`, "Send message"),
		waitText(`label[for="field-email"]`, "Email *"),
		waitText(`label[for="field-question"]`, "Message *"),
	)
	b.screenshot(t, b.ctx, "2-offline-form")
	run(t, widget, "a message without an email is refused",
		chromedp.WaitVisible("#field-friendlyName", chromedp.ByID),
		chromedp.Click("#field-friendlyName", chromedp.ByID),
		chromedp.SendKeys("#field-friendlyName", "Ada", chromedp.ByID),
		chromedp.SendKeys("#field-question", "Has order 1234 shipped?", chromedp.ByID),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText("#field-email-error", "Please fill this in."),
	)
	run(t, widget, "so is a malformed one",
		chromedp.SendKeys("#field-email", "ada@", chromedp.ByID),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText("#field-email-error", "Please enter an email address"),
	)
	run(t, widget, "the visitor leaves the message",
		chromedp.SendKeys("#field-email", "example.com", chromedp.ByID),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText(".msg.own .body", "Has order 1234 shipped?"),
		waitText(".held", "We’ve got your message"),
		waitText(".subtitle", "We’re back tomorrow at 09:00"),
	)
	b.screenshot(t, b.ctx, "3-message-left")
	if n := s.countRows(t, "webchat_held"); n != 1 {
		t.Fatalf("%d chats are held; want the visitor's", n)
	}

	// The night passes; Monday 09:00 comes, and Ana starts her day.
	clock.Set(nextWeekday(sunday, time.Monday, 9, 0, paris))
	deadline := time.Now().Add(10 * time.Second)
	for s.countRows(t, "webchat_held") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the message was not routed when the team opened")
		}
		time.Sleep(50 * time.Millisecond)
	}
	desk := b.signInToTheDesk(t, s, ana.Email)
	run(t, desk, "Ana goes Available", setActivity("Available"))
	run(t, desk, "Ana is offered the message left on Saturday, with the visitor's email",
		waitText(".offer .who", "Ada"),
		waitText(".offer .first", "Has order 1234 shipped?"),
		waitText(".offer .answers", "ada@example.com"),
	)
	b.screenshot(t, desk, "4-offer-at-opening")
	run(t, desk, "Ana accepts", chromedp.Click(".offer .accept", chromedp.ByQuery),
		waitText(".msg .body", "Has order 1234 shipped?"))
	run(t, desk, "Ana answers", chromedp.SendKeys("#composer", "Yes, it left on Friday.\n", chromedp.ByID))
	run(t, widget, "the visitor, still on the page, reads the answer", waitText(".msg.other .body", "Yes, it left on Friday."))
	if strings.Contains(s.get(t, "/parley/v1/Deployments/"+d.Key).text, `"business_hours":null`) {
		t.Error("the deployment lost its hours")
	}
}
