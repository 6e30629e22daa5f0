package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"parley/shared/i18n"
)

// Kind is what a letter is for.
type Kind string

// Letters Parley sends.
const (
	// Unread carries an agent's messages the visitor left unread.
	Unread Kind = "unread"
	// Transcript carries the whole chat, at the visitor's request.
	Transcript Kind = "transcript"
)

// Letter is one email to a web visitor. Everything in it but Link comes
// from people (agents, the visitor, the deployment's owner) and is text:
// the HTML part escapes it.
type Letter struct {
	Kind Kind
	// ID is the letter's idempotency key: its Message-ID is made from it,
	// so that the same letter sent twice (a crash between the server's
	// acceptance and Parley noting it) is one message to mail clients.
	ID   string
	To   string
	Lang string // a language of i18n.Langs; others read English
	// Deployment names the team: it is in the subject and the greeting.
	Deployment string
	Lines      []Line
	// Link reopens the chat in the widget; "" when it cannot (the chat
	// ended, or the visitor is a site's signed-in customer).
	Link string
	// Ended says the chat is over.
	Ended bool
}

// Line is one message of the letter.
type Line struct {
	Author string // as the visitor knows them: "You", an agent's name
	Body   string
	Files  []string // names of attached files, which the letter does not carry
	Time   time.Time
}

// letterData is what the templates see.
type letterData struct {
	Letter
	T       i18n.Mail
	Dir     string
	Intro   string
	Footer  string
	Subject string
}

var (
	textTmpl = texttemplate.Must(texttemplate.New("text").Funcs(texttemplate.FuncMap{"when": when}).Parse(
		`{{.Intro}}
{{range .Lines}}
{{.Author}} ({{when .Time}}):
{{.Body}}{{range .Files}}
[{{.}}]{{end}}
{{end}}
{{if .Link}}{{.T.Open}}: {{.Link}}
{{.T.OpenNote}}
{{else if .Ended}}{{.T.ClosedNote}}
{{end}}
--
{{.Footer}}
`))
	htmlTmpl = htmltemplate.Must(htmltemplate.New("html").Funcs(htmltemplate.FuncMap{"when": when}).Parse(
		`<!DOCTYPE html>
<html lang="{{.Lang}}" dir="{{.Dir}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1f2328;max-width:40em">
<p>{{.Intro}}</p>
{{range .Lines}}<div style="margin:0 0 1em">
<div style="color:#59636e;font-size:.9em"><strong>{{.Author}}</strong> · {{when .Time}}</div>
<div style="white-space:pre-wrap">{{.Body}}</div>{{range .Files}}
<div style="color:#59636e">📎 {{.}}</div>{{end}}
</div>
{{end}}{{if .Link}}<p><a href="{{.Link}}" style="display:inline-block;padding:.5em 1em;background:#1f6feb;color:#fff;border-radius:6px;text-decoration:none">{{.T.Open}}</a></p>
<p style="color:#59636e;font-size:.9em">{{.T.OpenNote}}</p>
{{else if .Ended}}<p>{{.T.ClosedNote}}</p>
{{end}}<hr><p style="color:#59636e;font-size:.85em">{{.Footer}}</p>
</body></html>
`))
)

// when writes a message's time for a reader anywhere: UTC, said so.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// Compose makes the letter's email: multipart/alternative, plain text then
// HTML, in the letter's language, from cfg's sender.
func Compose(cfg Config, l Letter) (*gomail.Msg, error) {
	t := i18n.For(l.Lang, "")
	m := t.MailIn()
	d := letterData{Letter: l, T: m, Dir: t.Dir, Footer: fmt.Sprintf(m.Footer, l.Deployment)}
	d.Lang = t.Lang
	switch l.Kind {
	case Unread:
		d.Subject, d.Intro = fmt.Sprintf(m.UnreadSubject, l.Deployment), fmt.Sprintf(m.UnreadIntro, l.Deployment)
	case Transcript:
		d.Subject, d.Intro = fmt.Sprintf(m.TranscriptSubject, l.Deployment), fmt.Sprintf(m.TranscriptIntro, l.Deployment)
	default:
		return nil, fmt.Errorf("mail: no letter of kind %q", l.Kind)
	}
	var text, html bytes.Buffer
	if err := textTmpl.Execute(&text, d); err != nil {
		return nil, err
	}
	if err := htmlTmpl.Execute(&html, d); err != nil {
		return nil, err
	}
	msg := gomail.NewMsg()
	if err := msg.From(cfg.From); err != nil {
		return nil, fmt.Errorf("mail: sender %q: %w", cfg.From, err)
	}
	if err := msg.To(l.To); err != nil {
		return nil, fmt.Errorf("mail: recipient %q: %w", l.To, err)
	}
	msg.Subject(d.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(messageID(l.ID, cfg.From))
	msg.SetGenHeader(gomail.HeaderContentLang, t.Lang)
	// An automatic message: no out-of-office answers to it (RFC 3834).
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetBodyString(gomail.TypeTextPlain, text.String())
	msg.AddAlternativeString(gomail.TypeTextHTML, html.String())
	return msg, nil
}

// messageID is the same for the same letter: id (an idempotency key) made
// safe for the header, at the sender's domain.
func messageID(id, from string) string {
	domain := "parley.invalid"
	if at := strings.LastIndex(from, "@"); at >= 0 {
		domain = strings.TrimRight(from[at+1:], ">")
	}
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('.')
		}
	}
	return "parley." + b.String() + "@" + domain
}
