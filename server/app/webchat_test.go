package app

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	twjwt "github.com/twilio/twilio-go/client/jwt"
	api "github.com/twilio/twilio-go/rest/api/v2010"
	conv "github.com/twilio/twilio-go/rest/conversations/v1"
	flex "github.com/twilio/twilio-go/rest/flex/v2"

	"parley/server/httpapi"
)

// ---- helpers that read like the visitor's steps ----

// deployment is a webchat deployment as the API returned it.
type deployment struct {
	Key, AddressSID, Secret string
}

func (s *testServer) createDeployment(t testing.TB, form url.Values) deployment {
	t.Helper()
	r := s.postForm(t, "/parley/v1/Deployments", form)
	if r.status != http.StatusCreated {
		t.Fatalf("create deployment: %d %s", r.status, r.text)
	}
	return deployment{Key: r.json["key"].(string), AddressSID: r.json["address_sid"].(string), Secret: r.json["identity_secret"].(string)}
}

// guest calls a public webchat endpoint as a browser at origin would.
func (s *testServer) guest(t *testing.T, path, origin string, form url.Values) reply {
	t.Helper()
	h := map[string]string{}
	if origin != "" {
		h["Origin"] = origin
	}
	return s.do(t, rawRequest{method: http.MethodPost, path: path, noAuth: true, header: h,
		contentType: "application/x-www-form-urlencoded", body: form.Encode()})
}

// signIdentity signs a customer in as a website does: an HS256 JWT with the
// deployment's identity secret.
func signIdentity(t testing.TB, secret, sub, name string, ttl time.Duration) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "name": name,
		"email": strings.ToLower(name) + "@example.com", "exp": time.Now().Add(ttl).Unix()})
	b, err := tok.SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func startChat(key, name, question string) url.Values {
	data, _ := json.Marshal(map[string]string{"friendlyName": name, "question": question})
	return url.Values{"DeploymentKey": {key}, "PreEngagementData": {string(data)}}
}

func TestAVisitorStartsAChatWithTheirQuestion(t *testing.T) {
	s := startServer(t)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop"}, "WelcomeMessage": {"Welcome to the shop!"}})

	r := s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, startChat(d.Key, "Ada", "Where is order 1234?"))
	if r.status != http.StatusOK {
		t.Fatalf("init: %d %s", r.status, r.text)
	}
	token, identity, sid := r.json["token"].(string), r.json["identity"].(string), r.json["conversation_sid"].(string)
	if !strings.HasPrefix(identity, "guest_") || r.json["expiration"] == nil {
		t.Fatalf("init answered %s", r.text)
	}

	c, err := s.tw.ConversationsV1.FetchConversation(sid)
	if err != nil {
		t.Fatal(err)
	}
	var attrs struct {
		PreEngagement map[string]string `json:"pre_engagement_data"`
		Key           string            `json:"deployment_key"`
	}
	json.Unmarshal([]byte(*c.Attributes), &attrs)
	if attrs.PreEngagement["question"] != "Where is order 1234?" || attrs.Key != d.Key {
		t.Errorf("conversation attributes %s lack the pre-engagement data", *c.Attributes)
	}
	msgs, err := s.tw.ConversationsV1.ListConversationMessage(sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || *msgs[0].Body != "Welcome to the shop!" || *msgs[1].Body != "Where is order 1234?" || *msgs[1].Author != identity {
		t.Fatalf("the conversation should hold the welcome then the visitor's question, got %d messages", len(msgs))
	}

	// The token reads the visitor's own conversation, and nobody else's.
	own := s.do(t, rawRequest{method: "GET", path: "/conversations/v1/Conversations/" + sid + "/Messages", noAuth: true,
		header: map[string]string{"X-Twilio-Token": token}})
	if own.status != http.StatusOK {
		t.Errorf("the guest's token cannot read its conversation: %d %s", own.status, own.text)
	}
	other := s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, startChat(d.Key, "Bob", "Hi"))
	theirs := s.do(t, rawRequest{method: "GET", path: "/conversations/v1/Conversations/" + other.json["conversation_sid"].(string) + "/Messages",
		noAuth: true, header: map[string]string{"X-Twilio-Token": token}})
	wantTwilioErrorShape(t, theirs, http.StatusForbidden, 0)

	// Refresh keeps the identity; End closes the conversation, and may be repeated.
	ref := s.guest(t, "/flex/v2/Webchat/Tokens/Refresh", s.baseURL, url.Values{"DeploymentKey": {d.Key}, "Token": {token}})
	if ref.status != http.StatusOK || ref.json["identity"] != identity || ref.json["token"] == token {
		t.Fatalf("refresh: %d %s", ref.status, ref.text)
	}
	for range 2 {
		end := s.guest(t, "/flex/v2/Webchat/End", s.baseURL, url.Values{"DeploymentKey": {d.Key}, "Token": {ref.json["token"].(string)}, "ConversationSid": {sid}})
		if end.status != http.StatusOK || end.json["state"] != "closed" {
			t.Fatalf("end: %d %s", end.status, end.text)
		}
	}
	endOther := s.guest(t, "/flex/v2/Webchat/End", s.baseURL, url.Values{"DeploymentKey": {d.Key}, "Token": {token},
		"ConversationSid": {other.json["conversation_sid"].(string)}})
	wantTwilioErrorShape(t, endOther, http.StatusForbidden, 0)
}

