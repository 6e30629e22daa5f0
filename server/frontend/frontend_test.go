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
