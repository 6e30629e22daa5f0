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

func TestAnAgentTextsACustomerFirstFromTheDesk(t *testing.T) {
	s := startServerWith(t, func(c *Config) { c.Channels.Simulator = true })
	b := startBrowser(t, s)
	if !s.app.front.BuiltDesktop() {
		t.Fatal("the desktop WASM is not built into this test binary: run make build")
	}
	s.mustCreateAgent(t, "ana@example.com", "agent")
	desk := b.signInToTheDesk(t, s, "ana@example.com")
	run(t, desk, "Ana goes Available and texts a customer",
		setActivity("Available"),
		chromedp.Click("#new-text", chromedp.ByID),
		choose("#outbound-from", "Sms: "+DemoPhoneNumber),
		chromedp.SendKeys("#outbound-to", "+1 555 333 4444", chromedp.ByID),
		chromedp.SendKeys("#outbound-body", "Your repair is done: pick it up any time.", chromedp.ByID),
		chromedp.Click("#outbound-send", chromedp.ByID),
		waitText(".msg.mine .body", "Your repair is done: pick it up any time."),
	)
	b.screenshot(t, desk, "outbound-sent")

	// The customer's phone gets it, from the desk's number.
	var texts struct{ Texts []struct{ From, Body string } }
	eventually(t, func() bool {
		json2(s.do(t, rawRequest{method: "GET", path: "/simulator/api/messages?Phone=%2B15553334444", noAuth: true}), &texts)
		return len(texts.Texts) > 0
	}, func() string { return "the customer's phone got nothing" })
	if got := texts.Texts[0]; got.From != DemoPhoneNumber || got.Body != "Your repair is done: pick it up any time." {
		t.Errorf("the phone got %+v", got)
	}

	// The customer's answer comes back into the same chat.
	r := s.do(t, rawRequest{method: "POST", path: "/simulator/api/messages", noAuth: true, contentType: "application/x-www-form-urlencoded",
		body: url.Values{"From": {"+15553334444"}, "To": {DemoPhoneNumber}, "Body": {"Great, thanks!"}}.Encode()})
	if r.status != 201 {
		t.Fatalf("the customer's answer: %d %s", r.status, r.text)
	}
	run(t, desk, "Ana reads the answer", waitText(".msg.customer .body", "Great, thanks!"))
	var chats int
	run(t, desk, "count chats", chromedp.Evaluate(`document.querySelectorAll(".chat-list li").length`, &chats))
	if chats != 1 {
		t.Errorf("the desk shows %d chats, want the one conversation", chats)
	}
}
