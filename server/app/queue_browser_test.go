package app

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestTheWidgetShowsThePlaceInLine: a visitor waits behind another
// customer for the only agent. The widget says they are 2nd in line, then
// next as the agent takes the other chat, and says nothing of a line once
// the agent takes theirs.
func TestTheWidgetShowsThePlaceInLine(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop support"}})
	shop := shopSite(t, s.baseURL, d.Key)
	if r := s.postForm(t, "/parley/v1/Deployments/"+d.Key, url.Values{"AllowedOrigins": {shop}}); r.status != 200 {
		t.Fatalf("allow the shop's origin: %d %s", r.status, r.text)
	}
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	ana.mustCall(t, "POST", ana.workerPath("/Channels/chat"), url.Values{"Capacity": {"1"}}, nil)
	// Ada asked first, from another page.
	if r := s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, startChat(d.Key, "Ada", "First")); r.status != http.StatusOK {
		t.Fatalf("Ada's chat: %d %s", r.status, r.text)
	}

	run(t, b.ctx, "open the shop", chromedp.Navigate(shop+"/"), chromedp.WaitReady("parley-chat", chromedp.ByQuery))
	run(t, b.ctx, "open the chat", chromedp.Evaluate(`Parley.open()`, nil))
	w := b.widgetFrame(t, s.baseURL)
	run(t, w, "Bob asks", fillTheForm("Bob", "bob@example.com", "Second"),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText(".msg.own .body", "Second"),
		waitText(`#queue[role="status"][aria-live="polite"]`, "You are 2nd in line"),
	)
	b.screenshot(t, b.ctx, "queue-1-second")

	ana.goAvailable(t)
	offer := ana.waitForOffer(t)
	ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	run(t, w, "Bob is next", waitText("#queue", "You are next in line"))
	b.screenshot(t, b.ctx, "queue-2-next")

	tasks := "/taskrouter/v1/Workspaces/" + ana.WorkspaceSID + "/Tasks/" + offer.TaskSID
	ana.mustCall(t, "POST", tasks, url.Values{"AssignmentStatus": {"wrapping"}}, nil)
	ana.mustCall(t, "POST", tasks, url.Values{"AssignmentStatus": {"completed"}}, nil)
	next := ana.waitForOffer(t)
	ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+next.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	run(t, w, "the line is gone as Ana joins", chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(20 * time.Second)
		for {
			var text string
			if err := chromedp.Evaluate(`document.querySelector("#queue") ? document.querySelector("#queue").textContent : "missing"`, &text).Do(ctx); err != nil {
				return err
			}
			if text == "" {
				return nil
			}
			if time.Now().After(deadline) {
				t.Errorf("after Ana joined the widget still says %q", text)
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
	}))
	b.screenshot(t, b.ctx, "queue-3-joined")
}
