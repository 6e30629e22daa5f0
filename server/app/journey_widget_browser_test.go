package app

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The visitor's journey through the real embed path: the loader on a
// shop's page, the widget in its iframe (issue 24).

// shopFor serves a shop page embedding deployment key, with script (may be
// "") before the tag, and allows its origin on the deployment.
func (s *testServer) shopFor(t testing.TB, key, script string) string {
	t.Helper()
	shop := shopSiteWith(t, s.baseURL, key, script)
	if r := s.postForm(t, "/parley/v1/Deployments/"+key, url.Values{"AllowedOrigins": {shop}}); r.status != 200 {
		t.Fatalf("allow the shop's origin: %d %s", r.status, r.text)
	}
	return shop
}

// openShadowRoots makes the loader's closed shadow root open, so a test
// can read the launcher (a page cannot; assistive technology can).
func openShadowRoots() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(`const attach = Element.prototype.attachShadow;
			Element.prototype.attachShadow = function (o) { return attach.call(this, {...o, mode: "open"}); };`).Do(ctx)
		return err
	})
}

// typeEnter presses Enter (with Shift if shift) as a keyboard does in
// Chromium: a raw keydown, then the character as an event of its own,
// which the browser drops only if the page prevented the keydown while
// it was being dispatched.
func typeEnter(shift bool) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var mods input.Modifier
		if shift {
			mods = input.ModifierShift
		}
		key := func(typ input.KeyType) *input.DispatchKeyEventParams {
			return input.DispatchKeyEvent(typ).WithKey("Enter").WithCode("Enter").WithWindowsVirtualKeyCode(13).WithModifiers(mods)
		}
		for _, ev := range []*input.DispatchKeyEventParams{key(input.KeyRawDown), key(input.KeyChar).WithText("\r").WithUnmodifiedText("\r"), key(input.KeyUp)} {
			if err := ev.Do(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// openTheShopsChat opens the shop, then the chat, and returns the widget's frame.
func (b *browser) openTheShopsChat(t testing.TB, shop, parley string) context.Context {
	t.Helper()
	run(t, b.ctx, "open the shop", chromedp.Navigate(shop+"/"), chromedp.WaitReady("parley-chat", chromedp.ByQuery))
	run(t, b.ctx, "open the chat", chromedp.Evaluate(`Parley.open()`, nil))
	return b.widgetFrame(t, parley)
}

func TestEnterSendsAndEmptiesTheComposerShiftEnterMakesALine(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"WelcomeMessage": {""}})
	shop := s.shopFor(t, d.Key, "")
	w := b.openTheShopsChat(t, shop, s.baseURL)
	run(t, w, "start the chat", fillTheForm("Ada", "", "Hello"), chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText(".msg.own .status", "Sent"))

	var typed string
	run(t, w, "write two lines",
		chromedp.Click("#composer", chromedp.ByID),
		chromedp.SendKeys("#composer", "First line", chromedp.ByID),
		typeEnter(true),
		chromedp.SendKeys("#composer", "second line", chromedp.ByID),
		chromedp.Value("#composer", &typed, chromedp.ByID),
	)
	if typed != "First line\nsecond line" {
		t.Fatalf("after Shift+Enter the composer holds %q, want two lines", typed)
	}
	run(t, w, "send with Enter", typeEnter(false), waitText(".msg.own:last-of-type .body", "second line"),
		waitText(".msg.own:last-of-type .status", "Sent"), chromedp.Value("#composer", &typed, chromedp.ByID))
	if typed != "" {
		t.Errorf("after sending with Enter the composer holds %q, want it empty", typed)
	}
	if n := s.countMessages(t, s.theOneConversation(t), "First line\nsecond line"); n != 1 {
		t.Errorf("the server has the two-line message %d times, want once", n)
	}
	// A keyboard whose Enter character comes apart from its keydown (as
	// chromedp types it, and some keyboards do) must not leave its line
	// break behind after the send emptied the box.
	run(t, w, "send with a separate Enter character",
		chromedp.SendKeys("#composer", "Third\n", chromedp.ByID), waitText(".msg.own:last-of-type .body", "Third"),
		chromedp.Value("#composer", &typed, chromedp.ByID))
	if typed != "" {
		t.Errorf("after Enter whose character came apart the composer holds %q, want it empty", typed)
	}
	b.screenshot(t, b.ctx, "sent")
}

