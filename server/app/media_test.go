package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	rtmetrics "runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	conv "github.com/twilio/twilio-go/rest/conversations/v1"

	"parley/server/media"
	"parley/shared/client"
	"parley/shared/model"
	proto "parley/shared/realtime"
)

// ---- files and helpers that read like the user's steps ----

// pngFile is a real, small PNG image.
func pngFile(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const (
	pdfFile = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
	exeFile = "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00\x00\x00\x00\x00\x00\x00@\x00"
)

// mediaPath is the media collection of the test server's chat service.
func (s *testServer) mediaPath() string {
	return "/mcs/v1/Services/" + s.app.Conversations.ServiceSID() + "/Media"
}

// upload posts a file as the raw request body, as the account or, with a
// token, as an identity.
func (s *testServer) upload(t testing.TB, token, filename, contentType string, body []byte) reply {
	t.Helper()
	rq := rawRequest{method: http.MethodPost, path: s.mediaPath() + "?Filename=" + url.QueryEscape(filename),
		contentType: contentType, body: string(body)}
	if token != "" {
		rq.noAuth, rq.header = true, map[string]string{"X-Twilio-Token": token}
	}
	return s.do(t, rq)
}

// mustUpload uploads a file as the account and returns its media SID.
func (s *testServer) mustUpload(t testing.TB, token, filename, contentType string, body []byte) string {
	t.Helper()
	r := s.upload(t, token, filename, contentType, body)
	if r.status != http.StatusCreated {
		t.Fatalf("upload %s: %d %s", filename, r.status, r.text)
	}
	return r.json["sid"].(string)
}

// fetchContent downloads a media's bytes as the account, or with a token.
func (s *testServer) fetchContent(t testing.TB, token, mediaSID string, header map[string]string) reply {
	t.Helper()
	rq := rawRequest{method: http.MethodGet, path: s.mediaPath() + "/" + mediaSID + "/Content", header: map[string]string{}}
	for k, v := range header {
		rq.header[k] = v
	}
	if token != "" {
		rq.noAuth, rq.header["X-Twilio-Token"] = true, token
	}
	return s.do(t, rq)
}

// fetchMedia reads a media's metadata with a token ("" for the account).
func (s *testServer) fetchMedia(t testing.TB, token, mediaSID string) reply {
	t.Helper()
	rq := rawRequest{method: http.MethodGet, path: s.mediaPath() + "/" + mediaSID}
	if token != "" {
		rq.noAuth, rq.header = true, map[string]string{"X-Twilio-Token": token}
	}
	return s.do(t, rq)
}

// sendWithMedia sends a message with media through twilio-go.
func sendWithMedia(tw interface {
	CreateConversationMessage(string, *conv.CreateConversationMessageParams) (*conv.ConversationsV1ConversationMessage, error)
}, convSID, author, body string, mediaSIDs ...string) (*conv.ConversationsV1ConversationMessage, error) {
	p := &conv.CreateConversationMessageParams{}
	p.SetAuthor(author)
	if body != "" {
		p.SetBody(body)
	}
	// twilio-go sends one MediaSid; more go in as repeated parameters below.
	if len(mediaSIDs) > 0 {
		p.SetMediaSid(mediaSIDs[0])
	}
	return tw.CreateConversationMessage(convSID, p)
}

// sendForm sends a message with the raw API, for what twilio-go cannot say
// (several MediaSid values).
func (s *testServer) sendForm(t testing.TB, convSID string, form url.Values) reply {
	t.Helper()
	return s.postForm(t, "/conversations/v1/Conversations/"+convSID+"/Messages", form)
}

// blobPath is where the media store keeps bytes with this content.
func (s *testServer) blobPath(content []byte) string {
	sum := fmt.Sprintf("%x", sha256.Sum256(content))
	return filepath.Join(s.dataDir, "media", sum[:2], sum)
}

// eventually waits up to 5 s for cond to hold, failing with what's
// message if it never does.
func eventually(t *testing.T, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(what())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitGone waits until the file at path no longer exists.
func waitGone(t *testing.T, path string) {
	t.Helper()
	eventually(t, func() bool { _, err := os.Stat(path); return os.IsNotExist(err) },
		func() string { return path + " still exists" })
}

// ---- tests ----

func TestAFileUploadedAttachedAndDownloadedOverREST(t *testing.T) {
	s := startServer(t)
	img := pngFile(t)
	up := s.upload(t, "", "screenshot.png", "image/png", img)
	if up.status != http.StatusCreated {
		t.Fatalf("upload: %d %s", up.status, up.text)
	}
	mediaSID := up.json["sid"].(string)
	for field, want := range map[string]any{"content_type": "image/png", "filename": "screenshot.png",
		"size": float64(len(img)), "author": media.SystemAuthor, "message_sid": nil,
		"service_sid": s.app.Conversations.ServiceSID(), "account_sid": s.accountSID} {
		if got := up.json[field]; got != want {
			t.Errorf("upload answer %s = %v, want %v", field, got, want)
		}
	}
	if !strings.HasPrefix(mediaSID, "ME") {
		t.Errorf("media sid %q does not start with ME", mediaSID)
	}

	c := mustCreateConversation(t, s.tw, "broken kettle")
	m, err := sendWithMedia(s.tw.ConversationsV1, *c.Sid, "ada", "here it is", mediaSID)
	if err != nil {
		t.Fatalf("send with media: %v", err)
	}
	got := mustListMessages(t, s.tw, *c.Sid, nil)
	if len(got) != 1 || got[0].Media == nil || len(*got[0].Media) != 1 {
		t.Fatalf("the message lists media %v, want the one file", got[0].Media)
	}
	listed := (*got[0].Media)[0].(map[string]any)
	if listed["sid"] != mediaSID || listed["filename"] != "screenshot.png" || listed["content_type"] != "image/png" || listed["size"] != float64(len(img)) {
		t.Errorf("message media = %v", listed)
	}
	if meta := s.fetchMedia(t, "", mediaSID); meta.json["message_sid"] != *m.Sid || meta.json["conversation_sid"] != *c.Sid {
		t.Errorf("after attaching, media says message %v conversation %v; want %s %s", meta.json["message_sid"], meta.json["conversation_sid"], *m.Sid, *c.Sid)
	}

	body := s.fetchContent(t, "", mediaSID, nil)
	if body.status != http.StatusOK || body.text != string(img) {
		t.Fatalf("download: %d, %d bytes, want the %d uploaded", body.status, len(body.text), len(img))
	}
	for h, want := range map[string]string{"Content-Type": "image/png", "X-Content-Type-Options": "nosniff",
		"Content-Disposition": `inline; filename=screenshot.png`} {
		if got := body.header.Get(h); got != want {
			t.Errorf("download %s = %q, want %q", h, got, want)
		}
	}
	part := s.fetchContent(t, "", mediaSID, map[string]string{"Range": "bytes=0-7"})
	if part.status != http.StatusPartialContent || part.text != string(img[:8]) {
		t.Errorf("range 0-7: %d %q, want 206 and the PNG signature", part.status, part.text)
	}

	// The temporary link needs no credentials.
	link := s.fetchMedia(t, "", mediaSID).json["links"].(map[string]any)["content_direct_temporary"].(string)
	r := s.do(t, rawRequest{method: http.MethodGet, path: strings.TrimPrefix(link, s.baseURL), noAuth: true})
	if r.status != http.StatusOK || r.text != string(img) {
		t.Errorf("temporary link: %d, %d bytes", r.status, len(r.text))
	}
}

func TestAParticipantSendsAFileOverTheRealtimeSocket(t *testing.T) {
	s := startServer(t)
	convSID := s.conversationWith(t, "ada", "bob")
	ada, bob, eve := s.mintToken(t, "ada"), s.mintToken(t, "bob"), s.mintToken(t, "eve")
	rest := client.NewREST(s.baseURL, client.TokenAuth(func(context.Context) (string, error) { return ada, nil }), nil)
	doc, err := rest.UploadMedia(context.Background(), s.app.Conversations.ServiceSID(), "invoice.pdf", "application/pdf", strings.NewReader(pdfFile))
	if err != nil {
		t.Fatalf("upload with the project's client: %v", err)
	}
	if doc.Author != "ada" || doc.ContentType != "application/pdf" {
		t.Errorf("uploaded media: author %q type %q", doc.Author, doc.ContentType)
	}
	// Before it is attached, only its uploader (and the account) may read it.
	wantTwilioErrorShape(t, s.fetchMedia(t, bob, doc.SID), http.StatusForbidden, 20403)

	events := make(chan proto.ServerFrame, 16)
	bobSess, err := client.Dial(context.Background(), client.SessionOptions{URL: s.baseURL,
		Token:   func(context.Context) (string, error) { return bob, nil },
		OnEvent: func(f proto.ServerFrame) { events <- f }})
	if err != nil {
		t.Fatal(err)
	}
	defer bobSess.Close()
	adaSess := s.dialAgent(t, "ada")
	ack, err := adaSess.SendMessage(context.Background(), client.Outgoing{ConversationSID: convSID, MediaSIDs: []string{doc.SID}})
	if err != nil || ack.Type != proto.TypeAck {
		t.Fatalf("send a media-only message: %v %+v", err, ack)
	}

	var msg model.Message
	for f := range events {
		if f.Event == proto.MessageAdded {
			if err := json.Unmarshal(f.Data, &msg); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if len(msg.Media) != 1 || msg.Media[0].SID != doc.SID || msg.Media[0].Filename != "invoice.pdf" || msg.Body != nil {
		t.Fatalf("bob saw message %+v with media %+v; want a media-only message with invoice.pdf", msg, msg.Media)
	}
	if r := s.fetchContent(t, bob, doc.SID, nil); r.status != http.StatusOK || r.text != pdfFile {
		t.Errorf("bob downloads the attachment: %d %q", r.status, r.text)
	}
	// eve is in no conversation with it.
	wantTwilioErrorShape(t, s.fetchMedia(t, eve, doc.SID), http.StatusForbidden, 20403)
	wantTwilioErrorShape(t, s.fetchContent(t, eve, doc.SID, nil), http.StatusForbidden, 20403)
	wrongAccount := rawRequest{method: http.MethodGet, path: s.mediaPath() + "/" + doc.SID + "/Content", noAuth: true,
		header: map[string]string{"Authorization": "Basic " + basicAuth("nobody", "nothing")}}
	wantTwilioErrorShape(t, s.do(t, wrongAccount), http.StatusUnauthorized, 20003)
}

func TestATemporaryLinkExpires(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Now().Unix())
	s := startServerWith(t, func(c *Config) { c.Now = func() time.Time { return time.Unix(now.Load(), 0) } })
	mediaSID := s.mustUpload(t, "", "a.png", "image/png", pngFile(t))
	link := s.fetchMedia(t, "", mediaSID).json["links"].(map[string]any)["content_direct_temporary"].(string)
	path := strings.TrimPrefix(link, s.baseURL)
	if r := s.do(t, rawRequest{method: http.MethodGet, path: path, noAuth: true}); r.status != http.StatusOK {
		t.Fatalf("fresh link: %d %s", r.status, r.text)
	}
	tampered := strings.Replace(path, "Expires=", "Expires=9", 1)
	wantTwilioErrorShape(t, s.do(t, rawRequest{method: http.MethodGet, path: tampered, noAuth: true}), http.StatusUnauthorized, 20003)

	now.Add(int64(media.TemporaryURLLifetime/time.Second) + 1)
	r := s.do(t, rawRequest{method: http.MethodGet, path: path, noAuth: true})
	wantTwilioErrorShape(t, r, http.StatusUnauthorized, 20003)
	if !strings.Contains(r.json["message"].(string), "expired") {
		t.Errorf("message %q does not say the link expired", r.json["message"])
	}
}

func TestUploadsAreCheckedAgainstThePolicy(t *testing.T) {
	s := startServerWith(t, func(c *Config) { c.MediaMaxBytes = 64 << 10 })
	img := pngFile(t)
	big := append(bytes.Clone(img), bytes.Repeat([]byte{0}, 64<<10)...)
	cases := []struct {
		name, filename, contentType string
		body                        []byte
		status, code                int
		message                     string
	}{
		{"a program sent as a picture", "cat.png", "image/png", []byte(exeFile), 415, 20415, "not one Parley accepts"},
		{"a picture sent as another kind", "cat.jpg", "image/jpeg", img, 415, 20415, "sent as image/jpeg but its content is image/png"},
		{"an HTML page", "page.html", "text/html", []byte("<!DOCTYPE html><script>alert(1)</script>"), 415, 20415, "not one Parley accepts"},
		{"an SVG image", "logo.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 415, 20415, ""},
		{"a file over the limit", "big.png", "image/png", big, 413, 20413, "64 KiB"},
		{"an empty file", "empty.png", "image/png", nil, 400, 20400, "empty"},
		{"no content type", "cat.png", "", img, 415, 20415, "Content-Type"},
		{"a malformed content type", "cat.png", "image/png; ===", img, 415, 20415, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.upload(t, "", tc.filename, tc.contentType, tc.body)
			wantTwilioErrorShape(t, r, tc.status, tc.code)
			if msg, _ := r.json["message"].(string); !strings.Contains(msg, tc.message) {
				t.Errorf("message %q does not mention %q", msg, tc.message)
			}
		})
	}
	if n := s.countRows(t, "media"); n != 0 {
		t.Errorf("refused uploads left %d media records", n)
	}
	wantNoUnfinishedUploads(t, s)
	// A file of exactly the limit is fine, as is a declared-as-unknown one.
	exact := append(bytes.Clone(img), bytes.Repeat([]byte{0}, 64<<10-len(img))...)
	s.mustUpload(t, "", "exact.png", "image/png", exact)
	s.mustUpload(t, "", "blob", "application/octet-stream", img)
	wantServing(t, s)
}

func wantNoUnfinishedUploads(t *testing.T, s *testServer) {
	t.Helper()
	var left []os.DirEntry
	eventually(t, func() bool { left, _ = os.ReadDir(filepath.Join(s.dataDir, "media", "tmp")); return len(left) == 0 },
		func() string { return fmt.Sprintf("unfinished uploads left behind: %v", left) })
}

func TestHostileFilenamesAreMadeSafe(t *testing.T) {
	s := startServer(t)
	long := strings.Repeat("é", 300) + ".png"
	cases := map[string]string{
		"../../etc/passwd.png":         "passwd.png",
		`C:\Users\ada\photo.png`:       "photo.png",
		"inv\u202Egnp.exe.png":         "invgnp.exe.png",
		"bell\a\x00null.png":           "bellnull.png",
		"...hidden.png":                "hidden.png",
		`quote"d; name=evil.png`:       `quote"d; name=evil.png`,
		"<img src=x onerror=alert(1)>": "<img src=x onerror=alert(1)>",
		"":                             "",
	}
	for name, want := range cases {
		r := s.upload(t, "", name, "image/png", pngFile(t))
		if r.status != http.StatusCreated {
			t.Errorf("upload %q: %d %s", name, r.status, r.text)
			continue
		}
		got, _ := r.json["filename"].(string)
		if got != want {
			t.Errorf("filename %q stored as %q, want %q", name, got, want)
		}
		// The name goes back out only quoted in Content-Disposition.
		d := s.fetchContent(t, "", r.json["sid"].(string), nil).header.Get("Content-Disposition")
		if strings.ContainsAny(d, "\r\n") || (want != "" && !strings.Contains(d, "filename")) {
			t.Errorf("Content-Disposition for %q: %q", name, d)
		}
	}
	r := s.upload(t, "", long, "image/png", pngFile(t))
	got, _ := r.json["filename"].(string)
	if len(got) > media.MaxFilenameBytes || !strings.HasSuffix(got, ".png") {
		t.Errorf("a %d-byte name was stored as %d bytes %q; want at most %d keeping .png", len(long), len(got), got, media.MaxFilenameBytes)
	}
}

func TestMultipartUploadsKeepTheirFilename(t *testing.T) {
	s := startServer(t)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("note", "a field before the file is skipped")
	fw, _ := w.CreateFormFile("Media", "report.pdf")
	fw.Write([]byte(pdfFile))
	w.Close()
	r := s.do(t, rawRequest{method: http.MethodPost, path: s.mediaPath(), contentType: w.FormDataContentType(), body: body.String()})
	if r.status != http.StatusCreated || r.json["filename"] != "report.pdf" || r.json["content_type"] != "application/pdf" {
		t.Fatalf("multipart upload: %d %s", r.status, r.text)
	}
	for name, rq := range map[string]rawRequest{
		"no file part": {contentType: w.FormDataContentType(), body: "--" + w.Boundary() + "--\r\n"},
		"no boundary":  {contentType: "multipart/form-data", body: "x"},
		"garbage":      {contentType: "multipart/form-data; boundary=zz", body: "this is not a form"},
	} {
		rq.method, rq.path = http.MethodPost, s.mediaPath()
		t.Run(name, func(t *testing.T) { wantTwilioErrorShape(t, s.do(t, rq), http.StatusBadRequest, 20400) })
	}
}

func TestMessagesCarryAtMostTenOfTheSendersOwnFiles(t *testing.T) {
	s := startServer(t)
	convSID := s.conversationWith(t, "ada", "bob")
	var sids []string
	for i := range 11 {
		sids = append(sids, s.mustUpload(t, "", fmt.Sprintf("p%d.png", i), "image/png", pngFile(t)))
	}
	r := s.sendForm(t, convSID, url.Values{"Author": {"ada"}, "MediaSid": sids})
	wantTwilioErrorShape(t, r, http.StatusBadRequest, 20400)
	r = s.sendForm(t, convSID, url.Values{"Author": {"ada"}, "MediaSid": sids[:10]})
	if r.status != http.StatusCreated {
		t.Fatalf("ten media: %d %s", r.status, r.text)
	}
	if media, _ := r.json["media"].([]any); len(media) != 10 || r.json["body"] != nil {
		t.Errorf("sent message has %d media and body %v; want 10 and no body", len(media), r.json["body"])
	}
	// The same file cannot go out twice, nor can a file nobody uploaded.
	wantTwilioErrorShape(t, s.sendForm(t, convSID, url.Values{"MediaSid": {sids[0]}}), http.StatusConflict, 20400)
	wantTwilioErrorShape(t, s.sendForm(t, convSID, url.Values{"MediaSid": {"ME00000000000000000000000000000000"}}), http.StatusBadRequest, 20400)

	// Over the socket, bob cannot send what ada uploaded.
	adaUpload := s.mustUpload(t, s.mintToken(t, "ada"), "mine.png", "image/png", pngFile(t))
	bob := s.dialAgent(t, "bob")
	reply, err := bob.SendMessage(context.Background(), client.Outgoing{ConversationSID: convSID, MediaSIDs: []string{adaUpload}})
	if err == nil && reply.Type != proto.TypeError || reply.Status != http.StatusForbidden {
		t.Errorf("bob attaching ada's upload: %v %+v, want a 403 error", err, reply)
	}
}

func TestDeletingAMessageOrConversationDeletesItsFiles(t *testing.T) {
	s := startServer(t)
	c := mustCreateConversation(t, s.tw, "files")
	first, second := pngFile(t), []byte(pdfFile)
	m1, err := sendWithMedia(s.tw.ConversationsV1, *c.Sid, "ada", "", s.mustUpload(t, "", "a.png", "image/png", first))
	if err != nil {
		t.Fatal(err)
	}
	pdfSID := s.mustUpload(t, "", "b.pdf", "application/pdf", second)
	if _, err := sendWithMedia(s.tw.ConversationsV1, *c.Sid, "ada", "", pdfSID); err != nil {
		t.Fatal(err)
	}
	if err := s.tw.ConversationsV1.DeleteConversationMessage(*c.Sid, *m1.Sid, nil); err != nil {
		t.Fatal(err)
	}
	waitGone(t, s.blobPath(first))
	if _, err := os.Stat(s.blobPath(second)); err != nil {
		t.Fatalf("the other message's file went too: %v", err)
	}
	if err := s.tw.ConversationsV1.DeleteConversation(*c.Sid, nil); err != nil {
		t.Fatal(err)
	}
	waitGone(t, s.blobPath(second))
	wantTwilioErrorShape(t, s.fetchMedia(t, "", pdfSID), http.StatusNotFound, 20404)
	if n := s.countRows(t, "media"); n != 0 {
		t.Errorf("%d media records outlived their messages", n)
	}
}

func TestTheSameBytesAreStoredOnceAndKeptWhileUsed(t *testing.T) {
	s := startServer(t)
	img := pngFile(t)
	a := s.mustUpload(t, "", "a.png", "image/png", img)
	b := s.mustUpload(t, "", "b.png", "image/png", img)
	if r := s.do(t, rawRequest{method: http.MethodDelete, path: s.mediaPath() + "/" + a}); r.status != http.StatusNoContent {
		t.Fatalf("delete an unattached upload: %d %s", r.status, r.text)
	}
	if r := s.fetchContent(t, "", b, nil); r.status != http.StatusOK || r.text != string(img) {
		t.Fatalf("the twin upload lost its bytes: %d", r.status)
	}
	s.do(t, rawRequest{method: http.MethodDelete, path: s.mediaPath() + "/" + b})
	waitGone(t, s.blobPath(img))
}

func TestGuestUploadsFollowTheirDeploymentsPolicy(t *testing.T) {
	s := startServer(t)
	only := s.createDeployment(t, url.Values{"Attachments.AllowedTypes": {"image/png"}, "Attachments.MaxBytes": {"2048"}})
	off := s.createDeployment(t, url.Values{"Attachments.Enabled": {"false"}})
	guestToken := func(d deployment) string {
		r := s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, startChat(d.Key, "Ada", "Hello"))
		if r.status != http.StatusOK {
			t.Fatalf("init: %d %s", r.status, r.text)
		}
		return r.json["token"].(string)
	}
	tok := guestToken(only)
	s.mustUpload(t, tok, "ok.png", "image/png", pngFile(t))
	wantTwilioErrorShape(t, s.upload(t, tok, "doc.pdf", "application/pdf", []byte(pdfFile)), http.StatusUnsupportedMediaType, 20415)
	wantTwilioErrorShape(t, s.upload(t, tok, "big.png", "image/png", append(pngFile(t), make([]byte, 4096)...)), http.StatusRequestEntityTooLarge, 20413)
	wantTwilioErrorShape(t, s.upload(t, guestToken(off), "ok.png", "image/png", pngFile(t)), http.StatusForbidden, 20403)
}

func TestAGuestCannotReadAnotherChatsFiles(t *testing.T) {
	s := startServer(t)
	d := s.createDeployment(t, url.Values{})
	start := func(name string) (token, convSID string) {
		r := s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, startChat(d.Key, name, "Hello"))
		if r.status != http.StatusOK {
			t.Fatalf("init: %d %s", r.status, r.text)
		}
		return r.json["token"].(string), r.json["conversation_sid"].(string)
	}
	ada, adaChat := start("Ada")
	bob, _ := start("Bob")
	photo := s.mustUpload(t, ada, "receipt.png", "image/png", pngFile(t))
	if r := s.sendForm(t, adaChat, url.Values{"MediaSid": {photo}}); r.status != http.StatusCreated {
		t.Fatalf("attach: %d %s", r.status, r.text)
	}
	wantTwilioErrorShape(t, s.fetchMedia(t, bob, photo), http.StatusForbidden, 20403)
	wantTwilioErrorShape(t, s.fetchContent(t, bob, photo, nil), http.StatusForbidden, 20403)
	if r := s.fetchContent(t, ada, photo, nil); r.status != http.StatusOK {
		t.Errorf("ada reads her own file: %d %s", r.status, r.text)
	}
}

func TestAnUploadCutShortLeavesNothingBehind(t *testing.T) {
	s := startServer(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.baseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\nContent-Type: image/png\r\nContent-Length: %d\r\n\r\n",
		s.mediaPath(), basicAuth(s.accountSID, s.authToken), 1<<20)
	conn.Write(pngFile(t))
	conn.Write(make([]byte, 100<<10))
	time.Sleep(50 * time.Millisecond) // let the server start writing the file
	conn.Close()
	wantNoUnfinishedUploads(t, s)
	if n := s.countRows(t, "media"); n != 0 {
		t.Errorf("a cut-short upload left %d media records", n)
	}
	wantServing(t, s)
}

func basicAuth(user, pass string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// patternReader produces n bytes of a PNG header then a repeating pattern,
// without holding them in memory.
type patternReader struct {
	head []byte
	n    int64
	off  int64
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n-p.off {
		b = b[:p.n-p.off]
	}
	for i := range b {
		if p.off+int64(i) < int64(len(p.head)) {
			b[i] = p.head[p.off+int64(i)]
		} else {
			b[i] = byte((p.off + int64(i)) % 251)
		}
	}
	p.off += int64(len(b))
	return len(b), nil
}

// A 100 MiB upload streams: the heap grows by far less than the file,
// into the data directory and, in a cluster, into PostgreSQL's chunks; and
// what downloads afterwards is what was sent.
func TestAHundredMebibyteUploadKeepsMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 200 MiB through the disk")
	}
	t.Run("data directory", func(t *testing.T) {
		s := startServerWith(t, func(c *Config) { c.MediaMaxBytes = 150 << 20 })
		h := uploadKeepsMemoryFlat(t, s)
		if _, err := os.Stat(filepath.Join(s.dataDir, "media", h[:2], h)); err != nil {
			t.Errorf("the blob is not stored under the content's hash: %v", err)
		}
	})
	t.Run("cluster", func(t *testing.T) {
		c := newCluster(t)
		uploadKeepsMemoryFlat(t, startServerWith(t, func(cfg *Config) {
			cfg.MediaMaxBytes = 150 << 20
			cfg.Database, cfg.NATS = c.database, c.nats
		}))
	})
}

