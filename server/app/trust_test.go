package app

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	twjwt "github.com/twilio/twilio-go/client/jwt"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	proto "parley/shared/realtime"
)

// A website's signing secret names its own customers, and nobody else: a
// site (or whoever stole its secret) that signs sub as an agent's email,
// an agent's identity, a guest's, or Parley's own "system" gets a customer
// of its deployment, named oddly, who reaches nothing of theirs.
func TestASignedIdentityCannotBorrowAnAgentsOrParleysIdentity(t *testing.T) {
	s := startServer(t)
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	desk := s.mustSignIn(t, ana)
	desk.goAvailable(t)
	chat := s.visitorChats(t, "Ada", "Where is order 1234?")
	offer := desk.waitForOffer(t)
	desk.mustCall(t, "POST", desk.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	eventually(t, func() bool {
		_, err := desk.call("GET", "/conversations/v1/Conversations/"+chat+"/Messages", nil, nil)
		return err == nil
	}, func() string { return "the agent never joined the chat" })
	mustSendMessage(t, s.tw, chat, ana.Identity, "Let me check, Ada.")
	upload := s.mustUpload(t, "", "invoice.png", "image/png", pngFile(t))
	var guest string
	for _, p := range mustListParticipants(t, s.tw, chat) {
		if p.Identity != nil && strings.HasPrefix(*p.Identity, "guest_") {
			guest = *p.Identity
		}
	}

	site := s.createDeployment(t, nil)
	for _, sub := range []string{ana.Email, ana.Identity, "system", "Concierge", guest, "cust_" + site.Key + "_x"} {
		r := s.guest(t, "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {site.Key},
			"Identity": {signIdentity(t, site.Secret, sub, "Mallory", time.Hour)}})
		if r.status != http.StatusOK {
			t.Fatalf("sub %q: init %d %s", sub, r.status, r.text)
		}
		got, token := r.json["identity"].(string), r.json["token"].(string)
		if got != "cust_"+site.Key+"_"+sub {
			t.Errorf("sub %q became identity %q, want it in the deployment's customer namespace", sub, got)
		}
		as := s.deskWith(ana, token) // the same REST calls, with the customer's token
		as.Email = "customer " + sub
		as.wantRefused(t, http.StatusForbidden, "GET", "/conversations/v1/Conversations/"+chat+"/Messages", nil)
		as.wantRefused(t, http.StatusForbidden, "GET", "/conversations/v1/ParticipantConversations", url.Values{"Identity": {ana.Identity}})
		as.wantRefused(t, http.StatusForbidden, "GET", "/conversations/v1/Users/"+ana.Identity, nil)
		as.wantRefused(t, http.StatusForbidden, "POST", "/conversations/v1/Users/"+ana.Identity, url.Values{"FriendlyName": {"Mallory"}})
		if r := s.fetchMedia(t, token, upload); r.status == http.StatusOK {
			t.Errorf("customer %q downloaded the account's upload", sub)
		}
		w, _ := s.connect(t, token, nil)
		w.send(proto.ClientFrame{Type: proto.TypeSend, ID: "x", ConversationSID: chat, Body: "I am Ana"})
		if reply := w.await(t, "the send's answer", isReply("x")); reply.Type != proto.TypeError || reply.Status != http.StatusForbidden {
			t.Errorf("customer %q sent into the agent's chat: %+v", sub, reply)
		}
		w.quiet(t, 100*time.Millisecond, "an event of the agent's chat", func(f proto.ServerFrame) bool { return f.ConversationSID == chat })
	}
	if n := len(mustListMessages(t, s.tw, chat, nil)); n != 3 { // welcome, question, Ana's reply
		t.Errorf("the agent's chat holds %d messages, want 3", n)
	}
}

