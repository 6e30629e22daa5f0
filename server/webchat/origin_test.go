package webchat_test

import (
	"slices"
	"testing"

	"parley/server/apperr"
	"parley/server/webchat"
)

// Only the pages a deployment allows (and the server's own, where the
// widget's iframe lives) may start its chats.
func TestOnlyAllowedPagesMayUseADeployment(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{AllowedOrigins: []string{"https://Shop.Example.com", "https://*.example.org", "http://localhost:8080"}})
	cases := []struct {
		origin string
		ok     bool
	}{
		{self, true},
		{"", true}, // not a browser: a backend's call
		{"https://shop.example.com", true},
		{"https://SHOP.example.com", true},
		{"http://shop.example.com", false}, // another scheme
		{"https://shop.example.com:8443", false},
		{"https://evil-shop.example.com", false},
		{"https://shop.example.com.evil.net", false},
		{"https://eu.example.org", true},
		{"https://a.b.example.org", true},
		{"https://example.org", false}, // the wildcard is for subdomains
		{"https://evilexample.org", false},
		{"http://localhost:8080", true},
		{"http://localhost:9090", false},
		{"null", false},
	}
	for _, tc := range cases {
		t.Run(tc.origin, func(t *testing.T) {
			_, err := r.svc.Init(r.ctx, webchat.InitParams{DeploymentKey: d.Key, Origin: tc.origin,
				PreEngagementData: answers("friendlyName", "Ada", "question", "hi")})
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok {
				wantRefused(t, err, apperr.Forbidden, "Origin "+tc.origin+" may not use webchat deployment", "AllowedOrigins")
			}
			if got := r.svc.AnyAllows(r.ctx, tc.origin); got != tc.ok && tc.origin != "" {
				t.Errorf("AnyAllows = %v, want %v", got, tc.ok)
			}
		})
	}
}

// Allowed origins are written as origins, normalised, and checked.
func TestAllowedOriginsAreOrigins(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{AllowedOrigins: []string{" https://B.example.com/ ", "https://a.example.com", "https://a.example.com"}})
	if want := []string{"https://a.example.com", "https://b.example.com"}; !slices.Equal(d.AllowedOrigins, want) {
		t.Errorf("stored %q, want %q", d.AllowedOrigins, want)
	}
	for _, bad := range []string{"shop.example.com", "ftp://shop.example.com", "https://shop.example.com/page", "https://shop.example.com?x=1",
		"https://user@shop.example.com", "https://shop.*.com", "https://*.", "https://"} {
		_, err := r.svc.UpdateDeployment(r.ctx, d.Key, webchat.DeploymentParams{AllowedOrigins: []string{bad}})
		wantRefused(t, err, apperr.Invalid, "AllowedOrigins")
	}
	many := make([]string, webchat.MaxOrigins+1)
	for i := range many {
		many[i] = "https://example.com"
	}
	_, err := r.svc.UpdateDeployment(r.ctx, d.Key, webchat.DeploymentParams{AllowedOrigins: many})
	wantRefused(t, err, apperr.Invalid, "the limit is 10")
	// An empty list clears them: only the server's own pages remain.
	d, err = r.svc.UpdateDeployment(r.ctx, d.Key, webchat.DeploymentParams{AllowedOrigins: []string{}})
	if err != nil || len(d.AllowedOrigins) != 0 || d.AllowsOrigin("https://a.example.com", self) || !d.AllowsOrigin(self, self) {
		t.Errorf("cleared: %q, %v", d.AllowedOrigins, err)
	}
}

// What an account sets on a deployment is checked, naming the parameter
// at fault; a refused update changes nothing.
func TestDeploymentSettingsAreChecked(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{})
	cases := []struct {
		name string
		p    webchat.DeploymentParams
		why  string
	}{
		{"blank name", webchat.DeploymentParams{FriendlyName: ptr("  ")}, "FriendlyName"},
		{"name hides characters", webchat.DeploymentParams{FriendlyName: ptr("Shop\u200b")}, "FriendlyName"},
		{"colour", webchat.DeploymentParams{ThemeColor: ptr("red")}, "Theme.Color"},
		{"mode", webchat.DeploymentParams{ThemeMode: ptr("neon")}, "Theme.Mode"},
		{"position", webchat.DeploymentParams{ThemePosition: ptr("top")}, "Theme.Position"},
		{"locale", webchat.DeploymentParams{Locale: ptr("xx")}, "Locale"},
		{"welcome too long", webchat.DeploymentParams{WelcomeMessage: ptr(string(make([]byte, webchat.MaxWelcomeBytes+1)))}, "WelcomeMessage"},
		{"form not JSON", webchat.DeploymentParams{Form: ptr("{")}, "PreEngagementForm must be a JSON array"},
		{"form field twice", webchat.DeploymentParams{Form: ptr(`[{"name":"a","label":"A","type":"text"},{"name":"a","label":"B","type":"text"}]`)}, "used twice"},
		{"form field name", webchat.DeploymentParams{Form: ptr(`[{"name":"1a","label":"A","type":"text"}]`)}, "letters, digits"},
		{"form field type", webchat.DeploymentParams{Form: ptr(`[{"name":"a","label":"A","type":"date"}]`)}, "type \"date\""},
		{"select without options", webchat.DeploymentParams{Form: ptr(`[{"name":"a","label":"A","type":"select"}]`)}, "needs options"},
		{"label in an unknown language", webchat.DeploymentParams{Form: ptr(`[{"name":"a","label":"A","type":"text","labels":{"xx":"A"}}]`)}, "languages the widget speaks"},
		{"attachment size", webchat.DeploymentParams{Attachments: struct {
			Enabled      *bool
			MaxBytes     *int64
			AllowedTypes []string
		}{MaxBytes: ptr(int64(0))}}, "Attachments.MaxBytes"},
		{"email field not an email", webchat.DeploymentParams{EmailReplies: webchat.EmailRepliesParams{Field: ptr("friendlyName")}}, "type email"},
		{"email field unknown", webchat.DeploymentParams{EmailReplies: webchat.EmailRepliesParams{Field: ptr("nope")}}, "not a field"},
		{"unread minutes", webchat.DeploymentParams{EmailReplies: webchat.EmailRepliesParams{UnreadMinutes: ptr(-1)}}, "UnreadMinutes"},
		{"survey language", webchat.DeploymentParams{CSAT: webchat.CSATParams{Questions: map[string]string{"xx": "?"}}}, "Csat.Question.xx"},
		{"business hours", webchat.DeploymentParams{BusinessHours: ptr(`{"time_zone":"Mars/Olympus","weekly":{}}`)}, "BusinessHours.time_zone"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.svc.UpdateDeployment(r.ctx, d.Key, tc.p)
			wantRefused(t, err, apperr.Invalid, tc.why)
		})
	}
	got, err := r.svc.Deployment(r.ctx, d.Key)
	if err != nil || got.FriendlyName != d.FriendlyName || got.Theme != d.Theme || !got.Updated.Equal(d.Updated) {
		t.Errorf("after refused updates: %+v, %v", got, err)
	}
}
