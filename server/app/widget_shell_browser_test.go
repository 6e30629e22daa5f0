package app

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
)

// The widget's page draws its first screen itself, so a visitor can fill
// in the form while the WebAssembly loads. These tests hold the WASM back
// to act in that window, then let it through and see the widget carry on.

func TestAVisitorWhoSendsTheFormBeforeTheWidgetLoadsGetsTheirChat(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop support"}, "WelcomeMessage": {""}})
	wasm := holdWasm(t, b.ctx)

	run(t, b.ctx, "open the widget, its WASM held back",
		chromedp.Navigate(s.baseURL+"/widget/?key="+d.Key),
		waitText("#boot .title", "Shop support"),
		chromedp.Click("#boot-friendlyName", chromedp.ByID),
		chromedp.SendKeys("#boot-friendlyName", "Ada", chromedp.ByID),
		chromedp.SendKeys("#boot-email", "ada@example.com", chromedp.ByID),
		chromedp.SendKeys("#boot-question", "Is the blue kettle in stock?", chromedp.ByID),
	)
	if running := countOf(t, b.ctx, "#field-friendlyName"); running != 0 {
		t.Fatal("the widget's own form is there already: the test did not hold its WASM back")
	}
	b.screenshot(t, b.ctx, "1-first-screen")
	run(t, b.ctx, "send the form", chromedp.Click(`#boot button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#boot .hint", chromedp.ByQuery))
	b.screenshot(t, b.ctx, "2-sent-early")

	wasm.release()
	run(t, b.ctx, "see the chat start with the question", waitText(".msg.own .body", "Is the blue kettle in stock?"))
	if n := countOf(t, b.ctx, "#boot"); n != 0 {
		t.Error("the first screen is still in the page after the widget took over")
	}
	convs, err := s.tw.ConversationsV1.ListConversation(nil)
	if err != nil || len(convs) != 1 {
		t.Fatalf("want the one conversation the form started, got %d (%v)", len(convs), err)
	}
	parts, err := s.tw.ConversationsV1.ListConversationParticipant(*convs[0].Sid, nil)
	if err != nil || len(parts) != 1 || parts[0].Attributes == nil {
		t.Fatalf("want the visitor as the one participant: %v", err)
	}
	if attrs := *parts[0].Attributes; !strings.Contains(attrs, `"friendlyName":"Ada"`) {
		t.Errorf("the visitor's attributes are %s, want the name typed before the widget loaded", attrs)
	}

	// A reload resumes the chat: the first screen shows a spinner, not a
	// form the visitor no longer needs.
	wasm = holdWasm(t, b.ctx)
	run(t, b.ctx, "reload, the WASM held back", chromedp.Reload(), chromedp.WaitVisible("#boot .loading", chromedp.ByQuery))
	var formShown bool
	run(t, b.ctx, "look for the form", chromedp.Evaluate(`document.querySelector("#boot .form").checkVisibility()`, &formShown))
	if formShown {
		t.Error("a visitor with a chat under way sees the form again while the widget loads")
	}
	wasm.release()
	run(t, b.ctx, "see the chat again", waitText(".msg.own .body", "Is the blue kettle in stock?"))
}

func TestTheWidgetKeepsWhatWasTypedAndWhereBeforeItLoaded(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"WelcomeMessage": {""}})
	wasm := holdWasm(t, b.ctx)

	run(t, b.ctx, "type in the first screen",
		chromedp.Navigate(s.baseURL+"/widget/?key="+d.Key),
		chromedp.WaitVisible("#boot-friendlyName", chromedp.ByID),
		chromedp.Click("#boot-friendlyName", chromedp.ByID),
		chromedp.SendKeys("#boot-friendlyName", "Grace", chromedp.ByID),
		chromedp.SendKeys("#boot-question", "My order has not arrived", chromedp.ByID),
		// The caret sits after "My order", as if the visitor went back to fix a word.
		chromedp.Evaluate(`document.getElementById("boot-question").setSelectionRange(8, 8)`, nil),
	)
	wasm.release()
	var got struct {
		Name, Question, Focused string
		Caret                   int
	}
	run(t, b.ctx, "let the widget take over",
		chromedp.WaitReady("#field-question", chromedp.ByID),
		chromedp.WaitNotPresent("#boot", chromedp.ByID),
		chromedp.Evaluate(`({
			name: document.getElementById("field-friendlyName").value,
			question: document.getElementById("field-question").value,
			focused: document.activeElement.id,
			caret: document.activeElement.selectionStart,
		})`, &got),
	)
	want := struct {
		Name, Question, Focused string
		Caret                   int
	}{"Grace", "My order has not arrived", "field-question", 8}
	if got != want {
		t.Errorf("after the widget took over: %+v, want %+v", got, want)
	}
	if convs, err := s.tw.ConversationsV1.ListConversation(nil); err != nil || len(convs) != 0 {
		t.Errorf("%d chats started (%v), though the visitor never sent the form", len(convs), err)
	}
}

// heldWasm is the widget's WASM download, paused in the browser.
type heldWasm struct {
	ctx     context.Context
	mu      sync.Mutex
	paused  []fetch.RequestID
	through bool
	stop    context.CancelFunc // ends the listening
}

// holdWasm pauses every .wasm request of the tab until release.
func holdWasm(t testing.TB, ctx context.Context) *heldWasm {
	t.Helper()
	h := &heldWasm{ctx: ctx}
	lctx, stop := context.WithCancel(ctx)
	h.stop = stop
	t.Cleanup(stop)
	chromedp.ListenTarget(lctx, func(ev any) {
		e, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.through {
			go h.let(e.RequestID)
			return
		}
		h.paused = append(h.paused, e.RequestID)
	})
	run(t, ctx, "hold the WASM back", fetch.Enable().WithPatterns([]*fetch.RequestPattern{{URLPattern: "*.wasm"}}))
	return h
}

// release lets the held requests, and any later ones, through.
func (h *heldWasm) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.through = true
	for _, id := range h.paused {
		h.let(id)
	}
	h.paused = nil
	chromedp.Run(h.ctx, fetch.Disable())
	h.stop()
}

func (h *heldWasm) let(id fetch.RequestID) {
	chromedp.Run(h.ctx, fetch.ContinueRequest(id))
}

// countOf counts the elements matching sel.
func countOf(t testing.TB, ctx context.Context, sel string) int {
	t.Helper()
	var n int
	run(t, ctx, "count "+sel, chromedp.Evaluate(`document.querySelectorAll(`+jsString(sel)+`).length`, &n))
	return n
}
