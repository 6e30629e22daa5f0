package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	twjwt "github.com/twilio/twilio-go/client/jwt"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	proto "parley/shared/realtime"
)

// Attacks with text that is not what it seems: bytes that are not UTF-8,
// which a store would keep altered, and characters that are there but not
// seen (direction overrides, zero-width, controls), which let one identity
// or name pass for another.

// wantRefusedNaming checks a reply is a 400 in Twilio's shape whose
// message names field.
func wantRefusedNaming(t *testing.T, r reply, field string) {
	t.Helper()
	if r.status != http.StatusBadRequest {
		t.Errorf("status %d, want 400 naming %s (body %.200s)", r.status, field, r.text)
		return
	}
	wantTwilioErrorShape(t, r, http.StatusBadRequest, 0)
	if msg, _ := r.json["message"].(string); !strings.Contains(msg, field) {
		t.Errorf("message %q does not name %s", msg, field)
	}
}

// postRawForm posts a form body exactly as given, so it may carry bytes
// url.Values would never produce.
func (s *testServer) postRawForm(t *testing.T, path, body string) reply {
	t.Helper()
	return s.do(t, rawRequest{method: http.MethodPost, path: path, contentType: "application/x-www-form-urlencoded", body: body})
}

func TestATextFieldThatIsNotUTF8IsRefusedAndNothingStored(t *testing.T) {
	s := startServer(t)
	conv := s.conversationWith(t, "alice")
	msgs := "/conversations/v1/Conversations/" + conv + "/Messages"

	// A message body with a byte that is not UTF-8 used to be stored with
	// U+FFFD in its place, answering 201.
	wantRefusedNaming(t, s.postRawForm(t, msgs, "Author=alice&Body=caf%E9"), "Body")
	wantRefusedNaming(t, s.postRawForm(t, msgs, "Author=alice&Body=%FF%FE"), "Body")
	wantRefusedNaming(t, s.postRawForm(t, msgs, "Author=alice&Body=hi&Attributes=%7B%22a%22%3A%22%FF%22%7D"), "Attributes")
	// The same byte in the query string, or in a parameter's name.
	wantRefusedNaming(t, s.do(t, rawRequest{method: http.MethodPost, path: msgs + "?Body=%C0%AF",
		contentType: "application/x-www-form-urlencoded", body: "Author=alice"}), "Body")
	wantRefusedNaming(t, s.postRawForm(t, msgs, "Author=alice&Body=hi&X%FF=1"), "parameter name")
	// JSON text escapes a lone surrogate: valid bytes, but no character.
	wantRefusedNaming(t, s.postRawForm(t, msgs, "Author=alice&Body=hi&Attributes="+url.QueryEscape(`{"a":"\ud800"}`)), "Attributes")
	if got := mustListMessages(t, s.tw, conv, nil); len(got) != 0 {
		t.Fatalf("the conversation holds %d messages after refused sends, want none: %+v", len(got), got)
	}

	// Every other endpoint reads its form the same way.
	wantRefusedNaming(t, s.postRawForm(t, "/conversations/v1/Conversations", "FriendlyName=%FF"), "FriendlyName")
	wantRefusedNaming(t, s.postRawForm(t, "/conversations/v1/Users", "Identity=%FF"), "Identity")
	wantRefusedNaming(t, s.do(t, rawRequest{method: http.MethodGet, path: "/conversations/v1/Conversations?State=%FF"}), "State")
	wantRefusedNaming(t, s.postRawForm(t, "/parley/v1/Agents", "Email=a%40example.com&Password=long+enough+pw&DisplayName=%FF"), "DisplayName")

	// A guest's chat: the form, and the JSON inside it.
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop"}})
	r := s.do(t, rawRequest{method: http.MethodPost, path: "/flex/v2/Webchat/Init", noAuth: true,
		contentType: "application/x-www-form-urlencoded", body: "DeploymentKey=" + d.Key + "&CustomerFriendlyName=%FF"})
	wantRefusedNaming(t, r, "CustomerFriendlyName")
	r = s.guest(t, "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key},
		"PreEngagementData": {`{"friendlyName":"Ada","question":"\udc00?"}`}})
	wantRefusedNaming(t, r, "PreEngagementData")
	wantServing(t, s)
}

// sendRaw writes a frame's bytes as they are: a client in another
// language may send anything.
func (w *wire) sendRaw(b string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.ws.Write(ctx, websocket.MessageText, []byte(b)); err != nil {
		w.t.Fatalf("write %q: %v", b, err)
	}
}

