package app

import (
	"net/http"
	"strconv"
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

// A write's time in the store, waiting its turn included, is the part of a
// request's latency a slow disk or a saturated writer adds: operators see
// its distribution, not only averages.
func TestMetricsShowHowLongStoreWritesTake(t *testing.T) {
	s := startServer(t)
	mustCreateConversation(t, s.tw, "a write")
	metrics := s.get(t, "/metrics").text
	var count float64
	for _, line := range strings.Split(metrics, "\n") {
		if v, ok := strings.CutPrefix(line, "parley_store_write_seconds_count "); ok {
			count, _ = strconv.ParseFloat(v, 64)
		}
	}
	if count < 1 || !strings.Contains(metrics, `parley_store_write_seconds_bucket{le="0.005"}`) {
		t.Errorf("/metrics has no histogram of the writes made:\n%s", grepLines(metrics, "parley_store_write"))
	}
}