func TestEveryEventReachesHandlersTheShopQueuedBeforeTheLoader(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"WelcomeMessage": {""}})
	// The documented snippet: calls queued before the loader arrives.
	// What each page view heard is kept across reloads.
	snippet := `window.Parley = {q: []};
		for (const name of ["ready", "open", "close", "message", "unread", "started", "ended"])
			Parley.q.push(["on", [name, () => {
				const seen = JSON.parse(sessionStorage.getItem("seen") || "[]");
				seen.push(name + "@" + performance.timeOrigin);
				sessionStorage.setItem("seen", JSON.stringify(seen));
			}]]);`
	shop := s.shopFor(t, d.Key, snippet)
	heard := func(name string) chromedp.Action {
		return chromedp.Poll(`JSON.parse(sessionStorage.getItem("seen") || "[]").includes(`+jsString(name)+` + "@" + performance.timeOrigin)`,
			nil, chromedp.WithPollingTimeout(20*time.Second))
	}
	w := b.openTheShopsChat(t, shop, s.baseURL)
	run(t, b.ctx, "hear the panel open and the widget ready", heard("open"), heard("ready"))
	run(t, w, "start the chat", fillTheForm("Ada", "", "Hello"), chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText(".msg.own .status", "Sent"))
	run(t, b.ctx, "hear the chat start", heard("started"))
	sid := s.joinTheWidgetsChat(t, "agent-1", "Sam")

	run(t, b.ctx, "close the panel", chromedp.Evaluate(`Parley.close()`, nil), heard("close"))
	mustSendMessage(t, s.tw, sid, "agent-1", "Are you there?")
	run(t, b.ctx, "hear the answer, unread", heard("message"), heard("unread"))

	// The visitor opens the chat again and reloads: the panel reopens by
	// itself, and the shop hears of it.
	run(t, b.ctx, "open it again", chromedp.Evaluate(`Parley.open()`, nil), heard("open"))
	run(t, b.ctx, "reload the shop", chromedp.Reload(), chromedp.WaitReady("parley-chat", chromedp.ByQuery))
	run(t, b.ctx, "hear the panel reopen and the widget ready after the reload", heard("open"), heard("ready"))
	var isOpen bool
	run(t, b.ctx, "ask whether it is open", chromedp.Evaluate(`Parley.isOpen()`, &isOpen))
	if !isOpen {
		t.Fatal("the panel did not reopen after the reload")
	}

	w = b.widgetFrame(t, s.baseURL)
	run(t, w, "end the chat", chromedp.WaitVisible("#composer", chromedp.ByID), chromedp.Click("button.end", chromedp.ByQuery),
		confirmEnd(), chromedp.WaitVisible(".ended", chromedp.ByQuery))
	run(t, b.ctx, "hear the chat end", heard("ended"))
}

// confirmEnd says yes to the widget's "End this chat?".
func confirmEnd() chromedp.Action {
	return chromedp.Tasks{
		chromedp.WaitVisible(`[role="alertdialog"] button.confirm`, chromedp.ByQuery),
		chromedp.Click(`[role="alertdialog"] button.confirm`, chromedp.ByQuery),
	}
}

