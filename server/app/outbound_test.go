package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"parley/server/channels"
	"parley/server/outbound"
)

// startStrictServer is a Parley opened without --outbound-allow, as a
// production server starts.
func startStrictServer(t *testing.T) *testServer {
	return startServerWithChannels(t, "", func(c *Config) { c.OutboundAllow = nil })
}

// internalURLs are what an attacker saves to make Parley call inside its
// own network, and the words of the rule each refusal must name.
var internalURLs = []struct{ url, rule string }{
	{"http://127.0.0.1:9/x", "loopback"},
	{"http://[::1]:9/x", "loopback"},
	{"http://localhost:9/x", "own machine"},
	{"http://169.254.169.254/latest/meta-data/", "link-local"},
	{"http://10.0.0.5/x", "private networks (10.0.0.0/8)"},
	{"http://192.168.1.1/admin", "private networks (192.168.0.0/16)"},
	{"http://0.0.0.0:9/", "unspecified"},
	{"http://2130706433:9/", "loopback"},
	{"http://0x7f.1:9/", "loopback"},
	{"http://0177.0.0.1:9/", "loopback"},
	{"http://[::ffff:127.0.0.1]:9/", "loopback"},
	{"http://[fd00::1]/", "unique local"},
	{"http://[fe80::1%25eth0]/", "link-local"},
}

func TestSavingAURLInsideTheServersNetworkIsRefused(t *testing.T) {
	s := startStrictServer(t)
	c := mustCreateConversation(t, s.tw, "target")
	ws := *s.mustCreateWorkspace(t, "Support").Sid
	q := s.mustCreateQueue(t, ws, "Everyone", "1==1")
	saves := []struct {
		name, path, param string
		form              url.Values
	}{
		{"the service's post-event webhook", "/conversations/v1/Configuration/Webhooks", "PostWebhookUrl",
			url.Values{"Filters": {"onMessageAdded"}}},
		{"the service's pre-event webhook", "/conversations/v1/Configuration/Webhooks", "PreWebhookUrl",
			url.Values{"Filters": {"onMessageAdd"}}},
		{"a conversation's webhook", "/conversations/v1/Conversations/" + str(c.Sid) + "/Webhooks", "Configuration.Url",
			url.Values{"Target": {"webhook"}, "Configuration.Filters": {"onMessageAdded"}}},
		{"an address's auto-creation webhook", "/conversations/v1/Configuration/Addresses", "AutoCreation.WebhookUrl",
			url.Values{"Type": {"sms"}, "Address": {"+15550009999"}, "AutoCreation.Enabled": {"true"}, "AutoCreation.Type": {"webhook"}}},
		{"a new workspace's event callback", "/taskrouter/v1/Workspaces", "EventCallbackUrl",
			url.Values{"FriendlyName": {"Sneaky"}}},
		{"a workspace's event callback", "/taskrouter/v1/Workspaces/" + ws, "EventCallbackUrl", url.Values{}},
		{"a workflow's assignment callback", "/taskrouter/v1/Workspaces/" + ws + "/Workflows", "AssignmentCallbackUrl",
			url.Values{"FriendlyName": {"Inbound"}, "Configuration": {routeTo("1==1", *q.Sid, *q.Sid)}}},
		{"a workflow's fallback assignment callback", "/taskrouter/v1/Workspaces/" + ws + "/Workflows", "FallbackAssignmentCallbackUrl",
			url.Values{"FriendlyName": {"Inbound"}, "Configuration": {routeTo("1==1", *q.Sid, *q.Sid)}}},
	}
	for _, save := range saves {
		for _, u := range internalURLs {
			t.Run(save.name+" "+u.url, func(t *testing.T) {
				form := url.Values{}
				for k, v := range save.form {
					form[k] = v
				}
				form.Set(save.param, u.url)
				r := s.postForm(t, save.path, form)
				wantTwilioErrorShape(t, r, http.StatusBadRequest, 20400)
				msg, _ := r.json["message"].(string)
				if !strings.Contains(msg, save.param+" "+u.url+" is refused") || !strings.Contains(msg, u.rule) ||
					!strings.Contains(msg, "--outbound-allow") {
					t.Errorf("message %q does not name the parameter, the URL, the rule (%s) and --outbound-allow", msg, u.rule)
				}
			})
		}
	}
	if cfg := s.get(t, "/conversations/v1/Configuration/Webhooks"); cfg.json["post_webhook_url"] != nil || cfg.json["pre_webhook_url"] != nil {
		t.Errorf("a refused URL was kept: %s", cfg.text)
	}
	// A URL Parley cannot call at all says so.
	r := s.postForm(t, "/conversations/v1/Configuration/Webhooks", url.Values{"PostWebhookUrl": {"http://:9/x"}})
	wantTwilioErrorShape(t, r, http.StatusBadRequest, 20400)
}

