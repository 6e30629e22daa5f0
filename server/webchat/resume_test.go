package webchat_test

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/identity"
	"parley/server/webchat"
)

// A visitor's token lives an hour; the widget refreshes it while the chat
// is open. A visitor who comes back later, within a month, resumes the
// same chat with its resume token, until the chat ends.
func TestAGuestComesBackToItsChatUntilItEnds(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{})
	c := r.init(d, "Ada", "Where is my order?")

	// While the token lives, a refresh gives a new one for the same guest.
	r.now = r.now.Add(30 * time.Minute)
	fresh, err := r.svc.Refresh(r.ctx, d.Key, self, c.Token)
	if err != nil || fresh.Identity != c.Identity || !fresh.Expiration.After(c.Expiration) {
		t.Fatalf("refresh: %+v, %v; want a later token for %s", fresh, err, c.Identity)
	}

	// A week away: the token has expired and is refused ...
	r.now = r.now.Add(7 * 24 * time.Hour)
	_, err = r.svc.Refresh(r.ctx, d.Key, self, fresh.Token)
	wantRefused(t, err, apperr.Unauthorized, "expired")
	// ... but the resume token brings the guest back into the same chat.
	back, err := r.svc.Resume(r.ctx, d.Key, self, c.ResumeToken)
	if err != nil {
		t.Fatal(err)
	}
	if back.Identity != c.Identity || back.ConversationSID != c.ConversationSID || !back.Resumed || back.ResumeToken == "" {
		t.Fatalf("resumed %+v; want %s back in %s with a new resume token", back, c.Identity, c.ConversationSID)
	}
	if _, err := r.auth.Verify(r.ctx, back.Token); err != nil {
		t.Fatalf("the resumed token is refused: %v", err)
	}

	// The visitor ends the chat: the grant is over, both ways in are shut.
	ended, err := r.svc.End(r.ctx, d.Key, self, back.Token, c.ConversationSID)
	if err != nil || ended.State != conversations.Closed {
		t.Fatalf("end: %v, %v", ended.State, err)
	}
	if _, err := r.svc.End(r.ctx, d.Key, self, back.Token, c.ConversationSID); err != nil {
		t.Errorf("ending twice: %v, want no error", err)
	}
	_, err = r.svc.Refresh(r.ctx, d.Key, self, back.Token)
	wantRefused(t, err, apperr.Unauthorized, "has ended")
	_, err = r.svc.Resume(r.ctx, d.Key, self, back.ResumeToken)
	wantRefused(t, err, apperr.Unauthorized, "Resume refused", "the chat has ended")
}

// Every other way a resume token can be wrong is refused, saying why.
func TestResumeRefusesWhatIsNotThisGuestsOpenChat(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{})
	other := r.deployment(webchat.DeploymentParams{})
	cases := []struct {
		name string
		// token prepares the case and returns the resume token to try.
		token func(t *testing.T) string
		key   string
		kind  apperr.Kind
		why   []string
	}{
		{"none", func(*testing.T) string { return "" }, d.Key, apperr.Invalid, []string{"ResumeToken is required"}},
		{"forged", func(*testing.T) string { return "eyJhbGciOiJIUzI1NiJ9.e30.bad" }, d.Key, apperr.Unauthorized, nil},
		{"another deployment's", func(*testing.T) string { return r.init(other, "Ada", "hi").ResumeToken }, d.Key,
			apperr.Unauthorized, []string{"not issued by webchat deployment " + d.Key}},
		{"older than a month", func(t *testing.T) string {
			c := r.init(d, "Ada", "hi")
			r.now = r.now.Add(webchat.ResumeTTL + time.Hour)
			t.Cleanup(func() { r.now = r.now.Add(-webchat.ResumeTTL - time.Hour) })
			return c.ResumeToken
		}, d.Key, apperr.Unauthorized, nil},
		{"the guest was removed from the chat", func(t *testing.T) string {
			c := r.init(d, "Ada", "hi")
			if err := r.conv.RemoveParticipant(r.ctx, c.ConversationSID, c.Identity); err != nil {
				t.Fatal(err)
			}
			return c.ResumeToken
		}, d.Key, apperr.Unauthorized, []string{"no longer in the chat"}},
		{"the chat was deleted", func(t *testing.T) string {
			c := r.init(d, "Ada", "hi")
			if err := r.conv.DeleteConversation(r.ctx, c.ConversationSID); err != nil {
				t.Fatal(err)
			}
			return c.ResumeToken
		}, d.Key, apperr.Unauthorized, []string{"the chat was deleted"}},
		{"a verified customer's", func(t *testing.T) string {
			tok, _, err := r.svc.ResumeToken(identity.OfCustomer(d.Key, "u1"), d.Key, r.init(d, "Ada", "hi").ConversationSID)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, d.Key, apperr.Unauthorized, []string{"only a guest's chat"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.svc.Resume(r.ctx, tc.key, self, tc.token(t))
			wantRefused(t, err, tc.kind, tc.why...)
		})
	}
}