func TestEndingAChatAsksInTheWidgetAndTheHeaderStaysStill(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop support"}, "WelcomeMessage": {"Hello from the shop!"}})
	shop := s.shopFor(t, d.Key, "")
	w := b.openTheShopsChat(t, shop, s.baseURL)
	headHeight := func() (h float64) {
		run(t, w, "measure the header", chromedp.Evaluate(`document.querySelector(".head").getBoundingClientRect().height`, &h))
		return h
	}
	run(t, w, "see the form", chromedp.WaitVisible("#field-friendlyName", chromedp.ByID))
	before := headHeight()
	run(t, w, "start the chat", fillTheForm("Ada", "", "Hello"), chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText(".msg.own .status", "Sent"), chromedp.WaitVisible("button.end", chromedp.ByQuery))
	if after := headHeight(); after != before {
		t.Errorf("the header is %vpx tall with the form and %vpx in the chat: it jumps", before, after)
	}
	// The welcome is signed with the deployment's name.
	run(t, w, "see who signs the welcome", waitText(".msg.welcome .author", "Shop support"))
	b.screenshot(t, b.ctx, "1-chat")

	// End chat asks in the widget, not with the browser's dialog; Escape
	// says no and gives the focus back.
	var dialogs int
	chromedp.ListenTarget(b.ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs++
		}
	})
	var focus struct{ InDialog, OnEnd bool }
	run(t, w, "ask to end the chat",
		chromedp.Click("button.end", chromedp.ByQuery),
		chromedp.WaitVisible(`[role="alertdialog"]`, chromedp.ByQuery),
		chromedp.Evaluate(`({inDialog: !!document.activeElement.closest('[role="alertdialog"]'), onEnd: false})`, &focus),
	)
	b.screenshot(t, b.ctx, "2-asked")
	if !focus.InDialog {
		t.Error("the confirmation does not take the focus")
	}
	var label string
	run(t, w, "read the question", chromedp.Evaluate(`(() => { const d = document.querySelector('[role="alertdialog"]');
		const l = d.getAttribute("aria-labelledby"); return l ? document.getElementById(l).textContent : ""; })()`, &label))
	if !strings.Contains(label, "End this chat?") {
		t.Errorf("the confirmation is labelled %q", label)
	}
	run(t, w, "say no with Escape",
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotPresent(`[role="alertdialog"]`, chromedp.ByQuery),
		chromedp.Evaluate(`({inDialog: false, onEnd: document.activeElement.matches("button.end")})`, &focus),
	)
	if !focus.OnEnd {
		t.Error("after Escape the focus is not back on End chat")
	}
	if c := mustFetchConversation(t, s.tw, s.theOneConversation(t)); *c.State == "closed" {
		t.Fatal("Escape ended the chat")
	}
	run(t, w, "end it", chromedp.Click("button.end", chromedp.ByQuery), confirmEnd(), chromedp.WaitVisible(".ended", chromedp.ByQuery))
	if c := mustFetchConversation(t, s.tw, s.theOneConversation(t)); *c.State != "closed" {
		t.Errorf("after the visitor ended it the conversation is %s", *c.State)
	}
	if dialogs != 0 {
		t.Errorf("the browser's own dialog opened %d times", dialogs)
	}
}

func TestTheWidgetSpeaksTheDeploymentsLanguage(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	run(t, b.ctx, "let the test read the launcher", openShadowRoots())
	launcher := func(ctx context.Context) (got struct{ Label, Title, Lang string }) {
		run(t, ctx, "read the launcher", chromedp.Evaluate(`(() => { const r = document.querySelector("parley-chat").shadowRoot;
			const f = r.querySelector("iframe");
			return {label: r.querySelector("button").getAttribute("aria-label"), title: f ? f.title : "",
				lang: r.querySelector("button").getAttribute("lang") || ""}; })()`, &got))
		return got
	}

	// French, with the default form.
	fr := s.createDeployment(t, url.Values{"Locale": {"fr"}, "WelcomeMessage": {""}})
	w := b.openTheShopsChat(t, s.shopFor(t, fr.Key, ""), s.baseURL)
	var labels []string
	run(t, w, "read the form", chromedp.WaitVisible("#field-friendlyName", chromedp.ByID),
		chromedp.Evaluate(`Array.from(document.querySelectorAll(".form label")).map(l => l.textContent)`, &labels))
	if want := []string{"Nom *", "E-mail", "Comment pouvons-nous vous aider ? *"}; strings.Join(labels, "|") != strings.Join(want, "|") {
		t.Errorf("the French form's labels are %q, want %q", labels, want)
	}
	run(t, b.ctx, "wait for the widget", chromedp.Poll(`document.querySelector("parley-chat").shadowRoot.querySelector("button").getAttribute("lang") == "fr"`, nil,
		chromedp.WithPollingTimeout(20*time.Second)))
	if got := launcher(b.ctx); got.Label != "Ouvrir la discussion" || got.Title != "Discussion" {
		t.Errorf("the French launcher is %+v", got)
	}
	b.screenshot(t, b.ctx, "1-french")
	// On the next page the launcher speaks French before the widget loads.
	run(t, b.ctx, "close and reload", chromedp.Evaluate(`Parley.close()`, nil), chromedp.Reload(),
		chromedp.WaitReady("parley-chat", chromedp.ByQuery))
	if got := launcher(b.ctx); got.Label != "Ouvrir la discussion" || got.Lang != "fr" {
		t.Errorf("on the next page the launcher is %+v, want French at once", got)
	}

	// Arabic, with the shop's own field labelled per language.
	form := `[{"name":"friendlyName","label":"Name","type":"text","required":true},
		{"name":"order","label":"Order number","labels":{"fr":"Numéro de commande","ar":"رقم الطلب"},"type":"text"}]`
	ar := s.createDeployment(t, url.Values{"Locale": {"ar"}, "WelcomeMessage": {""}, "PreEngagementForm": {form}})
	w = b.openTheShopsChat(t, s.shopFor(t, ar.Key, ""), s.baseURL)
	var dir string
	run(t, w, "read the Arabic form", chromedp.WaitVisible("#field-order", chromedp.ByID),
		chromedp.Evaluate(`Array.from(document.querySelectorAll(".form label")).map(l => l.textContent)`, &labels),
		chromedp.Evaluate(`document.documentElement.dir`, &dir))
	if want := []string{"الاسم *", "رقم الطلب"}; strings.Join(labels, "|") != strings.Join(want, "|") || dir != "rtl" {
		t.Errorf("the Arabic form's labels are %q (%s), want %q (rtl)", labels, dir, want)
	}
	run(t, b.ctx, "wait for the widget", chromedp.Poll(`document.querySelector("parley-chat").shadowRoot.querySelector("button").getAttribute("lang") == "ar"`, nil,
		chromedp.WithPollingTimeout(20*time.Second)))
	if got := launcher(b.ctx); got.Label != "فتح المحادثة" {
		t.Errorf("the Arabic launcher is %+v", got)
	}
	b.screenshot(t, b.ctx, "2-arabic")
}