func TestAWebhookToANameThatResolvesInsideIsRefusedWhenCalled(t *testing.T) {
	// This machine's own name passes the save-time check (it is a name)
	// and resolves to one of its addresses: the dial must refuse it.
	name, err := os.Hostname()
	if err != nil {
		t.Skip("no host name:", err)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", name)
	if err != nil || len(addrs) == 0 || (*outbound.Policy)(nil).CheckAddr(addrs[0]) == nil {
		t.Skipf("%s resolves to %v (%v), not an address the policy refuses", name, addrs, err)
	}
	var hits atomic.Int64
	rc := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	rc.Listener.Close()
	ln, err := net.Listen("tcp", ":0") // every address, so the name would reach it
	if err != nil {
		t.Fatal(err)
	}
	rc.Listener = ln
	rc.Start()
	t.Cleanup(rc.Close)
	_, port, _ := net.SplitHostPort(ln.Addr().String())

	s := startStrictServer(t)
	hook := "http://" + net.JoinHostPort(name, port) + "/events"
	r := s.postForm(t, "/conversations/v1/Configuration/Webhooks", url.Values{"PostWebhookUrl": {hook}, "Filters": {"onMessageAdded"}})
	if r.status != http.StatusOK {
		t.Fatalf("a webhook URL with a name was refused at save time: %d %s", r.status, r.text)
	}
	c := mustCreateConversation(t, s.tw, "rebinding")
	s.sendWithWebhooks(t, str(c.Sid), "hello")
	var last string
	eventually(t, func() bool {
		d := s.get(t, "/parley/v1/Deliveries?Kind=webhook")
		items, _ := d.json["deliveries"].([]any)
		if len(items) == 0 {
			return false
		}
		last, _ = items[0].(map[string]any)["last_error"].(string)
		return last != ""
	}, func() string { return "no failed delivery" })
	if !strings.Contains(last, "is refused") || !strings.Contains(last, "Parley does not call") {
		t.Errorf("the delivery's last error %q does not name the policy's rule", last)
	}
	if hits.Load() != 0 {
		t.Errorf("the receiver behind %s was called %d times", name, hits.Load())
	}
}

func TestAWebhookReceiverCannotRedirectParleyInside(t *testing.T) {
	s := startServerWithChannels(t, "", nil) // 127.0.0.0/8 allowed, as in every test
	var bHits atomic.Int64
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { bHits.Add(1) }))
	t.Cleanup(b.Close)
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, b.URL+"/internal", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(a.Close)
	r := s.postForm(t, "/conversations/v1/Configuration/Webhooks", url.Values{"PostWebhookUrl": {a.URL + "/events"}, "Filters": {"onMessageAdded"}})
	if r.status != http.StatusOK {
		t.Fatal(r.text)
	}
	c := mustCreateConversation(t, s.tw, "redirected")
	s.sendWithWebhooks(t, str(c.Sid), "hello")
	eventually(t, func() bool {
		d := s.get(t, "/parley/v1/Deliveries?Kind=webhook")
		items, _ := d.json["deliveries"].([]any)
		return len(items) > 0 && items[0].(map[string]any)["last_status"] == float64(http.StatusTemporaryRedirect)
	}, func() string { return "no delivery answered 307" })
	time.Sleep(100 * time.Millisecond) // a retry would follow it now
	if bHits.Load() != 0 {
		t.Errorf("the redirect's target was called %d times", bHits.Load())
	}
}

func TestAFailedPreEventWebhookTellsTheCallerNothingOfTheNetwork(t *testing.T) {
	s := startServerWithChannels(t, "", nil)
	// A port on this machine that nothing listens on: the dial error
	// would say "connection refused", telling the caller the port is closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/pre"
	ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	r := s.postForm(t, "/conversations/v1/Configuration/Webhooks", url.Values{"PreWebhookUrl": {closed}, "Filters": {"onMessageAdd"}})
	if r.status != http.StatusOK {
		t.Fatal(r.text)
	}
	c := mustCreateConversation(t, s.tw, "probe")
	send := s.do(t, rawRequest{method: "POST", path: "/conversations/v1/Conversations/" + str(c.Sid) + "/Messages",
		contentType: "application/x-www-form-urlencoded", body: url.Values{"Body": {"probe"}}.Encode(),
		header: map[string]string{"X-Twilio-Webhook-Enabled": "true"}})
	wantTwilioErrorShape(t, send, http.StatusForbidden, 20403)
	msg, _ := send.json["message"].(string)
	for _, leak := range []string{"127.0.0.1", port, "http", "refused:", "connection", "dial", "/pre"} {
		if strings.Contains(msg, leak) {
			t.Errorf("the caller's refusal %q contains %q", msg, leak)
		}
	}
	if !strings.Contains(msg, "/parley/v1/Deliveries") {
		t.Errorf("the refusal %q does not say where the operator sees why", msg)
	}
	// The operator sees the URL and the error in the deliveries.
	d := s.get(t, "/parley/v1/Deliveries?Kind=pre-webhook")
	items, _ := d.json["deliveries"].([]any)
	if len(items) != 1 {
		t.Fatalf("deliveries of pre-event webhooks: %s", d.text)
	}
	got := items[0].(map[string]any)
	lastErr, _ := got["last_error"].(string)
	request, _ := got["request"].(map[string]any)
	if got["state"] != "failed" || !strings.Contains(lastErr, "connection refused") || request["url"] != closed {
		t.Errorf("the operator's record of the pre-event webhook: %v", got)
	}
}

