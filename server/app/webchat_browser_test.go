package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	conv "github.com/twilio/twilio-go/rest/conversations/v1"

	"parley/shared/client"
	proto "parley/shared/realtime"
)

func TestTheDemoPageDrawsTheLauncherBeforeLoadingTheWidget(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)

	// Note when the launcher's element enters the page, by the page's clock.
	var host string
	var launcherAt float64 // ms since the epoch
	run(t, b.ctx, "open the demo page",
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(`new MutationObserver((_, o) => {
				if (document.querySelector("parley-chat")) { window.launcherAt = performance.timeOrigin + performance.now(); o.disconnect(); }
			}).observe(document, {childList: true, subtree: true});`).Do(ctx)
			return err
		}),
		chromedp.Navigate(s.baseURL+"/"),
		chromedp.WaitReady("parley-chat", chromedp.ByQuery),
		// The launcher is in a closed shadow root: what the visitor sees at
		// its place is the loader's element.
		chromedp.Evaluate(`document.elementFromPoint(innerWidth - 48, innerHeight - 48).tagName`, &host),
		chromedp.Evaluate(`window.launcherAt`, &launcherAt),
	)
	if host != "PARLEY-CHAT" {
		t.Fatalf("the launcher is not at the bottom right (found %q there)", host)
	}
	b.screenshot(t, b.ctx, "1-launcher")

	// The widget loads on intent or when the page is idle: either way after
	// the launcher is there.
	run(t, b.ctx, "hover the launcher", chromedp.MouseEvent(input.MouseMoved, 1280-48, 900-48))
	deadline := time.Now().Add(20 * time.Second)
	for !b.requested(".wasm") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	b.mu.Lock()
	wasmAt := b.firstWasm
	b.mu.Unlock()
	if wasmAt.IsZero() {
		t.Fatal("hovering the launcher did not load the widget")
	}
	if launched := time.UnixMilli(int64(launcherAt)); !launched.Before(wasmAt) {
		t.Fatalf("the launcher appeared at %v, after the WASM was requested at %v", launched, wasmAt)
	}
}