func TestAVisitorWhoseTokenExpiredResumesTheOpenChat(t *testing.T) {
	const life = 8 * time.Second
	s := startServerWith(t, func(c *Config) { c.GuestLimits = startServerLimits; c.GuestTokenTTL = life })
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"WelcomeMessage": {""}})
	shop := s.shopFor(t, d.Key, "")
	w := b.openTheShopsChat(t, shop, s.baseURL)
	run(t, w, "start the chat", fillTheForm("Ada", "", "Where is my order?"), chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText(".msg.own .status", "Sent"))
	sid := s.joinTheWidgetsChat(t, "agent-1", "Sam")
	mustSendMessage(t, s.tw, sid, "agent-1", "It left the warehouse today.")
	run(t, w, "see the answer", waitText(".msg.other .body", "It left the warehouse today."))
	saved := savedSession(t, w, d.Key)

	// Ada leaves the shop; she comes back after her token has expired.
	leaveUntilExpired := func(expires time.Time) {
		run(t, b.ctx, "leave the shop", chromedp.Navigate("about:blank"))
		time.Sleep(time.Until(expires.Add(2 * time.Second)))
	}
	leaveUntilExpired(saved.Expires)
	w = b.openTheShopsChat(t, shop, s.baseURL)
	run(t, w, "see the chat again, its history there", waitText(".msg.other .body", "It left the warehouse today."),
		waitText(".msg.own .body", "Where is my order?"), chromedp.WaitVisible("#composer", chromedp.ByID))
	if n := countOf(t, w, "form.form"); n != 0 {
		t.Error("the returning visitor is shown the form")
	}
	b.screenshot(t, b.ctx, "1-resumed")
	run(t, w, "write again", chromedp.Click("#composer", chromedp.ByID), chromedp.SendKeys("#composer", "Thanks!", chromedp.ByID),
		typeEnter(false), waitText(".msg.own:last-of-type .status", "Sent"))
	if n := s.countMessages(t, sid, "Thanks!"); n != 1 {
		t.Errorf("the resumed chat's message reached its conversation %d times, want once", n)
	}
	if parts := mustListParticipants(t, s.tw, sid); len(parts) != 2 {
		t.Errorf("the conversation has %d participants after the resume, want the visitor and the agent", len(parts))
	}
	if convs := mustListConversations(t, s.tw); len(convs) != 1 {
		t.Errorf("%d conversations after the resume, want the one", len(convs))
	}

	// She leaves again; the agent ends the chat meanwhile: when she comes
	// back she starts afresh.
	saved = savedSession(t, w, d.Key)
	run(t, b.ctx, "leave the shop", chromedp.Navigate("about:blank"))
	mustCloseConversation(t, s.tw, sid)
	time.Sleep(time.Until(saved.Expires.Add(2 * time.Second)))
	w = b.openTheShopsChat(t, shop, s.baseURL)
	run(t, w, "see the form", chromedp.WaitVisible("#field-friendlyName", chromedp.ByID))
	if n := countOf(t, w, ".msg"); n != 0 {
		t.Errorf("the closed chat's %d messages show on the new chat's form", n)
	}
	b.screenshot(t, b.ctx, "2-closed-fresh")
}

