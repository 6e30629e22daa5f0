package app

import (
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	conv "github.com/twilio/twilio-go/rest/conversations/v1"
)

func TestASignedInCustomerSkipsTheFormAndRereadsTheirEarlierChats(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop support"}, "WelcomeMessage": {""}})

	// Grace chatted last week, about her kettle; that chat has ended.
	before := s.guest(t, "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key},
		"Identity": {signIdentity(t, d.Secret, "customer-42", "Grace", time.Hour)}, "PreEngagementData": {`{"question":"My kettle leaks"}`}})
	if before.status != 200 {
		t.Fatalf("Grace's earlier chat: %d %s", before.status, before.text)
	}
	earlierSID, _ := before.json["conversation_sid"].(string)
	if _, err := s.tw.ConversationsV1.UpdateConversation(earlierSID, (&conv.UpdateConversationParams{}).SetState("closed")); err != nil {
		t.Fatal(err)
	}

	// The shop signs her in, with the documented snippet, before the loader runs.
	signIn := `window.Parley = {q: [["setUser", [{token: ` + jsString(signIdentity(t, d.Secret, "customer-42", "Grace", time.Hour)) + `}]]]};`
	shop := shopSiteWith(t, s.baseURL, d.Key, signIn)
	if r := s.postForm(t, "/parley/v1/Deployments/"+d.Key, url.Values{"AllowedOrigins": {shop}}); r.status != 200 {
		t.Fatalf("allow the shop's origin: %d %s", r.status, r.text)
	}
	run(t, b.ctx, "open the shop's chat", chromedp.Navigate(shop+"/"), chromedp.WaitReady("parley-chat", chromedp.ByQuery),
		chromedp.Evaluate(`Parley.open()`, nil))
	w := b.widgetFrame(t, s.baseURL)
	run(t, w, "see the chat, no form", chromedp.WaitVisible("#composer", chromedp.ByID))
	if n := countOf(t, w, "form.form"); n != 0 {
		t.Error("a signed-in customer is shown the form")
	}
	mine, err := s.tw.ConversationsV1.ListParticipantConversation((&conv.ListParticipantConversationParams{}).SetIdentity("cust_" + d.Key + "_customer-42"))
	if err != nil || len(mine) != 2 {
		t.Fatalf("want Grace in her earlier chat and a new one, got %d (%v)", len(mine), err)
	}

	// Halfway through a message she looks back at the kettle chat.
	run(t, w, "start a message", chromedp.Click("#composer", chromedp.ByID), chromedp.SendKeys("#composer", "About my order", chromedp.ByID))
	run(t, w, "open the earlier chats",
		chromedp.Click(".head .history", chromedp.ByQuery),
		waitText("#earlier .past-item", "My kettle leaks"),
		waitText("#earlier .past-item .past-meta", "Ended"),
	)
	if n := countOf(t, w, "#earlier .past-item"); n != 1 {
		t.Errorf("%d earlier chats listed, want the one (not the chat under way)", n)
	}
	b.screenshot(t, b.ctx, "1-earlier-chats")
	run(t, w, "read the kettle chat",
		chromedp.Click("#earlier .past-item", chromedp.ByQuery),
		waitText("#earlier .past-messages .msg.own .body", "My kettle leaks"),
		waitText("#earlier h2", "My kettle leaks"),
	)
	b.screenshot(t, b.ctx, "2-kettle-chat")

	// Back to the list, then Escape back to her chat, her words still there.
	var typed string
	run(t, w, "go back to the chat",
		chromedp.Click("#earlier .back", chromedp.ByQuery),
		chromedp.WaitVisible("#earlier .past-item", chromedp.ByQuery),
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotPresent("#earlier", chromedp.ByID),
		chromedp.Value("#composer", &typed, chromedp.ByID),
	)
	if typed != "About my order" {
		t.Errorf("after looking back the composer holds %q, want what she had typed", typed)
	}
}
