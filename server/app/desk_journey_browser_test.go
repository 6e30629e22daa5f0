package app

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// shopWithTheDesk is a shop embedding a deployment whose form asks for an
// order number besides the defaults, and an agent signed in to the desk,
// Available.
type shopWithTheDesk struct {
	s    *testServer
	b    *browser
	shop string
	desk context.Context
}

func openShopAndDesk(t *testing.T) *shopWithTheDesk {
	t.Helper()
	s := startServer(t)
	b := startBrowser(t, s)
	if !s.app.front.BuiltDesktop() {
		t.Fatal("the desktop WASM is not built into this test binary: run make build")
	}
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop support"}, "WelcomeMessage": {"Hello from the shop!"},
		"PreEngagementForm": {`[{"name":"friendlyName","label":"Name","type":"text","required":true},
			{"name":"email","label":"Email address","type":"email"},
			{"name":"order_number","label":"Order number","type":"text"},
			{"name":"question","label":"How can we help?","type":"textarea","required":true}]`}})
	shop := shopSite(t, s.baseURL, d.Key)
	if r := s.postForm(t, "/parley/v1/Deployments/"+d.Key, url.Values{"AllowedOrigins": {shop}}); r.status != 200 {
		t.Fatalf("allow the shop's origin: %d %s", r.status, r.text)
	}
	desk := b.signInToTheDesk(t, s, ana.Email)
	run(t, desk, "Ana goes Available", setActivity("Available"))
	return &shopWithTheDesk{s: s, b: b, shop: shop, desk: desk}
}

// visitorAsks opens the shop, opens the chat and sends the form; it
// returns the widget's frame.
func (x *shopWithTheDesk) visitorAsks(t *testing.T, name, question string) context.Context {
	t.Helper()
	run(t, x.b.ctx, "open the shop", chromedp.Navigate(x.shop+"/"), chromedp.WaitReady("parley-chat", chromedp.ByQuery))
	run(t, x.b.ctx, "open the chat", chromedp.Evaluate(`Parley.open()`, nil))
	w := x.b.widgetFrame(t, x.s.baseURL)
	run(t, w, name+" asks",
		fillTheForm(name, strings.ToLower(name)+"@example.com", question),
		chromedp.SendKeys("#field-order_number", "1234", chromedp.ByID),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText(".msg.own .body", question),
	)
	return w
}

// keyEnter presses Enter as a keyboard does: one keyDown carrying its text,
// which Chromium turns into keydown, keypress and the new line unless a
// keydown listener prevents it. (chromedp's SendKeys sends the text as a
// separate char event, which no listener can prevent, and pressEnter none
// at all: neither is what a person's Enter does.)
func keyEnter(modifiers input.Modifier) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		down := input.DispatchKeyEvent(input.KeyDown).WithKey("Enter").WithCode("Enter").
			WithWindowsVirtualKeyCode(13).WithNativeVirtualKeyCode(13).WithText("\r").WithUnmodifiedText("\r").WithModifiers(modifiers)
		if err := down.Do(ctx); err != nil {
			return err
		}
		return input.DispatchKeyEvent(input.KeyUp).WithKey("Enter").WithCode("Enter").
			WithWindowsVirtualKeyCode(13).WithNativeVirtualKeyCode(13).WithModifiers(modifiers).Do(ctx)
	})
}

// composerValue reads what the desk's composer holds.
func composerValue(t *testing.T, ctx context.Context) string {
	t.Helper()
	var v string
	run(t, ctx, "read the composer", chromedp.Evaluate(`document.getElementById("composer").value`, &v))
	return v
}

