package app

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	conv "github.com/twilio/twilio-go/rest/conversations/v1"

	"parley/shared/model"
	proto "parley/shared/realtime"
)

func TestAWhatsAppPhotoComesInAndAnAgentsFileGoesOut(t *testing.T) {
	photo := pngFile(t)
	twilio := startFakeTwilio(t)
	// Twilio keeps inbound media behind the account's credentials.
	mediaHost := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, _ := r.BasicAuth(); u != twilioTestSID || p != twilioTestAuth {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(photo)
	}))
	t.Cleanup(mediaHost.Close)
	s := startServerWithChannels(t, twilio.URL, nil)
	r := s.postForm(t, "/conversations/v1/Configuration/Addresses", url.Values{"Type": {"whatsapp"}, "Address": {"whatsapp:" + ourNumber},
		"AutoCreation.Enabled": {"true"}, "AutoCreation.Type": {"default"}})
	if r.status != http.StatusCreated {
		t.Fatalf("add the WhatsApp sender: %d %s", r.status, r.text)
	}

	text := url.Values{"From": {"whatsapp:" + customerPhone}, "To": {"whatsapp:" + ourNumber}, "Body": {"It arrived broken"},
		"MessageSid": {"MM0001"}, "NumMedia": {"1"}, "MediaUrl0": {mediaHost.URL + "/photo"}, "MediaContentType0": {"image/png"}}
	if r := s.twilioPosts(t, httpapi_TwilioInbound, text, twilioTestAuth); r.status != http.StatusOK {
		t.Fatalf("inbound: %d %s", r.status, r.text)
	}
	var convs struct{ Conversations []model.Conversation }
	json2(s.get(t, "/conversations/v1/Conversations"), &convs)
	if len(convs.Conversations) != 1 {
		t.Fatalf("%d conversations, want 1", len(convs.Conversations))
	}
	conversation := convs.Conversations[0].SID
	msgs := s.messagesOf(t, conversation)
	if len(msgs) != 1 || len(msgs[0].Media) != 1 || msgs[0].Author != "whatsapp:"+customerPhone {
		t.Fatalf("stored %+v, want the text with its photo", msgs)
	}
	content := s.get(t, "/mcs/v1/Services/"+s.app.Conversations.ServiceSID()+"/Media/"+msgs[0].Media[0].SID+"/Content")
	if !bytes.Equal([]byte(content.text), photo) {
		t.Errorf("the stored photo is %d bytes, not the customer's %d", len(content.text), len(photo))
	}

	// An agent's reply carrying a file goes out with a link Twilio can fetch
	// without credentials.
	up := s.do(t, rawRequest{method: "POST", path: "/mcs/v1/Services/" + s.app.Conversations.ServiceSID() + "/Media",
		contentType: "image/png", body: string(photo)})
	if up.status != http.StatusCreated {
		t.Fatalf("upload: %d %s", up.status, up.text)
	}
	reply := s.postForm(t, "/conversations/v1/Conversations/"+conversation+"/Messages",
		url.Values{"Author": {"support"}, "Body": {"Here is the label"}, "MediaSid": {up.json["sid"].(string)}})
	if reply.status != http.StatusCreated {
		t.Fatalf("reply: %d %s", reply.status, reply.text)
	}
	eventually(t, func() bool { return len(twilio.messages()) == 1 }, func() string { return "nothing was sent" })
	sent := twilio.messages()[0]
	if sent.Get("To") != "whatsapp:"+customerPhone || sent.Get("From") != "whatsapp:"+ourNumber || sent.Get("MediaUrl") == "" {
		t.Fatalf("Twilio was asked to send %v", sent)
	}
	resp, err := http.Get(sent.Get("MediaUrl"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got bytes.Buffer
	got.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got.Bytes(), photo) {
		t.Errorf("fetching the media link without credentials: %d, %d bytes", resp.StatusCode, got.Len())
	}
}