// A guest's token is good only through the deployment that issued it,
// and only while that deployment exists.
func TestAGuestsTokenIsBoundToItsDeployment(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{})
	other := r.deployment(webchat.DeploymentParams{})
	c := r.init(d, "Ada", "hi")
	_, err := r.svc.Refresh(r.ctx, other.Key, self, c.Token)
	wantRefused(t, err, apperr.Unauthorized, "not issued by webchat deployment "+other.Key)
	_, err = r.svc.GuestIn(r.ctx, other.Key, self, c.Token, c.ConversationSID)
	wantRefused(t, err, apperr.Unauthorized)
	if who, err := r.svc.GuestIn(r.ctx, d.Key, self, c.Token, c.ConversationSID); err != nil || who != c.Identity {
		t.Fatalf("GuestIn: %q, %v; want %s", who, err, c.Identity)
	}

	if err := r.svc.DeleteDeployment(r.ctx, d.Key); err != nil {
		t.Fatal(err)
	}
	_, err = r.auth.Verify(r.ctx, c.Token)
	wantRefused(t, err, apperr.Unauthorized, "deployment "+d.Key+" was deleted")
	_, err = r.svc.Resume(r.ctx, d.Key, self, c.ResumeToken)
	wantRefused(t, err, apperr.NotFound, "does not exist")
}

// sign is a website's identity token for its customer sub.
func sign(t *testing.T, secret string, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A customer the website signed in skips the form, chats as the site's
// customer in this deployment's namespace, and gets its open chat back on
// the next page; once it ends, the next visit starts a new one.
func TestAVerifiedCustomerFindsItsOpenChat(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{})
	token := func() string {
		return sign(t, d.IdentitySecret, jwt.MapClaims{"sub": "u-42", "name": "Ada Lovelace", "email": "ada@example.com",
			"exp": r.now.Add(time.Hour).Unix()})
	}
	first, err := r.svc.Init(r.ctx, webchat.InitParams{DeploymentKey: d.Key, IdentityToken: token(),
		PreEngagementData: answers("question", "Where is my order?")})
	if err != nil {
		t.Fatal(err)
	}
	if first.Identity != identity.OfCustomer(d.Key, "u-42") || first.ResumeToken != "" || first.Resumed {
		t.Fatalf("chat %+v: want the site's customer u-42, no resume token", first)
	}
	a := r.attrs(first.ConversationSID)
	if pre, _ := a["pre_engagement_data"].(map[string]any); a["customer_name"] != "Ada Lovelace" || pre["email"] != "ada@example.com" {
		t.Errorf("attributes %v: want the signed name and email", a)
	}

	again, err := r.svc.Init(r.ctx, webchat.InitParams{DeploymentKey: d.Key, IdentityToken: token()})
	if err != nil || again.ConversationSID != first.ConversationSID || !again.Resumed {
		t.Fatalf("next page: %+v, %v; want %s resumed", again, err, first.ConversationSID)
	}
	if _, err := r.svc.End(r.ctx, d.Key, "", again.Token, first.ConversationSID); err != nil {
		t.Fatal(err)
	}
	// A verified customer's token outlives its chat: it lists earlier ones.
	if _, err := r.svc.Refresh(r.ctx, d.Key, "", again.Token); err != nil {
		t.Errorf("refresh after the chat ended: %v", err)
	}
	next, err := r.svc.Init(r.ctx, webchat.InitParams{DeploymentKey: d.Key, IdentityToken: token()})
	if err != nil || next.ConversationSID == first.ConversationSID || next.Resumed {
		t.Fatalf("after the end: %+v, %v; want a new chat", next, err)
	}
}

// An identity the site did not sign properly is refused, saying why.
func TestABadIdentityTokenIsRefused(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{})
	exp := r.now.Add(time.Hour).Unix()
	cases := []struct {
		name  string
		token string
		why   string
	}{
		{"another secret", sign(t, "not the secret", jwt.MapClaims{"sub": "u", "exp": exp}), "signature does not match"},
		{"expired", sign(t, d.IdentitySecret, jwt.MapClaims{"sub": "u", "exp": r.now.Add(-time.Hour).Unix()}), "expired"},
		{"no expiry", sign(t, d.IdentitySecret, jwt.MapClaims{"sub": "u"}), "HS256"},
		{"two days long", sign(t, d.IdentitySecret, jwt.MapClaims{"sub": "u", "exp": r.now.Add(48 * time.Hour).Unix()}), "more than 24 hours"},
		{"no sub", sign(t, d.IdentitySecret, jwt.MapClaims{"exp": exp}), "sub must name the customer"},
		{"not a JWT", "hello", "JWT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.svc.Init(r.ctx, webchat.InitParams{DeploymentKey: d.Key, IdentityToken: tc.token})
			wantRefused(t, err, apperr.Unauthorized, "Identity refused", tc.why)
		})
	}
	// A rotated secret refuses what the old one signed.
	old := sign(t, d.IdentitySecret, jwt.MapClaims{"sub": "u", "exp": exp})
	if _, err := r.svc.RotateSecret(r.ctx, d.Key); err != nil {
		t.Fatal(err)
	}
	_, err := r.svc.Init(r.ctx, webchat.InitParams{DeploymentKey: d.Key, IdentityToken: old})
	wantRefused(t, err, apperr.Unauthorized, "signature does not match")
}
