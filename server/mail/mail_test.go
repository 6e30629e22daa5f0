package mail_test

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"parley/server/mail"
	"parley/server/mail/mailtest"
)

// parts reads a received letter's text and HTML parts.
func parts(t *testing.T, r mailtest.Received) (subject, text, html string) {
	t.Helper()
	m := r.Message(t)
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	typ, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || typ != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable itself
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		}
	}
	if text == "" || html == "" {
		t.Fatalf("want a text and an HTML part; text %q, html %q", text, html)
	}
	return subject, text, html
}

func TestSendUnreadLetter(t *testing.T) {
	srv := mailtest.Start(t)
	s := mail.NewSender(srv.Config)
	attack := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	l := mail.Letter{Kind: mail.Unread, ID: "unread CH1 2-3", To: "visitor@example.com", Lang: "ar",
		Deployment: "Acme <Support>", Link: "http://127.0.0.1/widget/?key=CV1#resume=tok",
		Lines: []mail.Line{{Author: "Sam", Body: "Hello\n" + attack, Time: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)}}}
	if err := s.Send(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 10*time.Second)[0]
	if !got.TLS || !got.Auth {
		t.Errorf("sent with TLS %v, auth %v: want STARTTLS and AUTH", got.TLS, got.Auth)
	}
	if len(got.To) != 1 || got.To[0] != "visitor@example.com" {
		t.Errorf("recipients %v", got.To)
	}
	subject, text, html := parts(t, got)
	if subject != "ردّ عليك Acme <Support>" {
		t.Errorf("subject %q: want the Arabic subject naming the deployment", subject)
	}
	m := got.Message(t)
	if m.Header.Get("Content-Language") != "ar" || !strings.Contains(m.Header.Get("Message-Id"), "parley.unread.CH1.2-3@parley.test") {
		t.Errorf("headers: Content-Language %q, Message-Id %q", m.Header.Get("Content-Language"), m.Header.Get("Message-Id"))
	}
	if strings.Contains(html, "<script>") || strings.Contains(html, "<img") || !strings.Contains(html, "&lt;script&gt;") {
		t.Errorf("the HTML part does not escape the message:\n%s", html)
	}
	if !strings.Contains(html, `dir="rtl"`) || !strings.Contains(html, "افتح المحادثة") || !strings.Contains(html, `href="http://127.0.0.1/widget/?key=CV1#resume=tok"`) {
		t.Errorf("the HTML part is not Arabic, right to left, with the link:\n%s", html)
	}
	if !strings.Contains(text, attack) || !strings.Contains(text, "Sam (2026-01-02 03:04 UTC)") || !strings.Contains(text, "#resume=tok") {
		t.Errorf("the text part:\n%s", text)
	}
}

func TestTranscriptInFrench(t *testing.T) {
	srv := mailtest.Start(t)
	l := mail.Letter{Kind: mail.Transcript, ID: "t", To: "a@example.com", Lang: "fr", Deployment: "Acme", Ended: true,
		Lines: []mail.Line{{Author: "Vous", Body: "Bonjour", Files: []string{"facture.pdf"}}}}
	if err := mail.NewSender(srv.Config).Send(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	subject, text, _ := parts(t, srv.Wait(t, 1, 10*time.Second)[0])
	if subject != "Votre discussion avec Acme" || !strings.Contains(text, "[facture.pdf]") || !strings.Contains(text, "Cette discussion est terminée") {
		t.Errorf("subject %q, text:\n%s", subject, text)
	}
}

func TestParseURL(t *testing.T) {
	c, err := mail.ParseURL("smtp://me%40x.com:p%40ss@mail.example.com:2525", "Support <help@example.com>")
	if err != nil || c.Host != "mail.example.com" || c.Port != 2525 || c.Username != "me@x.com" || c.Password != "p@ss" ||
		c.Security != mail.StartTLS || c.From != `"Support" <help@example.com>` {
		t.Errorf("ParseURL = %+v, %v", c, err)
	}
	if c, err := mail.ParseURL("smtps://u:p@mail.example.com", "a@example.com"); err != nil || c.Port != 465 || c.Security != mail.ImplicitTLS {
		t.Errorf("smtps: %+v, %v", c, err)
	}
	if got := c.String(); strings.Contains(got, "p@ss") || strings.Contains(got, "p%40ss") {
		t.Errorf("String() = %q shows the password", got)
	}
	for _, bad := range []string{
		"http://u:hunter2@mail.example.com", "smtp://u:hunter2@mail.example.com:99999", "smtp://u:hunter2@:25",
		"smtp://u:hunter2@mail.example.com/path", "smtp://:hunter2@mail.example.com", "smtp://u:hunter2@mail.example.com%zz",
	} {
		_, err := mail.ParseURL(bad, "a@example.com")
		if err == nil {
			t.Errorf("ParseURL(%q) took it", bad)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseURL(%q) error shows the password: %v", bad, err)
		}
	}
	if _, err := mail.ParseURL("smtp://mail.example.com", ""); err == nil || !strings.Contains(err.Error(), "PARLEY_SMTP_FROM") {
		t.Errorf("no sender: %v", err)
	}
	if _, err := mail.ParseURL("smtp://mail.example.com", "not an address"); err == nil {
		t.Errorf("a bad sender was taken")
	}
}
