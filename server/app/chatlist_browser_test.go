package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parley/shared/model"
)

// customerOf is the identity of the visitor of a web chat.
func (s *testServer) customerOf(t *testing.T, conversation string) string {
	t.Helper()
	var parts struct{ Participants []model.Participant }
	if err := json2(s.get(t, "/conversations/v1/Conversations/"+conversation+"/Participants"), &parts); err != nil {
		t.Fatal(err)
	}
	for _, p := range parts.Participants {
		if p.Identity != nil && strings.HasPrefix(*p.Identity, "guest_") {
			return *p.Identity
		}
	}
	t.Fatalf("no visitor in %s: %+v", conversation, parts.Participants)
	return ""
}

// customerWrites posts a message in a web chat as its visitor.
func (s *testServer) customerWrites(t *testing.T, conversation, body string) {
	t.Helper()
	r := s.sendForm(t, conversation, url.Values{"Author": {s.customerOf(t, conversation)}, "Body": {body}})
	if r.status != http.StatusCreated {
		t.Fatalf("the customer writes in %s: %d %s", conversation, r.status, r.text)
	}
}

// theList is the chat list as the agent sees it: each chat's customer and
// wait state ("Ada:amber|Bob:none").
const theList = `[...document.querySelectorAll(".chat-tab")].map(b => b.querySelector(".tab-name").textContent + ":" + b.dataset.wait).join("|")`

