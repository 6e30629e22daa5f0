package app

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The agent ends the chat; the visitor (a customer the shop signed in)
// rates it with the keyboard alone, hearing the question and each score;
// the widget thanks them and the survey is gone. The supervisor then finds
// the rating in the desk's reports, with the survey's response rate; and
// when the customer comes back, the agent who takes the new chat sees the
// rated one among the customer's earlier conversations, its stars named
// for a screen reader.
func TestAVisitorRatesTheEndedChatWithTheKeyboardAndTheDeskReportsIt(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	if !s.app.front.BuiltDesktop() {
		t.Fatal("the desktop WASM is not built into this test binary: run make build")
	}
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop support"}, "Csat.Enabled": {"true"},
		"Csat.Question.en": {"How did we do today?"}})
	// The shop signs Ada in, so that her next chat is known as hers.
	signIn := `window.Parley = {q: [["setUser", [{token: ` + jsString(signIdentity(t, d.Secret, "customer-7", "Ada", time.Hour)) + `}]]]};`
	shop := s.shopFor(t, d.Key, signIn)
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	s.mustCreateAgent(t, "sue@example.com", "supervisor")
	ana.goAvailable(t)

	run(t, b.ctx, "open the shop", chromedp.Navigate(shop+"/"), chromedp.WaitReady("parley-chat", chromedp.ByQuery))
	run(t, b.ctx, "open the chat", chromedp.Evaluate(`Parley.open()`, nil))
	w := b.widgetFrame(t, s.baseURL)
	run(t, w, "ask, without a form", chromedp.WaitVisible("#queue", chromedp.ByID),
		chromedp.Click("#composer", chromedp.ByID), chromedp.SendKeys("#composer", "Is the kettle in stock?", chromedp.ByID), typeEnter(false), waitText(".msg.own .body", "Is the kettle in stock?"))
	offer := ana.waitForOffer(t)
	ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	var convs struct{ Conversations []struct{ SID string } }
	json2(s.get(t, "/conversations/v1/Conversations"), &convs)
	sid := convs.Conversations[0].SID

	// The agent's side ends it.
	mustCloseConversation(t, s.tw, sid)
	run(t, w, "the survey is asked", waitText("#csat legend", "How did we do today?"))
	axeCheck(t, w, "the survey")
	b.screenshot(t, b.ctx, "csat-1-asked")
	var names []string
	// What a screen reader says of each radio: its label, less what is
	// hidden from it (the big digit drawn for the eye).
	run(t, w, "read the scores' names", chromedp.Evaluate(`[...document.querySelectorAll('#csat input[type=radio]')].map(r =>
		[...r.labels[0].children].filter(c => c.getAttribute("aria-hidden") != "true").map(c => c.textContent).join("").trim())`, &names))
	if strings.Join(names, "|") != "1 – Very poor|2 – Poor|3 – Okay|4 – Good|5 – Excellent" {
		t.Errorf("the scores are named %q", names)
	}

	// Keys only: Tab into the group, arrows to 4, Tab to the comment, Tab
	// to Send, Enter.
	keys := w
	tabTo(t, keys, w, "#csat-1", false, 10)
	run(t, keys, "arrows choose 4", press(kb.ArrowRight), press(kb.ArrowRight), press(kb.ArrowRight), focusIs("#csat-4"))
	var checked bool
	run(t, w, "4 is chosen", chromedp.JavascriptAttribute("#csat-4", "checked", &checked, chromedp.ByID))
	if !checked {
		t.Error("the arrows did not choose 4")
	}
	tabTo(t, keys, w, "#csat-comment", false, 3)
	run(t, keys, "type a comment", typeKeys("Quick and kind"))
	tabTo(t, keys, w, "#csat-send", false, 3)
	run(t, keys, "Enter sends the rating", press(kb.Enter))
	run(t, w, "thanks, and the survey is gone", waitText("#csat-thanks", "Thank you"), focusIs("#csat-thanks"),
		chromedp.WaitNotPresent("#csat", chromedp.ByID))
	axeCheck(t, w, "the thanks")
	b.screenshot(t, b.ctx, "csat-2-thanked")
	if got := s.ratingOf(t, sid); got["score"] != float64(4) || got["comment"] != "Quick and kind" {
		t.Fatalf("the conversation carries the rating %v", got)
	}

	// The supervisor's reports: the average and the response rate.
	eventually(t, func() bool {
		return strings.Contains(s.get(t, "/parley/v1/Reports/Conversations").text, `"csat_count":1`)
	}, func() string { return "the rating never reached the report" })
	sue := b.signInToTheDesk(t, s, "sue@example.com")
	run(t, sue, "Sue opens the reports", chromedp.Click("#nav-reports", chromedp.ByID),
		waitText(".report-total .csat-rate", "100% of 1"))
	var row string
	run(t, sue, "read the totals", chromedp.Text(".report-total", &row, chromedp.ByQuery, chromedp.NodeVisible))
	if !strings.Contains(row, "4.0 (1)") {
		t.Errorf("the totals row says %q, want the CSAT 4.0 (1)", row)
	}
	axeCheck(t, sue, "the reports with the response rate")
	b.screenshot(t, sue, "csat-3-reports")

	// Ada comes back the next day; Ana, the first chat wrapped up, takes
	// the new one at the desk and sees the rated one among Ada's earlier
	// conversations: the stars, named for a screen reader, the comment on
	// hover.
	ana.mustCall(t, "POST", "/taskrouter/v1/Workspaces/"+ana.WorkspaceSID+"/Tasks/"+offer.TaskSID,
		url.Values{"AssignmentStatus": {"completed"}}, nil)
	desk := b.signInToTheDesk(t, s, "ana@example.com")
	run(t, desk, "Ana is Available", setActivity("Available"))
	run(t, b.ctx, "Ada opens the shop again", chromedp.Navigate(shop+"/"), chromedp.WaitReady("parley-chat", chromedp.ByQuery),
		chromedp.Evaluate(`Parley.open()`, nil))
	w = b.widgetFrame(t, s.baseURL)
	run(t, w, "Ada asks again", chromedp.WaitVisible("#queue", chromedp.ByID),
		chromedp.Click("#composer", chromedp.ByID), chromedp.SendKeys("#composer", "Back about the kettle", chromedp.ByID), typeEnter(false), waitText(".msg.own .body", "Back about the kettle"))
	run(t, desk, "Ana accepts Ada's new chat", waitText(".offer .who", "Ada"),
		chromedp.Click(".offer .accept", chromedp.ByQuery), waitText(".msg .body", "Back about the kettle"),
		waitText("#past .past .csat", "★ 4/5"))
	var label, title string
	var ok bool
	run(t, desk, "read the rating's names",
		chromedp.AttributeValue("#past .past .csat", "aria-label", &label, &ok, chromedp.ByQuery),
		chromedp.AttributeValue("#past .past .csat", "title", &title, nil, chromedp.ByQuery))
	if label != "Rated 4 out of 5" || title != "Quick and kind" {
		t.Errorf("the earlier chat's rating is named %q (title %q), want \"Rated 4 out of 5\" (\"Quick and kind\")", label, title)
	}
	if n := countOf(t, desk, "#past .past"); n != 1 {
		t.Errorf("%d earlier conversations listed, want the rated one", n)
	}
	axeCheck(t, desk, "the customer's earlier, rated conversation")
	b.screenshot(t, desk, "csat-4-desk-earlier-rating")
}
