package app

import (
	"net/http"
	"strings"
	"testing"
)

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