// The customer sees the agent by name only: no reply, participant or
// event the customer can read carries the agent's sign-in email.
func TestCustomersNeverSeeTheAgentsEmail(t *testing.T) {
	s := startServer(t)
	ana := s.mustCreateAgent(t, "ana.private@example.com", "agent")
	desk := s.mustSignIn(t, ana)
	desk.goAvailable(t)
	key, _ := s.app.DemoDeployment(t.Context())
	start := s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, startChat(key, "Ada", "Hello?"))
	chat, token := start.json["conversation_sid"].(string), start.json["token"].(string)
	w, _ := s.connect(t, token, nil)
	offer := desk.waitForOffer(t)
	desk.mustCall(t, "POST", desk.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	joined := w.await(t, "the agent joining", isEvent(proto.ParticipantAdded, chat))
	agentWire, _ := s.connect(t, desk.token, nil)
	agentWire.send(proto.ClientFrame{Type: proto.TypeSend, ID: "1", ConversationSID: chat, Body: "Hi Ada, I am Ana."})
	agentWire.await(t, "the reply's ack", isReply("1"))
	reply := w.await(t, "the agent's reply", isEvent(proto.MessageAdded, chat))

	as := s.deskWith(ana, token)
	var parts, msgs any
	as.mustCall(t, "GET", "/conversations/v1/Conversations/"+chat+"/Participants", nil, &parts)
	as.mustCall(t, "GET", "/conversations/v1/Conversations/"+chat+"/Messages", nil, &msgs)
	for what, seen := range map[string]string{"the join event": string(joined.Data), "the reply event": string(reply.Data),
		"the participants": toJSON(t, parts), "the messages": toJSON(t, msgs)} {
		if strings.Contains(seen, "ana.private@") {
			t.Errorf("the customer reads the agent's email in %s: %s", what, seen)
		}
	}
	if !strings.Contains(toJSON(t, parts), `friendlyName\":\"ana.private\"`) {
		t.Errorf("the customer should see the agent's display name among the participants: %s", toJSON(t, parts))
	}
}

// The account's own tokens speak for the account's identities only: not
// for an agent, a guest, a verified customer or Parley.
func TestAccountTokensCannotSpeakForParleysIdentities(t *testing.T) {
	s := startServer(t)
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	for _, id := range []string{ana.Identity, "guest_0123456789abcdef01234567", "cust_CVx_bob", "system", "parley_bot"} {
		r := s.postForm(t, "/parley/v1/Tokens", url.Values{"Identity": {id}})
		wantTwilioErrorShape(t, r, http.StatusBadRequest, 20400)
		if !strings.Contains(r.text, "reserved") {
			t.Errorf("minting %q: %s; want a message saying the identity is reserved", id, r.text)
		}
		// A token signed with one of the account's API keys is refused too.
		key, err := s.tw.Api.CreateNewKey((&api.CreateNewKeyParams{}).SetPathAccountSid(s.accountSID).SetFriendlyName("backend"))
		if err != nil {
			t.Fatal(err)
		}
		at := twjwt.CreateAccessToken(twjwt.AccessTokenParams{AccountSid: s.accountSID,
			SigningKeySid: *key.Sid, Secret: *key.Secret, Identity: id, Ttl: 600})
		at.AddGrant(&twjwt.ChatGrant{})
		signed, err := at.ToJwt()
		if err != nil {
			t.Fatal(err)
		}
		if code, reason := s.helloRefused(t, signed); code != proto.CloseUnauthorized || !strings.Contains(reason, "reserved") {
			t.Errorf("an API-key token for %q: closed %d %q, want 4001 saying it is reserved", id, code, reason)
		}
	}
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Serving a chat together does not let one agent list another's chats:
// agents list the conversations of customers they served, and only theirs.
func TestAnAgentCannotListAnotherAgentsConversations(t *testing.T) {
	s := startServer(t)
	ana, ben := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent")), s.mustSignIn(t, s.mustCreateAgent(t, "ben@example.com", "agent"))
	s.conversationWith(t, "ada", ana.Identity, ben.Identity) // a chat Ben was invited into
	private := s.conversationWith(t, "grace", ben.Identity)
	mustSendMessage(t, s.tw, private, "grace", "my address is 1 Main St")

	ana.wantRefused(t, http.StatusForbidden, "GET", "/conversations/v1/ParticipantConversations", url.Values{"Identity": {ben.Identity}})
	ana.wantRefused(t, http.StatusForbidden, "GET", "/conversations/v1/ParticipantConversations", url.Values{"Identity": {"system"}})
	ana.wantRefused(t, http.StatusForbidden, "GET", "/conversations/v1/ParticipantConversations", url.Values{"Identity": {"grace"}})
	var served struct {
		Conversations []struct {
			ConversationSID string `json:"conversation_sid"`
		}
	}
	ana.mustCall(t, "GET", "/conversations/v1/ParticipantConversations", url.Values{"Identity": {"ada"}}, &served)
	if len(served.Conversations) != 1 {
		t.Errorf("Ana lists %d of the customer's conversations she served, want 1", len(served.Conversations))
	}
}