func TestAVisitorChatsWithAnAgentInTheBrowser(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop support"}, "WelcomeMessage": {"Hello from the shop!"}})
	shop := shopSite(t, s.baseURL, d.Key)
	if r := s.postForm(t, "/parley/v1/Deployments/"+d.Key, url.Values{"AllowedOrigins": {shop}}); r.status != 200 {
		t.Fatalf("allow the shop's origin: %d %s", r.status, r.text)
	}

	run(t, b.ctx, "open the shop", chromedp.Navigate(shop+"/"), chromedp.WaitReady("parley-chat", chromedp.ByQuery))
	run(t, b.ctx, "open the chat", chromedp.Evaluate(`Parley.open()`, nil))
	w := b.widgetFrame(t, s.baseURL)
	run(t, w, "fill the form", fillTheForm("Ada", "ada@example.com", "Where is <b>order</b> 1234?"))
	b.screenshot(t, b.ctx, "2-form")
	run(t, w, "start the chat",
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText(".msg.own .body", "Where is <b>order</b> 1234?"), // markup shows as text
		waitText(".msg.welcome .body", "Hello from the shop!"),
	)

	// The agent finds the conversation the widget made, and joins it.
	sid := s.joinTheWidgetsChat(t, "agent-1", "Sam")
	agent := s.dialAgent(t, "agent-1")

	// The agent types: the visitor sees it; then the answer arrives.
	if err := agent.Typing(context.Background(), sid); err != nil {
		t.Fatal(err)
	}
	run(t, w, "see the agent typing", waitText(".typing", "Sam"))
	b.screenshot(t, b.ctx, "3-typing")
	if _, err := s.tw.ConversationsV1.CreateConversationMessage(sid, (&conv.CreateConversationMessageParams{}).
		SetAuthor("agent-1").SetBody("It ships today: https://track.example.com/1234")); err != nil {
		t.Fatal(err)
	}
	var href string
	run(t, w, "see the answer, its link made safe",
		waitText(".msg.other .body", "It ships today"),
		chromedp.AttributeValue(".msg.other .body a", "href", &href, nil, chromedp.ByQuery),
	)
	if href != "https://track.example.com/1234" {
		t.Errorf("the link goes to %q", href)
	}

	// The visitor replies; the agent reads it, and the visitor sees "Read".
	run(t, w, "reply", chromedp.SendKeys("#composer", "Thank you!\n", chromedp.ByID), waitText(".msg.own:last-of-type .body", "Thank you!"))
	// The widget shows the reply at once, before the server has it; the
	// reply must then arrive.
	var last conv.ConversationsV1ConversationMessage
	eventually(t, func() bool {
		msgs, err := s.tw.ConversationsV1.ListConversationMessage(sid, nil)
		if err != nil || len(msgs) == 0 {
			return false
		}
		last = msgs[len(msgs)-1]
		return last.Body != nil && *last.Body == "Thank you!"
	}, func() string {
		return fmt.Sprintf("the visitor's reply did not reach the server: last message %+v", last)
	})
	if err := agent.Read(context.Background(), sid, last.Index); err != nil {
		t.Fatal(err)
	}
	run(t, w, "see the reply read", waitText(".msg.own .status", "Read"))
	b.screenshot(t, b.ctx, "4-read")

	// The widget, open, read the agent's answer: the agent can see it.
	guest, err := s.tw.ConversationsV1.ListConversationParticipant(sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range guest {
		if *p.Identity != "agent-1" && (p.LastReadMessageIndex == nil || *p.LastReadMessageIndex < last.Index-1) {
			t.Errorf("the visitor read the agent's answer but their read horizon is %v", p.LastReadMessageIndex)
		}
	}

	// More history than one page: a reload shows the newest 20, and
	// scrolling up brings the rest, oldest first.
	for i := range 30 {
		if _, err := s.tw.ConversationsV1.CreateConversationMessage(sid, (&conv.CreateConversationMessageParams{}).
			SetAuthor("agent-1").SetBody(fmt.Sprintf("note %02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	run(t, b.ctx, "reload the shop", chromedp.Reload(), chromedp.WaitReady("parley-chat", chromedp.ByQuery))
	w = b.widgetFrame(t, s.baseURL)
	var shown int
	run(t, w, "see the newest page after the reload",
		waitText(".msg.other .body", "note 29"),
		chromedp.Evaluate(`document.querySelectorAll(".msg").length`, &shown),
	)
	if shown != 20 {
		t.Errorf("after the reload %d messages show, want the newest 20", shown)
	}
	run(t, w, "page back to the start",
		chromedp.Click("button.older", chromedp.ByQuery),
		waitText(".msg.welcome .body", "Hello from the shop!"),
		chromedp.Evaluate(`document.querySelectorAll(".msg").length`, &shown),
	)
	if shown != 34 {
		t.Errorf("after paging back %d messages show, want all 34", shown)
	}
	b.screenshot(t, b.ctx, "5-reloaded")

	// The visitor ends the chat; the conversation is closed.
	run(t, w, "end the chat", chromedp.Click("button.end", chromedp.ByQuery), confirmEnd(), chromedp.WaitVisible(".ended", chromedp.ByQuery))
	b.screenshot(t, b.ctx, "6-ended")
	c, err := s.tw.ConversationsV1.FetchConversation(sid)
	if err != nil || *c.State != "closed" {
		t.Fatalf("after the visitor ended it the conversation is %v (%v)", c.State, err)
	}
}

// fillTheForm types a visitor's answers into the default pre-engagement
// form, clicking into it first, which gives the cross-site frame focus.
func fillTheForm(name, email, question string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.WaitVisible("#field-friendlyName", chromedp.ByID),
		chromedp.Click("#field-friendlyName", chromedp.ByID),
		chromedp.SendKeys("#field-friendlyName", name, chromedp.ByID),
		chromedp.SendKeys("#field-email", email, chromedp.ByID),
		chromedp.SendKeys("#field-question", question, chromedp.ByID),
	}
}

// joinTheWidgetsChat finds the one conversation a widget made and adds an
// agent to it, as identity with a display name. It returns its SID.
func (s *testServer) joinTheWidgetsChat(t testing.TB, identity, name string) string {
	t.Helper()
	convs, err := s.tw.ConversationsV1.ListConversation(nil)
	if err != nil || len(convs) != 1 {
		t.Fatalf("want the one conversation the widget made: %v, %d", err, len(convs))
	}
	sid := *convs[0].Sid
	attrs, _ := json.Marshal(map[string]string{"friendlyName": name})
	if _, err := s.tw.ConversationsV1.CreateConversationParticipant(sid, (&conv.CreateConversationParticipantParams{}).
		SetIdentity(identity).SetAttributes(string(attrs))); err != nil {
		t.Fatal(err)
	}
	return sid
}

// dialAgent connects an agent's realtime session with the project's client.
func (s *testServer) dialAgent(t testing.TB, identity string) *client.Session {
	t.Helper()
	return s.dialAgentWith(t, identity, nil)
}

// dialAgentWith is dialAgent with a callback for the session's events.
func (s *testServer) dialAgentWith(t testing.TB, identity string, onEvent func(proto.ServerFrame)) *client.Session {
	t.Helper()
	token := s.mintToken(t, identity)
	sess, err := client.Dial(context.Background(), client.SessionOptions{URL: s.baseURL,
		Token: func(context.Context) (string, error) { return token, nil }, OnEvent: onEvent})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	return sess
}

// waitText waits until an element matching sel contains text.
func waitText(sel, text string) chromedp.Action { return waitTextFor(sel, text, 20*time.Second) }

// waitTextFor is waitText, waiting up to d.
func waitTextFor(sel, text string, d time.Duration) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(d)
		for {
			var texts []string
			err := chromedp.Evaluate(`Array.from(document.querySelectorAll(`+jsString(sel)+`)).map(e => e.textContent)`, &texts).Do(ctx)
			if err == nil {
				for _, s := range texts {
					if strings.Contains(s, text) {
						return nil
					}
				}
			}
			if time.Now().After(deadline) {
				var page string
				chromedp.Evaluate(`document.body.innerText`, &page).Do(ctx)
				return fmt.Errorf("no %s contains %q (found %q); the page shows:\n%s", sel, text, texts, page)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestOnAPhoneTheOpenChatFillsTheScreen(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	var corners []string
	run(t, b.ctx, "open the chat on a phone-sized screen",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile),
		chromedp.Navigate(s.baseURL+"/"),
		chromedp.WaitReady("parley-chat", chromedp.ByQuery),
		chromedp.Evaluate(`new Promise(resolve => {
			const off = Parley.on("ready", () => { off(); setTimeout(resolve, 300); }); // past the fade-in
			Parley.open();
		})`, nil, awaitPromise),
		// The chat lives in a closed shadow root: what is at a point is the loader's element.
		chromedp.Evaluate(`[[2, 2], [innerWidth - 2, 2], [2, innerHeight - 2], [innerWidth - 2, innerHeight - 2]]
			.map(([x, y]) => document.elementFromPoint(x, y).tagName)`, &corners),
	)
	b.screenshot(t, b.ctx, "phone")
	for i, tag := range corners {
		if tag != "PARLEY-CHAT" {
			t.Errorf("corner %d of the screen shows %s, not the chat", i, tag)
		}
	}
}