func TestASocketCommandThatIsNotUTF8IsRefusedAndNothingStored(t *testing.T) {
	s := startServer(t)
	conv := s.conversationWith(t, "alice", "bob")
	alice, _ := s.connect(t, s.mintToken(t, "alice"), nil)
	bob, _ := s.connect(t, s.mintToken(t, "bob"), nil)

	for i, c := range []struct{ frame, field string }{
		{`{"type":"send","id":"1","conversation_sid":"` + conv + `","body":"caf` + "\xe9" + `"}`, "body"},
		{`{"type":"send","id":"2","conversation_sid":"` + conv + `","body":"\ud83d"}`, "body"},
		{`{"type":"send","id":"3","conversation_sid":"` + conv + `","body":"hi","attributes":"{\"a\":\"\\udc00\"}"}`, "attributes"},
		{`{"type":"send","id":"4","conversation_sid":"` + conv + `","body":"hi","idempotency_key":"k` + "\xff" + `"}`, "idempotency_key"},
	} {
		alice.sendRaw(c.frame)
		id := fmt.Sprint(i + 1)
		f := alice.await(t, "the answer to send "+id, isReply(id))
		if f.Type != proto.TypeError || f.Status != http.StatusBadRequest || !strings.Contains(strings.ToLower(f.Message), c.field) {
			t.Errorf("send %s with %s not UTF-8 answered %+v; want an error frame, status 400, naming %s", id, c.field, f, c.field)
		}
	}
	// The session goes on: the next good send is stored, and is the only one.
	alice.send(proto.ClientFrame{Type: proto.TypeSend, ID: "ok", ConversationSID: conv, Body: "café ✓"})
	if f := alice.await(t, "the good send's ack", isReply("ok")); f.Type != proto.TypeAck {
		t.Fatalf("the good send answered %+v", f)
	}
	ev := bob.await(t, "the good message", isEvent(proto.MessageAdded, conv))
	if !strings.Contains(string(ev.Data), "café ✓") {
		t.Errorf("bob received %s", ev.Data)
	}
	if got := mustListMessages(t, s.tw, conv, nil); len(got) != 1 {
		t.Errorf("the conversation holds %d messages, want the one good send", len(got))
	}
}

// hidden are characters that change what a reader sees without being
// seen: a right-to-left override, a zero-width space, a bell.
var hidden = map[string]string{"U+202E": "\u202e", "U+200B": "\u200b", "BEL": "\x07", "U+FEFF": "\ufeff", "U+2066": "\u2066"}

func TestIdentitiesRefuseHiddenCharacters(t *testing.T) {
	s := startServer(t)
	conv := s.conversationWith(t, "alice")
	for name, c := range hidden {
		t.Run(name, func(t *testing.T) {
			evil := "ali" + c + "ce"
			wantRefusedNaming(t, s.postForm(t, "/conversations/v1/Users", url.Values{"Identity": {evil}}), "Identity")
			wantRefusedNaming(t, s.postForm(t, "/conversations/v1/Conversations/"+conv+"/Participants", url.Values{"Identity": {evil}}), "Identity")
			wantRefusedNaming(t, s.postForm(t, "/conversations/v1/Conversations/"+conv+"/Messages", url.Values{"Author": {evil}, "Body": {"hi"}}), "Author")
			wantRefusedNaming(t, s.postForm(t, "/parley/v1/Tokens", url.Values{"Identity": {evil}}), "Identity")
			wantRefusedNaming(t, s.postForm(t, "/conversations/v1/Conversations", url.Values{"FriendlyName": {"Order " + c + "1234"}}), "FriendlyName")
			wantRefusedNaming(t, s.postForm(t, "/conversations/v1/Users", url.Values{"Identity": {"carol-" + name}, "FriendlyName": {"Car" + c + "ol"}}), "FriendlyName")
		})
	}
	if got := mustListParticipants(t, s.tw, conv); len(got) != 1 {
		t.Errorf("the conversation has %d participants, want alice alone", len(got))
	}
	// What people write in their names still works: accents, scripts,
	// emoji built with a zero-width joiner.
	for i, name := range []string{"Zoë Ångström", "محمد", "李雷", "Ana 👩‍💻", "Bob ❤️"} {
		if r := s.postForm(t, "/conversations/v1/Users", url.Values{"Identity": {fmt.Sprintf("user-%d", i)}, "FriendlyName": {name}}); r.status != http.StatusCreated {
			t.Errorf("user named %q: %d %s", name, r.status, r.text)
		}
	}
	// A message body is not a name: it may hold anything valid.
	mustSendMessage(t, s.tw, conv, "alice", "line one\n\tline two \u200b 👨‍👩‍👧 \u202eabc")
}

