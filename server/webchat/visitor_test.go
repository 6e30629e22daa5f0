package webchat_test

import (
	"context"
	"fmt"
	"testing"

	"parley/server/apperr"
	"parley/server/channels"
	"parley/server/conversations"
	"parley/server/identity"
	"parley/server/webchat"
)

// A visitor rates the chat they just ended, once, where the deployment
// asks for ratings.
func TestAVisitorRatesTheirEndedChatOnce(t *testing.T) {
	r := newRig(t)
	quiet := r.deployment(webchat.DeploymentParams{})
	d := r.deployment(webchat.DeploymentParams{CSAT: webchat.CSATParams{Enabled: ptr(true), Comment: ptr(false),
		Questions: map[string]string{"en": "How did we do?"}}})
	if d.CSAT.Questions["en"] != "How did we do?" {
		t.Errorf("survey %+v: want the question kept", d.CSAT)
	}
	q := r.init(quiet, "Ada", "hi")
	_, err := r.svc.Rate(r.ctx, webchat.RateParams{DeploymentKey: quiet.Key, Token: q.Token, ConversationSID: q.ConversationSID, Score: 5})
	wantRefused(t, err, apperr.Forbidden, "does not ask for ratings")

	c := r.init(d, "Ada", "hi")
	rate := func(score int, comment string) error {
		_, err := r.svc.Rate(r.ctx, webchat.RateParams{DeploymentKey: d.Key, Origin: self, Token: c.Token,
			ConversationSID: c.ConversationSID, Score: score, Comment: comment})
		return err
	}
	wantRefused(t, rate(5, ""), apperr.Conflict, "has not ended")
	if _, err := r.svc.End(r.ctx, d.Key, self, c.Token, c.ConversationSID); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, rate(9, ""), apperr.Invalid)
	wantRefused(t, rate(4, "slow"), apperr.Invalid, "does not take comments")
	if err := rate(4, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := conversations.RatingOf(mustConversation(r, c.ConversationSID)); got.Score != 4 || got.Channel != "web" {
		t.Errorf("rating %+v, want 4 from the web", got)
	}
	wantRefused(t, rate(5, ""), apperr.Conflict, "rated already")
}

