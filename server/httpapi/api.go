// Package httpapi serves Parley's REST API in the shape of Twilio's: paths,
// form-encoded parameters, JSON fields, status and error codes, paging.
// Handlers are thin: they read parameters, call a domain service and render
// its result.
package httpapi

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"parley/server/agents"
	"parley/server/apperr"
	"parley/server/auth"
	"parley/server/canned"
	"parley/server/channels"
	"parley/server/conversations"
	"parley/server/followup"
	"parley/server/interactions"
	"parley/server/media"
	"parley/server/notes"
	"parley/server/outbox"
	"parley/server/ratelimit"
	"parley/server/render"
	"parley/server/reports"
	"parley/server/routing"
	"parley/server/webchat"
	"parley/server/webhooks"
	"parley/shared/model"
)

// MaxBodyBytes bounds every request body. A message body (32 KiB) and its
// attributes, form-encoded, fit several times over.
const MaxBodyBytes = 512 << 10

// Config wires the API to its services.
type Config struct {
	// BaseURL is the public URL of the server, used to build every url and
	// link in responses (no trailing slash).
	BaseURL       string
	AccountSID    string
	AuthToken     string
	Conversations *conversations.Service
	Auth          *auth.Service
	Channels      *channels.Service
	Webchat       *webchat.Service
	Media         *media.Service
	Routing       routing.Router
	Interactions  *interactions.Service
	Agents        *agents.Service
	Notes         *notes.Service
	Canned        *canned.Service
	Reports       *reports.Service
	Events        *webhooks.Events
	Outbox        *outbox.Runner
	Followup      *followup.Service // emails visitors their transcripts
	Messaging     *channels.Messaging
	// Twilio and Generic check the providers' signed webhooks; nil when
	// that adapter is not configured. Simulator is nil unless enabled.
	Twilio    *channels.Twilio
	Generic   *channels.Generic
	Simulator *channels.Simulator
	// MediaPolicy bounds uploads by the account and agents; guests get
	// their deployment's policy.
	MediaPolicy media.Policy
	// SharedLimits, for a cluster's node, keep the guest rate limits and
	// sign-in throttles where every node counts together; nil counts in
	// this process's memory.
	SharedLimits ratelimit.Shared
	// Desk is the desk's settings, handed to an agent at sign-in as they
	// are: the app has checked them and filled in the defaults
	// (app.DeskConfig).
	Desk   model.DeskSettings
	Logger *slog.Logger
}

// API is the REST API's handler.
type API struct {
	baseURL      string
	accountSID   string
	authToken    []byte
	conv         *conversations.Service
	auth         *auth.Service
	channels     *channels.Service
	webchat      *webchat.Service
	media        *media.Service
	routing      routing.Router
	interactions *interactions.Service
	agents       *agents.Service
	notes        *notes.Service
	canned       *canned.Service
	reports      *reports.Service
	events       *webhooks.Events
	outbox       *outbox.Runner
	followup     *followup.Service
	messaging    *channels.Messaging
	twilio       *channels.Twilio
	generic      *channels.Generic
	simulator    *channels.Simulator
	policy       media.Policy
	shared       ratelimit.Shared
	desk         model.DeskSettings
	render       *render.Renderer
	log          *slog.Logger
	mux          *http.ServeMux
	access       map[string]access // routes an access token may use
	patterns     []string          // every route registered, for Routes
}

// New returns the REST API.
func New(c Config) *API {
	a := &API{
		baseURL:      strings.TrimRight(c.BaseURL, "/"),
		accountSID:   c.AccountSID,
		authToken:    []byte(c.AuthToken),
		conv:         c.Conversations,
		auth:         c.Auth,
		channels:     c.Channels,
		webchat:      c.Webchat,
		media:        c.Media,
		routing:      c.Routing,
		interactions: c.Interactions,
		agents:       c.Agents,
		notes:        c.Notes,
		canned:       c.Canned,
		reports:      c.Reports,
		events:       c.Events,
		outbox:       c.Outbox,
		followup:     c.Followup,
		messaging:    c.Messaging,
		twilio:       c.Twilio,
		generic:      c.Generic,
		simulator:    c.Simulator,
		policy:       c.MediaPolicy,
		shared:       c.SharedLimits,
		desk:         c.Desk,
		render:       render.New(c.BaseURL),
		log:          c.Logger,
		mux:          http.NewServeMux(),
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.access = a.tokenAccess()
	a.routeConversations()
	a.routeKeys()
	a.routeTokens()
	a.routeAddresses()
	a.routeDeployments()
	a.routeWebChats()
	a.routeTaskRouter()
	a.routeInteractions()
	a.routeAgents()
	a.routeNotes()
	a.routeCanned()
	a.routeReports()
	a.routeWebhooks()
	return a
}

// Prefixes are the paths under which the API serves its resources, as
// Twilio's hosts do: every path below them asks for credentials first, so
// an unauthenticated caller learns nothing of which resources exist.
var Prefixes = []string{"/conversations/", "/api/", "/flex/", "/parley/", "/taskrouter/"}

// NotFound answers a path outside every API prefix: 404 in the API's error
// shape, without asking for credentials (a browser asked for /favicon.ico
// or a scanner for /wp-login.php is owed no password prompt).
func (a *API) NotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.writeError(w, r, apperr.NotFoundf("The requested resource %s was not found", r.URL.Path))
	})
}

