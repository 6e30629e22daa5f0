package app

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"parley/shared/model"
	proto "parley/shared/realtime"
)

func TestAVisitorSendsAndReceivesFilesInTheWidget(t *testing.T) {
	s := startServer(t)
	b := startBrowser(t, s)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop support"},
		"Attachments.MaxBytes": {"4096"}, "Attachments.AllowedTypes": {"image/png", "application/pdf"}})
	shop := s.shopFor(t, d.Key, "")
	dir := t.TempDir()
	photo := pngFile(t)
	photoPath := filepath.Join(dir, "broken kettle.png")
	hugePath := filepath.Join(dir, "huge.png")
	for path, content := range map[string][]byte{photoPath: photo, hugePath: append(pngFile(t), make([]byte, 8192)...)} {
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	run(t, b.ctx, "open the shop", chromedp.Navigate(shop+"/"), chromedp.WaitReady("parley-chat", chromedp.ByQuery))
	run(t, b.ctx, "open the chat", chromedp.Evaluate(`Parley.open()`, nil))
	w := b.widgetFrame(t, s.baseURL)
	run(t, w, "start a chat",
		fillTheForm("Ada", "ada@example.com", "My kettle arrived broken"),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		waitText(".msg.own .body", "My kettle arrived broken"),
	)
	sid := s.joinTheWidgetsChat(t, "agent-1", "Sam")
	arrived := make(chan model.Message, 4)
	s.dialAgentWith(t, "agent-1", func(f proto.ServerFrame) {
		var m model.Message
		if f.Event == proto.MessageAdded && json.Unmarshal(f.Data, &m) == nil && m.Author != "agent-1" {
			arrived <- m
		}
	})

	// A file over the deployment's limit is refused before any upload.
	run(t, w, "pick a file that is too large",
		chromedp.SetUploadFiles("#attach", []string{hugePath}, chromedp.ByID),
		waitText(".attach-error", "huge.png is too large"),
	)
	if n := s.countRows(t, "media"); n != 0 {
		t.Errorf("a refused file was uploaded anyway (%d media)", n)
	}

	// A good one uploads, then goes with the message.
	run(t, w, "attach the photo and send it",
		chromedp.SetUploadFiles("#attach", []string{photoPath}, chromedp.ByID),
		waitText(".draft .file-size", "B"), // the upload finished: the size replaces the progress bar
		chromedp.Click("#composer", chromedp.ByID),
		chromedp.SendKeys("#composer", "Here is a photo\n", chromedp.ByID),
		waitText(".msg.own .body", "Here is a photo"),
	)
	got := <-arrived
	if got.Body == nil || *got.Body != "Here is a photo" || len(got.Media) != 1 || got.Media[0].Filename != "broken kettle.png" {
		t.Fatalf("the agent got %+v with media %+v; want the text and the photo", got, got.Media)
	}
	if r := s.fetchContent(t, "", got.Media[0].SID, nil); r.text != string(photo) {
		t.Errorf("the agent downloads %d bytes, not the %d the visitor attached", len(r.text), len(photo))
	}
	var width int
	run(t, w, "see the photo in the thread",
		chromedp.WaitVisible(".msg.own .thumb img", chromedp.ByQuery),
		chromedp.Poll(`document.querySelector(".msg.own .thumb img").naturalWidth`, &width),
	)
	if width != 8 {
		t.Errorf("the thumbnail shows an image %d pixels wide, want the 8-pixel photo", width)
	}
	b.screenshot(t, b.ctx, "media-1-sent")

	// The agent answers with a PDF: the visitor gets a download chip.
	pdf := s.mustUpload(t, "", "return label.pdf", "application/pdf", []byte(pdfFile))
	if r := s.sendForm(t, sid, url.Values{"Author": {"agent-1"}, "MediaSid": {pdf}}); r.status != 201 {
		t.Fatalf("agent sends the label: %d %s", r.status, r.text)
	}
	var href string
	run(t, w, "see the label as a file to download",
		waitText(".msg.other .file .file-name", "return label.pdf"),
		waitText(".msg.other .file .file-size", "B"),
		chromedp.Poll(`document.querySelector(".msg.other a.file").getAttribute("href") || false`, &href),
	)
	if r := s.do(t, rawRequest{method: "GET", path: href[len(s.baseURL):], noAuth: true}); r.text != pdfFile {
		t.Errorf("the chip's link gives %d bytes, not the label", len(r.text))
	}

	// The photo opens in the viewer, and Escape closes it.
	run(t, w, "view the photo",
		chromedp.Click(".msg.own .thumb", chromedp.ByQuery),
		chromedp.WaitVisible(".viewer img", chromedp.ByQuery),
	)
	b.screenshot(t, b.ctx, "media-2-viewer")
	run(t, w, "close the viewer",
		chromedp.KeyEvent("\x1b"),
		chromedp.WaitNotPresent(".viewer", chromedp.ByQuery),
	)
}
