package app

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
)

// openChat brings the chat whose list entry names who to the front.
func openChat(who string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var found bool
		err := chromedp.Evaluate(`(() => {
			const b = Array.from(document.querySelectorAll(".chat-list button")).find(b => b.textContent.includes(`+jsString(who)+`));
			if (b) { b.click(); }
			return !!b;
		})()`, &found).Do(ctx)
		if err == nil && !found {
			return fmt.Errorf("no chat in the list names %q", who)
		}
		return err
	})
}

// An agent with several chats writes half a reply in one, answers
// another, and comes back: each chat keeps its own unsent text, and a
// reply goes only to the chat it was written in.
func TestEachChatKeepsWhatTheAgentWasWriting(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	desk, key := b.anaAtWork(t, s)

	s.visits(t, key, "Ada", "Where is my order?")
	run(t, desk, "Ana accepts Ada", waitText(".offer .who", "Ada"), chromedp.Click(".offer .accept", chromedp.ByQuery),
		waitText("#customer-name", "Ada"))
	s.visits(t, key, "Bob", "Can I change my address?")
	run(t, desk, "Ana accepts Bob", waitText(".offer .who", "Bob"), chromedp.Click(".offer .accept", chromedp.ByQuery),
		waitText(".chat-list", "Bob"))

	run(t, desk, "Ana starts a reply to Ada",
		openChat("Ada"), waitText("#customer-name", "Ada"),
		chromedp.SendKeys("#composer", "Your parcel left", chromedp.ByID))
	run(t, desk, "she turns to Bob: the box is empty for him",
		openChat("Bob"), waitText("#customer-name", "Bob"), composerHolds(""),
		chromedp.SendKeys("#composer", "Yes, tell me", chromedp.ByID))
	run(t, desk, "back to Ada: her half reply is there, and goes to her",
		openChat("Ada"), waitText("#customer-name", "Ada"), composerHolds("Your parcel left"),
		chromedp.SendKeys("#composer", " this morning.", chromedp.ByID), pressEnter(),
		waitText(".msg.mine .body", "Your parcel left this morning."), composerHolds(""))
	run(t, desk, "Bob's words wait in his chat, and Ada's reply is not in his thread",
		openChat("Bob"), waitText("#customer-name", "Bob"), composerHolds("Yes, tell me"),
		waitCount(".msg.mine", 0))
	run(t, desk, "a reload keeps them, as it keeps the sign-in",
		chromedp.Reload(), waitText(".chat-list", "Bob"), openChat("Bob"), waitText("#customer-name", "Bob"),
		composerHolds("Yes, tell me"))
	run(t, desk, "and Ada's box is empty: her words were sent",
		openChat("Ada"), waitText("#customer-name", "Ada"), waitText(".msg.mine .body", "Your parcel left this morning."),
		composerHolds(""))
}

// The agent narrows the canned responses and clicks the one left: that
// one goes in the composer, not the one first listed where it stands.
func TestTheCannedResponseClickedIsTheOneInserted(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	for _, r := range [][2]string{{"Returns", "Returns are free for 30 days."}, {"Shipping", "Parcels leave within a day."}} {
		if rep := s.postForm(t, "/parley/v1/CannedResponses", url.Values{"Title": {r[0]}, "Body": {r[1]}}); rep.status != 201 {
			t.Fatalf("create a canned response: %d %s", rep.status, rep.text)
		}
	}
	desk, key := b.anaAtWork(t, s)
	s.visits(t, key, "Ada", "When will it ship?")
	run(t, desk, "Ana accepts", waitText(".offer .who", "Ada"), chromedp.Click(".offer .accept", chromedp.ByQuery),
		waitText("#customer-name", "Ada"))
	run(t, desk, "all the canned responses, Returns first",
		chromedp.Click("#composer", chromedp.ByID), chromedp.SendKeys("#composer", "/", chromedp.ByID),
		waitCount("#canned .canned-option", 2), waitText("#canned .canned-option:first-child", "Returns"))
	run(t, desk, "Ana narrows to Shipping and clicks it",
		chromedp.SendKeys("#composer", "ship", chromedp.ByID), waitCount("#canned .canned-option", 1),
		waitText("#canned .canned-option", "Shipping"), chromedp.Click("#canned .canned-option", chromedp.ByQuery),
		composerHolds("Parcels leave within a day."))
}
