package app

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"parley/server/followup"
	"parley/server/mail/mailtest"
	"parley/server/outbox"
	"parley/shared/sid"
)

// letterParts reads a received letter's subject and its text and HTML
// parts.
func letterParts(t *testing.T, r mailtest.Received) (subject, text, html string) {
	t.Helper()
	m := r.Message(t)
	subject, _ = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(p)
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			html = string(b)
		} else {
			text = string(b)
		}
	}
	return subject, text, html
}

var resumeLink = regexp.MustCompile(`(http://[^\s"]+/widget/\?key=(CV[0-9a-f]+)#resume=([A-Za-z0-9._%-]+))`)

// emailServer starts Parley emailing through srv, in dir, where a minute
// of UnreadMinutes lasts minute.
func emailServer(t *testing.T, srv *mailtest.Server, dir string, minute time.Duration) *testServer {
	return startServerWith(t, func(c *Config) {
		c.GuestLimits = startServerLimits
		c.Mail, c.MailMinute, c.DataDir = &srv.Config, minute, dir
		c.Outbox = OutboxConfig{FirstRetry: 50 * time.Millisecond, MaxRetryWait: 200 * time.Millisecond}
	})
}

// An agent's reply the visitor left unread reaches the email they gave,
// once: through a refused first attempt, a duplicate check and a restart;
// its link brings the visitor back into the same chat.
func TestUnreadRepliesAreEmailedOnceWithALinkBack(t *testing.T) {
	srv := mailtest.Start(t)
	dir := t.TempDir()
	const minute = 100 * time.Millisecond
	s := emailServer(t, srv, dir, minute)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Acme"}, "WelcomeMessage": {""}, "EmailReplies.UnreadMinutes": {"2"}})
	chat := s.guest(t, "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key}, "Locale": {"fr"},
		"PreEngagementData": {`{"friendlyName":"Ada","email":"ada@example.com","question":"Where is my order?"}`}})
	if chat.status != 200 {
		t.Fatalf("init: %d %s", chat.status, chat.text)
	}
	conv := chat.json["conversation_sid"].(string)

	srv.FailNext(1) // the first attempt is refused for now: the outbox retries
	sent := time.Now()
	mustSendMessage(t, s.tw, conv, "agent_sam", `Your order <b>ships</b> today & arrives "soon"`)
	got := srv.Wait(t, 1, 20*time.Second)[0]
	if waited := time.Since(sent); waited < 2*minute {
		t.Errorf("the email came %v after the reply, before it was unread for 2 minutes (%v)", waited, 2*minute)
	}
	if len(got.To) != 1 || got.To[0] != "ada@example.com" || !got.TLS {
		t.Errorf("sent to %v (TLS %v), want ada@example.com over STARTTLS", got.To, got.TLS)
	}
	subject, text, html := letterParts(t, got)
	if subject != "Acme vous a répondu" {
		t.Errorf("subject %q, want the French subject naming the deployment", subject)
	}
	if !strings.Contains(html, "Your order &lt;b&gt;ships&lt;/b&gt; today &amp; arrives &#34;soon&#34;") || strings.Contains(html, "<b>ships") {
		t.Errorf("the HTML part does not escape the agent's message:\n%s", html)
	}
	if strings.Contains(text, "Where is my order?") {
		t.Errorf("the email repeats the visitor's own message:\n%s", text)
	}
	m := resumeLink.FindStringSubmatch(text)
	if m == nil || m[2] != d.Key {
		t.Fatalf("no link back to the chat in:\n%s", text)
	}
	tok, _ := url.QueryUnescape(m[3])
	back := s.guest(t, "/flex/v2/Webchat/Resume", "", url.Values{"DeploymentKey": {d.Key}, "ResumeToken": {tok}})
	if back.status != 200 || back.json["conversation_sid"] != conv || back.json["identity"] != chat.json["identity"] {
		t.Errorf("the link's token: %d %s, want the same guest in %s", back.status, back.text, conv)
	}
	// The check is listed with the deliveries, delivered at its second
	// attempt (its progress is saved just after the send).
	for deadline := time.Now().Add(10 * time.Second); ; {
		r := s.get(t, "/parley/v1/Deliveries?Kind="+followup.UnreadKind)
		if strings.Contains(r.text, `"state":"delivered"`) && strings.Contains(r.text, `"attempts":2`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries: %d %s, want the check delivered at its second attempt", r.status, r.text)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A second check of the same messages (a crash replaying a job) and a
	// restart send nothing more.
	payload := `{"conversation_sid":"` + conv + `"}`
	if err := s.app.Outbox.Enqueue(context.Background(), outbox.Job{SID: sid.New(sid.Delivery), Kind: followup.UnreadKind,
		Key: followup.UnreadKind + " " + conv, Payload: []byte(payload), Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	s.stop()
	s = emailServer(t, srv, dir, minute)
	time.Sleep(6 * minute) // a check due then has run by now; none may send
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("the same reply was emailed %d times", n)
	}

	// A new reply is emailed alone, not with the one sent before.
	mustSendMessage(t, s.tw, conv, "agent_sam", "It has left the warehouse.")
	got = srv.Wait(t, 2, 20*time.Second)[1]
	_, text, _ = letterParts(t, got)
	if !strings.Contains(text, "It has left the warehouse.") || strings.Contains(text, "ships") {
		t.Errorf("the second email:\n%s", text)
	}

	// Once the chat is closed, the link no longer opens it, and says why.
	mustCloseConversation(t, s.tw, conv)
	if r := s.guest(t, "/flex/v2/Webchat/Resume", "", url.Values{"DeploymentKey": {d.Key}, "ResumeToken": {tok}}); r.status != 401 ||
		!strings.Contains(r.text, "the chat has ended") {
		t.Errorf("the link of a closed chat: %d %s", r.status, r.text)
	}
}

// A reply the visitor reads in time is not emailed; a visitor who gave no
// email gets none; a deployment with the setting at 0 sends none.
func TestRepliesReadInTimeOrWithoutEmailAreNotEmailed(t *testing.T) {
	srv := mailtest.Start(t)
	const minute = 50 * time.Millisecond
	s := emailServer(t, srv, t.TempDir(), minute)
	on := s.createDeployment(t, url.Values{"WelcomeMessage": {""}, "EmailReplies.UnreadMinutes": {"2"}})
	off := s.createDeployment(t, url.Values{"WelcomeMessage": {""}})
	start := func(key, data string) (conv, token string) {
		r := s.guest(t, "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {key}, "PreEngagementData": {data}})
		if r.status != 200 {
			t.Fatalf("init: %d %s", r.status, r.text)
		}
		return r.json["conversation_sid"].(string), r.json["token"].(string)
	}
	read, _ := start(on.Key, `{"friendlyName":"Ada","email":"ada@example.com","question":"Hi"}`)
	noEmail, _ := start(on.Key, `{"friendlyName":"Bo","question":"Hi"}`)
	settingOff, _ := start(off.Key, `{"friendlyName":"Cy","email":"cy@example.com","question":"Hi"}`)
	for _, c := range []string{read, noEmail, settingOff} {
		mustSendMessage(t, s.tw, c, "agent_sam", "Hello!")
	}
	// Ada reads it at once, as the open widget does.
	r := s.postForm(t, "/conversations/v1/Conversations/"+read+"/Participants/"+chatIdentity(t, s, read),
		url.Values{"LastReadMessageIndex": {"1"}})
	if r.status != 200 {
		t.Fatalf("mark read: %d %s", r.status, r.text)
	}
	time.Sleep(8 * minute)
	if got := srv.Messages(); len(got) != 0 {
		t.Errorf("%d emails sent (first to %v), want none", len(got), got[0].To)
	}
}

// chatIdentity is the guest's identity in a conversation.
func chatIdentity(t *testing.T, s *testServer, conv string) string {
	for _, p := range mustListParticipants(t, s.tw, conv) {
		if strings.HasPrefix(str(p.Identity), "guest_") {
			return str(p.Identity)
		}
	}
	t.Fatal("no guest in " + conv)
	return ""
}

// A visitor asks for the transcript: it goes to the email they gave and
// nowhere else, whatever the request says, and not for someone else's
// chat; asking again and again is limited, so the button is no spam relay.
func TestTranscriptGoesOnlyToTheVisitorsEmail(t *testing.T) {
	srv := mailtest.Start(t)
	s := emailServer(t, srv, t.TempDir(), time.Minute)
	d := s.createDeployment(t, url.Values{"WelcomeMessage": {""}})
	start := func(data string) (conv, token string) {
		r := s.guest(t, "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key}, "Locale": {"en"}, "PreEngagementData": {data}})
		if r.status != 200 {
			t.Fatalf("init: %d %s", r.status, r.text)
		}
		return r.json["conversation_sid"].(string), r.json["token"].(string)
	}
	conv, tok := start(`{"friendlyName":"Ada","email":"ada@example.com","question":"Can I <i>return</i> it?"}`)
	mustSendMessage(t, s.tw, conv, "agent_sam", "Yes, within 30 days.")
	ask := func(conv, tok string, extra url.Values) reply {
		form := url.Values{"DeploymentKey": {d.Key}, "Token": {tok}, "ConversationSid": {conv}}
		for k, v := range extra {
			form[k] = v
		}
		return s.guest(t, "/flex/v2/Webchat/Transcript", "", form)
	}
	// The attack: name another recipient.
	if r := ask(conv, tok, url.Values{"To": {"victim@example.org"}, "Email": {"victim@example.org"}, "Cc": {"victim@example.org"}}); r.status != 202 {
		t.Fatalf("transcript: %d %s", r.status, r.text)
	}
	got := srv.Wait(t, 1, 20*time.Second)[0]
	if len(got.To) != 1 || got.To[0] != "ada@example.com" {
		t.Errorf("the transcript went to %v, want ada@example.com only", got.To)
	}
	subject, text, html := letterParts(t, got)
	if subject != "Your chat with Webchat" || !strings.Contains(text, "You (") || !strings.Contains(text, "Can I <i>return</i> it?") ||
		!strings.Contains(text, "Yes, within 30 days.") || !strings.Contains(html, "Can I &lt;i&gt;return&lt;/i&gt; it?") {
		t.Errorf("subject %q, text:\n%s\nhtml:\n%s", subject, text, html)
	}

	// Someone else's chat, with one's own token: refused.
	other, otherTok := start(`{"friendlyName":"Eve","question":"Hi"}`)
	if r := ask(conv, otherTok, nil); r.status != 403 && r.status != 404 {
		t.Errorf("another visitor's chat: %d %s, want it refused", r.status, r.text)
	}
	// A chat without an email: nothing to send to.
	if r := ask(other, otherTok, url.Values{"To": {"victim@example.org"}}); r.status != 400 || !strings.Contains(r.text, "No email address") {
		t.Errorf("a chat without email: %d %s, want 400", r.status, r.text)
	}
	// The same transcript asked for again is sent once; then the limit.
	for i := 0; i < 2; i++ {
		if r := ask(conv, tok, nil); r.status != 202 {
			t.Fatalf("ask again: %d %s", r.status, r.text)
		}
	}
	if r := ask(conv, tok, nil); r.status != 429 {
		t.Errorf("a fourth request: %d %s, want 429", r.status, r.text)
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d transcripts sent, want the one (the same transcript is sent once)", n)
	}
}

// Without SMTP, Parley offers and sends no email.
func TestNoEmailWithoutSMTP(t *testing.T) {
	s := startServer(t)
	d := s.createDeployment(t, url.Values{"WelcomeMessage": {""}, "EmailReplies.UnreadMinutes": {"5"}})
	r := s.guest(t, "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key},
		"PreEngagementData": {`{"friendlyName":"Ada","email":"ada@example.com","question":"Hi"}`}})
	form := url.Values{"DeploymentKey": {d.Key}, "Token": {r.json["token"].(string)}, "ConversationSid": {r.json["conversation_sid"].(string)}}
	if r := s.guest(t, "/flex/v2/Webchat/Transcript", "", form); r.status != 404 || !strings.Contains(r.text, "no SMTP server") {
		t.Errorf("transcript without SMTP: %d %s", r.status, r.text)
	}
	if page := s.get(t, "/widget/?key="+d.Key); strings.Contains(page.text, "email_transcript") {
		t.Errorf("the widget offers transcripts by email without SMTP")
	}
}

// The settings are checked.
func TestEmailRepliesSettingsAreChecked(t *testing.T) {
	s := startServer(t)
	for _, tc := range []struct {
		form url.Values
		why  string
	}{
		{url.Values{"EmailReplies.UnreadMinutes": {"-1"}}, "between 0 (off) and 1440"},
		{url.Values{"EmailReplies.UnreadMinutes": {"1441"}}, "between 0 (off) and 1440"},
		{url.Values{"EmailReplies.Field": {"nope"}}, "is not a field of the PreEngagementForm"},
		{url.Values{"EmailReplies.Field": {"friendlyName"}}, "must name a field of type email"},
	} {
		if r := s.postForm(t, "/parley/v1/Deployments", tc.form); r.status != 400 || !strings.Contains(r.text, tc.why) {
			t.Errorf("%v: %d %s, want 400 saying %q", tc.form, r.status, r.text, tc.why)
		}
	}
	r := s.postForm(t, "/parley/v1/Deployments", url.Values{"EmailReplies.UnreadMinutes": {"10"}, "EmailReplies.Field": {"email"}})
	if r.status != 201 || !strings.Contains(r.text, `"email_replies":{"unread_minutes":10,"field":"email"}`) {
		t.Errorf("create: %d %s", r.status, r.text)
	}
}
