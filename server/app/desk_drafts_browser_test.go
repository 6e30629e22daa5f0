package app

import (
	"context"
	"fmt"
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
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	key, err := s.app.DemoDeployment(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	desk := b.signInToTheDesk(t, s, ana.Email)
	run(t, desk, "Ana goes Available", setActivity("Available"))

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
}
