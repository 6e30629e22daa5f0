package httpapi

import (
	"context"
	"net/http"
	"strings"

	"parley/server/agents"
	"parley/server/apperr"
	"parley/server/auth"
	"parley/server/conversations"
	"parley/server/identity"
)

// A caller is who made a request: the account (HTTP basic auth with the
// account SID and auth token), or a chat identity holding an access token
// (header X-Twilio-Token, as Twilio's client SDKs send it, or a bearer
// token). Identities may only read their own conversations and move their
// own read horizon: what a widget needs to catch up after a resync.
type caller struct {
	identity   string // empty for the account
	deployment string // the webchat deployment of a guest's token
	// desk is an agent's grant, from a desktop token: the agent may also
	// use TaskRouter and Interactions, as far as its role allows.
	desk *auth.DeskGrant
}

// atLeast reports whether the caller is an agent of the workspace with at
// least role.
func (c caller) atLeast(role, workspaceSID string) bool {
	return c.desk != nil && c.desk.WorkspaceSID == workspaceSID && agents.AtLeast(c.desk.Role, role)
}

type callerKey struct{}

func callerOf(r *http.Request) caller {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c
}

// accessToken is the access token a request presents: a bearer token, or
// Twilio's X-Twilio-Token header; "" if none.
func accessToken(r *http.Request) string {
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return t
	}
	return r.Header.Get("X-Twilio-Token")
}

// authenticate finds the caller of a request.
func (a *API) authenticate(r *http.Request) (caller, error) {
	if a.authorized(r) {
		return caller{}, nil
	}
	token := accessToken(r)
	if token == "" || a.auth == nil {
		return caller{}, apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized,
			"Authenticate: use HTTP basic auth with your account SID and auth token, or an access token in X-Twilio-Token")
	}
	s, err := a.auth.Verify(r.Context(), token)
	if err != nil {
		return caller{}, err
	}
	return caller{identity: s.Identity, deployment: s.Deployment, desk: s.Desk}, nil
}

// access is a rule letting an identity use a route: nil means the route is
// for the account only.
type access func(ctx context.Context, r *http.Request, c caller) error

// tokenAccess lists the Conversations routes an identity may use, by
// "METHOD /path" as registered.
func (a *API) tokenAccess() map[string]access {
	// Supervisors read any conversation (to monitor it, unseen), but
	// write only as themselves, where they take part.
	participant := func(ctx context.Context, r *http.Request, c caller) error {
		err := a.conv.Participates(ctx, c.identity, r.PathValue("sid"))
		if err != nil && c.desk != nil && c.atLeast(agents.RoleSupervisor, c.desk.WorkspaceSID) {
			return nil
		}
		return err
	}
	self := func(ctx context.Context, r *http.Request, c caller) error {
		u, err := a.conv.User(ctx, r.PathValue("usid"))
		if err != nil || u.Identity != c.identity {
			return forbidden("an access token reaches only its own user, %s", c.identity)
		}
		return nil
	}
	// Guests list their own conversations. Agents also list a customer's,
	// to show its past conversations, once they have served it: the
	// customer takes part in a conversation the agent takes part in.
	// Supervisors list anyone's.
	selfFilter := func(ctx context.Context, r *http.Request, c caller) error {
		q := r.URL.Query()
		if q.Get("Identity") == c.identity && q.Get("Address") == "" {
			return nil
		}
		if c.desk != nil {
			if c.atLeast(agents.RoleSupervisor, c.desk.WorkspaceSID) {
				return nil
			}
			// Serving a chat together makes a colleague no customer: his
			// other chats are not this agent's to read.
			if k := identity.KindOf(q.Get("Identity")); k == identity.Agent || k == identity.Parley {
				return forbidden("%s lists the conversations of customers, not of another agent or of Parley", c.identity)
			}
			f := conversations.MembershipFilter{Identity: q.Get("Identity"), Address: q.Get("Address"), With: c.identity}
			if page, err := a.conv.Memberships(ctx, f, conversations.PageRequest{Size: 1}); err == nil && len(page.Items) > 0 {
				return nil
			}
			return forbidden("%s lists the conversations only of customers it has served", c.identity)
		}
		return forbidden("with an access token, list ParticipantConversations for Identity=%s", c.identity)
	}
	return map[string]access{
		"GET /Conversations/{sid}":                                 participant,
		"GET /Conversations/{sid}/Participants":                    participant,
		"GET /Conversations/{sid}/QueuePosition":                   participant,
		"GET /Conversations/{sid}/Participants/{psid}":             participant,
		"GET /Conversations/{sid}/Messages":                        participant,
		"GET /Conversations/{sid}/Messages/{msid}":                 participant,
		"GET /Conversations/{sid}/Messages/{msid}/Receipts":        participant,
		"GET /Conversations/{sid}/Messages/{msid}/Receipts/{rsid}": participant,
		"GET /Users/{usid}":                                        self,
		"GET /Users/{usid}/Conversations":                          self,
		"GET /Users/{usid}/Conversations/{sid}":                    self,
		"POST /Users/{usid}/Conversations/{sid}":                   self,
		"GET /ParticipantConversations":                            selfFilter,
		// Agents list the numbers they may text customers from.
		"GET /Configuration/Addresses": func(ctx context.Context, r *http.Request, c caller) error {
			if c.desk == nil {
				return forbidden("Only agents list address configurations with an access token")
			}
			return nil
		},
	}
}

func forbidden(format string, args ...any) error {
	return apperr.New(apperr.Forbidden, apperr.CodeForbidden, format, args...)
}

// guard applies a route's access rule to identity callers.
func guard(rule access, h func(w http.ResponseWriter, r *http.Request) error) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if c := callerOf(r); c.identity != "" {
			if rule == nil {
				return forbidden("This endpoint needs the account's credentials; an access token for %s cannot use it", c.identity)
			}
			if err := rule(r.Context(), r, c); err != nil {
				return err
			}
		}
		return h(w, r)
	}
}

// AccountOnly guards a handler outside the API (metrics, profiles) with the
// account's credentials, answering others in the API's error shape.
func (a *API) AccountOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.authorized(r) {
			a.writeError(w, r, apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized,
				"Authenticate: use HTTP basic auth with your account SID and auth token"))
			return
		}
		h.ServeHTTP(w, r)
	})
}
