package app

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	conv "github.com/twilio/twilio-go/rest/conversations/v1"

	"parley/server/mail/mailtest"
)

// A visitor gives an email, asks, and closes the page; the agent's answer
// stays unread for the deployment's minutes (short ones here) and is
// emailed; the email's link opens the same chat in the browser with the
// answer in it. Once ended, the visitor emails themselves the transcript
// with the keyboard, and the link no longer opens the chat, saying why.
func TestAnEmailedReplyBringsTheVisitorBackToTheChat(t *testing.T) {
	srv := mailtest.Start(t)
	s := startServerWith(t, func(c *Config) {
		c.GuestLimits = startServerLimits
		c.Mail, c.MailMinute = &srv.Config, 300*time.Millisecond
	})
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop support"}, "WelcomeMessage": {""}, "EmailReplies.UnreadMinutes": {"1"}})
	shop := shopSite(t, s.baseURL, d.Key)
	if r := s.postForm(t, "/parley/v1/Deployments/"+d.Key, url.Values{"AllowedOrigins": {shop}}); r.status != 200 {
		t.Fatalf("allow the shop's origin: %d %s", r.status, r.text)
	}
	run(t, b.ctx, "open the shop", chromedp.Navigate(shop+"/"), chromedp.WaitReady("parley-chat", chromedp.ByQuery))
	run(t, b.ctx, "open the chat", chromedp.Evaluate(`Parley.open()`, nil))
	w := b.widgetFrame(t, s.baseURL)
	run(t, w, "ask", fillTheForm("Ada", "ada@example.com", "Where is my parcel?"),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery), waitText(".msg.own .body", "Where is my parcel?"))
	run(t, b.ctx, "close the page", chromedp.Navigate("about:blank"))

	sid := s.joinTheWidgetsChat(t, "agent-1", "Sam")
	if _, err := s.tw.ConversationsV1.CreateConversationMessage(sid, (&conv.CreateConversationMessageParams{}).
		SetAuthor("agent-1").SetBody("It left the warehouse <today>.")); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 30*time.Second)[0]
	_, text, _ := letterParts(t, got)
	m := resumeLink.FindStringSubmatch(text)
	if len(got.To) != 1 || got.To[0] != "ada@example.com" || m == nil {
		t.Fatalf("the email went to %v with no link back:\n%s", got.To, text)
	}
	link := m[1]

	run(t, b.ctx, "follow the email's link",
		chromedp.Navigate(link),
		waitText(".msg.other .body", "It left the warehouse <today>."),
		waitText(".msg.own .body", "Where is my parcel?"))
	b.screenshot(t, b.ctx, "1-back-in-the-chat")
	var address string
	run(t, b.ctx, "read the address", chromedp.Evaluate(`location.href`, &address))
	if strings.Contains(address, "resume=") {
		t.Errorf("the page's address keeps the link's token: %s", address)
	}

	run(t, b.ctx, "end the chat", chromedp.Click("button.end", chromedp.ByQuery), confirmEnd(),
		chromedp.WaitVisible("#email-transcript", chromedp.ByID))
	axeCheck(t, b.ctx, "the ended view with the email button")
	run(t, b.ctx, "email the transcript with the keyboard", chromedp.Focus("#email-transcript", chromedp.ByID),
		chromedp.KeyEvent("\r"), waitText("#email-status", "on its way"))
	got = srv.Wait(t, 2, 30*time.Second)[1]
	subject, text, _ := letterParts(t, got)
	if got.To[0] != "ada@example.com" || subject != "Your chat with Shop support" || !strings.Contains(text, "Where is my parcel?") {
		t.Errorf("the transcript: to %v, %q\n%s", got.To, subject, text)
	}

	// As from the email again: a fresh page (the same address but its
	// fragment would not load one).
	run(t, b.ctx, "follow the link once the chat ended", chromedp.Navigate("about:blank"),
		chromedp.Navigate(link), waitText(".form .problem", "This chat has ended, so its link no longer opens it"))
	b.screenshot(t, b.ctx, "2-link-after-the-end")
}