func TestGuestEndpointsRefuseBadInputClearly(t *testing.T) {
	s := startServer(t)
	d := s.createDeployment(t, url.Values{"AllowedOrigins": {"https://shop.example.com", "https://*.example.org"}})
	other := s.createDeployment(t, nil)
	guestToken := s.guest(t, "/flex/v2/Webchat/Init", "", startChat(other.Key, "Eve", "hi")).json["token"].(string)

	key, err := s.tw.Api.CreateNewKey((&api.CreateNewKeyParams{}).SetPathAccountSid(s.accountSID))
	if err != nil {
		t.Fatal(err)
	}
	expired := twjwt.CreateAccessToken(twjwt.AccessTokenParams{AccountSid: s.accountSID, SigningKeySid: *key.Sid, Secret: *key.Secret,
		Identity: "guest_x", Nbf: float64(time.Now().Add(-2 * time.Hour).Unix()), ValidUntil: float64(time.Now().Add(-time.Hour).Unix())})
	expiredJWT, _ := expired.ToJwt()

	huge, _ := json.Marshal(map[string]string{"friendlyName": "x", "question": strings.Repeat("a", 9000)})
	tests := []struct {
		name, path, origin string
		form               url.Values
		status             int
		says               string
	}{
		{"unknown deployment key", "/flex/v2/Webchat/Init", "", startChat("CV00000000000000000000000000000000", "a", "b"), 404, "does not exist"},
		{"no deployment key", "/flex/v2/Webchat/Init", "", url.Values{}, 400, "DeploymentKey is required"},
		{"a site not allowed", "/flex/v2/Webchat/Init", "https://evil.example.net", startChat(d.Key, "a", "b"), 403, "AllowedOrigins"},
		{"a look-alike of an allowed site", "/flex/v2/Webchat/Init", "https://shop.example.com.evil.net", startChat(d.Key, "a", "b"), 403, "AllowedOrigins"},
		{"the right host on http", "/flex/v2/Webchat/Init", "http://shop.example.com", startChat(d.Key, "a", "b"), 403, "AllowedOrigins"},
		{"the question left out", "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key}, "PreEngagementData": {`{"friendlyName":"a"}`}}, 400, "question is required"},
		{"a malformed email", "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key}, "PreEngagementData": {`{"friendlyName":"a","question":"q","email":"not-an-email"}`}}, 400, "not an email"},
		{"pre-engagement data that is not JSON", "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key}, "PreEngagementData": {`{"friendlyName":`}}, 400, "JSON object"},
		{"oversized pre-engagement data", "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key}, "PreEngagementData": {string(huge)}}, 413, "limit"},
		{"an unsigned identity", "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key}, "Identity": {"alice"}}, 401, "Identity refused"},
		{"refresh with an expired token", "/flex/v2/Webchat/Tokens/Refresh", "", url.Values{"DeploymentKey": {d.Key}, "Token": {expiredJWT}}, 401, "expired"},
		{"refresh with another deployment's token", "/flex/v2/Webchat/Tokens/Refresh", "", url.Values{"DeploymentKey": {d.Key}, "Token": {guestToken}}, 401, "not issued by"},
		{"refresh with garbage", "/flex/v2/Webchat/Tokens/Refresh", "", url.Values{"DeploymentKey": {d.Key}, "Token": {"x.y.z"}}, 401, "refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.guest(t, tc.path, tc.origin, tc.form)
			wantTwilioErrorShape(t, r, tc.status, 0)
			if msg, _ := r.json["message"].(string); !strings.Contains(msg, tc.says) {
				t.Errorf("message %q does not say %q", msg, tc.says)
			}
		})
	}
	t.Run("allowed origins, wildcard included, get CORS answers", func(t *testing.T) {
		for _, origin := range []string{"https://shop.example.com", "https://help.example.org"} {
			r := s.guest(t, "/flex/v2/Webchat/Init", origin, startChat(d.Key, "a", "b"))
			if r.status != http.StatusOK || r.header.Get("Access-Control-Allow-Origin") != origin {
				t.Errorf("from %s: %d, ACAO %q: %s", origin, r.status, r.header.Get("Access-Control-Allow-Origin"), r.text)
			}
		}
	})
	t.Run("a form body that is not a form", func(t *testing.T) {
		r := s.do(t, rawRequest{method: "POST", path: "/flex/v2/Webchat/Init", noAuth: true, contentType: "application/json", body: `{"DeploymentKey":"x"}`})
		wantTwilioErrorShape(t, r, http.StatusUnsupportedMediaType, 0)
	})
	if r := s.get(t, "/healthz"); r.status != http.StatusOK {
		t.Fatalf("after bad input the server stopped serving: %d", r.status)
	}
}

func TestAFloodOfChatStartsIsRateLimited(t *testing.T) {
	s := startServerWith(t, func(c *Config) { c.GuestLimits = httpapi.DefaultGuestLimits })
	d := s.createDeployment(t, nil)
	var limited reply
	for i := range 30 {
		r := s.guest(t, "/flex/v2/Webchat/Init", "", startChat(d.Key, "a", "b"))
		if r.status == http.StatusTooManyRequests {
			limited = r
			if i < 10 {
				t.Fatalf("limited after %d starts; a person may start 10 at once", i)
			}
			break
		}
	}
	wantTwilioErrorShape(t, limited, http.StatusTooManyRequests, 20429)
	if limited.header.Get("Retry-After") == "" {
		t.Error("a 429 should say when to retry (Retry-After)")
	}
	// Others go on: the account's API is not the guest's limit.
	if _, err := s.tw.ConversationsV1.ListConversation(nil); err != nil {
		t.Fatalf("the account's API failed while a guest was limited: %v", err)
	}
}

func TestAVerifiedCustomerSkipsTheFormAndFindsTheirChat(t *testing.T) {
	s := startServer(t)
	d := s.createDeployment(t, nil)
	sign := func(secret, sub string, ttl time.Duration) string { return signIdentity(t, secret, sub, "Grace", ttl) }
	init := func(identity string) reply {
		return s.guest(t, "/flex/v2/Webchat/Init", "", url.Values{"DeploymentKey": {d.Key}, "Identity": {identity}})
	}
	first := init(sign(d.Secret, "customer-42", time.Hour))
	if first.status != http.StatusOK || first.json["identity"] != "cust_"+d.Key+"_customer-42" {
		t.Fatalf("a verified customer without answers should get a chat: %d %s", first.status, first.text)
	}
	again := init(sign(d.Secret, "customer-42", time.Hour))
	if again.json["conversation_sid"] != first.json["conversation_sid"] || again.json["resumed"] != true {
		t.Fatalf("the customer's open chat should be found again, got %s", again.text)
	}
	u, err := s.tw.ConversationsV1.FetchUser("cust_" + d.Key + "_customer-42")
	if err != nil || *u.FriendlyName != "Grace" {
		t.Fatalf("the customer's user should carry the signed name: %v", err)
	}
	for name, tok := range map[string]string{
		"signed with another secret": sign("another-secret", "customer-42", time.Hour),
		"expired":                    sign(d.Secret, "customer-42", -time.Hour),
		"living over a day":          sign(d.Secret, "customer-42", 48*time.Hour),
		"unsigned (alg none)":        strings.Join(strings.Split(sign(d.Secret, "customer-42", time.Hour), ".")[:2], ".") + ".",
	} {
		r := init(tok)
		if r.status != http.StatusUnauthorized {
			t.Errorf("identity %s: %d %s, want 401", name, r.status, r.text)
		}
	}
	// A new secret refuses identities signed with the old one.
	rot := s.postForm(t, "/parley/v1/Deployments/"+d.Key+"/IdentitySecret", nil)
	if rot.status != http.StatusOK || rot.json["identity_secret"] == d.Secret {
		t.Fatalf("rotate: %d %s", rot.status, rot.text)
	}
	if r := init(sign(d.Secret, "customer-42", time.Hour)); r.status != http.StatusUnauthorized {
		t.Errorf("after rotation the old secret still works: %d", r.status)
	}
}

func TestBackendsStartWebChatsWithTwilioGo(t *testing.T) {
	s := startServer(t)
	d := s.createDeployment(t, nil)
	wc, err := s.tw.FlexV2.CreateWebChannel((&flex.CreateWebChannelParams{}).SetAddressSid(d.AddressSID).
		SetChatFriendlyName("Order 1234").SetCustomerFriendlyName("Ada").SetIdentity("ada-1").
		SetPreEngagementData(`{"question":"Is it shipped?"}`))
	if err != nil {
		t.Fatalf("twilio-go CreateWebChannel: %v", err)
	}
	if wc.ConversationSid == nil || wc.Identity == nil || *wc.Identity != "ada-1" {
		t.Fatalf("CreateWebChannel answered %+v", wc)
	}
	c, err := s.tw.ConversationsV1.FetchConversation(*wc.ConversationSid)
	if err != nil || *c.FriendlyName != "Order 1234" {
		t.Fatalf("fetch the web chat's conversation: %v", err)
	}
	if _, err := s.tw.FlexV2.CreateWebChannel((&flex.CreateWebChannelParams{}).SetAddressSid("IG00000000000000000000000000000000")); err == nil {
		t.Fatal("a web chat on an address that is no deployment's was made")
	}
}

func TestDeploymentsAndTheirAddresses(t *testing.T) {
	s := startServer(t)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Support"}, "Theme.Color": {"#AA3300"}, "Locale": {"ar"},
		"PreEngagementForm": {`[{"name":"friendlyName","label":"Name","type":"text","required":true},{"name":"topic","label":"Topic","type":"select","options":["Billing","Orders"]}]`}})

	got := s.get(t, "/parley/v1/Deployments/"+d.Key)
	if got.status != 200 || got.json["identity_secret"] != nil {
		t.Fatalf("a fetched deployment must not show its secret: %s", got.text)
	}
	if snippet, _ := got.json["embed_snippet"].(string); !strings.Contains(snippet, `data-deployment-key="`+d.Key+`"`) {
		t.Errorf("embed snippet %q does not name the deployment", snippet)
	}
	addrs, err := s.tw.ConversationsV1.ListConfigurationAddress((&conv.ListConfigurationAddressParams{}).SetType("web"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range addrs {
		found = found || (*a.Sid == d.AddressSID && *a.Address == d.Key)
	}
	if !found {
		t.Fatalf("the deployment's web address is not listed by twilio-go")
	}

	bad := []struct {
		name string
		form url.Values
		says string
	}{
		{"a colour that is CSS, not #rrggbb", url.Values{"Theme.Color": {"red;background:url(x)"}}, "#rrggbb"},
		{"an origin with a path", url.Values{"AllowedOrigins": {"https://shop.example.com/page"}}, "not an origin"},
		{"eleven origins", url.Values{"AllowedOrigins": strings.Split("https://a.x,https://b.x,https://c.x,https://d.x,https://e.x,https://f.x,https://g.x,https://h.x,https://i.x,https://j.x,https://k.x", ",")}, "limit is 10"},
		{"a form field of an unknown type", url.Values{"PreEngagementForm": {`[{"name":"x","label":"X","type":"file"}]`}}, "not one of"},
		{"a limit over 150 MiB", url.Values{"Attachments.MaxBytes": {"999999999999"}}, "150 MiB"},
		{"an unknown locale", url.Values{"Locale": {"xx"}}, "Locale"},
	}
	for _, tc := range bad {
		r := s.postForm(t, "/parley/v1/Deployments/"+d.Key, tc.form)
		wantTwilioErrorShape(t, r, http.StatusBadRequest, 0)
		if msg, _ := r.json["message"].(string); !strings.Contains(msg, tc.says) {
			t.Errorf("%s: message %q does not say %q", tc.name, msg, tc.says)
		}
	}

	// Deleting the deployment deletes its address; the widget page says the key is unknown.
	if r := s.do(t, rawRequest{method: "DELETE", path: "/parley/v1/Deployments/" + d.Key}); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.text)
	}
	if _, err := s.tw.ConversationsV1.FetchConfigurationAddress(d.AddressSID); err == nil {
		t.Error("the deleted deployment's address is still there")
	}
	if r := s.do(t, rawRequest{method: "GET", path: "/widget/?key=" + d.Key, noAuth: true}); r.status != http.StatusNotFound {
		t.Errorf("widget page of a deleted deployment: %d, want 404", r.status)
	}
}

func TestAddressConfigurationsWithTwilioGo(t *testing.T) {
	s := startServer(t)
	a, err := s.tw.ConversationsV1.CreateConfigurationAddress((&conv.CreateConfigurationAddressParams{}).
		SetType("sms").SetAddress("+15550001111").SetFriendlyName("Support line").
		SetAutoCreationEnabled(true).SetAutoCreationType("webhook").SetAutoCreationWebhookUrl("https://hooks.example.com/in").
		SetAutoCreationWebhookMethod("POST").SetAutoCreationWebhookFilters([]string{"onMessageAdded"}))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if a.AutoCreation == nil {
		t.Fatal("no auto_creation in the answer")
	}
	if _, err := s.tw.ConversationsV1.CreateConfigurationAddress((&conv.CreateConfigurationAddressParams{}).
		SetType("sms").SetAddress("+15550001111")); err == nil {
		t.Error("a second configuration for the same address was accepted")
	}
	up, err := s.tw.ConversationsV1.UpdateConfigurationAddress(*a.Sid, (&conv.UpdateConfigurationAddressParams{}).SetFriendlyName("Sales line"))
	if err != nil || *up.FriendlyName != "Sales line" {
		t.Fatalf("update: %v", err)
	}
	if err := s.tw.ConversationsV1.DeleteConfigurationAddress(*a.Sid); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := s.tw.ConversationsV1.FetchConfigurationAddress(*a.Sid); err == nil {
		t.Error("the deleted address is still there")
	}
}