// An integrator's backend signs tokens with its own API key, for any
// identity it likes; one that hides characters is refused on the socket
// and over REST, as Parley would not mint it.
func TestATokenForAnIdentityThatHidesCharactersIsRefused(t *testing.T) {
	s := startServer(t)
	key, err := s.tw.Api.CreateNewKey((&api.CreateNewKeyParams{}).SetPathAccountSid(s.accountSID))
	if err != nil {
		t.Fatal(err)
	}
	tok := twjwt.CreateAccessToken(twjwt.AccessTokenParams{
		AccountSid: s.accountSID, SigningKeySid: *key.Sid, Secret: *key.Secret, Identity: "ali\u202ece",
	})
	tok.AddGrant(&twjwt.ChatGrant{ServiceSid: s.app.Conversations.ServiceSID()})
	jwt, err := tok.ToJwt()
	if err != nil {
		t.Fatal(err)
	}
	status, reason := s.helloRefused(t, jwt)
	if status != proto.CloseUnauthorized || !strings.Contains(reason, "bidirectional control") {
		t.Errorf("hello with the token: closed %d %q, want 4001 naming the bidirectional control", status, reason)
	}
	r := s.do(t, rawRequest{method: http.MethodGet, path: "/conversations/v1/Users/ali%E2%80%AEce/Conversations", noAuth: true,
		header: map[string]string{"X-Twilio-Token": jwt}})
	wantTwilioErrorShape(t, r, http.StatusUnauthorized, 20003)
}

func TestAWebCustomerCannotHideCharactersInTheirName(t *testing.T) {
	s := startServer(t)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop"}})
	r := s.guest(t, "/flex/v2/Webchat/Init", "", startChat(d.Key, "Support\u202e tnega", "hi"))
	wantRefusedNaming(t, r, "friendlyName")
	r = s.guest(t, "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key},
		"CustomerFriendlyName": {"Ada\u200b"}, "PreEngagementData": {`{"friendlyName":"Ada","question":"hi"}`}})
	wantRefusedNaming(t, r, "CustomerFriendlyName")
	// A site's signed customer with such a name is refused too.
	r = s.guest(t, "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key},
		"Identity": {signIdentity(t, d.Secret, "cust-1", "Ada\u202e", time.Hour)}})
	wantTwilioErrorShape(t, r, http.StatusBadRequest, 0)
}

func TestAgentNamesAndEmailsRefuseHiddenCharacters(t *testing.T) {
	s := startServer(t)
	n := 0
	for name, c := range hidden {
		n++
		t.Run(name, func(t *testing.T) {
			r := s.postForm(t, "/parley/v1/Agents", url.Values{"Email": {fmt.Sprintf("new-%d@example.com", n)},
				"Password": {agentPassword}, "DisplayName": {"Ana" + c}})
			wantRefusedNaming(t, r, "DisplayName")
			r = s.postForm(t, "/parley/v1/Agents", url.Values{"Email": {"an" + c + "a@example.com"}, "Password": {agentPassword}})
			wantRefusedNaming(t, r, "Email")
		})
	}
}

func TestAnAgentEmailThatLooksLikeAnotherIsRefused(t *testing.T) {
	s := startServer(t)
	agent := s.mustCreateAgent(t, "agent@example.com", "agent")
	for _, c := range []struct{ name, email string }{
		{"Cyrillic a in the local part", "\u0430gent@example.com"},
		{"Cyrillic a in the domain", "agent@ex\u0430mple.com"},
		{"Greek omicron", "agent@example.c\u03bfm"},
		{"fullwidth letters", "\uff41\uff47\uff45\uff4e\uff54@example.com"},
		{"a trailing dot", "agent@example.com."},
		{"upper case", "AGENT@Example.COM"},
		{"mixed scripts", "\u0430g\u0435nt@example.com"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := s.postForm(t, "/parley/v1/Agents", url.Values{"Email": {c.email}, "Password": {agentPassword}})
			wantTwilioErrorShape(t, r, http.StatusConflict, 0)
			msg, _ := r.json["message"].(string)
			if !strings.Contains(msg, "agent@example.com") || !strings.Contains(msg, agent.SID) {
				t.Errorf("message %q does not name agent@example.com and %s", msg, agent.SID)
			}
		})
	}
	// With no agent to imitate, an address mixing scripts is still one only
	// a look-alike would have; one in a single script is an address.
	r := s.postForm(t, "/parley/v1/Agents", url.Values{"Email": {"b\u043eb@example.com"}, "Password": {agentPassword}})
	wantRefusedNaming(t, r, "mixes Latin letters with Cyrillic")
	s.mustCreateAgent(t, "\u0430\u043d\u044f@example.com", "agent") // аня

	// A look-alike cannot be had by renaming another agent either.
	ben := s.mustCreateAgent(t, "ben@example.com", "agent")
	r = s.postForm(t, "/parley/v1/Agents/"+ben.SID, url.Values{"Email": {"agent@ex\u0430mple.com"}})
	wantTwilioErrorShape(t, r, http.StatusConflict, 0)

	// The agent signs in with the address however it is written.
	if r := s.signIn(t, "\uff41\uff47\uff45\uff4e\uff54@EXAMPLE.com", agentPassword); r.status != http.StatusOK {
		t.Errorf("sign in with the fullwidth form of the address: %d %s", r.status, r.text)
	}
	// A look-alike is not the agent's address: it does not sign in.
	if r := s.signIn(t, "\u0430gent@example.com", agentPassword); r.status != http.StatusUnauthorized {
		t.Errorf("sign in with a look-alike address: %d %s; want 401", r.status, r.text)
	}
	wantServing(t, s)
}
