package httpapi

import (
	"net/http"
	"strconv"

	"parley/server/agents"
	"parley/server/apperr"
	"parley/server/paging"
	"parley/server/ratelimit"
	"parley/shared/model"
)

// Agents are Parley's own resource, under /parley/v1/Agents, for the
// account and the desk's admins. Signing in to the desktop is public and
// rate-limited, under /parley/v1/Desktop (see Desktop).

const agentsPath = "/parley/v1/Agents"

func (a *API) routeAgents() {
	team := a.agents
	sidOf := func(r *http.Request) string { return r.PathValue("sid") }
	a.route("POST", agentsPath, formCall(readAgentParams, func(r *http.Request, p agents.Params) (agents.Agent, error) {
		return team.Create(r.Context(), p)
	}, a.renderAgent, http.StatusCreated))
	a.route("GET", agentsPath, listCall(nil, func(*params) struct{} { return struct{}{} },
		func(r *http.Request, _ struct{}, pr paging.Request) (paging.Page[agents.Agent], error) {
			return paging.Slice(team.List(r.Context()), func(v agents.Agent) int64 { return v.Seq }, pr), nil
		}, a, "agents", func(v agents.Agent) int64 { return v.Seq }, a.renderAgent))
	a.route("GET", agentsPath+"/{sid}", fetchCall(func(r *http.Request) (agents.Agent, error) {
		return team.Agent(r.Context(), sidOf(r))
	}, a.renderAgent))
	a.route("POST", agentsPath+"/{sid}", formCall(readAgentParams, func(r *http.Request, p agents.Params) (agents.Agent, error) {
		return team.Update(r.Context(), sidOf(r), p)
	}, a.renderAgent, http.StatusOK))
	a.route("DELETE", agentsPath+"/{sid}", deleteCall(func(r *http.Request) error { return team.Delete(r.Context(), sidOf(r)) }))
}

func readAgentParams(p *params) agents.Params {
	return agents.Params{Email: p.str("Email"), DisplayName: p.str("DisplayName"), Role: p.str("Role"),
		Password: p.str("Password"), WorkerAttributes: p.str("WorkerAttributes")}
}

func (a *API) renderAgent(v agents.Agent) any { return a.agentJSON(v) }

func (a *API) agentJSON(v agents.Agent) model.Agent {
	return model.Agent{SID: v.SID, AccountSID: a.accountSID, Email: v.Email, DisplayName: v.DisplayName, Role: v.Role,
		Identity: v.Identity, WorkspaceSID: v.WorkspaceSID, WorkerSID: v.WorkerSID,
		DateCreated: model.Time{Time: v.Created}, DateUpdated: model.Time{Time: v.Updated},
		URL: a.baseURL + agentsPath + "/" + v.SID}
}

// SignInLimits bound desktop sign-in attempts, per client address and per
// email: enough for a typo or two, too few to guess a password.
type SignInLimits struct {
	PerClientBurst, PerClientPerMinute int
	PerEmailBurst, PerEmailPerMinute   int
}

// DefaultSignInLimits are the limits in production.
var DefaultSignInLimits = SignInLimits{PerClientBurst: 20, PerClientPerMinute: 20, PerEmailBurst: 5, PerEmailPerMinute: 5}

// Desktop serves the desktop's session endpoints: SignIn (public: Email,
// Password), Refresh and SignOut (with the desktop's token as a bearer).
func (a *API) Desktop(limits SignInLimits) http.Handler {
	perClient := ratelimit.New(limits.PerClientBurst, limits.PerClientPerMinute)
	perEmail := ratelimit.New(limits.PerEmailBurst, limits.PerEmailPerMinute)
	mux := http.NewServeMux()
	handle := func(path string, h func(w http.ResponseWriter, r *http.Request) error) {
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
			w.Header().Set("Cache-Control", "no-store")
			if err := h(w, r); err != nil {
				a.writeError(w, r, err)
			}
		})
	}
	limited := func(l *ratelimit.Limiter, key string) error {
		if ok, wait := l.Allow(key); !ok {
			secs := int(wait.Seconds()) + 1
			return apperr.New(apperr.TooMany, apperr.CodeTooManyRequests,
				"Too many sign-in attempts; try again in %d seconds", secs)
		}
		return nil
	}
	handle("/parley/v1/Desktop/SignIn", func(w http.ResponseWriter, r *http.Request) error {
		p, err := parseForm(r)
		if err != nil {
			return err
		}
		// The per-email limit counts every way of writing one address.
		email := agents.NormalEmail(p.value("Email"))
		for _, check := range []struct {
			l   *ratelimit.Limiter
			key string
		}{{perClient, clientIP(r)}, {perEmail, email}} {
			if err := limited(check.l, check.key); err != nil {
				w.Header().Set("Retry-After", strconv.Itoa(60))
				return err
			}
		}
		login, err := a.agents.SignIn(r.Context(), email, p.value("Password"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a.loginJSON(login))
		return nil
	})
	handle("/parley/v1/Desktop/Refresh", func(w http.ResponseWriter, r *http.Request) error {
		c, err := a.deskCaller(r)
		if err != nil {
			return err
		}
		login, err := a.agents.Refresh(r.Context(), *c.desk)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a.loginJSON(login))
		return nil
	})
	handle("/parley/v1/Desktop/SignOut", func(w http.ResponseWriter, r *http.Request) error {
		c, err := a.deskCaller(r)
		if apperr.Is(err, apperr.Unauthorized) {
			w.WriteHeader(http.StatusNoContent) // already out
			return nil
		} else if err != nil {
			return err
		}
		if err := a.agents.SignOut(r.Context(), *c.desk); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			a.noRouteIn(mux, w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// deskCaller authenticates an agent's desktop token.
func (a *API) deskCaller(r *http.Request) (caller, error) {
	c, err := a.authenticate(r)
	if err != nil {
		return c, err
	}
	if c.desk == nil {
		return c, apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized,
			"Send the desktop's access token (Authorization: Bearer ...) from a sign-in")
	}
	return c, nil
}

func (a *API) loginJSON(l agents.Login) model.DeskLogin {
	return model.DeskLogin{Token: l.Token, ExpiresAt: model.Time{Time: l.ExpiresAt}, Agent: a.agentJSON(l.Agent)}
}
