// Package agents owns the people who answer customers: their accounts
// (email, display name, role, an Argon2id password hash), the TaskRouter
// worker each one is, and signing in to the desktop, which issues a
// short-lived access token for the agent's identity and worker. It knows
// nothing of HTTP.
package agents

import (
	"cmp"
	"context"
	"encoding/json"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"parley/server/apperr"
	"parley/server/auth"
	"parley/server/identity"
	"parley/server/routing"
	"parley/server/textrule"
	"parley/shared/sid"
)

// Roles, from least to most trusted. Supervisors also watch queues, teams
// and any conversation; admins also manage agents.
const (
	RoleAgent      = "agent"
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// Roles lists the roles in order of trust.
var Roles = []string{RoleAgent, RoleSupervisor, RoleAdmin}

// AtLeast reports whether role is as trusted as min.
func AtLeast(role, min string) bool {
	return slices.Index(Roles, role) >= slices.Index(Roles, min) && slices.Contains(Roles, role)
}

// TokenTTL is how long a desktop token lives; the desktop refreshes it
// while open.
const TokenTTL = 30 * time.Minute

// Agent is a person who signs in to the desktop.
type Agent struct {
	Seq         int64 // storage order
	SID         string
	Email       string
	DisplayName string
	Role        string
	// Identity is the agent's chat identity: opaque (identity.OfAgent),
	// so customers never see the email, and fixed for the agent's life,
	// as conversations name it. Customers see DisplayName.
	Identity     string
	WorkspaceSID string
	WorkerSID    string
	PasswordHash string
	// Generation counts sign-outs and password changes: a token carries
	// the generation it was issued in and dies with it.
	Generation int
	Created    time.Time
	Updated    time.Time
}

// Store keeps agents.
type Store interface {
	InsertAgent(ctx context.Context, a Agent) (seq int64, err error)
	UpdateAgent(ctx context.Context, a Agent) error
	DeleteAgent(ctx context.Context, sid string) error
	// Agents returns every agent: a contact centre has hundreds, so the
	// service keeps them all in memory.
	Agents(ctx context.Context) ([]Agent, error)
}

// Workers is the routing side of an agent: its worker.
type Workers interface {
	CreateWorker(ctx context.Context, workspaceSID string, p routing.WorkerParams) (routing.Worker, error)
	UpdateWorker(ctx context.Context, workspaceSID, workerSID string, p routing.WorkerParams) (routing.WorkerView, error)
	DeleteWorker(ctx context.Context, workspaceSID, workerSID string) error
	WorkerOf(ctx context.Context, workspaceSID, workerSID string) (routing.WorkerView, error)
	Workspace(ctx context.Context, workspaceSID string) (routing.Workspace, error)
	UpdateWorkerChannel(ctx context.Context, workspaceSID, workerSID, ref string, p routing.WorkerChannelParams) (routing.WorkerChannelView, error)
	CompleteWork(ctx context.Context, workspaceSID, taskSID string, p routing.CompleteParams) (routing.Task, error)
}

// ChatCapacity is how many chats a new agent takes at once.
const ChatCapacity = 3

// Tokens mints desktop tokens.
type Tokens interface {
	MintDesk(identity string, g auth.DeskGrant, ttl time.Duration) (string, auth.Session, error)
}

// Desk is where agents work: the workspace their workers are in, and the
// workflow customers' chats are routed by.
type Desk struct {
	WorkspaceSID, WorkflowSID, QueueSID string
}

// Service manages agents.
type Service struct {
	store   Store
	workers Workers
	tokens  Tokens
	// desk finds (or makes, the first time) the desk.
	desk func(ctx context.Context) (Desk, error)
	Now  func() time.Time
	// Revoked, when set, hears of an agent whose tokens ended (a sign-out,
	// a new password or role, its deletion), to close what they opened.
	// It runs on a goroutine of its own, so it may call back.
	Revoked func(agentSID string)
	// Changed, when set, hears of every agent this node made, changed,
	// signed out or deleted, once the store has it: in a cluster it tells
	// the other nodes to Reload. It runs under the service's lock, so it
	// must be quick and must not call back.
	Changed func(agentSID string)

	mu     sync.Mutex
	bySID  map[string]*Agent
	byMail map[string]*Agent // by NormalEmail
	byLook map[string]*Agent // by textrule.Skeleton of the email
}

// NewService loads the agents.
func NewService(ctx context.Context, store Store, workers Workers, tokens Tokens, desk func(ctx context.Context) (Desk, error)) (*Service, error) {
	s := &Service{store: store, workers: workers, tokens: tokens, desk: desk, Now: time.Now}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// load reads every agent into fresh indexes; the caller holds the lock.
func (s *Service) load(ctx context.Context) error {
	all, err := s.store.Agents(ctx)
	if err != nil {
		return err
	}
	s.bySID, s.byMail, s.byLook = map[string]*Agent{}, map[string]*Agent{}, map[string]*Agent{}
	for i := range all {
		s.index(&all[i])
	}
	return nil
}

// Reload reads the agents again and serves them from then on: in a
// cluster another node made, changed or deleted one, and this node's
// memory is behind. Every agent whose sign-in ended there (a sign-out, a
// new password or role: a new generation) or who is gone is Revoked here
// too, so that this node closes its own sockets of them, as the node that
// made the change closed its.
//
// It reads under the lock, so that a change made here meanwhile is not
// overwritten by what was read before it.
func (s *Service) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	before := s.bySID
	if err := s.load(ctx); err != nil {
		return err
	}
	for sid, was := range before {
		if now := s.bySID[sid]; now == nil || now.Generation != was.Generation {
			s.revoked(sid)
		}
	}
	return nil
}

// changed tells Changed, if set, of a change the store has.
func (s *Service) changed(agentSID string) {
	if s.Changed != nil {
		s.Changed(agentSID)
	}
}

func (s *Service) index(a *Agent) {
	s.bySID[a.SID] = a
	s.byMail[NormalEmail(a.Email)] = a // emails kept before normalising was done here
	s.byLook[textrule.Skeleton(a.Email)] = a
}

func (s *Service) unindex(a *Agent) {
	delete(s.bySID, a.SID)
	delete(s.byMail, NormalEmail(a.Email))
	delete(s.byLook, textrule.Skeleton(a.Email))
}

func (s *Service) stamp() time.Time { return s.Now().UTC().Truncate(time.Second) }

func invalid(format string, args ...any) error {
	return apperr.Invalidf(apperr.CodeBadRequest, format, args...)
}

// Params are the settable fields of an agent; nil is unchanged.
type Params struct {
	Email, DisplayName, Role, Password *string
	// WorkerAttributes are merged into the worker's attributes (skills,
	// languages ...) when the agent is made.
	WorkerAttributes *string
}

// NormalEmail is the form an email is kept and looked up in, so that one
// address written two ways (ANA@Example.com, fullwidth ａｎａ, a trailing dot
// after the domain) is one agent: trimmed, NFKC and case folded
// (textrule.Fold).
func NormalEmail(v string) string {
	return strings.TrimSuffix(textrule.Fold(strings.TrimSpace(v)), ".")
}

// checkEmail checks an email and returns its normal form. Agents' emails
// are shown to other agents and name whom they sign in as: an address
// with a hidden character, or that mixes Latin letters with Cyrillic or
// Greek ones (as only a look-alike does), is refused.
func checkEmail(v string) (string, error) {
	if err := textrule.Identity("Email", strings.TrimSpace(v)); err != nil {
		return "", err
	}
	v = NormalEmail(v)
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || len(v) > 254 {
		return "", invalid("Email %s is not an email address like ana@example.com", textrule.Describe(v))
	}
	return v, nil
}

func checkPassword(v string) error {
	switch {
	case len([]rune(v)) < MinPasswordLen:
		return invalid("Password is too short: use at least %d characters", MinPasswordLen)
	case len(v) > MaxPasswordBytes:
		return invalid("Password is longer than %d bytes", MaxPasswordBytes)
	}
	return nil
}

// apply checks p and sets it on a; it reports whether the password
// changed.
func (s *Service) apply(a *Agent, p Params) (bool, error) {
	if p.Email != nil {
		e, err := checkEmail(*p.Email)
		if err != nil {
			return false, err
		}
		if other := s.byMail[e]; other != nil && other.SID != a.SID {
			return false, apperr.Conflictf(apperr.CodeBadRequest, "An agent with email %s already exists (%s)", e, other.SID)
		}
		if other := s.byLook[textrule.Skeleton(e)]; other != nil && other.SID != a.SID {
			return false, apperr.Conflictf(apperr.CodeBadRequest,
				"Email %s looks like %s, which agent %s already uses: choose an address no one could mistake for it",
				textrule.Describe(e), other.Email, other.SID)
		}
		if part, mixed := textrule.MixedScripts(e); mixed {
			return false, invalid("Email %s mixes Latin letters with Cyrillic or Greek ones in %s, as only a look-alike does: write each part in one script",
				textrule.Describe(e), textrule.Describe(part))
		}
		a.Email = e
	}
	if p.DisplayName != nil {
		n := strings.TrimSpace(*p.DisplayName)
		if n == "" || len(n) > 64 {
			return false, invalid("DisplayName must be 1 to 64 characters")
		}
		if err := textrule.Name("DisplayName", n); err != nil {
			return false, err // customers and agents read it
		}
		a.DisplayName = n
	}
	if p.Role != nil {
		if !slices.Contains(Roles, *p.Role) {
			return false, invalid("Role %q is not one of %s", *p.Role, strings.Join(Roles, ", "))
		}
		a.Role = *p.Role
	}
	if p.Password != nil {
		if err := checkPassword(*p.Password); err != nil {
			return false, err
		}
		a.PasswordHash = HashPassword(*p.Password)
		return true, nil
	}
	return false, nil
}

// workerAttributes are what Flex puts on an agent's worker: contact_uri
// makes the worker the agent's chat identity.
func workerAttributes(a Agent, extra string) (string, error) {
	attrs := map[string]any{}
	if extra != "" {
		if err := json.Unmarshal([]byte(extra), &attrs); err != nil || attrs == nil {
			return "", invalid(`WorkerAttributes must be a JSON object, like {"skills":["billing"]}`)
		}
	}
	attrs["contact_uri"] = "client:" + a.Identity
	attrs["full_name"] = a.DisplayName
	attrs["email"] = a.Email
	attrs["roles"] = []string{a.Role}
	b, err := json.Marshal(attrs)
	return string(b), err
}

// Create makes an agent and its worker, in the desk's workspace and its
// default (offline) activity.
func (s *Service) Create(ctx context.Context, p Params) (Agent, error) {
	switch {
	case p.Email == nil:
		return Agent{}, invalid("Email is required: the address the agent signs in with")
	case p.Password == nil:
		return Agent{}, invalid("Password is required (at least %d characters)", MinPasswordLen)
	}
	if p.DisplayName == nil {
		name, _, _ := strings.Cut(*p.Email, "@")
		p.DisplayName = &name
	}
	if p.Role == nil {
		p.Role = ptr(RoleAgent)
	}
	desk, err := s.desk(ctx)
	if err != nil {
		return Agent{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.stamp()
	a := Agent{SID: sid.New(sid.FlexUser), WorkspaceSID: desk.WorkspaceSID, Created: now, Updated: now}
	if _, err := s.apply(&a, p); err != nil {
		return Agent{}, err
	}
	a.Identity = identity.OfAgent(a.SID)
	attrs, err := workerAttributes(a, deref(p.WorkerAttributes))
	if err != nil {
		return Agent{}, err
	}
	w, err := s.workers.CreateWorker(ctx, a.WorkspaceSID, routing.WorkerParams{FriendlyName: &a.Identity, Attributes: &attrs})
	if err != nil {
		return Agent{}, err
	}
	a.WorkerSID = w.SID
	_, err = s.workers.UpdateWorkerChannel(ctx, a.WorkspaceSID, a.WorkerSID, "chat", routing.WorkerChannelParams{Capacity: ptr(ChatCapacity)})
	if err == nil {
		a.Seq, err = s.store.InsertAgent(ctx, a)
	}
	if err != nil {
		_ = s.workers.DeleteWorker(ctx, a.WorkspaceSID, a.WorkerSID)
		return Agent{}, err
	}
	s.index(&a)
	s.changed(a.SID)
	return a, nil
}

// Agent fetches an agent.
func (s *Service) Agent(ctx context.Context, agentSID string) (Agent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.bySID[agentSID]
	if a == nil {
		return Agent{}, apperr.NotFoundf("The requested resource Agent %s was not found", agentSID)
	}
	return *a, nil
}

// List returns every agent, in the order they were made.
func (s *Service) List(ctx context.Context) []Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Agent, 0, len(s.bySID))
	for _, a := range s.bySID {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b Agent) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// ByIdentity finds the agent with a chat identity.
func (s *Service) ByIdentity(identity string) (Agent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.bySID {
		if a.Identity == identity {
			return *a, true
		}
	}
	return Agent{}, false
}

// Watchers are the identities of the supervisors and admins of a
// workspace: they hear of everything that happens in it.
func (s *Service) Watchers(workspaceSID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, a := range s.bySID {
		if a.WorkspaceSID == workspaceSID && AtLeast(a.Role, RoleSupervisor) {
			out = append(out, a.Identity)
		}
	}
	return out
}

// Update changes an agent. A new password or role signs the agent out
// everywhere.
func (s *Service) Update(ctx context.Context, agentSID string, p Params) (Agent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.bySID[agentSID]
	if cur == nil {
		return Agent{}, apperr.NotFoundf("The requested resource Agent %s was not found", agentSID)
	}
	a := *cur
	newPassword, err := s.apply(&a, p)
	if err != nil {
		return Agent{}, err
	}
	if newPassword || a.Role != cur.Role {
		a.Generation++
	}
	if a.DisplayName != cur.DisplayName || a.Email != cur.Email || a.Role != cur.Role {
		attrs, err := workerAttributes(a, "")
		if err != nil {
			return Agent{}, err
		}
		if err := s.mergeWorkerAttributes(ctx, a, attrs); err != nil {
			return Agent{}, err
		}
	}
	a.Updated = s.stamp()
	if err := s.store.UpdateAgent(ctx, a); err != nil {
		return Agent{}, err
	}
	ended := a.Generation != cur.Generation
	s.unindex(cur)
	*cur = a
	s.index(cur)
	if ended {
		s.revoked(a.SID)
	}
	s.changed(a.SID)
	return a, nil
}

// revoked tells Revoked, beside the caller, who holds the lock.
func (s *Service) revoked(agentSID string) {
	if s.Revoked != nil {
		go s.Revoked(agentSID)
	}
}

// mergeWorkerAttributes writes the agent's own fields over the worker's
// attributes, keeping the routing ones (skills ...) an admin set.
func (s *Service) mergeWorkerAttributes(ctx context.Context, a Agent, own string) error {
	attrs := ""
	if wv, err := s.workers.WorkerOf(ctx, a.WorkspaceSID, a.WorkerSID); err == nil {
		merged := map[string]any{}
		_ = json.Unmarshal([]byte(wv.Attributes), &merged)
		var mine map[string]any
		_ = json.Unmarshal([]byte(own), &mine)
		for k, v := range mine {
			merged[k] = v
		}
		b, _ := json.Marshal(merged)
		attrs = string(b)
	} else {
		attrs = own
	}
	_, err := s.workers.UpdateWorker(ctx, a.WorkspaceSID, a.WorkerSID, routing.WorkerParams{Attributes: &attrs})
	return err
}

// Delete removes an agent and its worker. An agent holding tasks cannot be
// removed until they are done (409 from routing).
func (s *Service) Delete(ctx context.Context, agentSID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.bySID[agentSID]
	if a == nil {
		return apperr.NotFoundf("The requested resource Agent %s was not found", agentSID)
	}
	if err := s.workers.DeleteWorker(ctx, a.WorkspaceSID, a.WorkerSID); err != nil && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	if err := s.store.DeleteAgent(ctx, a.SID); err != nil {
		return err
	}
	s.unindex(a)
	s.revoked(a.SID)
	s.changed(a.SID)
	return nil
}

func ptr[T any](v T) *T { return &v }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
