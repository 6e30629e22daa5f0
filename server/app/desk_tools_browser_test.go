package app

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ---- helpers: files arriving the ways people send them ----

// jsFile is JavaScript making a File of content.
func jsFile(name, contentType string, content []byte) string {
	return `new File([Uint8Array.from(atob(` + jsString(base64.StdEncoding.EncodeToString(content)) + `), c => c.charCodeAt(0))], ` +
		jsString(name) + `, {type: ` + jsString(contentType) + `})`
}

// paste pastes a file into the element sel, as a screenshot pasted from
// the clipboard arrives.
func paste(sel, name, contentType string, content []byte) chromedp.Action {
	return chromedp.Evaluate(`(() => { const dt = new DataTransfer(); dt.items.add(`+jsFile(name, contentType, content)+`);
		document.querySelector(`+jsString(sel)+`).dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true})); })()`, nil)
}

// drop drops a file on the element sel, as one dragged from the desktop.
func drop(sel, name, contentType string, content []byte) chromedp.Action {
	return chromedp.Evaluate(`(() => { const dt = new DataTransfer(); dt.items.add(`+jsFile(name, contentType, content)+`);
		const el = document.querySelector(`+jsString(sel)+`);
		el.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
		el.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true})); })()`, nil)
}

// pressEnter presses Enter as a keyboard does, without the extra "char"
// event chromedp's SendKeys adds, which types a newline even when the
// page prevents the key.
func pressEnter() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for _, typ := range []input.KeyType{input.KeyRawDown, input.KeyUp} {
			if err := input.DispatchKeyEvent(typ).WithKey("Enter").WithCode("Enter").WithWindowsVirtualKeyCode(13).Do(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// waitCount waits until n elements match sel.
func waitCount(sel string, n int) chromedp.Action {
	return waitNumber(`document.querySelectorAll(`+jsString(sel)+`).length`, n)
}

// waitNumber waits until the JavaScript expression is n.
func waitNumber(expr string, n int) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(20 * time.Second)
		for {
			var got int
			if err := chromedp.Evaluate(expr, &got).Do(ctx); err != nil {
				return err
			}
			if got == n {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s is %d, want %d", expr, got, n)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// composerHolds waits until the composer holds text.
func composerHolds(text string) chromedp.Action {
	return waitNumber(`document.getElementById("composer").value === `+jsString(text)+` ? 1 : 0`, 1)
}

// ---- the tools of an agent's chat ----

func TestAnAgentAnswersWithACannedResponseANoteAndFiles(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	if !s.app.front.BuiltDesktop() {
		t.Fatal("the desktop WASM is not built into this test binary: run make build")
	}
	if r := s.postForm(t, "/parley/v1/CannedResponses", url.Values{"Title": {"Refund policy"},
		"Body": {"Hi {{customer}}, refunds reach your card within 5 days."}}); r.status != 201 {
		t.Fatalf("create a canned response: %d %s", r.status, r.text)
	}
	desk, key := b.anaAtWork(t, s)
	visitor := b.tab(t, s.baseURL+"/widget/?key="+key)
	run(t, visitor, "the visitor starts a chat",
		fillTheForm("Ada Lovelace", "ada@example.com", "Can I get a refund?"),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText(".msg.own .body", "Can I get a refund?"),
	)
	run(t, desk, "Ana accepts; a first-time visitor has no earlier conversations",
		waitText(".offer .who", "Ada"),
		chromedp.Click(".offer .accept", chromedp.ByQuery),
		waitText(".msg .body", "Can I get a refund?"),
		waitText("#past-none", "No earlier conversations"),
	)

	// "/" finds the canned response; Enter puts it in the composer with
	// the customer's first name, and Enter again sends it.
	run(t, desk, "Ana searches the canned responses",
		chromedp.Click("#composer", chromedp.ByID),
		chromedp.SendKeys("#composer", "/ref", chromedp.ByID),
		waitText("#canned .canned-option", "Refund policy"),
	)
	b.screenshot(t, desk, "tools-1-canned-search")
	run(t, desk, "Ana picks it with Enter, then sends it with Enter",
		pressEnter(),
		chromedp.WaitNotPresent("#canned", chromedp.ByID),
		composerHolds("Hi Ada, refunds reach your card within 5 days."),
		pressEnter(),
		waitText(".msg.mine .body", "Hi Ada, refunds reach your card within 5 days."),
	)
	run(t, visitor, "the visitor reads it", waitText(".msg.other .body", "Hi Ada, refunds reach your card within 5 days."))

	// A private note shows in Ana's thread, marked as a note.
	run(t, desk, "Ana writes a private note",
		chromedp.Click("#mode-note", chromedp.ByID),
		chromedp.SendKeys("#composer", "Refund promised <b>by Friday</b>\r", chromedp.ByID),
		waitText(".note .body", "Refund promised <b>by Friday</b>"), // markup as text
		waitText(".note .author", "private note"),
		chromedp.Click("#mode-reply", chromedp.ByID),
	)
	b.screenshot(t, desk, "tools-2-private-note")

	// Files: a pasted screenshot and a dropped PDF go in one message.
	photo := pngFile(t)
	run(t, desk, "Ana pastes a screenshot and drops a PDF",
		paste("#composer", "screenshot.png", "image/png", photo),
		drop(".chat", "return label.pdf", "application/pdf", []byte(pdfFile)),
		waitCount(".draft .file-size", 2), // both uploaded
		chromedp.SendKeys("#composer", "Here is your label\r", chromedp.ByID),
		waitText(".msg.mine .file .file-name", "return label.pdf"),
		chromedp.WaitVisible(".msg.mine .thumb img", chromedp.ByQuery),
	)
	b.screenshot(t, desk, "tools-3-files-sent")
	run(t, visitor, "the visitor gets both files",
		waitText(".msg.other .file .file-name", "return label.pdf"),
		chromedp.WaitVisible(".msg.other .thumb img", chromedp.ByQuery),
	)

	// The visitor pastes a photo back; Ana sees it as a picture.
	run(t, visitor, "the visitor pastes a photo and sends it",
		paste("#composer", "kettle.png", "image/png", photo),
		waitText(".draft .file-size", "B"),
		chromedp.Click("#composer", chromedp.ByID),
		chromedp.SendKeys("#composer", "Thanks, here it is\r", chromedp.ByID),
		waitText(".msg.own .body", "Thanks, here it is"),
	)
	run(t, desk, "Ana looks at her desk and sees the visitor's photo, the 8-pixel picture itself",
		page.BringToFront(), // a hidden tab loads no lazy picture
		waitText(".msg.customer .body", "Thanks, here it is"),
		waitNumber(`(document.querySelector(".msg.customer .thumb img") || {}).naturalWidth || 0`, 8),
	)
	b.screenshot(t, desk, "tools-4-customer-photo")

	// The note never reached the visitor.
	var page string
	run(t, visitor, "read the visitor's page", chromedp.Text("body", &page, chromedp.ByQuery))
	if strings.Contains(page, "Refund promised") {
		t.Errorf("the visitor sees Ana's private note")
	}
}

func TestASupervisorReadsTheDaysReport(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	if !s.app.front.BuiltDesktop() {
		t.Fatal("the desktop WASM is not built into this test binary: run make build")
	}
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	s.mustCreateAgent(t, "sue@example.com", "supervisor")
	ana.goAvailable(t)
	s.visitorChats(t, "Ada", "Hello?")
	offer := ana.waitForOffer(t)
	ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	// Facts reach the report a moment after routing: wait for them first,
	// so the page is judged on what it shows, not on timing.
	eventually(t, func() bool {
		return strings.Contains(s.get(t, "/parley/v1/Reports/Conversations").text, `"accepted":1`)
	}, func() string { return "the accepted chat never reached the report" })

	sue := b.signInToTheDesk(t, s, "sue@example.com")
	run(t, sue, "Sue opens the reports",
		chromedp.Click("#nav-reports", chromedp.ByID),
		waitText(".report-row", "Everyone"),
		waitText(".report-total .conversations", "1"),
		waitText(".report-total .abandoned", "0"),
	)
	b.screenshot(t, sue, "reports-1-week")
}
