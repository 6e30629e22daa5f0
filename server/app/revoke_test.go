package app

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	twjwt "github.com/twilio/twilio-go/client/jwt"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	proto "parley/shared/realtime"
)

// wantRevoked waits for the server to end w as revoked: an error frame
// with status, then the close code. It returns the frames before the
// error frame.
func wantRevoked(t *testing.T, w *wire, what string, code websocket.StatusCode, status int) []proto.ServerFrame {
	t.Helper()
	start := time.Now()
	got, reason := w.closedWith(t)
	if took := time.Since(start); took > time.Second {
		t.Errorf("%s: the socket closed after %v, want within a second", what, took)
	}
	if got != code {
		t.Errorf("%s: the socket closed with %d %q, want %d", what, got, reason, code)
	}
	var before []proto.ServerFrame
	for len(w.frames) > 0 {
		f := <-w.frames
		if f.Type == proto.TypeError && f.ID == "" && f.Status == status {
			return before
		}
		before = append(before, f)
	}
	t.Errorf("%s: no error frame with status %d said why before the close (browsers do not see close codes)", what, status)
	return before
}

// After each way an agent's access ends, the desk socket it had open
// closes, and the messages and notes of its chats stop reaching it.
func TestAnAgentsSocketClosesWhenItsAccessEnds(t *testing.T) {
	s := startServer(t)
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	for _, end := range []struct {
		name string
		do   func(d *deskAgent)
	}{
		{"sign-out", func(d *deskAgent) { d.mustCall(t, "POST", "/parley/v1/Desktop/SignOut", nil, nil) }},
		{"a new password", func(*deskAgent) {
			s.postForm(t, "/parley/v1/Agents/"+ana.SID, url.Values{"Password": {agentPassword}})
		}},
		{"a new role", func(*deskAgent) { s.postForm(t, "/parley/v1/Agents/"+ana.SID, url.Values{"Role": {"supervisor"}}) }},
		{"deleting the agent", func(*deskAgent) {
			if r := s.do(t, rawRequest{method: http.MethodDelete, path: "/parley/v1/Agents/" + ana.SID}); r.status != http.StatusNoContent {
				t.Fatalf("delete: %d %s", r.status, r.text)
			}
		}},
	} {
		desk := s.mustSignIn(t, ana)
		w, _ := s.connect(t, desk.token, nil)
		end.do(desk)
		wantRevoked(t, w, end.name, proto.CloseRevoked, http.StatusUnauthorized)
		if code, _ := s.helloRefused(t, desk.token); code != proto.CloseUnauthorized {
			t.Errorf("after %s the old token reconnected (closed %d)", end.name, code)
		}
	}
}

// A change that leaves the sign-in good closes nothing.
func TestAnAgentsSocketStaysWhenItsAccessStays(t *testing.T) {
	s := startServer(t)
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	desk := s.mustSignIn(t, ana)
	w, _ := s.connect(t, desk.token, nil)
	s.postForm(t, "/parley/v1/Agents/"+ana.SID, url.Values{"DisplayName": {"Ana B."}})
	ben := s.mustSignIn(t, s.mustCreateAgent(t, "ben@example.com", "agent"))
	ben.mustCall(t, "POST", "/parley/v1/Desktop/SignOut", nil, nil)
	select {
	case <-w.closed:
		t.Fatalf("Ana's socket closed (%d %q) though her sign-in is good", w.status, w.reason)
	case <-time.After(300 * time.Millisecond):
	}
}

// keyedToken makes an API key of the account's, as a backend does, and
// signs with it an access token for identity with a chat grant; it
// returns the key's SID and the token.
func (s *testServer) keyedToken(t *testing.T, identity string) (keySID, token string) {
	t.Helper()
	key, err := s.tw.Api.CreateNewKey((&api.CreateNewKeyParams{}).SetPathAccountSid(s.accountSID).SetFriendlyName("backend"))
	if err != nil {
		t.Fatal(err)
	}
	tok := twjwt.CreateAccessToken(twjwt.AccessTokenParams{AccountSid: s.accountSID, SigningKeySid: *key.Sid,
		Secret: *key.Secret, Identity: identity, Ttl: 600})
	tok.AddGrant(&twjwt.ChatGrant{})
	signed, err := tok.ToJwt()
	if err != nil {
		t.Fatal(err)
	}
	return *key.Sid, signed
}

// Deleting an API key closes the sockets its tokens opened.
func TestRevokingAnAPIKeyClosesItsSockets(t *testing.T) {
	s := startServer(t)
	keySID, signed := s.keyedToken(t, "alice")
	keyed, _ := s.connect(t, signed, nil)
	other, _ := s.connect(t, s.mintToken(t, "alice"), nil) // same identity, Parley's key
	if err := s.tw.Api.DeleteKey(keySID, (&api.DeleteKeyParams{}).SetPathAccountSid(s.accountSID)); err != nil {
		t.Fatal(err)
	}
	wantRevoked(t, keyed, "a deleted key", proto.CloseRevoked, http.StatusUnauthorized)
	select {
	case <-other.closed:
		t.Errorf("a session whose token another key signed closed too (%d %q)", other.status, other.reason)
	case <-time.After(200 * time.Millisecond):
	}
}