// listIs waits until the chat list reads want.
func listIs(want string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(20 * time.Second)
		for {
			var got string
			if err := chromedp.Evaluate(theList, &got).Do(ctx); err != nil {
				return err
			}
			if got == want {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the chat list reads %q, want %q", got, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// tabOf is the selector of a customer's line in the chat list.
func tabOf(conversation string) string { return `.chat-tab[data-conversation="` + conversation + `"]` }

// TestTheChatListPutsWhoWaitsLongestFirst: an agent works three chats; the
// customers write at different times, and the list puts the one waiting
// longest first, its wait turning amber then red past the server's
// thresholds (a few seconds here), with the last message and the unread
// count; answering a customer takes their chat down. The chat's header
// names the customer, the channel and the chat's state, and its actions
// work.
func TestTheChatListPutsWhoWaitsLongestFirst(t *testing.T) {
	s := startServerWith(t, func(c *Config) {
		c.GuestLimits = startServerLimits
		c.Desk = DeskConfig{WaitAmber: 4 * time.Second, WaitRed: 8 * time.Second}
	})
	b := startBrowser(t, s)
	desk, key := b.anaAtWork(t, s)

	// Three visitors ask, one after the other. Ada's and Bob's offers are
	// up together: Ana takes Ada's, then Bob's (the card that moved up
	// answers for Bob), then Cy's.
	chats := map[string]guestChat{}
	for _, name := range []string{"Ada", "Bob"} {
		chats[name] = s.guestChats(t, name, name+"'s question")
		run(t, desk, name+" is offered", waitText(".offer .who", name))
	}
	run(t, desk, "each offer names the customer, the channel and the queue",
		waitCount(".offer", 2), waitText(".offer .channel", "Web chat"), waitText(".offer .offer-queue", "Queue: "))
	for _, name := range []string{"Ada", "Bob"} {
		run(t, desk, "Ana accepts "+name+"'s chat, the first offer shown",
			waitText(".offer:first-child .who", name),
			chromedp.Click(".offer:first-child .accept", chromedp.ByQuery),
			waitText(".chat-tab .tab-name", name),
		)
	}
	chats["Cy"] = s.guestChats(t, "Cy", "Cy's question")
	run(t, desk, "Ana accepts Cy's chat",
		waitText(".offer .who", "Cy"),
		chromedp.Click(".offer .accept", chromedp.ByQuery),
		waitText(".chat-tab .tab-name", "Cy"),
	)
	// Each waits since their question: the first to ask first.
	run(t, desk, "the list puts the first to ask first, each with their question and a wait",
		listIs("Ada:ok|Bob:ok|Cy:ok"),
		waitText(tabOf(chats["Bob"].conversation)+" .tab-preview", "Bob's question"),
		waitText(tabOf(chats["Bob"].conversation)+" .wait", "<1 min"),
		chromedp.WaitVisible(tabOf(chats["Cy"].conversation)+` .channel-icon[aria-label="Web chat"]`, chromedp.ByQuery),
	)
	// Ana answers each: nobody waits, and the chats keep the order they came in.
	for _, name := range []string{"Cy", "Bob", "Ada"} {
		run(t, desk, "Ana answers "+name,
			chromedp.Click(tabOf(chats[name].conversation), chromedp.ByQuery),
			waitText("#chat-head .chat-name", name),
			chromedp.SendKeys("#composer", "Hello "+name+"\n", chromedp.ByID),
			waitText(".msg.mine .body", "Hello "+name),
		)
	}
	run(t, desk, "nobody waits", listIs("Ada:none|Bob:none|Cy:none"),
		waitText(tabOf(chats["Cy"].conversation)+" .tab-preview", "You: Hello Cy"))
	b.screenshot(t, desk, "chatlist-1-answered")

	// Bob writes; once his wait is amber, Cy; then Bob's turns red.
	s.customerWrites(t, chats["Bob"].conversation, "Bob again,\nwith more")
	run(t, desk, "Bob comes first, unread, his message on one line",
		listIs("Bob:ok|Ada:none|Cy:none"),
		waitText(tabOf(chats["Bob"].conversation)+" .tab-preview", "Bob again, with more"),
		waitText(tabOf(chats["Bob"].conversation)+" .unread", "1"),
	)
	run(t, desk, "Bob's wait turns amber", listIs("Bob:amber|Ada:none|Cy:none"))
	s.customerWrites(t, chats["Cy"].conversation, "Cy again")
	run(t, desk, "Cy comes second: Bob has waited longer", listIs("Bob:amber|Cy:ok|Ada:none"))
	run(t, desk, "Bob's wait turns red, Cy's amber", listIs("Bob:red|Cy:amber|Ada:none"))
	var colours []string
	run(t, desk, "read the colours", chromedp.Evaluate(`[".wait-red", ".wait-amber"].map(s =>
		getComputedStyle(document.querySelector(s)).backgroundColor)`, &colours))
	if len(colours) != 2 || colours[0] != "rgb(180, 35, 24)" || colours[1] != "rgb(138, 83, 0)" {
		t.Errorf("the waits are coloured %q, want red then amber", colours)
	}
	b.screenshot(t, desk, "chatlist-2-waiting")
	run(t, desk, "Cy's wait turns red too", listIs("Bob:red|Cy:red|Ada:none"))

	// Ana answers Bob: he goes down among those who wait for nobody.
	run(t, desk, "Ana answers Bob",
		chromedp.Click(tabOf(chats["Bob"].conversation), chromedp.ByQuery),
		waitText("#chat-head .chat-name", "Bob"),
		chromedp.SendKeys("#composer", "Sorted, Bob\n", chromedp.ByID),
		listIs("Cy:red|Ada:none|Bob:none"),
	)
	if n := countOf(t, desk, tabOf(chats["Bob"].conversation)+" .unread"); n != 0 {
		t.Errorf("Bob's chat, read, still counts %d unread", n)
	}

	// The header: who, the channel, the state; its actions work.
	run(t, desk, "the header names Bob, the channel, an active chat",
		waitText("#chat-head .chat-channel", "Web chat"),
		waitText("#chat-state", "Active"),
		chromedp.Click("#invite", chromedp.ByID),
		chromedp.WaitVisible("#transfer-to", chromedp.ByID),
	)
	run(t, desk, "close the invite", chromedp.Click(`#transfer-form .dialog-actions button[type="button"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent("#transfer-form", chromedp.ByID))
	run(t, desk, "Ana ends Bob's chat from the header",
		chromedp.Click("#end", chromedp.ByID),
		waitText("#chat-state", "Wrap-up"),
		chromedp.WaitNotVisible("#end", chromedp.ByID),
		waitText(tabOf(chats["Bob"].conversation)+" .tag", "wrap-up"),
	)
	s.ends(t, visitor{key: key, token: chats["Ada"].token, conversation: chats["Ada"].conversation})
	run(t, desk, "Ada leaves: her header says so",
		chromedp.Click(tabOf(chats["Ada"].conversation), chromedp.ByQuery),
		waitText("#chat-head .chat-name", "Ada"),
		waitText("#chat-state", "Customer left"),
	)
	// The customer panel's details: where the chat started, who the visitor is.
	run(t, desk, "the customer panel lists the chat's details",
		waitText("#details", "Started on"),
		waitText("#details", "Demo"),
		waitText("#details", "Guest"),
		waitText("#details", "English (en)"), // the visitor's language, named
	)
	b.screenshot(t, desk, "chatlist-3-header")
}
