package app

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"parley/shared/model"
)

// ---- helpers that read like a contact centre's day ----

// tab opens a page in a new tab. The desk keeps its sign-in per tab, so
// each tab is another person.
func (b *browser) tab(t *testing.T, url string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	chromedp.ListenTarget(ctx, b.listen)
	// Open the tab with a context that lives as long as the browser: the
	// first Run's context owns the tab, and run's ends with its step.
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	run(t, ctx, "open "+url, chromedp.Navigate(url))
	return ctx
}

// signInToTheDesk opens the desktop in a new browser and signs in.
func (b *browser) signInToTheDesk(t *testing.T, s *testServer, email string) context.Context {
	t.Helper()
	return b.signInToTheDeskAt(t, s.baseURL, email)
}

// anaAtWork makes agent Ana, signs her in to the desk and makes her
// Available; it returns her desk and the demo deployment's key, through
// which visitors reach her.
func (b *browser) anaAtWork(t *testing.T, s *testServer) (desk context.Context, key string) {
	t.Helper()
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	key, err := s.app.DemoDeployment(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	desk = b.signInToTheDesk(t, s, ana.Email)
	run(t, desk, "Ana goes Available", setActivity("Available"))
	return desk, key
}

// signInToTheDeskAt is signInToTheDesk with the desk at base.
func (b *browser) signInToTheDeskAt(t *testing.T, base, email string) context.Context {
	t.Helper()
	ctx := b.tab(t, base+"/desktop/")
	run(t, ctx, email+" signs in",
		chromedp.WaitVisible("#email", chromedp.ByID),
		chromedp.SendKeys("#email", email, chromedp.ByID),
		chromedp.SendKeys("#password", agentPassword, chromedp.ByID),
		chromedp.Click(`#signin button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#activity", chromedp.ByID),
	)
	return ctx
}

// setActivity picks an activity in the desk's selector, by name.
func setActivity(name string) chromedp.Action {
	return chromedp.Tasks{
		waitText("#activity option", name),
		chromedp.Evaluate(`(() => { const s = document.getElementById("activity");
			s.value = [...s.options].find(o => o.text === `+jsString(name)+`).value;
			s.dispatchEvent(new Event("change", {bubbles: true})); })()`, nil),
		chromedp.ActionFunc(func(ctx context.Context) error {
			return waitText("#activity option:checked", name).Do(ctx)
		}),
	}
}

// choose picks an option of a select by the start of its text.
func choose(sel, text string) chromedp.Action {
	return chromedp.Tasks{
		waitText(sel+" option", text),
		chromedp.Evaluate(`(() => { const s = document.querySelector(`+jsString(sel)+`);
			s.value = [...s.options].find(o => o.text.startsWith(`+jsString(text)+`)).value;
			s.dispatchEvent(new Event("change", {bubbles: true})); })()`, nil),
	}
}

// ---- the day ----

func TestAnAgentAnswersAVisitorInTheDeskAndHandsTheChatOn(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	if !s.app.front.BuiltDesktop() {
		t.Fatal("the desktop WASM is not built into this test binary: run make build")
	}
	ana, ben := s.mustCreateAgent(t, "ana@example.com", "agent"), s.mustCreateAgent(t, "ben@example.com", "agent")
	s.mustCreateAgent(t, "sue@example.com", "supervisor")
	key, err := s.app.DemoDeployment(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	// Ana signs in and goes Available.
	desk := b.signInToTheDesk(t, s, ana.Email)
	b.screenshot(t, desk, "1-desk-signed-in")
	run(t, desk, "Ana goes Available", setActivity("Available"))

	// A visitor starts a chat in the widget; Ana is offered it.
	visitor := b.tab(t, s.baseURL+"/widget/?key="+key)
	run(t, visitor, "the visitor starts a chat",
		fillTheForm("Ada", "ada@example.com", "Where is <b>order</b> 1234?"),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText(".msg.own .body", "Where is <b>order</b> 1234?"),
	)
	run(t, desk, "Ana sees the offer, with the question and a countdown",
		waitText(".offer .who", "Ada"),
		waitText(".offer .first", "Where is <b>order</b> 1234?"), // markup shows as text
		waitText(".offer .answers", "ada@example.com"),
		chromedp.WaitVisible(".offer .countdown", chromedp.ByQuery),
	)
	var left string
	run(t, desk, "the countdown counts down", chromedp.Text(".offer .countdown", &left, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector(".offer .countdown").textContent != `+jsString(left), nil,
			chromedp.WithPollingTimeout(5*time.Second)))
	b.screenshot(t, desk, "2-incoming-offer")
	run(t, desk, "Ana accepts", chromedp.Click(".offer .accept", chromedp.ByQuery),
		waitText(".msg .body", "Where is <b>order</b> 1234?"),
		waitText("#customer-name", "Ada"),
	)

	// They chat both ways, with typing and read receipts.
	run(t, desk, "Ana types", chromedp.SendKeys("#composer", "Let me check", chromedp.ByID))
	run(t, visitor, "the visitor sees Ana typing", chromedp.WaitVisible(".typing", chromedp.ByQuery))
	run(t, desk, "Ana sends", chromedp.SendKeys("#composer", " that for you.\n", chromedp.ByID),
		waitText(".msg.mine .body", "Let me check that for you."))
	run(t, visitor, "the visitor reads Ana's answer", waitText(".msg.other .body", "Let me check that for you."))
	run(t, desk, "Ana sees it was read", waitText(".msg.mine .receipt", "Seen"))
	run(t, visitor, "the visitor types", chromedp.SendKeys("#composer", "Thanks", chromedp.ByID))
	run(t, desk, "Ana sees the visitor typing", waitText("#typing", "Ada"))
	run(t, visitor, "the visitor replies", chromedp.SendKeys("#composer", "!\n", chromedp.ByID))
	run(t, desk, "Ana looks at her desk and reads the reply", page.BringToFront(), waitText(".msg .body", "Thanks!"))
	run(t, visitor, "the visitor sees Ana read it", waitText(".msg.own .status", "Read"))
	b.screenshot(t, desk, "3-chat")

	// Ben comes in; Ana transfers the chat to him, cold.
	benDesk := b.signInToTheDesk(t, s, ben.Email)
	run(t, benDesk, "Ben goes Available", setActivity("Available"))
	run(t, desk, "Ana transfers the chat to Ben",
		chromedp.Click("#transfer", chromedp.ByID),
		choose("#transfer-to", "Agent: ben"),
		choose("#transfer-type", "Cold"),
	)
	b.screenshot(t, desk, "4-transfer-dialog")
	run(t, desk, "send the transfer", chromedp.Click("#transfer-send", chromedp.ByID))
	run(t, benDesk, "Ben is offered the transfer and accepts",
		waitText(".offer .hint", "Transferred to you (cold)"),
		chromedp.Click(".offer .accept", chromedp.ByQuery),
		waitText(".msg .body", "Where is <b>order</b> 1234?"), // the whole history
		waitText(".msg .body", "Let me check that for you."),
		waitText(".msg .body", "Thanks!"),
	)
	run(t, desk, "Ana's part ends in wrap-up; she completes it",
		waitText(".chat-tab .tag", "wrap-up"),
		choose("#disposition", "Resolved"),
		chromedp.Click("#complete", chromedp.ByID),
		waitText(".hint", "No chats yet"),
	)

	// Sue the supervisor sees Ben's chat live, and monitors it unseen.
	sue := b.signInToTheDesk(t, s, "sue@example.com")
	run(t, sue, "Sue opens the teams view",
		chromedp.Click("#nav-team", chromedp.ByID),
		waitText(".team-row", "ben"),
		waitText(".team-row .team-chat", "Ada"),
	)
	b.screenshot(t, sue, "5-team-view")
	run(t, sue, "Sue looks at the queues", chromedp.Click("#nav-queues", chromedp.ByID), waitText(".queue-row", "Everyone"))
	b.screenshot(t, sue, "6-queues-view")
	run(t, sue, "Sue monitors the chat", chromedp.Click("#nav-team", chromedp.ByID),
		chromedp.WaitVisible(".team-row .monitor", chromedp.ByQuery),
		chromedp.Click(".team-row .monitor", chromedp.ByQuery), waitText(".msg .body", "Thanks!"),
		waitText(".actions .hint", "Monitoring"))
	// Live, not polled: the visitor's typing, which no reload would show,
	// reaches Sue's monitor.
	run(t, visitor, "the visitor types again", chromedp.SendKeys("#composer", "Also", chromedp.ByID))
	run(t, sue, "Sue sees the visitor typing", waitText("#typing", "is typing"))
	run(t, benDesk, "Ben answers", chromedp.SendKeys("#composer", "It ships today.\n", chromedp.ByID))
	run(t, sue, "Sue sees Ben's answer while monitoring", waitText(".msg .body", "It ships today."))
	b.screenshot(t, sue, "7-monitoring")

	// Ben ends the chat and wraps it up.
	run(t, benDesk, "Ben ends the chat",
		chromedp.Click("#end", chromedp.ByID),
		choose("#disposition", "Resolved"),
	)
	b.screenshot(t, benDesk, "8-wrap-up")
	run(t, benDesk, "Ben completes it", chromedp.Click("#complete", chromedp.ByID), waitText(".hint", "No chats yet"))
	run(t, visitor, "the visitor sees the chat ended", chromedp.WaitVisible(".ended", chromedp.ByQuery))

	// Both tasks are completed, each with the outcome its agent chose.
	r := s.get(t, "/taskrouter/v1/Workspaces/"+ana.WorkspaceSID+"/Tasks?AssignmentStatus=completed")
	if r.status != http.StatusOK {
		t.Fatalf("list tasks: %d %s", r.status, r.text)
	}
	var tasks struct{ Tasks []model.Task }
	json.Unmarshal([]byte(r.text), &tasks)
	if len(tasks.Tasks) != 2 {
		t.Fatalf("completed tasks: %d, want Ana's and Ben's", len(tasks.Tasks))
	}
	for _, task := range tasks.Tasks {
		if !strings.Contains(task.Attributes, `"outcome":"resolved"`) {
			t.Errorf("task %s ended without its outcome: %s", task.SID, task.Attributes)
		}
	}
}