func mustConversation(r *rig, sid string) conversations.Conversation {
	r.t.Helper()
	c, err := r.conv.Conversation(r.ctx, sid)
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

// An account's backend starts web chats (Flex's POST /v2/WebChats) on a
// deployment's address, as a guest routed as the deployment's chats are,
// or on a web address with auto-creation, as a customer of its own.
func TestABackendStartsWebChatsOnWebAddresses(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{})
	c, who, err := r.svc.CreateWebChannel(r.ctx, webchat.WebChannelParams{AddressSID: d.AddressSID, CustomerFriendlyName: "Ada",
		PreEngagementData: answers("question", "Where is my order?")})
	if err != nil {
		t.Fatal(err)
	}
	if identity.KindOf(who) != identity.Guest || r.attrs(c.SID)["deployment_key"] != d.Key || len(r.routed()) != 1 {
		t.Errorf("on the deployment's address: %s, %v, routed %v", who, r.attrs(c.SID), r.routed())
	}

	// A bare web address starts chats only with auto-creation on; the
	// customer gets an identity of the account's, and AddressStarted
	// routes it.
	var viaAddress []string
	r.svc.AddressStarted = func(_ context.Context, a channels.Address, c conversations.Conversation) error {
		viaAddress = append(viaAddress, a.SID+" "+c.SID)
		return nil
	}
	n := 0
	address := func(typ string, auto bool) string {
		n++
		a, err := r.addresses.CreateAddress(r.ctx, channels.AddressParams{Type: ptr(typ), Address: ptr(fmt.Sprintf("+1555000%04d", n)),
			AutoCreation: channels.AutoCreationParams{Enabled: ptr(auto), Type: ptr("default")}})
		if err != nil {
			t.Fatal(err)
		}
		return a.SID
	}
	web := address("web", true)
	c, who, err = r.svc.CreateWebChannel(r.ctx, webchat.WebChannelParams{AddressSID: web, CustomerFriendlyName: "Bob"})
	if err != nil || identity.KindOf(who) == identity.Guest || len(viaAddress) != 1 || viaAddress[0] != web+" "+c.SID {
		t.Errorf("on a bare web address: %s, %v, via %v", who, err, viaAddress)
	}
	c, who, err = r.svc.CreateWebChannel(r.ctx, webchat.WebChannelParams{AddressSID: web, Identity: "member-7"})
	if err != nil || who != "member-7" {
		t.Errorf("the account's own identity: %s, %v", who, err)
	}

	cases := []struct {
		name string
		p    webchat.WebChannelParams
		kind apperr.Kind
		why  string
	}{
		{"no address", webchat.WebChannelParams{}, apperr.Invalid, "AddressSid is required"},
		{"unknown address", webchat.WebChannelParams{AddressSID: "IG00000000000000000000000000000000"}, apperr.NotFound, "does not exist"},
		{"an agent's identity", webchat.WebChannelParams{AddressSID: d.AddressSID, Identity: identity.OfAgent("WK00000000000000000000000000000000")},
			apperr.Invalid, "Identity"},
		{"answers not JSON", webchat.WebChannelParams{AddressSID: d.AddressSID, PreEngagementData: "{"}, apperr.Invalid, "PreEngagementData"},
		{"auto-creation off", webchat.WebChannelParams{AddressSID: address("web", false)}, apperr.Invalid, "auto-creation off"},
		{"not a web address", webchat.WebChannelParams{AddressSID: address("sms", true)}, apperr.Invalid, "is a sms address"},
		{"a name hiding characters", webchat.WebChannelParams{AddressSID: d.AddressSID, ChatFriendlyName: "Chat\u202e"}, apperr.Invalid, "ChatFriendlyName"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := r.svc.CreateWebChannel(r.ctx, tc.p)
			wantRefused(t, err, tc.kind, tc.why)
		})
	}
}

// What Parley emails a visitor reads the chat's attributes: the address
// they gave, in the field the deployment names, and whether they left
// while away (then the offline form's email is theirs).
func TestVisitorOfReadsWhereToEmail(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{Form: ptr(`[{"name":"friendlyName","label":"Name","type":"text","required":true},
		{"name":"work","label":"Work email","type":"email"},{"name":"question","label":"Q","type":"textarea","required":true}]`),
		BusinessHours: ptr(officeHours)})
	byKey := func(key string) (webchat.Deployment, error) { return r.svc.Deployment(r.ctx, key) }

	c, err := r.svc.Init(r.ctx, webchat.InitParams{DeploymentKey: d.Key, Locale: "fr",
		PreEngagementData: answers("friendlyName", "Ada", "work", "ada@work.example", "question", "hi")})
	if err != nil {
		t.Fatal(err)
	}
	v, ok, err := webchat.VisitorOf(mustConversation(r, c.ConversationSID), byKey)
	if !ok || err != nil || v.Email != "ada@work.example" || v.DeploymentKey != d.Key || !v.LeftWhileAway.IsZero() {
		t.Errorf("in hours: %+v, %v, %v; want the work email", v, ok, err)
	}

	r.now = saturdayNoon
	away := r.leave(d, "Bob", "bob@example.com", "hello?")
	v, ok, err = webchat.VisitorOf(mustConversation(r, away.ConversationSID), byKey)
	if !ok || err != nil || v.Email != "bob@example.com" || !v.LeftWhileAway.Equal(saturdayNoon) {
		t.Errorf("left while away: %+v, %v, %v; want the offline form's email", v, ok, err)
	}

	other, err := r.conv.CreateConversation(r.ctx, conversations.ConversationParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := webchat.VisitorOf(other, byKey); ok {
		t.Errorf("a conversation no deployment started has a visitor")
	}
}
