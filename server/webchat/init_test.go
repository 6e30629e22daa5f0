package webchat_test

import (
	"slices"
	"strings"
	"testing"

	"parley/server/apperr"
	"parley/server/identity"
	"parley/server/webchat"
	"parley/shared/i18n"
)

// A visitor who fills in the form finds the welcome, then their question,
// in a conversation carrying their answers, and routing hears of it.
func TestInitOpensAChatWithTheVisitorsAnswers(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{FriendlyName: ptr("Acme"), WelcomeMessage: ptr("Hello from Acme!"),
		Locale: ptr("en")})
	c, err := r.svc.Init(r.ctx, webchat.InitParams{DeploymentKey: d.Key, Origin: self,
		PreEngagementData: answers("friendlyName", " Ada ", "email", "ada@example.com", "question", "Where is my order?")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.thread(c.ConversationSID), []string{webchat.WelcomeAuthor + ": Hello from Acme!", c.Identity + ": Where is my order?"}; !slices.Equal(got, want) {
		t.Errorf("thread %q, want %q", got, want)
	}
	a := r.attrs(c.ConversationSID)
	pre, _ := a["pre_engagement_data"].(map[string]any)
	if a["customer_name"] != "Ada" || a["channel_type"] != "web" || a["deployment_key"] != d.Key ||
		a["address_sid"] != d.AddressSID || a["locale"] != "en" || pre["email"] != "ada@example.com" {
		t.Errorf("attributes %v: want the visitor's answers, name, channel, deployment and locale", a)
	}
	if got := r.routed(); !slices.Equal(got, []string{c.ConversationSID}) {
		t.Errorf("routed %v, want the new chat", got)
	}
	// The widget's token speaks for the guest, through this deployment.
	sess, err := r.auth.Verify(r.ctx, c.Token)
	if err != nil || sess.Identity != c.Identity || sess.Deployment != d.Key {
		t.Errorf("token verifies as %+v, %v; want %s through %s", sess, err, c.Identity, d.Key)
	}
	if c.ResumeToken == "" || c.Resumed || c.Away != nil {
		t.Errorf("chat %+v: want a resume token, not resumed, not away", c)
	}
}

// A default welcome is posted in the visitor's language when the
// deployment follows the browser; the chat keeps that language.
func TestInitWelcomesInTheVisitorsLanguage(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{}) // locale auto, default welcome
	c, err := r.svc.Init(r.ctx, webchat.InitParams{DeploymentKey: d.Key, Locale: "fr",
		PreEngagementData: answers("friendlyName", "Zoé", "question", "Bonjour")})
	if err != nil {
		t.Fatal(err)
	}
	th := r.thread(c.ConversationSID)
	if len(th) != 2 || th[0] != webchat.WelcomeAuthor+": "+i18n.For("fr", "").Welcome || r.attrs(c.ConversationSID)["locale"] != "fr" {
		t.Errorf("thread %q, locale %v: want the welcome in French", th, r.attrs(c.ConversationSID)["locale"])
	}
}

// Every guest is a new, distinct guest identity: one visitor never lands
// in another's chat, and a guest is never an agent or a customer.
func TestEachVisitorIsANewGuest(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{})
	a, b := r.init(d, "Ada", "one"), r.init(d, "Ada", "two")
	if a.Identity == b.Identity || a.ConversationSID == b.ConversationSID {
		t.Fatalf("two visitors share %s / %s", a.Identity, a.ConversationSID)
	}
	for _, c := range []webchat.Chat{a, b} {
		if identity.KindOf(c.Identity) != identity.Guest {
			t.Errorf("%s is a %v, want a guest", c.Identity, identity.KindOf(c.Identity))
		}
	}
	// Neither may end the other's chat.
	if _, err := r.svc.End(r.ctx, d.Key, self, a.Token, b.ConversationSID); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a guest ended another's chat: %v", err)
	}
}

// The form is checked on the server as the widget checks it: a hand-made
// request cannot skip a required field or slip a bad answer in, and
// nothing is started when it is refused.
func TestInitRefusesWhatTheFormDoesNot(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{Form: ptr(`[
		{"name":"friendlyName","label":"Name","type":"text","required":true},
		{"name":"email","label":"Email","type":"email"},
		{"name":"topic","label":"Topic","type":"select","options":["billing","orders"]},
		{"name":"question","label":"Question","type":"textarea","required":true}]`)})
	cases := []struct {
		name string
		p    webchat.InitParams
		kind apperr.Kind
		why  []string
	}{
		{"no deployment key", webchat.InitParams{}, apperr.Invalid, []string{"DeploymentKey is required"}},
		{"unknown deployment", webchat.InitParams{DeploymentKey: "CV0000"}, apperr.NotFound, []string{"CV0000", "does not exist"}},
		{"name missing", webchat.InitParams{PreEngagementData: answers("question", "hi")}, apperr.Invalid, []string{"friendlyName is required"}},
		{"question blank", webchat.InitParams{PreEngagementData: answers("friendlyName", "Ada", "question", "   ")}, apperr.Invalid, []string{"question is required"}},
		{"email not an address", webchat.InitParams{PreEngagementData: answers("friendlyName", "Ada", "question", "hi", "email", "ada at home")},
			apperr.Invalid, []string{"email", "not an email address"}},
		{"option not offered", webchat.InitParams{PreEngagementData: answers("friendlyName", "Ada", "question", "hi", "topic", "refunds")},
			apperr.Invalid, []string{"topic", "not one of the options"}},
		{"not an object", webchat.InitParams{PreEngagementData: `["Ada"]`}, apperr.Invalid, []string{"JSON object"}},
		{"an answer is a list", webchat.InitParams{PreEngagementData: `{"friendlyName":"Ada","question":"hi","tags":["a"]}`},
			apperr.Invalid, []string{"PreEngagementData.tags"}},
		{"too much data", webchat.InitParams{PreEngagementData: answers("friendlyName", "Ada", "question", strings.Repeat("x", webchat.MaxPreEngagementBytes))},
			apperr.TooLarge, []string{"PreEngagementData"}},
		{"one answer too long", webchat.InitParams{PreEngagementData: answers("friendlyName", "Ada", "question", strings.Repeat("x", webchat.MaxFieldBytes+1))},
			apperr.Invalid, []string{"question", "limit"}},
		{"name hides characters", webchat.InitParams{PreEngagementData: answers("friendlyName", "Ada\u202eevil", "question", "hi")},
			apperr.Invalid, []string{"friendlyName"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.p.DeploymentKey == "" && tc.name != "no deployment key" {
				tc.p.DeploymentKey = d.Key
			}
			_, err := r.svc.Init(r.ctx, tc.p)
			wantRefused(t, err, tc.kind, tc.why...)
		})
	}
	if got := r.routed(); len(got) != 0 {
		t.Errorf("refused visitors were routed: %v", got)
	}
}
