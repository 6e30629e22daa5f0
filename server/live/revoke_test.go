package live_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	twjwt "github.com/twilio/twilio-go/client/jwt"

	"parley/server/agents"
	"parley/server/apperr"
	"parley/server/auth"
	"parley/server/identity"
	"parley/server/webchat"
	proto "parley/shared/realtime"
)

// Access that ends closes the sockets it opened, with 4003, and only
// those: an agent's stale sign-in (not a newer one, not another agent's),
// an API key's tokens, a deleted deployment's guests.
func TestRevocationClosesOnlyItsSockets(t *testing.T) {
	r := newRig(t)
	agent, oldTok := r.agent(agentA, agents.RoleAgent)
	newTok := r.deskToken(agent, auth.DeskGrant{AgentSID: agentA, WorkspaceSID: "WS00000000000000000000000000000001",
		WorkerSID: "WK" + agentA[2:], Role: agents.RoleAgent, Generation: 2})
	other, otherTok := r.agent(agentB, agents.RoleAgent)
	old := r.connect(agent, oldTok)
	fresh := r.connect(agent, newTok)
	b := r.connect(other, otherTok)

	// The agent signed out of generation 1: its grant check fails for it.
	n := r.live.RevokeDesk(agentA, func(g auth.DeskGrant) error {
		if g.Generation < 2 {
			return errors.New("signed out")
		}
		return nil
	})
	if n != 1 || old.closedWith() != proto.CloseRevoked {
		t.Errorf("revoked %d sessions, the stale one closed with %d; want 1, %d", n, old.status, proto.CloseRevoked)
	}

	// A key of the account's signs alice's token; Parley's own key bob's.
	keySID, jwt := r.keyedToken("alice")
	alice := r.connect("alice", jwt)
	bob := r.connect("bob", r.accountToken("bob"))
	if n := r.live.RevokeKey(keySID); n != 1 || alice.closedWith() != proto.CloseRevoked {
		t.Errorf("key revocation closed %d sessions, alice's with %d; want 1, %d", n, alice.status, proto.CloseRevoked)
	}

	// Deleting deployment dep1 ends its guests' sessions, not dep2's.
	g1, g2 := identity.NewGuest(), identity.NewGuest()
	w1 := r.connect(g1, r.guestToken(g1, "dep1"))
	w2 := r.connect(g2, r.guestToken(g2, "dep2"))
	if n := r.live.RevokeDeployment("dep1"); n != 1 || w1.closedWith() != proto.CloseRevoked {
		t.Errorf("deployment revocation closed %d sessions, dep1's guest's with %d; want 1, %d", n, w1.status, proto.CloseRevoked)
	}

	// Everyone else is still connected and hears what follows.
	mark := r.barrier()
	for _, w := range []*wire{fresh, b, bob, w2} {
		w.before(mark)
	}
}

// A web visitor's sessions exist for one open chat: when it closes they
// end (4010) after the event that says so, while the agent's stay; a
// visitor removed from an open chat is ended too, but a closed chat
// deleted later ends nobody's session.
func TestChatEndEndsVisitorSessions(t *testing.T) {
	r := newRig(t)
	guest, customer := identity.NewGuest(), identity.OfCustomer("dep1", "sub1")
	agent, atok := r.agent(agentA, agents.RoleAgent)
	chat := r.conversation(guest, customer, agent)
	g := r.connect(guest, r.guestToken(guest, "dep1"))
	c := r.connect(customer, r.guestToken(customer, "dep1"))
	a := r.connect(agent, atok)

	r.setState(chat, "closed")
	for _, w := range []*wire{g, c} {
		if f := w.event(proto.ConversationUpdated, chat); field(t, f, "state") != "closed" {
			t.Errorf("%s: the last event says %s, want the chat closed", w.identity, f.Data)
		}
		if code := w.closedWith(); code != proto.CloseEnded {
			t.Errorf("%s: closed with %d, want %d", w.identity, code, proto.CloseEnded)
		}
	}
	a.event(proto.ConversationUpdated, chat)
	mark := r.barrier()
	a.before(mark) // the agent's session goes on

	// Removed from an open chat: the visitor's session ends.
	guest2 := identity.NewGuest()
	open := r.conversation(guest2)
	g2 := r.connect(guest2, r.guestToken(guest2, "dep1"))
	if err := r.conv.RemoveParticipant(r.ctx, open, guest2); err != nil {
		t.Fatal(err)
	}
	g2.event(proto.ConversationRemoved, open)
	if code := g2.closedWith(); code != proto.CloseEnded {
		t.Errorf("a visitor removed from its open chat: closed with %d, want %d", code, proto.CloseEnded)
	}

	// An old, closed chat deleted later: the visitor (now in a new chat)
	// stays connected.
	guest3 := identity.NewGuest()
	oldChat := r.conversation(guest3)
	r.setState(oldChat, "closed")
	r.conversation(guest3) // the new chat
	r.settle()             // the old chat's end is done with before the guest connects
	g3 := r.connect(guest3, r.guestToken(guest3, "dep1"))
	if err := r.conv.DeleteConversation(r.ctx, oldChat); err != nil {
		t.Fatal(err)
	}
	g3.event(proto.ConversationRemoved, oldChat)
	mark = r.barrier()
	g3.before(mark)
	select {
	case <-g3.closed:
		t.Errorf("deleting an old closed chat ended the visitor's session (%d)", g3.status)
	default:
	}
}

