package httpapi

import (
	"math"
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
	a.route("GET", agentsPath, listCall(nil, func(*reader) struct{} { return struct{}{} },
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

func readAgentParams(p *reader) agents.Params {
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

// SignInLimits bound desktop sign-in attempts so that guessing is slow but
// nobody else's guesses lock an agent out; see ratelimit.SignInLimits.
type SignInLimits = ratelimit.SignInLimits

// DefaultSignInLimits are the limits in production: 5 failures per (email,
// address), 20 per address and 50 per email from addresses that never
// signed in to it, each per 15 minutes.
var DefaultSignInLimits = ratelimit.DefaultSignInLimits

// Desktop serves the desktop's session endpoints: SignIn (public: Email,
// Password), Refresh and SignOut (with the desktop's token as a bearer).
// Zero fields of limits take DefaultSignInLimits'.
func (a *API) Desktop(limits SignInLimits) http.Handler {
	var throttle ratelimit.SignInThrottle = ratelimit.NewSignIns(limits)
	if a.shared != nil {
		throttle = a.shared.SignIns(limits)
	}
	mux := http.NewServeMux()
	handle := func(path string, h func(w http.ResponseWriter, r *http.Request) error) {
		a.handleFunc(mux, "POST "+path, func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
			w.Header().Set("Cache-Control", "no-store")
			if err := h(w, r); err != nil {
				a.writeError(w, r, err)
			}
		})
	}
	handle("/parley/v1/Desktop/SignIn", func(w http.ResponseWriter, r *http.Request) error {
		p, err := parseForm(r)
		if err != nil {
			return err
		}
		// The throttle counts every way of writing one address as one.
		email := agents.NormalEmail(p.value("Email"))
		// The throttle decides before the password is checked, so a
		// throttled guess learns nothing, even when it is right.
		attempt, wait, err := throttle.Try(r.Context(), email, clientIP(r))
		if err != nil {
			return err
		}
		if attempt == nil {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			return apperr.New(apperr.TooMany, apperr.CodeTooManyRequests,
				"Too many sign-in attempts; try again in %s", inWords(secs))
		}
		login, err := a.agents.SignIn(r.Context(), email, p.value("Password"))
		if err != nil {
			return err
		}
		attempt.Succeeded()
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
	// Completing a chat: the server keeps the outcome in the task's
	// attributes and completes the task in one routing call, for the
	// agent working it only (see agents.Service.Complete).
	handle("/parley/v1/Desktop/Tasks/{sid}/Complete", func(w http.ResponseWriter, r *http.Request) error {
		c, err := a.deskCaller(r)
		if err != nil {
			return err
		}
		p, err := parseForm(r)
		if err != nil {
			return err
		}
		task, err := a.agents.Complete(r.Context(), *c.desk, r.PathValue("sid"), p.value("Outcome"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a.renderTask(task))
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
	return model.DeskLogin{Token: l.Token, ExpiresAt: model.Time{Time: l.ExpiresAt}, Agent: a.agentJSON(l.Agent), Settings: a.desk}
}

// inWords says a wait of secs seconds as a person would: seconds under a
// minute, otherwise minutes, rounded up.
func inWords(secs int) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.Itoa(n) + " " + unit + "s"
	}
	if secs < 60 {
		return plural(secs, "second")
	}
	return plural((secs+59)/60, "minute")
}
