package app

import (
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A guest who comes back after its token expired resumes its open chat
// with the resume token Init gave it, and only that chat, only while open.
func TestAGuestResumesItsOpenChatWithItsResumeToken(t *testing.T) {
	var ahead atomic.Int64
	s := startServerWith(t, func(c *Config) {
		c.GuestLimits = startServerLimits
		c.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	})
	d := s.createDeployment(t, url.Values{"WelcomeMessage": {""}})
	other := s.createDeployment(t, url.Values{"WelcomeMessage": {""}})
	init := func() reply {
		r := s.guest(t, "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key}, "PreEngagementData": {`{"friendlyName":"Ada","question":"Hello"}`}})
		if r.status != 200 {
			t.Fatalf("init: %d %s", r.status, r.text)
		}
		return r
	}
	chat := init()
	resumeToken, _ := chat.json["resume_token"].(string)
	if resumeToken == "" || chat.json["resume_expiration"] == nil {
		t.Fatalf("Init gave a guest no resume token: %s", chat.text)
	}
	resume := func(key, tok string) reply {
		return s.guest(t, "/flex/v2/Webchat/Resume", "", url.Values{"DeploymentKey": {key}, "ResumeToken": {tok}})
	}
	refused := func(what string, r reply, why string) {
		t.Helper()
		if r.status != 401 || !strings.Contains(r.text, why) {
			t.Errorf("%s: %d %s, want 401 saying %q", what, r.status, r.text, why)
		}
		// A Basic challenge would make the browser stop the widget's
		// request and ask the visitor for a password.
		if c := r.header.Get("WWW-Authenticate"); c != "" {
			t.Errorf("%s: WWW-Authenticate %q, want no challenge", what, c)
		}
	}

	// A day later the access token has long expired; the resume token works.
	ahead.Store(int64(24 * time.Hour))
	sid := chat.json["conversation_sid"].(string)
	if r := s.do(t, rawRequest{method: "GET", path: "/conversations/v1/Conversations/" + sid, noAuth: true,
		header: map[string]string{"X-Twilio-Token": chat.json["token"].(string)}}); r.status != 401 {
		t.Fatalf("the day-old token still reads the chat: %d", r.status)
	}
	back := resume(d.Key, resumeToken)
	if back.status != 200 {
		t.Fatalf("resume: %d %s", back.status, back.text)
	}
	if back.json["conversation_sid"] != sid || back.json["identity"] != chat.json["identity"] || back.json["resumed"] != true {
		t.Errorf("the resume gave %s, want the same guest in the same chat (%s)", back.text, chat.text)
	}
	if r := s.do(t, rawRequest{method: "GET", path: "/conversations/v1/Conversations/" + sid, noAuth: true,
		header: map[string]string{"X-Twilio-Token": back.json["token"].(string)}}); r.status != 200 {
		t.Errorf("the resumed token cannot read the chat: %d %s", r.status, r.text)
	}
	fresh, _ := back.json["resume_token"].(string)
	if fresh == "" {
		t.Error("the resume gave no fresh resume token")
	}

	// What is refused.
	refused("another deployment", resume(other.Key, resumeToken), "not issued by webchat deployment "+other.Key)
	refused("a forged token", resume(d.Key, resumeToken[:len(resumeToken)-4]+"AAAA"), "not a resume token this server issued")
	refused("an access token", resume(d.Key, back.json["token"].(string)), "not a resume token this server issued")
	if r := s.do(t, rawRequest{method: "GET", path: "/conversations/v1/Conversations/" + sid, noAuth: true,
		header: map[string]string{"X-Twilio-Token": resumeToken}}); r.status != 401 {
		t.Errorf("a resume token reads the chat as an access token: %d", r.status)
	}
	if r := resume(d.Key, ""); r.status != 400 {
		t.Errorf("no resume token: %d %s, want 400", r.status, r.text)
	}

	// Past its life, or once the chat is closed, it is refused.
	second := init()
	ahead.Store(int64((24 + 31*24) * time.Hour)) // 31 days after it was made
	refused("a month-old token", resume(d.Key, second.json["resume_token"].(string)), "expired")
	ahead.Store(int64(24 * time.Hour))
	mustCloseConversation(t, s.tw, sid)
	refused("a closed chat", resume(d.Key, fresh), "the chat has ended")

	// A verified customer gets none: the site signs them in again.
	ahead.Store(0)
	verified := s.guest(t, "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key},
		"Identity": {signIdentity(t, d.Secret, "customer-42", "Grace", time.Hour)}, "PreEngagementData": {`{"question":"Hi"}`}})
	if verified.status != 200 || verified.json["resume_token"] != nil {
		t.Errorf("a verified customer's Init: %d %s, want no resume token", verified.status, verified.text)
	}
}

// A form field's label per language: the widget's languages only, each
// 1 to 200 characters; kept and returned as given.
func TestAFormFieldsLabelsPerLanguageAreChecked(t *testing.T) {
	s := startServer(t)
	create := func(labels string) reply {
		return s.postForm(t, "/parley/v1/Deployments", url.Values{"PreEngagementForm": {
			`[{"name":"order","label":"Order number","type":"text","labels":` + labels + `}]`}})
	}
	for _, bad := range []string{`{"de":"Bestellnummer"}`, `{"fr-FR":"Numéro"}`, `{"fr":""}`, `{"fr":"` + strings.Repeat("x", 201) + `"}`} {
		if r := create(bad); r.status != 400 {
			t.Errorf("labels %s: %d %s, want 400", bad, r.status, r.text)
		}
	}
	r := create(`{"fr":"Numéro de commande","ar":"رقم الطلب"}`)
	if r.status != 201 || !strings.Contains(r.text, `"labels":{"ar":"رقم الطلب","fr":"Numéro de commande"}`) {
		t.Errorf("good labels: %d %s", r.status, r.text)
	}
}
