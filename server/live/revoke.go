package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"parley/server/apperr"
	"parley/server/auth"
	"parley/server/conversations"
	"parley/server/identity"
	"parley/server/realtime"
	"parley/server/webchat"
	proto "parley/shared/realtime"
)

// Access that ends reaches open sessions here: REST refuses a revoked
// token on its next request, but a socket authenticated once, so the
// sessions that held the access are closed, saying why.

func revoked(reason string) realtime.Revocation {
	return realtime.Revocation{Code: proto.CloseRevoked, Status: http.StatusUnauthorized, TwilioCode: apperr.CodeUnauthorized, Reason: reason}
}

// claimsOf is what a session's token said, as Authenticate kept it.
func claimsOf(claims any) (auth.Session, bool) {
	s, ok := claims.(auth.Session)
	return s, ok
}

// RevokeDesk closes the desk sessions of an agent whose grant is no
// longer good (check says why not): after a sign-out, a new password or
// role, or the agent's deletion. Sessions of a newer sign-in stay.
func (l *Live) RevokeDesk(agentSID string, check func(auth.DeskGrant) error) int {
	return l.hub.Revoke(func(_ string, claims any) bool {
		s, ok := claimsOf(claims)
		return ok && s.Desk != nil && s.Desk.AgentSID == agentSID && check(*s.Desk) != nil
	}, revoked("access revoked: the agent signed out, its password or role changed, or it was removed; sign in again"))
}

// RevokeKey closes the sessions whose token an API key signed, once the
// key is revoked.
func (l *Live) RevokeKey(keySID string) int {
	return l.hub.Revoke(func(_ string, claims any) bool {
		s, ok := claimsOf(claims)
		return ok && s.KeySID == keySID
	}, revoked("access revoked: API key "+keySID+" was deleted; mint a token with another key"))
}

// RevokeDeployment closes the sessions of the guests and customers of a
// deleted webchat deployment.
func (l *Live) RevokeDeployment(key string) int {
	return l.hub.Revoke(func(_ string, claims any) bool {
		s, ok := claimsOf(claims)
		return ok && s.Deployment == key
	}, revoked("access revoked: webchat deployment "+key+" was deleted"))
}

// RecheckAccess closes, as RevokeKey and RevokeDeployment do, the sessions
// whose API key or webchat deployment is gone, asking once of each that
// open sessions name: signs whether a key still signs tokens
// (auth.Service.Signs), deployment for a deployment, NotFound once deleted
// (webchat.Service.Deployment). It is for a revocation this node never
// heard of (in a cluster, one told while its link to NATS was down). A key
// or deployment asked about in vain stays open, and the error says which.
func (l *Live) RecheckAccess(ctx context.Context, signs func(ctx context.Context, keySID string) (bool, error),
	deployment func(ctx context.Context, key string) (webchat.Deployment, error)) (closed int, err error) {
	keys, deployments := map[string]bool{}, map[string]bool{}
	l.hub.Sessions(func(_ string, claims any) {
		if s, ok := claimsOf(claims); ok {
			keys[s.KeySID] = true
			deployments[s.Deployment] = true
		}
	})
	delete(keys, "")
	delete(deployments, "")
	for k := range keys {
		ok, kerr := signs(ctx, k)
		if kerr != nil {
			err = errors.Join(err, fmt.Errorf("API key %s: %w", k, kerr))
		} else if !ok {
			closed += l.RevokeKey(k)
		}
	}
	for d := range deployments {
		_, derr := deployment(ctx, d)
		if apperr.Is(derr, apperr.NotFound) {
			closed += l.RevokeDeployment(d)
		} else if derr != nil {
			err = errors.Join(err, fmt.Errorf("webchat deployment %s: %w", d, derr))
		}
	}
	return closed, err
}

// chatEnded is why a guest's sessions close when its chat ends: after the
// event that says so, which the session writes first.
var chatEnded = realtime.Revocation{Code: proto.CloseEnded, Status: http.StatusGone, TwilioCode: apperr.CodeConversationClosed,
	Reason: "the chat ended: start a new one to talk to us again"}

// endChats closes the sessions of a web visitor (a guest or a verified
// customer: their sessions exist for one open chat) when that chat closes,
// is deleted or loses them. An old, closed chat deleted later ends
// nobody's session.
func (l *Live) endChats(e conversations.Event) {
	visitor := func(id string) bool { k := identity.KindOf(id); return k == identity.Guest || k == identity.Customer }
	switch {
	case e.Type == conversations.ConversationUpdated && e.Conversation != nil &&
		e.Conversation.State == conversations.Closed && e.Before != conversations.Closed:
		l.hub.RevokeMembers(e.ConversationSID, visitor, chatEnded)
	case e.Type == conversations.ConversationRemoved && e.Conversation != nil &&
		e.Conversation.State != conversations.Closed && visitor(e.Target):
		l.hub.Revoke(func(id string, _ any) bool { return id == e.Target }, chatEnded)
	}
}