func underPrefixes(path string) bool {
	for _, p := range Prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// ServeHTTP authenticates the caller, bounds the body and dispatches.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if v := recover(); v != nil {
			a.log.Error("handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v)
			if !sw.wrote {
				a.writeError(sw, r, apperr.New(apperr.Internal, apperr.CodeInternal, "Internal error; the server logged the details"))
			}
		}
		a.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "dur", time.Since(start))
	}()
	c, err := a.authenticate(r)
	if err != nil {
		a.writeError(sw, r, err)
		return
	}
	ctx := context.WithValue(r.Context(), callerKey{}, c)
	// Twilio fires webhooks for REST calls only when asked to.
	ctx = conversations.WithOrigin(ctx, conversations.Origin{Source: "API", Identity: c.identity,
		Quiet: !strings.EqualFold(r.Header.Get("X-Twilio-Webhook-Enabled"), "true")})
	r = r.WithContext(ctx)
	r.Body = http.MaxBytesReader(sw, r.Body, MaxBodyBytes)
	if _, pattern := a.mux.Handler(r); pattern == "" {
		a.noRoute(sw, r)
		return
	}
	a.mux.ServeHTTP(sw, r)
}

// noRoute answers a request no route takes, in the API's error shape: 405
// when the path exists with other methods, else 404.
func (a *API) noRoute(w http.ResponseWriter, r *http.Request) {
	a.noRouteIn(a.mux, w, r)
}

// noRouteIn is noRoute for any mux.
func (a *API) noRouteIn(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	h, _ := mux.Handler(r)
	probe := &headerProbe{header: http.Header{}}
	h.ServeHTTP(probe, r) // the mux's own answer tells 404 from 405
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		a.writeError(w, r, apperr.New(apperr.MethodNotAllowed, apperr.CodeMethodNotAllowed,
			"Method not allowed: %s %s takes %s", r.Method, r.URL.Path, probe.header.Get("Allow")))
		return
	}
	a.writeError(w, r, apperr.NotFoundf("The requested resource %s was not found", r.URL.Path))
}

// headerProbe records a handler's status and headers and drops its body.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(code int)        { p.status = code }

func (a *API) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	// Compare both in constant time so timing reveals neither.
	u := subtle.ConstantTimeCompare([]byte(user), []byte(a.accountSID))
	p := subtle.ConstantTimeCompare([]byte(pass), a.authToken)
	return u&p == 1
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	w.status, w.wrote = code, true
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// route registers a handler for "METHOD /path" and returns it.
func (a *API) route(method, path string, h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	if !underPrefixes(path) {
		// The server sends only Prefixes to the API: this route would never be reached.
		panic("httpapi: route " + path + " is outside every API prefix; add its prefix to Prefixes")
	}
	rule, ok := a.access[method+" "+strings.TrimPrefix(path, "/conversations/v1")]
	if !ok {
		rule = a.deskAccess(method, path)
	}
	h = guard(rule, h)
	serve := func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	}
	a.handleFunc(a.mux, method+" "+path, serve)
	return serve
}

// handleFunc registers h for pattern on mux (the API's own, or a side
// handler's: Guest, Desktop, Channels, Media) and notes the pattern for
// Routes.
func (a *API) handleFunc(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	a.patterns = append(a.patterns, pattern)
	mux.HandleFunc(pattern, h)
}

// Routes are the "METHOD /path" patterns registered so far, by New and by
// the side handlers built since: what the API serves, for checking the
// docs against (docs/openapi.yaml must describe Parley's own).
func (a *API) Routes() []string {
	return slices.Sorted(slices.Values(a.patterns))
}

// handle registers a handler for "METHOD /path" under the Conversations
// prefix, and the same under the default service's explicit path
// (/v1/Services/{ChatServiceSid}/...), which Twilio also serves.
func (a *API) handle(method, path string, h func(w http.ResponseWriter, r *http.Request) error) {
	serve := a.route(method, "/conversations/v1"+path, h)
	if strings.HasPrefix(path, "/Conversations") || strings.HasPrefix(path, "/Users") ||
		strings.HasPrefix(path, "/ParticipantConversations") || strings.HasPrefix(path, "/ConversationWithParticipants") {
		a.handleFunc(a.mux, method+" /conversations/v1/Services/{ChatServiceSid}"+path, func(w http.ResponseWriter, r *http.Request) {
			if svc := r.PathValue("ChatServiceSid"); svc != a.conv.ServiceSID() {
				a.writeError(w, r, apperr.NotFoundf("The requested resource Service %s was not found", svc))
				return
			}
			serve(w, r)
		})
	}
}
