package app

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"parley/shared/model"
)

func TestADeveloperTextsTheDeskFromThePhoneSimulator(t *testing.T) {
	s := startServerWith(t, func(c *Config) { c.Channels.Simulator = true })
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	ana.goAvailable(t)
	b := startBrowser(t, s)

	run(t, b.ctx, "open the simulator and text the demo number",
		chromedp.Navigate(s.baseURL+"/simulator"),
		chromedp.WaitVisible("#body", chromedp.ByQuery),
		chromedp.SetValue("#from", "+15551112222", chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById("from").dispatchEvent(new Event("change"))`, nil),
		chromedp.SendKeys("#body", "Is my <b>order</b> ready?", chromedp.ByQuery),
		chromedp.Click("#compose button", chromedp.ByQuery),
		chromedp.WaitVisible("#thread li.out", chromedp.ByQuery),
	)

	offer := ana.waitForOffer(t)
	var task model.Task
	ana.mustCall(t, "GET", "/taskrouter/v1/Workspaces/"+ana.WorkspaceSID+"/Tasks/"+offer.TaskSID, nil, &task)
	var attrs struct{ From, ConversationSid string }
	json.Unmarshal([]byte(task.Attributes), &attrs)
	if attrs.From != "+15551112222" || task.TaskChannelUniqueName != "sms" {
		t.Fatalf("the desk was offered %s on %q; want the simulator's text over sms", task.Attributes, task.TaskChannelUniqueName)
	}
	ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	mustSendMessage(t, s.tw, attrs.ConversationSid, ana.Identity, "Yes: it leaves today <script>alert(1)</script>")

	var replies []string
	run(t, b.ctx, "read the agent's reply on the phone",
		chromedp.WaitVisible("#thread li.in", chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("#thread li")].map(li => li.className + ": " + li.textContent)`, &replies),
	)
	b.screenshot(t, b.ctx, "simulator")
	want := []string{"out: Is my <b>order</b> ready?", "in: Yes: it leaves today <script>alert(1)</script>"}
	if strings.Join(replies, "\n") != strings.Join(want, "\n") {
		t.Errorf("the phone shows %q, want %q (as text, never as markup)", replies, want)
	}

	// The phone read it: the reply's receipt says delivered.
	eventually(t, func() bool {
		var page struct{ Messages []model.Message }
		json2(s.get(t, "/conversations/v1/Conversations/"+attrs.ConversationSid+"/Messages"), &page)
		last := page.Messages[len(page.Messages)-1]
		return last.Delivery != nil && last.Delivery.Delivered == "all"
	}, func() string { return "the reply was never reported delivered" })
}