// A visitor's socket ends with its chat, after the event that says so,
// and with its deployment, after which its token is refused.
func TestAGuestsSocketClosesWhenItsChatOrDeploymentEnds(t *testing.T) {
	s := startServer(t)
	d := s.createDeployment(t, nil)
	start := func() (string, string) {
		r := s.guest(t, "/flex/v2/Webchat/Init", "", startChat(d.Key, "Ada", "Hi"))
		if r.status != http.StatusOK {
			t.Fatalf("init: %d %s", r.status, r.text)
		}
		return r.json["token"].(string), r.json["conversation_sid"].(string)
	}

	token, chat := start()
	w, _ := s.connect(t, token, nil)
	if r := s.guest(t, "/flex/v2/Webchat/End", "", url.Values{"DeploymentKey": {d.Key}, "Token": {token}, "ConversationSid": {chat}}); r.status != http.StatusOK {
		t.Fatalf("end: %d %s", r.status, r.text)
	}
	before := wantRevoked(t, w, "the guest ending the chat", proto.CloseEnded, http.StatusGone)
	if len(before) == 0 || !isEvent(proto.ConversationUpdated, chat)(before[len(before)-1]) {
		t.Errorf("the socket closed before the event that the chat ended: %+v", before)
	}

	// The ended chat's token is not refreshed into a new life.
	refresh := s.guest(t, "/flex/v2/Webchat/Tokens/Refresh", "", url.Values{"DeploymentKey": {d.Key}, "Token": {token}})
	wantTwilioErrorShape(t, refresh, http.StatusUnauthorized, 20003)
	if !strings.Contains(refresh.text, "ended") {
		t.Errorf("refreshing an ended chat's token: %s; want it to say the chat ended", refresh.text)
	}

	token, chat = start()
	w, _ = s.connect(t, token, nil)
	mustCloseConversation(t, s.tw, chat) // the agent or the account ends it
	wantRevoked(t, w, "the account closing the chat", proto.CloseEnded, http.StatusGone)

	token, chat = start()
	w, _ = s.connect(t, token, nil)
	if err := s.tw.ConversationsV1.DeleteConversation(chat, nil); err != nil {
		t.Fatal(err)
	}
	wantRevoked(t, w, "the account deleting the chat", proto.CloseEnded, http.StatusGone)

	token, _ = start()
	w, _ = s.connect(t, token, nil)
	if r := s.do(t, rawRequest{method: http.MethodDelete, path: "/parley/v1/Deployments/" + d.Key}); r.status != http.StatusNoContent {
		t.Fatalf("delete deployment: %d %s", r.status, r.text)
	}
	wantRevoked(t, w, "deleting the deployment", proto.CloseRevoked, http.StatusUnauthorized)
	if code, reason := s.helloRefused(t, token); code != proto.CloseUnauthorized || !strings.Contains(reason, "deleted") {
		t.Errorf("a deleted deployment's guest reconnected: %d %q", code, reason)
	}
}

// The command rate of a conversation is the identity's, however many
// sockets it opens: three sockets send no faster than one.
func TestManySocketsOfOneIdentityShareTheConversationsRate(t *testing.T) {
	s := startServer(t)
	conv := s.conversationWith(t, "mallory", "bob")
	token := s.mintToken(t, "mallory")
	const sockets, each = 3, 25
	wires := make([]*wire, sockets)
	for i := range wires {
		wires[i], _ = s.connect(t, token, nil)
	}
	begin := time.Now()
	var wg sync.WaitGroup
	for i, w := range wires {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				w.send(proto.ClientFrame{Type: proto.TypeSend, ID: string(rune('a'+i)) + string(rune('A'+j)), ConversationSID: conv, Body: "flood"})
			}
		}()
	}
	wg.Wait()
	acked, limited := 0, 0
	for i, w := range wires {
		for j := range each {
			switch f := w.await(t, "a send's answer", isReply(string(rune('a'+i))+string(rune('A'+j)))); {
			case f.Type == proto.TypeAck:
				acked++
			case f.Status == http.StatusTooManyRequests:
				limited++
			}
		}
	}
	// The bucket holds 30 and refills 30 a second.
	if most := 30 + int(30*time.Since(begin).Seconds()) + 1; acked > most {
		t.Errorf("%d sockets of one identity stored %d messages in %v; the conversation allows at most %d", sockets, acked, time.Since(begin), most)
	}
	if limited == 0 {
		t.Error("no send was refused with 429")
	}
}

// Sockets are capped per identity and per client address, and the one
// over the cap is told why.
func TestSocketsAreCappedPerIdentityAndPerAddress(t *testing.T) {
	s := startServerWith(t, func(c *Config) {
		c.GuestLimits = startServerLimits
		c.MaxSessionsPerIdentity, c.MaxSessionsPerAddress = 3, 5
	})
	token := s.mintToken(t, "mallory")
	for range 3 {
		s.connect(t, token, nil)
	}
	code, reason := s.helloRefused(t, token)
	if code != proto.CloseTooManySessions || !strings.Contains(reason, "mallory") {
		t.Errorf("a fourth socket for one identity: closed %d %q, want 4029 naming the identity", code, reason)
	}
	s.connect(t, s.mintToken(t, "trent"), nil)
	s.connect(t, s.mintToken(t, "peggy"), nil)
	if code, reason := s.helloRefused(t, s.mintToken(t, "victor")); code != proto.CloseTooManySessions || !strings.Contains(reason, "address") {
		t.Errorf("a sixth socket from one address: closed %d %q, want 4029 naming the address", code, reason)
	}
}
