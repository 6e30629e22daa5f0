package app

import (
	"net/http"
	"strings"
	"testing"
)

// The operator's views into a running server show what every request is
// doing, so only the account's credentials open them.
func TestMetricsProfilesAndTracesNeedTheAccount(t *testing.T) {
	s := startServer(t)
	tests := []struct {
		path   string
		starts string // what the body of an allowed request begins with
	}{
		{"/metrics", "# HELP"},
		{"/debug/pprof/", "<html>"},
		{"/debug/pprof/trace?seconds=0.2", "go 1."},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			anonymous := s.do(t, rawRequest{method: http.MethodGet, path: tt.path, noAuth: true})
			wantTwilioErrorShape(t, anonymous, http.StatusUnauthorized, 0)
			r := s.get(t, tt.path)
			if r.status != http.StatusOK || !strings.HasPrefix(r.text, tt.starts) {
				t.Errorf("with the account's credentials: %d %.40q, want 200 and a body starting %q", r.status, r.text, tt.starts)
			}
		})
	}
}