func TestConversationWebhooksHearTheirConversationOnly(t *testing.T) {
	s := startServerWithChannels(t, "", nil)
	rc := startReceiver(t, testAuthToken)
	watched, other := mustCreateConversation(t, s.tw, "watched"), mustCreateConversation(t, s.tw, "other")
	hook, err := s.tw.ConversationsV1.CreateConversationScopedWebhook(str(watched.Sid), new(conv.CreateConversationScopedWebhookParams).
		SetTarget("webhook").SetConfigurationUrl(rc.URL+"/hook").SetConfigurationMethod("POST").
		SetConfigurationFilters([]string{"onMessageAdded", "onConversationStateUpdated"}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(str(hook.Sid), "WH") || str(hook.Target) != "webhook" {
		t.Errorf("created webhook %+v", hook)
	}
	_, err = s.tw.ConversationsV1.CreateConversationScopedWebhook(str(watched.Sid), new(conv.CreateConversationScopedWebhookParams).
		SetTarget("trigger").SetConfigurationUrl(rc.URL+"/trigger").SetConfigurationMethod("POST").
		SetConfigurationTriggers([]string{"refund"}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.tw.ConversationsV1.CreateConversationScopedWebhook(str(watched.Sid), new(conv.CreateConversationScopedWebhookParams).SetTarget("studio").SetConfigurationFlowSid("FW123"))
	wantTwilioError(t, err, 400, 20400)

	s.sendWithWebhooks(t, str(other.Sid), "not watched")
	s.sendWithWebhooks(t, str(watched.Sid), "hello")
	s.sendWithWebhooks(t, str(watched.Sid), "I want a refund")
	r := s.do(t, rawRequest{method: "POST", path: "/conversations/v1/Conversations/" + str(watched.Sid),
		contentType: "application/x-www-form-urlencoded", body: "State=closed", header: map[string]string{"X-Twilio-Webhook-Enabled": "true"}})
	if r.status != http.StatusOK {
		t.Fatalf("close: %d %s", r.status, r.text)
	}
	// The trigger hook's URL orders separately from the webhook's: compare as sets.
	want := map[string]bool{"onMessageAdded hello": true, "onMessageAdded I want a refund": true, "onConversationStateUpdated": true}
	eventually(t, func() bool { return len(rc.events()) >= 4 }, func() string { return fmt.Sprint("got ", rc.events()) })
	time.Sleep(100 * time.Millisecond)
	got := rc.events()
	refunds := 0
	for _, e := range got {
		if !want[e] {
			t.Errorf("unexpected event %q", e)
		}
		if e == "onMessageAdded I want a refund" {
			refunds++
		}
	}
	if len(got) != 4 || refunds != 2 {
		t.Errorf("got %q: want hello, the refund message twice (webhook and trigger) and the state change", got)
	}
	rc.mu.Lock()
	for _, f := range rc.got {
		if f.Get("EventType") == "onConversationStateUpdated" && (f.Get("StateFrom") != "active" || f.Get("StateTo") != "closed") {
			t.Errorf("state change %v, want active → closed", f)
		}
	}
	rc.mu.Unlock()
}

func TestSocketSendsFireWebhooksAsTheSDKAndPreEventsCanRefuseThem(t *testing.T) {
	s := startServerWithChannels(t, "", nil)
	rc := startReceiver(t, testAuthToken)
	rc.answer = func(f url.Values) (int, string) {
		if f.Get("EventType") == "onMessageAdd" && strings.Contains(f.Get("Body"), "spam") {
			return http.StatusForbidden, ""
		}
		return http.StatusOK, ""
	}
	_, err := s.tw.ConversationsV1.UpdateConfigurationWebhook(new(conv.UpdateConfigurationWebhookParams).
		SetPreWebhookUrl(rc.URL + "/pre").SetPostWebhookUrl(rc.URL + "/post").SetMethod("POST").
		SetFilters([]string{"onMessageAdd", "onMessageAdded"}))
	if err != nil {
		t.Fatal(err)
	}
	c := s.conversationWith(t, "alice")
	// The webhook never hears of a send the sender may not make.
	mallory, _ := s.connect(t, s.mintToken(t, "mallory"), nil)
	mallory.send(proto.ClientFrame{Type: proto.TypeSend, ID: "m", ConversationSID: c, Body: "hello from outside"})
	if reply := mallory.await(t, "the refusal", isReply("m")); reply.Status != http.StatusForbidden {
		t.Errorf("a stranger's send answered %+v, want a 403 error", reply)
	}
	alice, _ := s.connect(t, s.mintToken(t, "alice"), nil)
	alice.send(proto.ClientFrame{Type: proto.TypeSend, ID: "1", ConversationSID: c, Body: "buy spam", IdempotencyKey: "k1"})
	if refused := alice.await(t, "the refusal", isReply("1")); refused.Type == proto.TypeAck {
		t.Fatalf("a message the pre-event webhook refused was acknowledged: %+v", refused)
	}
	alice.send(proto.ClientFrame{Type: proto.TypeSend, ID: "2", ConversationSID: c, Body: "hello", IdempotencyKey: "k2"})
	alice.await(t, "the ack", isReply("2"))
	eventually(t, func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, f := range rc.got {
			if f.Get("EventType") == "onMessageAdded" {
				return true
			}
		}
		return false
	}, func() string { return "no onMessageAdded" })
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var types []string
	for _, f := range rc.got {
		types = append(types, f.Get("EventType")+" "+f.Get("Body"))
		if f.Get("Source") != "SDK" || f.Get("ClientIdentity") != "alice" {
			t.Errorf("%s came with Source %q ClientIdentity %q, want SDK and alice", f.Get("EventType"), f.Get("Source"), f.Get("ClientIdentity"))
		}
	}
	if strings.Join(types, "|") != "onMessageAdd hello|onMessageAdded hello" {
		t.Errorf("the receiver heard %q", types)
	}
	if msgs := mustListMessages(t, s.tw, c, nil); len(msgs) != 1 {
		t.Errorf("%d messages stored, want only the one not refused", len(msgs))
	}
}

func TestATextBeforeAnyAgentExistsWaitsForTheFirstOne(t *testing.T) {
	s := startServerWith(t, func(c *Config) { c.Channels.Simulator = true })
	r := s.do(t, rawRequest{method: "POST", path: "/simulator/api/messages", noAuth: true, contentType: "application/x-www-form-urlencoded",
		body: url.Values{"From": {customerPhone}, "To": {DemoPhoneNumber}, "Body": {"anyone there?"}}.Encode()})
	if r.status != http.StatusCreated {
		t.Fatalf("text: %d %s", r.status, r.text)
	}
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	ana.goAvailable(t)
	offer := ana.waitForOffer(t)
	var task model.Task
	ana.mustCall(t, "GET", "/taskrouter/v1/Workspaces/"+ana.WorkspaceSID+"/Tasks/"+offer.TaskSID, nil, &task)
	if !strings.Contains(task.Attributes, r.json["conversation_sid"].(string)) {
		t.Errorf("the first agent was offered %s, not the waiting text's conversation", task.Attributes)
	}
}