// longTasks records the page's long tasks from its start, with what they
// are attributed to, in window.longTasks.
func longTasks() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(`window.longTasks = [];
			new PerformanceObserver(list => { for (const e of list.getEntries()) window.longTasks.push({
				start: Math.round(e.startTime), ms: Math.round(e.duration), name: e.name,
				from: e.attribution.map(a => a.containerType + " " + a.containerSrc).join(", ") }); })
			.observe({type: "longtask", buffered: true});`).Do(ctx)
		return err
	})
}

type longTask struct {
	Start, MS  float64
	Name, From string
}

func TestTheIdlePreloadDoesNotBlockTheHostPage(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	// The demo page: the widget's frame is of its own origin, so it shares
	// the page's main thread, as a cross-site frame does in a browser that
	// does not isolate sites (Safari; Chrome on smaller Android phones).
	run(t, b.ctx, "watch for long tasks", longTasks())
	run(t, b.ctx, "open the demo page, touching nothing",
		chromedp.Navigate(s.baseURL+"/"), chromedp.WaitReady("parley-chat", chromedp.ByQuery),
		chromedp.Evaluate(`window.widgetReady = false; Parley.on("ready", () => window.widgetReady = true)`, nil))
	// The page goes idle; the loader preloads the widget. Wait until the
	// WASM has arrived and either the widget ran or, a few seconds on, has not.
	deadline := time.Now().Add(30 * time.Second)
	for !b.requested(".wasm") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !b.requested(".wasm") {
		t.Fatal("the idle page never preloaded the widget's WASM")
	}
	var ready bool
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && !ready; time.Sleep(100 * time.Millisecond) {
		run(t, b.ctx, "is the widget running?", chromedp.Evaluate(`window.widgetReady`, &ready))
	}
	time.Sleep(time.Second) // what a running widget would still be doing
	var tasks []longTask
	run(t, b.ctx, "read the long tasks", chromedp.Evaluate(`window.longTasks`, &tasks))
	// A long task is one over 50 ms. One in the widget's frames fails the
	// test; the host page's own ("self": parsing, layout, the loader) fails
	// it past 100 ms. The host page's own first load has run a little over
	// 50 ms (51, 61 ms) when the test's two cores were shared with other
	// test packages, while the widget running at idle, which this test
	// stops, took 130 and 290 ms.
	var total float64
	over := 0
	for _, lt := range tasks {
		t.Logf("long task before any click: %+v", lt)
		total += lt.MS
		if lt.MS > 100 || lt.Name != "self" && lt.MS > 50 {
			over++
		}
	}
	if over > 0 {
		t.Errorf("before the visitor showed any intent the page had %d long tasks over the limit (%.0f ms in all); want none", over, total)
	}
	if ready {
		t.Error("the widget started running before the visitor showed any intent")
	}

	// The visitor clicks the launcher: the form comes, and the widget runs.
	var clickToReady float64
	var size struct{ W, H float64 }
	run(t, b.ctx, "measure the window", chromedp.Evaluate(`({w: innerWidth, h: innerHeight})`, &size))
	run(t, b.ctx, "click the launcher",
		chromedp.Evaluate(`window.clicked = 0; window.readyAt = 0; Parley.on("ready", () => window.readyAt = performance.now());
			document.querySelector("parley-chat").addEventListener("click", () => window.clicked = performance.now(), {capture: true})`, nil),
		chromedp.MouseClickXY(size.W-48, size.H-48),
		chromedp.Poll(`window.readyAt > 0 && window.clicked > 0`, nil, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Evaluate(`window.readyAt - window.clicked`, &clickToReady),
	)
	t.Logf("click to ready after the idle preload: %.0f ms (a measurement; see BenchmarkWidgetClickToForm)", clickToReady)
	var open bool
	run(t, b.ctx, "see the panel open", chromedp.Evaluate(`Parley.isOpen()`, &open))
	if !open {
		t.Error("the click did not open the chat")
	}
}