// uploadKeepsMemoryFlat uploads 100 MiB to s while sampling the heap,
// fails if what the heap holds grew by more than 16 MiB or the content
// downloads other than it was sent, and returns the content's hash.
//
// What the heap holds is the live heap the garbage collector last marked
// (/gc/heap/live:bytes): a buffered file shows there once the collector
// runs, which it must as the file grows. The heap in use also counts
// garbage not yet collected, which the collector lets grow to about the
// live heap again (GOGC=100) before it collects: in a cluster each chunk
// is copied on its way to PostgreSQL, so that figure reaches the
// collector's goal without anything being kept. It is logged.
func uploadKeepsMemoryFlat(t *testing.T, s *testServer) string {
	t.Helper()
	const size = 100 << 20
	sample := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	rtmetrics.Read(sample)
	liveBefore := sample[0].Value.Uint64()
	var peak, livePeak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // sample the heap while the upload runs
		defer wg.Done()
		var m runtime.MemStats
		s := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			peak.Store(max(peak.Load(), m.HeapInuse))
			rtmetrics.Read(s)
			livePeak.Store(max(livePeak.Load(), s[0].Value.Uint64()))
		}
	}()
	rest := client.NewREST(s.baseURL, client.AccountAuth(s.accountSID, s.authToken), nil)
	src := &patternReader{head: pngFile(t)[:16], n: size}
	m, err := rest.UploadMedia(context.Background(), s.app.Conversations.ServiceSID(), "huge.png", "image/png", src)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("upload 100 MiB: %v", err)
	}
	if m.Size != size {
		t.Errorf("stored %d bytes, want %d", m.Size, size)
	}
	mib := func(after, before uint64) float64 { return float64(int64(after)-int64(before)) / (1 << 20) }
	t.Logf("while uploading 100 MiB the live heap grew by %.1f MiB at most, the heap in use by %.1f MiB",
		mib(livePeak.Load(), liveBefore), mib(peak.Load(), before.HeapInuse))
	if growth := mib(livePeak.Load(), liveBefore); growth > 16 {
		t.Errorf("the live heap grew by %.1f MiB during a 100 MiB upload; uploads must stream, not buffer", growth)
	}
	sent := sha256.New()
	io.Copy(sent, &patternReader{head: src.head, n: size})
	req, _ := http.NewRequest(http.MethodGet, s.baseURL+"/mcs/v1/Services/"+s.app.Conversations.ServiceSID()+"/Media/"+m.SID+"/Content", nil)
	req.SetBasicAuth(s.accountSID, s.authToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := sha256.New()
	if n, err := io.Copy(got, resp.Body); err != nil || n != size || !bytes.Equal(got.Sum(nil), sent.Sum(nil)) {
		t.Errorf("downloaded %d bytes (%v), status %d, equal to what was sent: %v", n, err, resp.StatusCode, bytes.Equal(got.Sum(nil), sent.Sum(nil)))
	}
	return fmt.Sprintf("%x", sent.Sum(nil))
}

func TestALimitBelowTheSniffedBytesStillSaysTooLarge(t *testing.T) {
	s := startServerWith(t, func(c *Config) { c.MediaMaxBytes = 100 })
	file := append(pngFile(t), make([]byte, 1000)...)
	wantTwilioErrorShape(t, s.upload(t, "", "cat.png", "image/png", file), http.StatusRequestEntityTooLarge, 20413)
	// Without a Content-Length (chunked), the limit is found while reading.
	rest := client.NewREST(s.baseURL, client.AccountAuth(s.accountSID, s.authToken), nil)
	_, err := rest.UploadMedia(context.Background(), s.app.Conversations.ServiceSID(), "cat.png", "image/png",
		io.MultiReader(bytes.NewReader(file)))
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusRequestEntityTooLarge || apiErr.Code != 20413 {
		t.Errorf("a chunked upload over the limit: %v, want 413 (20413)", err)
	}
}
