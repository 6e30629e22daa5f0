package app

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	conv "github.com/twilio/twilio-go/rest/conversations/v1"
	flex "github.com/twilio/twilio-go/rest/flex/v2"

	"parley/shared/client"
	"parley/shared/model"
)

// A team moving from Twilio makes a web address with Configuration/Addresses
// and starts web chats on it from its backend with twilio-go, as Flex's
// CreateWebChannel does. The chat reaches the desk; the backend mints the
// customer a token, and the customer reads and writes the chat over REST
// and the realtime socket.
func TestFlexWebChatsOnAnyWebAddressWithTwilioGo(t *testing.T) {
	s := startServer(t)
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	ana.goAvailable(t)

	addr, err := s.tw.ConversationsV1.CreateConfigurationAddress((&conv.CreateConfigurationAddressParams{}).
		SetType("web").SetAddress("support-site").SetFriendlyName("Our site").
		SetAutoCreationEnabled(true).SetAutoCreationType("default"))
	if err != nil {
		t.Fatalf("create the web address: %v", err)
	}
	wc, err := s.tw.FlexV2.CreateWebChannel((&flex.CreateWebChannelParams{}).SetAddressSid(str(addr.Sid)).
		SetCustomerFriendlyName("Ada").SetPreEngagementData(`{"question":"Where is my order?","email":"ada@example.com"}`))
	if err != nil {
		t.Fatalf("twilio-go CreateWebChannel on a web address: %v", err)
	}
	chat, who := str(wc.ConversationSid), str(wc.Identity)
	if chat == "" || who == "" {
		t.Fatalf("CreateWebChannel answered %+v", wc)
	}

	// The desk is offered the chat.
	offer := ana.waitForOffer(t)
	var task model.Task
	ana.mustCall(t, "GET", "/taskrouter/v1/Workspaces/"+ana.WorkspaceSID+"/Tasks/"+offer.TaskSID, nil, &task)
	var attrs struct {
		ConversationSID string `json:"conversationSid"`
		CustomerName    string `json:"customerName"`
		ChannelType     string `json:"channelType"`
		AddressSID      string `json:"addressSid"`
	}
	json.Unmarshal([]byte(task.Attributes), &attrs)
	if attrs.ConversationSID != chat || attrs.CustomerName != "Ada" || attrs.ChannelType != "web" || attrs.AddressSID != str(addr.Sid) {
		t.Errorf("the desk's task says %s; want the chat %s of Ada on the web address", task.Attributes, chat)
	}

	// The backend mints the customer a token; the customer reads the chat
	// over REST and writes in it over the realtime socket.
	ctx := context.Background()
	token := s.mintToken(t, who)
	customer := client.NewREST(s.baseURL, client.TokenAuth(func(context.Context) (string, error) { return token, nil }), nil)
	msgs, err := customer.ListMessages(ctx, chat)
	if err != nil || len(msgs) != 1 || msgs[0].Body == nil || *msgs[0].Body != "Where is my order?" || msgs[0].Author != who {
		t.Fatalf("the customer reads %+v (%v); want their question", msgs, err)
	}
	sess, err := client.Dial(ctx, client.SessionOptions{URL: s.baseURL,
		Token: func(context.Context) (string, error) { return token, nil }})
	if err != nil {
		t.Fatalf("the customer's socket: %v", err)
	}
	defer sess.Close()
	if ack, err := sess.Send(ctx, chat, "It was due on Monday.", ""); err != nil || ack.SID == "" {
		t.Fatalf("send over the socket: %+v %v", ack, err)
	}
	if got := s.messagesOf(t, chat); len(got) != 2 || *got[1].Body != "It was due on Monday." {
		t.Errorf("the chat holds %d messages, want the question and the socket's", len(got))
	}

	// An identity the backend names is kept.
	named, err := s.tw.FlexV2.CreateWebChannel((&flex.CreateWebChannelParams{}).SetAddressSid(str(addr.Sid)).SetIdentity("ada-1"))
	if err != nil || str(named.Identity) != "ada-1" {
		t.Fatalf("a web chat for ada-1: %+v %v", named, err)
	}

	// Auto-creation of type webhook: the chat gets the address's webhook.
	hooked, err := s.tw.ConversationsV1.CreateConfigurationAddress((&conv.CreateConfigurationAddressParams{}).
		SetType("web").SetAddress("hooked-site").SetAutoCreationEnabled(true).SetAutoCreationType("webhook").
		SetAutoCreationWebhookUrl("http://127.0.0.1:9/hook").SetAutoCreationWebhookFilters([]string{"onMessageAdded"}))
	if err != nil {
		t.Fatal(err)
	}
	hc, err := s.tw.FlexV2.CreateWebChannel((&flex.CreateWebChannelParams{}).SetAddressSid(str(hooked.Sid)))
	if err != nil {
		t.Fatalf("a web chat on the webhook address: %v", err)
	}
	hooks, err := s.tw.ConversationsV1.ListConversationScopedWebhook(str(hc.ConversationSid), nil)
	if err != nil || len(hooks) != 1 || str(hooks[0].Target) != "webhook" {
		t.Errorf("the webhook address's chat has hooks %+v (%v), want its one webhook", hooks, err)
	}

	// Not every address starts web chats.
	sms, err := s.tw.ConversationsV1.CreateConfigurationAddress((&conv.CreateConfigurationAddressParams{}).
		SetType("sms").SetAddress("+15550002222").SetAutoCreationEnabled(true).SetAutoCreationType("default"))
	if err != nil {
		t.Fatal(err)
	}
	off, err := s.tw.ConversationsV1.CreateConfigurationAddress((&conv.CreateConfigurationAddressParams{}).
		SetType("web").SetAddress("quiet-site"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, address string
		status        int
	}{
		{"an SMS address", str(sms.Sid), http.StatusBadRequest},
		{"a web address with auto-creation off", str(off.Sid), http.StatusBadRequest},
		{"an address that does not exist", "IG00000000000000000000000000000000", http.StatusNotFound},
	} {
		_, err := s.tw.FlexV2.CreateWebChannel((&flex.CreateWebChannelParams{}).SetAddressSid(tc.address))
		if err == nil {
			t.Errorf("%s: a web chat was made", tc.name)
			continue
		}
		wantTwilioError(t, err, tc.status, 0)
	}
}