func TestAReceiverOnAnAllowedRangeGetsItsWebhooks(t *testing.T) {
	// --outbound-allow 127.0.0.0/8, as startServer passes: a local receiver works.
	s := startServerWith(t, func(c *Config) {
		c.Outbox = OutboxConfig{FirstRetry: 50 * time.Millisecond}
		if fmt.Sprint(c.OutboundAllow) != "[127.0.0.0/8]" {
			t.Errorf("the test helpers allow %v, want 127.0.0.0/8", c.OutboundAllow)
		}
	})
	rc := startReceiver(t, testAuthToken)
	s.mustSendWebhooksTo(t, rc, "onMessageAdded")
	c := mustCreateConversation(t, s.tw, "allowed")
	s.sendWithWebhooks(t, str(c.Sid), "hello")
	eventually(t, func() bool { return len(rc.events()) == 1 }, func() string { return fmt.Sprint(rc.events()) })
}

func TestAProvidersMediaURLCannotMakeParleyFetchInside(t *testing.T) {
	// A signed inbound text whose media URL points at a service on the
	// server's own machine (a metadata endpoint, an admin page).
	var hits atomic.Int64
	inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "image/png")
		w.Write(pngFile(t))
	}))
	t.Cleanup(inside.Close)
	s := startStrictServer(t)
	s.mustAddNumber(t, ourNumber, "twilio")
	text := url.Values{"From": {customerPhone}, "To": {ourNumber}, "Body": {"see attached"}, "AccountSid": {twilioTestSID},
		"MessageSid": {"MM0002"}, "NumMedia": {"1"}, "MediaUrl0": {inside.URL + "/latest/meta-data"}, "MediaContentType0": {"image/png"}}
	r := s.twilioPosts(t, httpapi_TwilioInbound, text, twilioTestAuth)
	// A 400 naming the rule: a 5xx would have the provider retry in vain.
	wantTwilioErrorShape(t, r, http.StatusBadRequest, 20400)
	if msg, _ := r.json["message"].(string); !strings.Contains(msg, "Parley does not call") {
		t.Errorf("the provider was told %q", msg)
	}
	if hits.Load() != 0 {
		t.Errorf("Parley fetched %s for a provider's message", inside.URL)
	}
}

func TestWithoutTheAllowListAProviderOnThisMachineIsNotCalled(t *testing.T) {
	var hits atomic.Int64
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, `{"id":"gen-1"}`)
	}))
	t.Cleanup(provider.Close)
	s := startServerWithChannels(t, "", func(c *Config) {
		c.OutboundAllow = nil
		c.Channels = ChannelConfig{GenericSendURL: provider.URL, GenericSecret: genericSecret}
	})
	s.mustAddNumber(t, ourNumber, "generic")
	c := mustCreateConversation(t, s.tw, "texting")
	mustAddSMSParticipant(t, s.tw, str(c.Sid), customerPhone, ourNumber)
	mustSendMessage(t, s.tw, str(c.Sid), "support", "hello")
	var last string
	eventually(t, func() bool {
		d := s.get(t, "/parley/v1/Deliveries?Kind="+channels.SendKind)
		items, _ := d.json["deliveries"].([]any)
		if len(items) == 0 {
			return false
		}
		last, _ = items[0].(map[string]any)["last_error"].(string)
		return last != ""
	}, func() string { return "no failed send" })
	if !strings.Contains(last, "Parley does not call") {
		t.Errorf("the send's last error %q does not name the policy's rule", last)
	}
	if hits.Load() != 0 {
		t.Errorf("the provider on 127.0.0.1 was called %d times without --outbound-allow", hits.Load())
	}
}
