package app

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	conv "github.com/twilio/twilio-go/rest/conversations/v1"
)

// These tests put a link between Chromium and Parley that they cut, as a
// visitor's train enters a tunnel.

func TestAMessageSentOfflineIsSentOnceWhenTheNetworkComesBack(t *testing.T) {
	s, net := startServerBehindLink(t, nil)
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"WelcomeMessage": {""}})
	run(t, b.ctx, "start a chat", startAChat(net.URL(), d.Key))
	sid := s.theOneConversation(t)

	net.cut()
	run(t, b.ctx, "see the widget notice", waitText(".banner", "Reconnecting"))
	run(t, b.ctx, "send while offline",
		chromedp.Click("#composer", chromedp.ByID),
		chromedp.SendKeys("#composer", "Are you still there?", chromedp.ByID),
		pressEnter(),
		waitText(".msg.own.pending .status", "Sending"),
	)
	b.screenshot(t, b.ctx, "1-offline")
	var kept string
	run(t, b.ctx, "read the saved outbox", chromedp.Evaluate(`localStorage.getItem("parley:chat:`+d.Key+`")`, &kept))
	if !strings.Contains(kept, "Are you still there?") {
		t.Errorf("the queued message is not kept in localStorage, so a closed tab would lose it: %s", kept)
	}
	if n := s.countMessages(t, sid, "Are you still there?"); n != 0 {
		t.Fatalf("the message reached the server through a cut link (%d): the test did not cut it", n)
	}

	net.restore()
	run(t, b.ctx, "see it sent after reconnecting",
		chromedp.WaitNotPresent(".banner", chromedp.ByQuery),
		waitText(".msg.own:last-of-type .status", "Sent"),
	)
	b.screenshot(t, b.ctx, "2-back-online")
	time.Sleep(time.Second) // time for a second send, were there one
	if n := s.countMessages(t, sid, "Are you still there?"); n != 1 {
		t.Errorf("the server has the offline message %d times, want once", n)
	}
	var shown int
	run(t, b.ctx, "count it in the widget", chromedp.Evaluate(`Array.from(document.querySelectorAll(".msg.own .body")).filter(e => e.textContent == "Are you still there?").length`, &shown))
	if shown != 1 {
		t.Errorf("the widget shows the offline message %d times, want once", shown)
	}
}

func TestTheWidgetRefreshesItsTokenAndSaysSoWhenItCannot(t *testing.T) {
	const life = 8 * time.Second
	var ahead atomic.Int64 // how far the server's clock is ahead of the real one
	s, net := startServerBehindLink(t, func(c *Config) {
		c.GuestTokenTTL = life
		c.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	})
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"WelcomeMessage": {""}})
	run(t, b.ctx, "start a chat", startAChat(net.URL(), d.Key))
	sid := s.theOneConversation(t)
	s.joinTheWidgetsChat(t, "agent-1", "Sam")
	first := savedSession(t, b.ctx, d.Key)

	// Before the token's life is up the widget has a new one, and past it
	// the chat goes on both ways.
	deadline := time.Now().Add(life + 10*time.Second)
	for savedSession(t, b.ctx, d.Key).Token == first.Token {
		if time.Now().After(deadline) {
			t.Fatalf("the widget never refreshed its token (it expires %v)", first.Expires)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if now := time.Now(); now.After(first.Expires) {
		t.Errorf("the token was refreshed %v after it expired", now.Sub(first.Expires))
	}
	time.Sleep(time.Until(first.Expires.Add(time.Second)))
	if _, err := s.tw.ConversationsV1.CreateConversationMessage(sid, (&conv.CreateConversationMessageParams{}).
		SetAuthor("agent-1").SetBody("Still here!")); err != nil {
		t.Fatal(err)
	}
	run(t, b.ctx, "chat on with the refreshed token",
		waitText(".msg.other .body", "Still here!"),
		chromedp.Click("#composer", chromedp.ByID),
		chromedp.SendKeys("#composer", "Great", chromedp.ByID),
		pressEnter(),
		waitText(".msg.own:last-of-type .status", "Sent"),
	)
	if n := s.countMessages(t, sid, "Great"); n != 1 {
		t.Errorf("the server has the reply %d times, want once", n)
	}

	// Offline past the token's life, as a laptop asleep overnight, while
	// the chat was ended: back online, the server refuses the token (and
	// the way back into a closed chat) and the widget says the chat
	// session expired, instead of retrying for ever. (Were the chat still
	// open, the widget would resume it: see
	// TestAVisitorWhoseTokenExpiredResumesTheOpenChat.)
	net.cut()
	run(t, b.ctx, "see the widget notice", waitText(".banner", "Reconnecting"))
	ahead.Store(int64(12 * time.Hour))
	mustCloseConversation(t, s.tw, sid)
	net.restore()
	run(t, b.ctx, "see the session expired", waitTextFor(".form .problem", "Your chat session expired.", 45*time.Second),
		chromedp.WaitVisible("#field-friendlyName", chromedp.ByID))
	b.screenshot(t, b.ctx, "expired")
	if kept := savedSession(t, b.ctx, d.Key); kept.Token != "" {
		t.Errorf("the expired session is still saved, so a reload would try it again: %+v", kept)
	}
}

// savedSession is the widget's session as kept in localStorage.
func savedSession(t testing.TB, ctx context.Context, key string) (saved struct {
	Token   string
	Expires time.Time
}) {
	t.Helper()
	var raw string
	run(t, ctx, "read the saved session", chromedp.Evaluate(`localStorage.getItem("parley:chat:`+key+`") || "{}"`, &raw))
	if err := json.Unmarshal([]byte(raw), &saved); err != nil {
		t.Fatalf("the saved session %q: %v", raw, err)
	}
	return saved
}

// startAChat opens the widget at base and starts a chat as Ada.
func startAChat(base, key string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.Navigate(base + "/widget/?key=" + key),
		fillTheForm("Ada", "", "Hello"),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText(".msg.own .status", "Sent"),
	}
}

// theOneConversation is the SID of the only conversation there is.
func (s *testServer) theOneConversation(t testing.TB) string {
	t.Helper()
	convs, err := s.tw.ConversationsV1.ListConversation(nil)
	if err != nil || len(convs) != 1 {
		t.Fatalf("want one conversation, got %d (%v)", len(convs), err)
	}
	return *convs[0].Sid
}

// countMessages counts the conversation's messages with this body.
func (s *testServer) countMessages(t testing.TB, sid, body string) int {
	t.Helper()
	msgs, err := s.tw.ConversationsV1.ListConversationMessage(sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Body != nil && *m.Body == body {
			n++
		}
	}
	return n
}

func TestTheDeskSignsTheAgentOutWhenItsTokenIsRefused(t *testing.T) {
	var ahead atomic.Int64
	s, net := startServerBehindLink(t, func(c *Config) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	})
	b := startBrowser(t, s)
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	desk := b.signInToTheDeskAt(t, net.URL(), ana.Email)

	// The laptop sleeps the night: its desk token has long expired when
	// the network comes back.
	net.cut()
	ahead.Store(int64(12 * time.Hour))
	net.restore()
	run(t, desk, "see the sign-in page and why",
		waitTextFor("#signin .problem", "Your session ended; sign in again.", 45*time.Second),
		chromedp.WaitVisible("#email", chromedp.ByID))
	b.screenshot(t, desk, "signed-out")
}
