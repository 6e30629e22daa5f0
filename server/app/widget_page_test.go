package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The widget's page draws the first screen itself (see
// widget_shell_browser_test.go): in the widget's words, with the
// deployment's form, and with its labels shown as text.
func TestTheWidgetPageDrawsTheFormInTheVisitorsLanguage(t *testing.T) {
	s := startServer(t)
	if !s.app.front.Built() {
		t.Skip("the widget is not built into this test binary: run make build")
	}
	form := `[{"name":"friendlyName","label":"<img src=x onerror=alert(1)>","type":"text","required":true},` +
		`{"name":"topic","label":"Topic","type":"select","options":["Billing","Orders & returns"]}]`
	auto := s.createDeployment(t, url.Values{"FriendlyName": {"Shop & Co"}, "PreEngagementForm": {form}})
	french := s.createDeployment(t, url.Values{"Locale": {"fr"}})

	cases := []struct {
		name, key, languages string
		want, wantNot        []string
	}{
		{"the browser's language, for a deployment on auto", auto.Key, "fr-CH,fr;q=0.9,en;q=0.8",
			[]string{`lang="fr" dir="ltr"`, "Démarrer la discussion", `<h1 class="title">Shop &amp; Co</h1>`},
			[]string{"Start chat"}},
		{"right to left for Arabic", auto.Key, "ar",
			[]string{`lang="ar" dir="rtl"`, "ابدأ المحادثة"}, nil},
		{"English for a language the widget does not speak", auto.Key, "xx-YY",
			[]string{`lang="en"`, "Start chat"}, nil},
		{"the deployment's language over the browser's", french.Key, "ar",
			[]string{`lang="fr"`, "Démarrer la discussion"}, []string{"ابدأ"}},
		{"labels and options as text, never markup", auto.Key, "en",
			[]string{"&lt;img src=x onerror=alert(1)&gt; *", "<option>Orders &amp; returns</option>", `id="boot-topic"`},
			[]string{"<img", `id="boot-email"`}},
		{"the default form", french.Key, "fr",
			[]string{`id="boot-friendlyName"`, `type="email"`, `autocomplete="email"`, "<textarea"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(t, rawRequest{method: "GET", path: "/widget/?key=" + tc.key, noAuth: true,
				header: map[string]string{"Accept-Language": tc.languages}})
			if r.status != http.StatusOK {
				t.Fatalf("the widget page: %d %s", r.status, r.text)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.text, w) {
					t.Errorf("the page lacks %s", w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(r.text, w) {
					t.Errorf("the page has %s", w)
				}
			}
		})
	}
}
