package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"parley/shared/model"
)

// The desk's wait thresholds come from the server's configuration (serve's
// --wait-amber and --wait-red) with the sign-in and every refresh.
func TestTheDeskReadsItsWaitThresholdsAtSignIn(t *testing.T) {
	for _, tc := range []struct {
		name       string
		desk       DeskConfig
		amber, red int
	}{
		{"unset: a minute, then three", DeskConfig{}, 60, 180},
		{"set by the admin", DeskConfig{WaitAmber: 2 * time.Minute, WaitRed: 5 * time.Minute}, 120, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServerWith(t, func(c *Config) { c.Desk = tc.desk })
			ana := s.mustCreateAgent(t, "ana@example.com", "agent")
			r := s.signIn(t, ana.Email, agentPassword)
			var login model.DeskLogin
			if r.status != http.StatusOK || json.Unmarshal([]byte(r.text), &login) != nil {
				t.Fatalf("sign in: %d %s", r.status, r.text)
			}
			if want := (model.DeskSettings{WaitAmberSeconds: tc.amber, WaitRedSeconds: tc.red}); login.Settings != want {
				t.Errorf("settings %+v, want %+v", login.Settings, want)
			}
			var fresh model.DeskLogin
			s.deskWith(ana, login.Token).mustCall(t, "POST", "/parley/v1/Desktop/Refresh", nil, &fresh)
			if fresh.Settings != login.Settings {
				t.Errorf("a refresh says %+v, the sign-in %+v", fresh.Settings, login.Settings)
			}
		})
	}
}

func TestBadWaitThresholdsStopTheServerStarting(t *testing.T) {
	for _, tc := range []struct {
		desk DeskConfig
		want string
	}{
		{DeskConfig{WaitAmber: 5 * time.Minute}, "wait red (--wait-red 3m0s) must be longer than wait amber (--wait-amber 5m0s)"},
		{DeskConfig{WaitAmber: 2 * time.Minute, WaitRed: time.Minute}, "must be longer"},
		{DeskConfig{WaitAmber: -time.Second}, "--wait-amber"},
		{DeskConfig{WaitRed: 500 * time.Millisecond}, "between 1s and 24h"},
	} {
		_, err := tc.desk.settings()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error saying %q", tc.desk, err, tc.want)
		}
	}
	cfg := Config{DataDir: t.TempDir(), Desk: DeskConfig{WaitAmber: time.Minute, WaitRed: time.Minute}}
	cfg.Database = testDatabase(t, cfg.DataDir)
	if a, err := Open(cfg); err == nil {
		a.Close()
		t.Error("the server started with red no later than amber")
	}
}
