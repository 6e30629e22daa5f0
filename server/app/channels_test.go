package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	twclient "github.com/twilio/twilio-go/client"
	conv "github.com/twilio/twilio-go/rest/conversations/v1"

	"parley/server/channels"
	"parley/server/webhooks"
	"parley/shared/model"
)

const (
	customerPhone  = "+15551230099"
	ourNumber      = "+15557650123"
	twilioTestSID  = "AC0123456789abcdef0123456789abcdef"
	twilioTestAuth = "twilio0auth0token0for0tests"
	genericSecret  = "generic-shared-secret"
)

// fakeTwilio is a local stand-in for Twilio's Messages API: it records
// what Parley sends and answers as Twilio does.
type fakeTwilio struct {
	*httptest.Server
	mu   sync.Mutex
	sent []url.Values
}

func startFakeTwilio(t *testing.T) *fakeTwilio {
	f := &fakeTwilio{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if user != twilioTestSID || pass != twilioTestAuth || r.URL.Path != "/2010-04-01/Accounts/"+twilioTestSID+"/Messages.json" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code":20003,"message":"Authenticate"}`)
			return
		}
		r.ParseForm()
		f.mu.Lock()
		f.sent = append(f.sent, r.PostForm)
		n := len(f.sent)
		f.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"sid":"SM%032d","status":"queued"}`, n)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeTwilio) messages() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent)
}

// receiver is an integrator's webhook endpoint that can be down.
type receiver struct {
	*httptest.Server
	t        *testing.T
	mu       sync.Mutex
	down     bool
	got      []url.Values // delivered, in arrival order
	tokens   map[string]int
	answer   func(form url.Values) (int, string)
	badSigns int
}

func startReceiver(t *testing.T, authToken string) *receiver {
	rc := &receiver{t: t, tokens: map[string]int{}}
	validator := twclient.NewRequestValidator(authToken)
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		params := map[string]string{}
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if !validator.Validate(rc.URL+r.URL.RequestURI(), params, r.Header.Get("X-Twilio-Signature")) {
			rc.badSigns++
		}
		if rc.down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if rc.answer != nil {
			status, body := rc.answer(r.PostForm)
			w.WriteHeader(status)
			io.WriteString(w, body)
			if status >= 300 {
				return
			}
		}
		rc.got = append(rc.got, r.PostForm)
		rc.tokens[r.Header.Get("I-Twilio-Idempotency-Token")]++
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) setDown(down bool) {
	rc.mu.Lock()
	rc.down = down
	rc.mu.Unlock()
}

// events lists the delivered events as "EventType Body" lines.
func (rc *receiver) events() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, f := range rc.got {
		out = append(out, strings.TrimSpace(f.Get("EventType")+" "+f.Get("Body")))
	}
	return out
}

func startServerWithChannels(t *testing.T, twilioAPI string, tweak func(*Config)) *testServer {
	return startServerWith(t, func(c *Config) {
		c.Channels = ChannelConfig{TwilioAccountSID: twilioTestSID, TwilioAuthToken: twilioTestAuth, TwilioAPIBase: twilioAPI}
		c.Outbox = OutboxConfig{FirstRetry: 50 * time.Millisecond, MaxRetryWait: 200 * time.Millisecond}
		if tweak != nil {
			tweak(c)
		}
	})
}

// mustAddNumber configures an SMS number whose new conversations go to
// routing.
func (s *testServer) mustAddNumber(t *testing.T, number, adapter string) {
	t.Helper()
	r := s.postForm(t, "/conversations/v1/Configuration/Addresses", url.Values{"Type": {"sms"}, "Address": {number},
		"AutoCreation.Enabled": {"true"}, "AutoCreation.Type": {"default"}, "Parley.Adapter": {adapter}})
	if r.status != http.StatusCreated {
		t.Fatalf("add number %s: %d %s", number, r.status, r.text)
	}
}

// twilioPosts posts a Twilio webhook to Parley, signed as Twilio signs with
// the given auth token.
func (s *testServer) twilioPosts(t *testing.T, path string, form url.Values, authToken string) reply {
	t.Helper()
	sig := webhooks.Sign(authToken, s.baseURL+path, form)
	params := map[string]string{}
	for k := range form {
		params[k] = form.Get(k)
	}
	if authToken == twilioTestAuth {
		v := twclient.NewRequestValidator(twilioTestAuth)
		if !v.Validate(s.baseURL+path, params, sig) {
			t.Fatalf("twilio-go's validator rejects Parley's signature")
		}
	}
	return s.do(t, rawRequest{method: "POST", path: path, noAuth: true, contentType: "application/x-www-form-urlencoded",
		body: form.Encode(), header: map[string]string{"X-Twilio-Signature": sig}})
}

func textFromCustomer(body, messageSID string) url.Values {
	return url.Values{"From": {customerPhone}, "To": {ourNumber}, "Body": {body}, "MessageSid": {messageSID},
		"AccountSid": {twilioTestSID}, "NumMedia": {"0"}}
}

func (s *testServer) messagesOf(t *testing.T, conversation string) []model.Message {
	t.Helper()
	var page struct{ Messages []model.Message }
	if err := json2(s.get(t, "/conversations/v1/Conversations/"+conversation+"/Messages"), &page); err != nil {
		t.Fatal(err)
	}
	return page.Messages
}

func TestAnSMSReachesAnAgentAndTheReplyGoesBackThroughTwilio(t *testing.T) {
	twilio := startFakeTwilio(t)
	s := startServerWithChannels(t, twilio.URL, nil)
	s.mustAddNumber(t, ourNumber, "twilio")
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	ana.goAvailable(t)

	if r := s.twilioPosts(t, httpapi_TwilioInbound, textFromCustomer("My parcel is late", "SM0001"), twilioTestAuth); r.status != http.StatusOK {
		t.Fatalf("inbound webhook: %d %s", r.status, r.text)
	}
	// Twilio retries a webhook it is unsure of: the retry is not a second message.
	s.twilioPosts(t, httpapi_TwilioInbound, textFromCustomer("My parcel is late", "SM0001"), twilioTestAuth)

	offer := ana.waitForOffer(t)
	var task model.Task
	ana.mustCall(t, "GET", "/taskrouter/v1/Workspaces/"+ana.WorkspaceSID+"/Tasks/"+offer.TaskSID, nil, &task)
	var attrs struct {
		ConversationSID string `json:"conversationSid"`
		From            string `json:"from"`
		ChannelType     string `json:"channelType"`
	}
	json.Unmarshal([]byte(task.Attributes), &attrs)
	if attrs.From != customerPhone || attrs.ChannelType != "sms" || task.TaskChannelUniqueName != "sms" {
		t.Errorf("the task says %s on channel %q; want the customer's number and sms", task.Attributes, task.TaskChannelUniqueName)
	}
	ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)

	var convs struct{ Conversations []model.Conversation }
	json2(s.get(t, "/conversations/v1/Conversations"), &convs)
	if len(convs.Conversations) != 1 {
		t.Fatalf("%d conversations, want the one the text made", len(convs.Conversations))
	}
	conversation := convs.Conversations[0].SID
	if msgs := s.messagesOf(t, conversation); len(msgs) != 1 || *msgs[0].Body != "My parcel is late" || msgs[0].Author != customerPhone {
		t.Fatalf("the conversation holds %+v, want the customer's one text", msgs)
	}

	// Ana answers (the desk sends over its socket; here the account sends
	// as her); Twilio is asked to text the customer.
	reply := mustSendMessage(t, s.tw, conversation, ana.Identity, "Sorry! It ships today.")
	eventually(t, func() bool { return len(twilio.messages()) == 1 }, func() string { return "Twilio was asked to send nothing" })
	sent := twilio.messages()[0]
	if sent.Get("To") != customerPhone || sent.Get("From") != ourNumber || sent.Get("Body") != "Sorry! It ships today." ||
		sent.Get("StatusCallback") != s.baseURL+httpapi_TwilioStatus {
		t.Errorf("Twilio was asked to send %v", sent)
	}

	// Twilio reports the text delivered: the reply's receipt and summary say so.
	r := s.twilioPosts(t, httpapi_TwilioStatus, url.Values{"MessageSid": {"SM" + fmt.Sprintf("%032d", 1)},
		"MessageStatus": {"delivered"}, "AccountSid": {twilioTestSID}}, twilioTestAuth)
	if r.status != http.StatusNoContent {
		t.Fatalf("status callback: %d %s", r.status, r.text)
	}
	var receipts struct {
		DeliveryReceipts []map[string]any `json:"delivery_receipts"`
	}
	json2(s.get(t, "/conversations/v1/Conversations/"+conversation+"/Messages/"+str(reply.Sid)+"/Receipts"), &receipts)
	if len(receipts.DeliveryReceipts) != 1 || receipts.DeliveryReceipts[0]["status"] != "delivered" {
		t.Errorf("receipts %v, want one, delivered", receipts.DeliveryReceipts)
	}
	var after model.Message
	json2(s.get(t, "/conversations/v1/Conversations/"+conversation+"/Messages/"+str(reply.Sid)), &after)
	if d := after.Delivery; d == nil || d.Delivered != "all" {
		t.Errorf("delivery summary %+v, want delivered: all", after.Delivery)
	}

	// A text the carrier could not deliver says so, with Twilio's error code.
	second := mustSendMessage(t, s.tw, conversation, ana.Identity, "Are you there?")
	eventually(t, func() bool { return len(twilio.messages()) == 2 }, func() string { return "the second text was not sent" })
	s.twilioPosts(t, httpapi_TwilioStatus, url.Values{"MessageSid": {"SM" + fmt.Sprintf("%032d", 2)},
		"MessageStatus": {"undelivered"}, "ErrorCode": {"30003"}}, twilioTestAuth)
	json2(s.get(t, "/conversations/v1/Conversations/"+conversation+"/Messages/"+str(second.Sid)+"/Receipts"), &receipts)
	if len(receipts.DeliveryReceipts) != 1 || receipts.DeliveryReceipts[0]["status"] != "undelivered" ||
		receipts.DeliveryReceipts[0]["error_code"] != float64(30003) {
		t.Errorf("receipts of the undelivered text: %v", receipts.DeliveryReceipts)
	}

	// Operators see the sends in the metrics.
	metrics := s.get(t, "/metrics").text
	if !strings.Contains(metrics, `parley_delivery_attempts_total{kind="send",outcome="delivered"} 2`) {
		t.Errorf("/metrics does not count the two sends:\n%s", grepLines(metrics, "parley_deliver"))
	}
}

// grepLines keeps the lines of text that contain substr.
func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// The handlers' paths, named once.
const (
	httpapi_TwilioInbound  = "/channels/twilio/inbound"
	httpapi_TwilioStatus   = "/channels/twilio/status"
	httpapi_GenericInbound = "/channels/generic/inbound"
	httpapi_GenericStatus  = "/channels/generic/status"
)

func TestProviderWebhooksThatAreNotSignedOrMalformedCreateNothing(t *testing.T) {
	s := startServerWithChannels(t, startFakeTwilio(t).URL, nil)
	s.mustAddNumber(t, ourNumber, "twilio")
	text := textFromCustomer("hello", "SM0002")
	unsigned := s.do(t, rawRequest{method: "POST", path: httpapi_TwilioInbound, noAuth: true,
		contentType: "application/x-www-form-urlencoded", body: text.Encode()})
	wantTwilioErrorShape(t, unsigned, http.StatusForbidden, 20403)
	wantTwilioErrorShape(t, s.twilioPosts(t, httpapi_TwilioInbound, text, "someone-elses-token"), http.StatusForbidden, 20403)
	genericUnsigned := s.do(t, rawRequest{method: "POST", path: httpapi_GenericInbound, noAuth: true, contentType: "application/json",
		body: `{"id":"x","from":"+15551230099","to":"+15557650123","body":"hi"}`})
	wantTwilioErrorShape(t, genericUnsigned, http.StatusNotFound, 20404) // not configured on this server
	if n := s.countRows(t, "conversations"); n != 0 {
		t.Fatalf("%d conversations after refused webhooks, want 0", n)
	}

	for _, bad := range []struct{ from, to string }{
		{"5551230099", ourNumber}, {"+0551230099", ourNumber}, {"+1555<script>", ourNumber},
		{customerPhone, "whatsapp:" + ourNumber}, {"+1234567890123456", ourNumber},
	} {
		form := textFromCustomer("hello", "SM0003")
		form.Set("From", bad.from)
		form.Set("To", bad.to)
		wantTwilioErrorShape(t, s.twilioPosts(t, httpapi_TwilioInbound, form, twilioTestAuth), http.StatusBadRequest, 0)
	}
	form := textFromCustomer("hello", "SM0004")
	form.Set("To", "+15550000000")
	wantTwilioErrorShape(t, s.twilioPosts(t, httpapi_TwilioInbound, form, twilioTestAuth), http.StatusNotFound, 20404)
	if n := s.countRows(t, "conversations"); n != 0 {
		t.Fatalf("%d conversations after malformed texts, want 0", n)
	}
	wantTwilioErrorShape(t, s.postForm(t, "/conversations/v1/Configuration/Addresses",
		url.Values{"Type": {"sms"}, "Address": {"not a number"}}), http.StatusBadRequest, 50407)
	wantServing(t, s)
}

func TestTheGenericAdapterCarriesTextsBothWaysSigned(t *testing.T) {
	var mu sync.Mutex
	var sent []channels.GenericMessage
	var sigErr error
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m channels.GenericMessage
		json.Unmarshal(body, &m)
		mu.Lock()
		sent = append(sent, m)
		sigErr = (&channels.Generic{Secret: genericSecret}).Verify(r.Header.Get("X-Parley-Signature"), body)
		mu.Unlock()
		fmt.Fprintf(w, `{"id":"gen-%d"}`, len(sent))
	}))
	t.Cleanup(provider.Close)
	s := startServerWithChannels(t, "", func(c *Config) {
		c.Channels = ChannelConfig{GenericSendURL: provider.URL, GenericSecret: genericSecret}
	})
	s.mustAddNumber(t, ourNumber, "generic")

	post := func(path string, v any) reply {
		body, _ := json.Marshal(v)
		return s.do(t, rawRequest{method: "POST", path: path, noAuth: true, contentType: "application/json", body: string(body),
			header: map[string]string{"X-Parley-Signature": channels.Sign(genericSecret, time.Now(), body)}})
	}
	in := post(httpapi_GenericInbound, channels.GenericMessage{ID: "p-1", From: customerPhone, To: ourNumber, Body: "Hi there"})
	if in.status != http.StatusOK {
		t.Fatalf("inbound: %d %s", in.status, in.text)
	}
	conversation := in.json["conversation_sid"].(string)
	stale, _ := json.Marshal(channels.GenericMessage{ID: "p-2", From: customerPhone, To: ourNumber, Body: "replayed"})
	replay := s.do(t, rawRequest{method: "POST", path: httpapi_GenericInbound, noAuth: true, contentType: "application/json",
		body: string(stale), header: map[string]string{"X-Parley-Signature": channels.Sign(genericSecret, time.Now().Add(-time.Hour), stale)}})
	wantTwilioErrorShape(t, replay, http.StatusForbidden, 20403)

	mustSendMessage(t, s.tw, conversation, "support", "We are on it")
	eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(sent) == 1 }, func() string { return "the provider got nothing" })
	mu.Lock()
	got, err := sent[0], sigErr
	mu.Unlock()
	if err != nil || got.To != customerPhone || got.From != ourNumber || got.Body != "We are on it" || got.StatusCallback != s.baseURL+httpapi_GenericStatus {
		t.Errorf("the provider got %+v (signature: %v)", got, err)
	}
	if r := post(httpapi_GenericStatus, channels.GenericStatus{ID: "gen-1", Status: "read"}); r.status != http.StatusNoContent {
		t.Fatalf("status: %d %s", r.status, r.text)
	}
	msgs := s.messagesOf(t, conversation)
	if last := msgs[len(msgs)-1]; last.Delivery == nil || last.Delivery.Read != "all" {
		t.Errorf("the reply's delivery is %+v, want read by all", last.Delivery)
	}
}

// webhookServer points the service-level post-event webhook at rc.
func (s *testServer) mustSendWebhooksTo(t *testing.T, rc *receiver, filters ...string) {
	t.Helper()
	_, err := s.tw.ConversationsV1.UpdateConfigurationWebhook(new(conv.UpdateConfigurationWebhookParams).
		SetPostWebhookUrl(rc.URL + "/events").SetMethod("POST").SetFilters(filters).SetTarget("webhook"))
	if err != nil {
		t.Fatal(err)
	}
}

// sendWithWebhooks sends a message over REST asking for webhooks, as
// Twilio's X-Twilio-Webhook-Enabled header does.
func (s *testServer) sendWithWebhooks(t *testing.T, conversation, body string) {
	t.Helper()
	r := s.do(t, rawRequest{method: "POST", path: "/conversations/v1/Conversations/" + conversation + "/Messages",
		contentType: "application/x-www-form-urlencoded", body: url.Values{"Author": {"support"}, "Body": {body}}.Encode(),
		header: map[string]string{"X-Twilio-Webhook-Enabled": "true"}})
	if r.status != http.StatusCreated {
		t.Fatalf("send %q: %d %s", body, r.status, r.text)
	}
}

func TestAReceiverThatWasDownGetsEveryEventInOrderOnce(t *testing.T) {
	s := startServerWithChannels(t, "", nil)
	rc := startReceiver(t, testAuthToken)
	s.mustSendWebhooksTo(t, rc, "onMessageAdded")
	c := mustCreateConversation(t, s.tw, "orders")

	rc.setDown(true)
	for i := 1; i <= 5; i++ {
		s.sendWithWebhooks(t, str(c.Sid), fmt.Sprintf("message %d", i))
	}
	mustSendMessage(t, s.tw, str(c.Sid), "support", "no webhook asked for") // REST without the header fires none
	time.Sleep(300 * time.Millisecond)                                      // several retries fail meanwhile
	rc.setDown(false)

	want := []string{"onMessageAdded message 1", "onMessageAdded message 2", "onMessageAdded message 3",
		"onMessageAdded message 4", "onMessageAdded message 5"}
	eventually(t, func() bool { return len(rc.events()) >= len(want) }, func() string { return fmt.Sprint("got ", rc.events()) })
	time.Sleep(100 * time.Millisecond)
	if got := rc.events(); !slices.Equal(got, want) {
		t.Errorf("the receiver got\n%q\nwant\n%q", got, want)
	}
	rc.mu.Lock()
	for tok, n := range rc.tokens {
		if n != 1 || tok == "" {
			t.Errorf("idempotency token %q delivered %d times", tok, n)
		}
	}
	if rc.badSigns > 0 {
		t.Errorf("%d requests failed twilio-go's signature check", rc.badSigns)
	}
	rc.mu.Unlock()

	var list struct{ Deliveries []map[string]any }
	json2(s.get(t, "/parley/v1/Deliveries?State=delivered"), &list)
	if len(list.Deliveries) != 5 {
		t.Fatalf("%d delivered deliveries listed, want 5", len(list.Deliveries))
	}
	// Newest first: the oldest waited at the head of the line and took the retries.
	if a, _ := list.Deliveries[4]["attempts"].(float64); a < 2 {
		t.Errorf("the first event took %v attempts; the receiver was down for its first", list.Deliveries[4]["attempts"])
	}
}

func TestEventsQueuedWhenParleyStopsAreDeliveredAfterARestart(t *testing.T) {
	rc := startReceiver(t, testAuthToken)
	rc.setDown(true)
	data := t.TempDir()
	keepData := func(c *Config) { c.DataDir = data }
	s := startServerWithChannels(t, "", keepData)
	s.mustSendWebhooksTo(t, rc, "onMessageAdded", "onConversationUpdated")
	c := mustCreateConversation(t, s.tw, "before the restart")
	s.sendWithWebhooks(t, str(c.Sid), "one")
	s.sendWithWebhooks(t, str(c.Sid), "two")
	s.stop()

	rc.setDown(false)
	startServerWithChannels(t, "", keepData)
	want := []string{"onMessageAdded one", "onMessageAdded two"}
	eventually(t, func() bool { return len(rc.events()) >= 2 }, func() string { return fmt.Sprint("got ", rc.events()) })
	if got := rc.events(); !slices.Equal(got, want) {
		t.Errorf("after the restart the receiver got %q, want %q", got, want)
	}
}

func TestAPreEventWebhookCanRefuseOrAmendAMessage(t *testing.T) {
	s := startServerWithChannels(t, "", nil)
	rc := startReceiver(t, testAuthToken)
	rc.answer = func(f url.Values) (int, string) {
		switch {
		case strings.Contains(f.Get("Body"), "spam"):
			return http.StatusForbidden, ""
		case strings.Contains(f.Get("Body"), "card 4111"):
			return http.StatusOK, `{"body":"card [redacted]"}`
		case f.Get("EventType") == "onMessageRemove":
			return http.StatusForbidden, "" // the archive keeps everything
		case f.Get("EventType") == "onConversationUpdate":
			return http.StatusOK, `{"friendly_name":"renamed by policy"}`
		}
		return http.StatusOK, ""
	}
	_, err := s.tw.ConversationsV1.UpdateConfigurationWebhook(new(conv.UpdateConfigurationWebhookParams).
		SetPreWebhookUrl(rc.URL + "/pre").SetMethod("POST").SetFilters([]string{"onMessageAdd", "onMessageRemove", "onConversationUpdate"}))
	if err != nil {
		t.Fatal(err)
	}
	c := mustCreateConversation(t, s.tw, "guarded")
	send := func(body string) reply {
		return s.do(t, rawRequest{method: "POST", path: "/conversations/v1/Conversations/" + str(c.Sid) + "/Messages",
			contentType: "application/x-www-form-urlencoded", body: url.Values{"Body": {body}}.Encode(),
			header: map[string]string{"X-Twilio-Webhook-Enabled": "true"}})
	}
	wantTwilioErrorShape(t, send("buy spam now"), http.StatusForbidden, 20403)
	if r := send("my card 4111 is declined"); r.status != http.StatusCreated || r.json["body"] != "card [redacted]" {
		t.Errorf("amended send: %d %v", r.status, r.json["body"])
	}
	msgs := s.messagesOf(t, str(c.Sid))
	if len(msgs) != 1 || *msgs[0].Body != "card [redacted]" {
		t.Fatalf("stored messages %+v: the refused one must be absent, the other amended", msgs)
	}
	hooked := map[string]string{"X-Twilio-Webhook-Enabled": "true"}
	del := s.do(t, rawRequest{method: "DELETE", path: "/conversations/v1/Conversations/" + str(c.Sid) + "/Messages/" + msgs[0].SID, header: hooked})
	wantTwilioErrorShape(t, del, http.StatusForbidden, 20403)
	if len(s.messagesOf(t, str(c.Sid))) != 1 {
		t.Errorf("a removal the pre-event webhook refused went through")
	}
	ren := s.do(t, rawRequest{method: "POST", path: "/conversations/v1/Conversations/" + str(c.Sid), header: hooked,
		contentType: "application/x-www-form-urlencoded", body: "FriendlyName=mine"})
	if ren.status != http.StatusOK || ren.json["friendly_name"] != "renamed by policy" {
		t.Errorf("update amended by the pre-event webhook: %d %v", ren.status, ren.json["friendly_name"])
	}
}
