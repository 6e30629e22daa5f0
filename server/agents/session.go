package agents

import (
	"context"
	"time"

	"parley/server/apperr"
	"parley/server/auth"
	"parley/server/routing"
)

// Login is a signed-in agent's token.
type Login struct {
	Token     string
	ExpiresAt time.Time
	Agent     Agent
}

var wrongLogin = apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized,
	"The email or password is wrong; check both and try again")

// SignIn checks an agent's email and password and issues a desktop token.
// A wrong email and a wrong password take as long and read the same.
func (s *Service) SignIn(ctx context.Context, email, password string) (Login, error) {
	if email == "" || password == "" {
		return Login{}, invalid("Email and Password are required")
	}
	if len(password) > MaxPasswordBytes {
		return Login{}, wrongLogin
	}
	s.mu.Lock()
	a, found := s.byMail[NormalEmail(email)]
	hash := decoyHash
	if found {
		hash = a.PasswordHash
	}
	s.mu.Unlock()
	ok, err := CheckPassword(hash, password) // outside the lock: it takes tens of milliseconds
	if err != nil {
		return Login{}, err
	}
	if !found || !ok {
		return Login{}, wrongLogin
	}
	s.mu.Lock()
	agent := *a
	s.mu.Unlock()
	return s.login(agent)
}

func (s *Service) login(a Agent) (Login, error) {
	token, sess, err := s.tokens.MintDesk(a.Identity, auth.DeskGrant{AgentSID: a.SID, WorkspaceSID: a.WorkspaceSID,
		WorkerSID: a.WorkerSID, Role: a.Role, Generation: a.Generation}, TokenTTL)
	if err != nil {
		return Login{}, err
	}
	return Login{Token: token, ExpiresAt: sess.ExpiresAt, Agent: a}, nil
}

// Refresh issues a new token for a signed-in agent.
func (s *Service) Refresh(ctx context.Context, g auth.DeskGrant) (Login, error) {
	if err := s.Check(ctx, g); err != nil {
		return Login{}, err
	}
	a, err := s.Agent(ctx, g.AgentSID)
	if err != nil {
		return Login{}, err
	}
	return s.login(a)
}

// SignOut ends every token of the agent's current sign-in and takes the
// agent offline, so no more chats are offered to an empty desk.
func (s *Service) SignOut(ctx context.Context, g auth.DeskGrant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.bySID[g.AgentSID]
	if cur == nil || cur.Generation != g.Generation {
		return nil // already out
	}
	a := *cur
	a.Generation++
	a.Updated = s.stamp()
	if err := s.store.UpdateAgent(ctx, a); err != nil {
		return err
	}
	*cur = a
	s.revoked(a.SID)
	s.changed(a.SID)
	if ws, err := s.workspaceOf(ctx, a); err == nil {
		reject := true
		_, err := s.workers.UpdateWorker(ctx, a.WorkspaceSID, a.WorkerSID,
			routing.WorkerParams{ActivitySID: &ws.DefaultActivitySID, RejectPendingReservations: &reject})
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
	}
	return nil
}

func (s *Service) workspaceOf(ctx context.Context, a Agent) (routing.Workspace, error) {
	return s.workers.Workspace(ctx, a.WorkspaceSID)
}

// Check vouches for a desktop token's grant: the agent still exists, and
// the token belongs to its current sign-in.
func (s *Service) Check(ctx context.Context, g auth.DeskGrant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.bySID[g.AgentSID]
	switch {
	case a == nil:
		return apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized, "Access token refused: agent %s no longer exists", g.AgentSID)
	case a.Generation != g.Generation:
		return apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized,
			"Access token refused: the agent signed out, or its password or role changed; sign in again")
	}
	return nil
}