func TestAVisitorOnAShopChatsWithTheDeskThenLeaves(t *testing.T) {
	x := openShopAndDesk(t)
	w := x.visitorAsks(t, "Ada", "Where is my parcel?")

	// The offer names the form's fields by their labels, not their keys.
	var terms []string
	run(t, x.desk, "Ana sees the offer", waitText(".offer .who", "Ada"),
		chromedp.Evaluate(`[...document.querySelectorAll(".offer .answers dt")].map(e => e.textContent)`, &terms))
	if strings.Join(terms, ",") != "Email address,Order number" {
		t.Errorf("the offer's fields read %q, want the form's labels Email address and Order number", terms)
	}
	run(t, x.desk, "Ana accepts", chromedp.Click(".offer .accept", chromedp.ByQuery),
		waitText(".msg .body", "Where is my parcel?"), waitText(".msg .body", "Hello from the shop!"))

	// The welcome message is signed with the deployment's name, as the
	// widget signs it.
	var welcomeBy string
	run(t, x.desk, "read who signed the welcome",
		chromedp.Evaluate(`[...document.querySelectorAll(".msg")].find(m => m.textContent.includes("Hello from the shop!")).querySelector(".author").textContent`, &welcomeBy))
	if welcomeBy != "Shop support" {
		t.Errorf("the desk signs the welcome message %q, want the deployment's name Shop support", welcomeBy)
	}
	run(t, w, "the widget signs it the same way", waitText(".msg.welcome", "Shop support"))

	// Enter sends and leaves the composer empty; Shift+Enter makes a new
	// line. Enter comes both ways a keyboard may send it: its character
	// apart from its keydown (SendKeys), and with it (keyEnter).
	run(t, x.desk, "Ana answers with Enter", chromedp.SendKeys("#composer", "Let me look.\n", chromedp.ByID),
		waitText(".msg.mine .body", "Let me look."))
	run(t, w, "Ada reads the answer", waitText(".msg.other .body", "Let me look."))
	if v := composerValue(t, x.desk); v != "" {
		t.Errorf("after Enter sent the reply the composer holds %q, want it empty", v)
	}
	run(t, x.desk, "Ana writes two lines",
		chromedp.SendKeys("#composer", "It left the depot", chromedp.ByID),
		keyEnter(input.ModifierShift),
		chromedp.SendKeys("#composer", "this morning.", chromedp.ByID))
	if v := composerValue(t, x.desk); v != "It left the depot\nthis morning." {
		t.Errorf("Shift+Enter: the composer holds %q, want two lines", v)
	}
	run(t, x.desk, "Ana sends them", keyEnter(0),
		waitText(".msg.mine .body", "this morning."))
	if v := composerValue(t, x.desk); v != "" {
		t.Errorf("after sending two lines the composer holds %q, want it empty", v)
	}
	x.b.screenshot(t, x.desk, "1-chatting")

	// Ada ends the chat in the widget: the desk shows at once that she
	// left, takes the composer away and offers the wrap-up.
	run(t, w, "Ada ends the chat", chromedp.Click("button.end", chromedp.ByQuery), confirmEnd(), chromedp.WaitVisible(".ended", chromedp.ByQuery))
	run(t, x.desk, "Ana sees Ada left",
		waitText("#customer-left", "Ada left the chat"),
		waitText(".chat-tab .tag", "wrap-up"),
		chromedp.WaitVisible("#disposition", chromedp.ByID),
	)
	if n := countOf(t, x.desk, "#composer"); n != 0 {
		t.Errorf("the desk still offers a composer after the customer left")
	}
	x.b.screenshot(t, x.desk, "2-customer-left")
	run(t, x.desk, "Ana wraps up", choose("#disposition", "Customer left"), chromedp.Click("#complete", chromedp.ByID),
		waitText(".hint", "No chats yet"))
	r := x.s.get(t, "/taskrouter/v1/Workspaces/"+mustDeskWorkspace(t, x.s)+"/Tasks?AssignmentStatus=completed")
	if r.status != http.StatusOK || !strings.Contains(r.text, `\"outcome\":\"no-answer\"`) {
		t.Errorf("the completed task does not carry the outcome: %d %s", r.status, r.text)
	}
}

func mustDeskWorkspace(t *testing.T, s *testServer) string {
	t.Helper()
	k, ok, err := s.app.desk.Find(context.Background())
	if err != nil || !ok {
		t.Fatalf("the desk: %v %v", ok, err)
	}
	return k.WorkspaceSID
}

// refuser answers the desk's reads of conversations 403, as the server
// did while the agent was not yet on the conversation, until lifted.
type refuser struct {
	on      atomic.Bool
	mu      sync.Mutex
	refused map[string]int // by kind of read
}

func (f *refuser) count(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refused[kind]
}

// intercept pauses the tab's requests to the Conversations API and
// refuses them while f is on.
func (f *refuser) intercept(t *testing.T, tab context.Context) {
	t.Helper()
	f.refused = map[string]int{}
	chromedp.ListenTarget(tab, func(ev any) {
		e, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		go func() {
			ctx := cdp.WithExecutor(tab, chromedp.FromContext(tab).Target)
			u := e.Request.URL
			if !f.on.Load() || e.Request.Method != "GET" {
				fetch.ContinueRequest(e.RequestID).Do(ctx)
				return
			}
			kind := "conversation"
			switch {
			case strings.Contains(u, "/Messages"):
				kind = "messages"
			case strings.Contains(u, "/ParticipantConversations"):
				kind = "past"
			}
			f.mu.Lock()
			f.refused[kind]++
			f.mu.Unlock()
			body := `{"code":20403,"message":"not a participant of the conversation yet","more_info":"","status":403}`
			fetch.FulfillRequest(e.RequestID, 403).WithResponseHeaders([]*fetch.HeaderEntry{
				{Name: "Content-Type", Value: "application/json"}}).WithBody(base64.StdEncoding.EncodeToString([]byte(body))).Do(ctx)
		}()
	})
	run(t, tab, "intercept the desk's reads of conversations", fetch.Enable().WithPatterns([]*fetch.RequestPattern{
		{URLPattern: "*/conversations/v1/Conversations/*"}, {URLPattern: "*/conversations/v1/ParticipantConversations*"}}))
}

// The desk loads a chat's thread right after the accept. When that load
// fails (the server refused it, the network dropped), the desk must not
// stay empty with "Earlier conversations" loading forever: it tries again,
// and choosing the chat again loads it.
func TestTheDeskRecoversWhenAChatFailsToLoad(t *testing.T) {
	x := openShopAndDesk(t)
	var f refuser
	f.intercept(t, x.desk)
	f.on.Store(true)

	x.visitorAsks(t, "Ada", "Where is my parcel?")
	run(t, x.desk, "Ana accepts while the server refuses her reads", waitText(".offer .who", "Ada"),
		chromedp.Click(".offer .accept", chromedp.ByQuery), waitText(".chat-tab", "Ada"))
	eventually(t, func() bool { return f.count("messages") > 0 && f.count("past") > 0 },
		func() string { return "the desk never asked for the thread and the earlier conversations" })
	x.b.screenshot(t, x.desk, "1-load-failed")

	// The server is ready now; Ana chooses the chat again.
	f.on.Store(false)
	run(t, x.desk, "Ana chooses the chat again", chromedp.Click(".chat-tab", chromedp.ByQuery))
	run(t, x.desk, "the thread and the earlier conversations load",
		waitText(".msg .body", "Where is my parcel?"),
		waitText("#past-none", "No earlier conversations."),
	)
	x.b.screenshot(t, x.desk, "2-recovered")
}
