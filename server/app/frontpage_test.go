package app

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// deploymentKeyPattern finds a webchat deployment's key in a page.
var deploymentKeyPattern = regexp.MustCompile(`CV[0-9a-f]{16}`)

// deploymentKeys lists the account's webchat deployments through the API.
func (s *testServer) deploymentKeys(t *testing.T) []string {
	t.Helper()
	r := s.get(t, "/parley/v1/Deployments")
	if r.status != http.StatusOK {
		t.Fatalf("list deployments: %d %s", r.status, r.text)
	}
	var keys []string
	for _, d := range r.json["deployments"].([]any) {
		keys = append(keys, d.(map[string]any)["key"].(string))
	}
	return keys
}

// frontPage fetches / as a stranger's browser would.
func (s *testServer) frontPage(t *testing.T) reply {
	t.Helper()
	r := s.do(t, rawRequest{method: http.MethodGet, path: "/", noAuth: true})
	if r.status != http.StatusOK {
		t.Fatalf("GET /: %d %s", r.status, r.text)
	}
	return r
}

// A server started without Demo is no open chat: a stranger who loads its
// front page finds no deployment key to start chats with, and loading it
// makes no deployment.
func TestWithoutDemoTheFrontPageOffersNoChat(t *testing.T) {
	s := startServerWith(t, func(c *Config) { c.Demo = false })
	for range 2 {
		page := s.frontPage(t)
		for _, bad := range []string{"data-deployment-key", "/embed.js"} {
			if strings.Contains(page.text, bad) {
				t.Errorf("the front page of a server without a demo contains %q:\n%s", bad, page.text)
			}
		}
		if key := deploymentKeyPattern.FindString(page.text); key != "" {
			t.Errorf("the front page of a server without a demo names the deployment %s", key)
		}
		for _, want := range []string{"Parley", `href="/desktop/"`, `href="/healthz"`} {
			if !strings.Contains(page.text, want) {
				t.Errorf("the front page lacks %s", want)
			}
		}
	}
	if keys := s.deploymentKeys(t); len(keys) != 0 {
		t.Errorf("a server without a demo has deployments %v", keys)
	}
	if key, err := s.app.DemoDeployment(context.Background()); err != nil || key != "" {
		t.Errorf("DemoDeployment without a demo: %q, %v", key, err)
	}
}

// With Demo, an operator who deletes the demo deployment has closed that
// chat for good: neither loading the front page nor a restart brings it back.
func TestADeletedDemoDeploymentStaysDeleted(t *testing.T) {
	s := startServerWith(t, func(c *Config) { c.Demo = true })
	key, err := s.app.DemoDeployment(context.Background())
	if err != nil || key == "" {
		t.Fatalf("the demo deployment: %q, %v", key, err)
	}
	if page := s.frontPage(t); !strings.Contains(page.text, `data-deployment-key="`+key+`"`) {
		t.Fatalf("the demo page does not embed the demo deployment %s:\n%s", key, page.text)
	}
	if r := s.do(t, rawRequest{method: http.MethodDelete, path: "/parley/v1/Deployments/" + key}); r.status != http.StatusNoContent {
		t.Fatalf("delete the demo deployment: %d %s", r.status, r.text)
	}

	check := func(s *testServer, when string) {
		t.Helper()
		for range 2 {
			page := s.frontPage(t)
			if strings.Contains(page.text, "data-deployment-key") || strings.Contains(page.text, "/embed.js") {
				t.Errorf("%s: the front page still embeds a chat:\n%s", when, page.text)
			}
			if !strings.Contains(page.text, "demo deployment was deleted") {
				t.Errorf("%s: the front page does not say the demo was removed", when)
			}
		}
		if keys := s.deploymentKeys(t); len(keys) != 0 {
			t.Errorf("%s: deployments %v, want none", when, keys)
		}
		if k, err := s.app.DemoDeployment(context.Background()); err != nil || k != "" {
			t.Errorf("%s: DemoDeployment %q, %v", when, k, err)
		}
	}
	check(s, "after deleting it")

	s.stop()
	again := startServerWith(t, func(c *Config) { c.Demo, c.DataDir = true, s.dataDir })
	check(again, "after a restart with the demo on")
}

