package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/pprof"
	"net/url"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"parley/server/followup"
	"parley/server/frontend"
	"parley/server/httpapi"
)

// web is Parley's HTTP surface: the REST APIs and the front end's pages.
type web struct {
	api   *httpapi.API
	front *frontend.Server
}

// newWeb makes the REST APIs over every service and loads the front end;
// demoKey names the webchat deployment the page at / embeds.
func newWeb(cfg Config, creds Credentials, c core, s staff, d delivery, msg messaging, w work,
	follow *followup.Service, demoKey func(context.Context) (string, error),
) (web, error) {
	desk, err := cfg.Desk.settings()
	if err != nil {
		return web{}, err
	}
	api := httpapi.New(httpapi.Config{
		BaseURL:       cfg.BaseURL,
		AccountSID:    creds.AccountSID,
		AuthToken:     creds.AuthToken,
		Conversations: c.conv,
		Auth:          c.auth,
		Channels:      c.addresses,
		Webchat:       c.chat,
		Media:         c.files,
		Routing:       c.router,
		Interactions:  w.interactions,
		Agents:        s.agents,
		Notes:         w.notes,
		Canned:        w.canned,
		Reports:       w.reports,
		Events:        d.events,
		Outbox:        d.jobs,
		Followup:      follow,
		Messaging:     msg.messaging,
		Twilio:        msg.twilio,
		Generic:       msg.generic,
		Simulator:     msg.sim,
		MediaPolicy:   c.policy,
		SharedLimits:  c.shared,
		Desk:          desk,
		Logger:        cfg.Logger,
	})
	if !cfg.Demo {
		demoKey = nil
	}
	front, err := frontend.New(c.chat, demoKey, cfg.Logger)
	if err != nil {
		return web{}, fmt.Errorf("load the front-end files: %w", err)
	}
	front.EmailTranscripts = follow.On()
	front.Now = c.chat.Now // the widget's page says whether the team is in
	return web{api: api, front: front}, nil
}

// routes serves every HTTP route: the APIs, the realtime socket, the
// operator's metrics and profiles, the simulator when on, and the pages.
func (a *App) routes(cfg Config, site web, simulator bool, rt http.Handler, m *metrics) http.Handler {
	api, front := site.api, site.front
	guest, desktop, providers := api.Guest(cfg.GuestLimits), api.Desktop(cfg.SignInLimits), api.Channels()
	metrics := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		// Not ready while writes fail: a balancer should send traffic
		// elsewhere, and an operator see why, until there is room again.
		if trouble := a.db.WriteTrouble(); trouble != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]string{"status": "unavailable",
				"reason": "Parley cannot write to its database (" + trouble + ")"})
			return
		}
		if err := a.clusterReady(); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]string{"status": "unavailable",
				"reason": "this node cannot reach the rest of its cluster: " + err.Error()})
			return
		}
		if _, err := a.db.Setting(r.Context(), "default_chat_service_sid"); err != nil {
			a.log.Error("health check", "err", err)
			http.Error(w, `{"status":"unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})
	mux.Handle("GET /realtime", rt)
	mux.Handle("GET /metrics", api.AccountOnly(metrics))
	// Profiles for the operator, behind the account's credentials.
	mux.Handle("GET /debug/pprof/", api.AccountOnly(frontend.Page(http.HandlerFunc(pprof.Index))))
	mux.Handle("GET /debug/pprof/profile", api.AccountOnly(http.HandlerFunc(pprof.Profile)))
	mux.Handle("GET /debug/pprof/trace", api.AccountOnly(http.HandlerFunc(pprof.Trace)))
	for _, prefix := range httpapi.Prefixes {
		mux.Handle(prefix, api)
	}
	mux.Handle("/flex/v2/Webchat/", guest)
	mux.Handle("/parley/v1/Desktop/", desktop)
	mux.Handle("/mcs/", api.Media())
	mux.Handle("/channels/", providers)
	if simulator {
		mux.Handle("/simulator/api/", providers)
		mux.Handle("GET /simulator", front.Simulator(DemoPhoneNumber))
	}
	front.Register(mux)
	// A path outside every API is no API resource: a plain 404 (in the
	// API's error shape), not a password prompt to whoever asks.
	mux.Handle("/", api.NotFound())
	return mux
}

// originOf is the scheme://host[:port] of a URL.
func originOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