// keyedToken makes an API key of the account's and signs with it a chat
// token for identity, as a backend with twilio-go does; it returns the
// key's SID and the token.
func (r *rig) keyedToken(identity string) (keySID, token string) {
	r.t.Helper()
	key, err := r.auth.CreateKey(r.ctx, "integration")
	if err != nil {
		r.t.Fatal(err)
	}
	tok := twjwt.CreateAccessToken(twjwt.AccessTokenParams{AccountSid: accountSID, SigningKeySid: key.SID, Secret: key.Secret, Identity: identity})
	tok.AddGrant(&twjwt.ChatGrant{ServiceSid: serviceSID})
	jwt, err := tok.ToJwt()
	if err != nil {
		r.t.Fatal(err)
	}
	return key.SID, jwt
}

// keptDeployments answers RecheckAccess's question about deployments
// from a list, and fails for one named "unreachable" as a database gone
// would.
func keptDeployments(kept ...string) func(context.Context, string) (webchat.Deployment, error) {
	return func(_ context.Context, key string) (webchat.Deployment, error) {
		switch {
		case key == "unreachable":
			return webchat.Deployment{}, errors.New("the database is unreachable")
		case slices.Contains(kept, key):
			return webchat.Deployment{Key: key}, nil
		}
		return webchat.Deployment{}, apperr.NotFoundf("no deployment %s", key)
	}
}

// A revocation a node never heard of (told while its link to the others
// was down) is found by asking again: the sessions of a deleted key and
// of a deleted deployment close, with the reason they would have had;
// Parley's own key, a kept deployment, and one that cannot be asked about
// now keep theirs.
func TestRecheckingAccessClosesWhatARevocationMissed(t *testing.T) {
	r := newRig(t)
	keySID, jwt := r.keyedToken("alice")
	alice := r.connect("alice", jwt)
	bob := r.connect("bob", r.accountToken("bob"))
	g1, g2, g3 := identity.NewGuest(), identity.NewGuest(), identity.NewGuest()
	gone := r.connect(g1, r.guestToken(g1, "dep1"))
	kept := r.connect(g2, r.guestToken(g2, "dep2"))
	unknown := r.connect(g3, r.guestToken(g3, "unreachable"))

	// The key is deleted with nobody told: as on a node that missed it.
	r.auth.KeyRevoked = nil
	if err := r.auth.DeleteKey(r.ctx, keySID); err != nil {
		t.Fatal(err)
	}
	n, err := r.live.RecheckAccess(r.ctx, r.auth.Signs, keptDeployments("dep2"))
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("asking about a deployment that could not be read returned %v, want its error", err)
	}
	if n != 2 || alice.closedWith() != proto.CloseRevoked || gone.closedWith() != proto.CloseRevoked {
		t.Errorf("closed %d sessions, the deleted key's with %d and the deleted deployment's with %d; want 2, %d",
			n, alice.status, gone.status, proto.CloseRevoked)
	}
	mark := r.barrier()
	for _, w := range []*wire{bob, kept, unknown} {
		w.before(mark)
	}
}