// Every HTML page says where it may be framed, what it may load, to send no
// referrer and not to be sniffed as something else.
func TestEveryHTMLPageSendsSecurityHeaders(t *testing.T) {
	s := startServerWith(t, func(c *Config) { c.Demo, c.Channels.Simulator = true, true })
	plain := startServerWith(t, func(c *Config) { c.Demo = false })
	shop := "https://shop.example.com"
	d := s.createDeployment(t, url.Values{"AllowedOrigins": {shop}})

	type page struct {
		name      string
		server    *testServer
		path      string
		built     bool
		frameable string // the origin allowed to frame the page; "" for none
	}
	pages := []page{
		{"the demo page", s, "/", true, ""},
		{"the plain front page", plain, "/", true, ""},
		{"the simulator", s, "/simulator", true, ""},
		{"the desktop", s, "/desktop/", s.app.front.BuiltDesktop(), ""},
		{"the widget", s, "/widget/?key=" + d.Key, s.app.front.Built(), shop},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			if !p.built {
				t.Skip("not built into this test binary: run make build (the frontend package tests its headers)")
			}
			r := p.server.do(t, rawRequest{method: http.MethodGet, path: p.path, noAuth: true})
			if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("GET %s: %d %s", p.path, r.status, r.header.Get("Content-Type"))
			}
			csp := r.header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors "} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %s", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "'unsafe-eval'") {
				t.Errorf("CSP %q allows inline or eval'd script", csp)
			}
			if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if got := r.header.Get("Referrer-Policy"); got != "no-referrer" {
				t.Errorf("Referrer-Policy %q", got)
			}
			if p.frameable == "" {
				if !strings.Contains(csp, "frame-ancestors 'none'") || r.header.Get("X-Frame-Options") != "DENY" {
					t.Errorf("a page no site may frame: CSP %q, X-Frame-Options %q", csp, r.header.Get("X-Frame-Options"))
				}
			} else if !strings.Contains(csp, "frame-ancestors 'self' "+p.frameable) || r.header.Get("X-Frame-Options") != "" {
				t.Errorf("the widget must stay frameable by %s only: CSP %q, X-Frame-Options %q", p.frameable, csp, r.header.Get("X-Frame-Options"))
			}
			if strings.Contains(r.text, "<script>") || strings.Contains(r.text, "<style>") || strings.Contains(r.text, " style=") {
				t.Errorf("the page has inline script or style its CSP refuses:\n%s", r.text)
			}
		})
	}
}

// Browsers and scanners ask for paths Parley does not have; they get a plain
// 404, not a password prompt, while the API's own paths still ask for
// credentials as Twilio's do.
func TestUnknownPathsAreNotFoundWithoutAChallenge(t *testing.T) {
	s := startServer(t)
	for _, path := range []string{"/nope", "/wp-login.php", "/.env", "/admin/", "/favicon.png", "/index.php?x=1"} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			r := s.do(t, rawRequest{method: method, path: path, noAuth: true})
			wantTwilioErrorShape(t, r, http.StatusNotFound, 20404)
			if got := r.header.Get("WWW-Authenticate"); got != "" {
				t.Errorf("%s %s: WWW-Authenticate %q, want no challenge", method, path, got)
			}
		}
	}
	for _, path := range []string{"/conversations/v1/Conversations", "/conversations/v1/Nope", "/parley/v1/Deployments",
		"/parley/v1/Nope", "/taskrouter/v1/Workspaces", "/flex/v1/Interactions", "/api/2010-04-01/Accounts/" + s.accountSID + "/Keys.json"} {
		r := s.do(t, rawRequest{method: http.MethodGet, path: path, noAuth: true})
		wantTwilioErrorShape(t, r, http.StatusUnauthorized, 20003)
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("GET %s without credentials: WWW-Authenticate %q, want a Basic challenge", path, r.header.Get("WWW-Authenticate"))
		}
	}
	// With credentials, an unknown path is still a 404 in the API's shape.
	wantTwilioErrorShape(t, s.get(t, "/nope"), http.StatusNotFound, 20404)
}

func TestTheServerHasAFavicon(t *testing.T) {
	s := startServerWith(t, func(c *Config) { c.Demo = false })
	for _, path := range []string{"/favicon.ico", "/favicon.svg"} {
		r := s.do(t, rawRequest{method: http.MethodGet, path: path, noAuth: true})
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "image/") || !strings.Contains(r.text, "<svg") {
			t.Errorf("GET %s: %d %q %.100s", path, r.status, r.header.Get("Content-Type"), r.text)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q", path, r.header.Get("X-Content-Type-Options"))
		}
	}
	if page := s.frontPage(t); !strings.Contains(page.text, `rel="icon" href="/favicon.svg`) {
		t.Errorf("the front page does not link the favicon")
	}
}
