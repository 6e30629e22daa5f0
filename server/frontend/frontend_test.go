package frontend

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"parley/server/apperr"
	"parley/server/webchat"
)

// oneDeployment is a store of a single deployment.
type oneDeployment webchat.Deployment

func (d oneDeployment) Deployment(_ context.Context, key string) (webchat.Deployment, error) {
	if key != d.Key {
		return webchat.Deployment{}, apperr.NotFoundf("no deployment %s", key)
	}
	return webchat.Deployment(d), nil
}

// The widget's and the desktop's pages need their WASM, which a test
// binary may not embed; their headers are checked here with the binaries'
// URLs stood in, as the app's tests do with a full build.
func TestTheGoFrontEndsPagesSendSecurityHeaders(t *testing.T) {
	shop := "https://shop.example.com"
	s, err := New(oneDeployment{Key: "CV1", AllowedOrigins: []string{shop}, Locale: "en"}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s.widgetWasm, s.desktopWasm = "/widget/widget.0.wasm", "/desktop/desktop.0.wasm"
	mux := http.NewServeMux()
	s.Register(mux)

	for _, tc := range []struct {
		name, path, frameAncestors, frameOptions string
	}{
		{"the desktop, which no site may frame", "/desktop/", "frame-ancestors 'none'", "DENY"},
		{"the widget, which its deployment's sites frame", "/widget/?key=CV1", "frame-ancestors 'self' " + shop, ""},
		{"the widget's waiting page, framed before intent", "/widget/?key=CV1&wait=1", "frame-ancestors 'self' " + shop, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", tc.path, w.Code, w.Body)
			}
			h := w.Header()
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self' 'wasm-unsafe-eval'", "object-src 'none'", "base-uri 'none'", tc.frameAncestors} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %s", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q allows inline code", csp)
			}
			if h.Get("X-Frame-Options") != tc.frameOptions || h.Get("X-Content-Type-Options") != "nosniff" ||
				h.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("X-Frame-Options %q, X-Content-Type-Options %q, Referrer-Policy %q",
					h.Get("X-Frame-Options"), h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
			}
		})
	}
}

func TestTheLoaderAndTheFirstScreenSpeakTheVisitorsLanguage(t *testing.T) {
	loader, err := Loader()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"fr":{"open":"Ouvrir la discussion"`, `"ar":{"open":"فتح المحادثة"`, `"en":{"open":"Open chat"`} {
		if !strings.Contains(string(loader), want) {
			t.Errorf("the served loader lacks %s", want)
		}
	}

	form := []webchat.Field{{Name: "friendlyName", Label: "Name", Type: "text", Required: true},
		{Name: "order", Label: "Order number", Labels: map[string]string{"fr": "Numéro de commande"}, Type: "text"}}
	s, err := New(oneDeployment{Key: "CV1", Locale: "auto", Form: form}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s.widgetWasm = "/widget/widget.0.wasm"
	mux := http.NewServeMux()
	s.Register(mux)
	r := httptest.NewRequest("GET", "/widget/?key=CV1", nil)
	r.Header.Set("Accept-Language", "fr-CH, fr;q=0.9")
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	for _, want := range []string{`<html lang="fr"`, `>Nom *</label>`, `>Numéro de commande</label>`, `<title>Discussion</title>`} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("the French first screen lacks %s", want)
		}
	}
}
