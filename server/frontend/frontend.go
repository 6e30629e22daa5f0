// Package frontend serves what browsers load: the embed loader, the demo
// page, and the widget's page, scripts and WASM binary. The WASM comes
// precompressed from the build (brotli and gzip) under a content-hashed URL
// that may be cached forever; everything else is small and revalidated.
package frontend

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"

	"parley/assets"
	"parley/server/apperr"
	"parley/server/webchat"
	"parley/shared/i18n"
	"parley/web/dist"
)

// Deployments is what the widget's page needs to know of deployments.
type Deployments interface {
	Deployment(ctx context.Context, key string) (webchat.Deployment, error)
}

// Server serves the browser-facing files.
type Server struct {
	deployments Deployments
	demoKey     func(ctx context.Context) (string, error)
	log         *slog.Logger

	static map[string]file // by URL path
	wasm   map[string]wasm // by hashed file name
	// widgetWasm and desktopWasm are the binaries' hashed URLs; empty
	// when not built.
	widgetWasm, desktopWasm         string
	shell, desktop, demo, simulator *template.Template
}

type file struct {
	body, gz    []byte
	contentType string
	etag        string
}

type wasm struct{ br, gz []byte }

// New loads the embedded files. demoKey names the deployment the demo page
// embeds.
func New(deployments Deployments, demoKey func(ctx context.Context) (string, error), log *slog.Logger) (*Server, error) {
	s := &Server{deployments: deployments, demoKey: demoKey, log: log, static: map[string]file{}, wasm: map[string]wasm{}}
	for url, name := range map[string]string{
		"/embed.js":                "embed.js",
		"/widget/boot.js":          "widget/boot.js",
		"/widget/shell.js":         "widget/shell.js",
		"/widget/widget.css":       "widget/widget.css",
		"/desktop/boot.js":         "widget/boot.js",
		"/desktop/desktop.css":     "desktop/desktop.css",
		"/simulator/simulator.js":  "simulator/simulator.js",
		"/simulator/simulator.css": "simulator/simulator.css",
	} {
		b, err := fs.ReadFile(assets.Files, name)
		if err != nil {
			return nil, err
		}
		s.addStatic(url, b)
	}
	var err error
	if s.shell, err = template.New("index.html").Funcs(template.FuncMap{"autocomplete": autocomplete}).
		ParseFS(assets.Files, "widget/index.html"); err != nil {
		return nil, err
	}
	if s.demo, err = template.ParseFS(assets.Files, "index.html"); err != nil {
		return nil, err
	}
	if s.desktop, err = template.ParseFS(assets.Files, "desktop/index.html"); err != nil {
		return nil, err
	}
	if s.simulator, err = template.ParseFS(assets.Files, "simulator/index.html"); err != nil {
		return nil, err
	}
	if b, err := fs.ReadFile(dist.Files, "build/wasm_exec.js"); err == nil {
		s.addStatic("/widget/wasm_exec.js", b)
		s.addStatic("/desktop/wasm_exec.js", b)
	}
	s.widgetWasm = s.addWasm("widget")
	s.desktopWasm = s.addWasm("desktop")
	return s, nil
}

// addWasm loads a built binary, precompressed, and returns its
// content-hashed URL; "" when it is not built.
func (s *Server) addWasm(app string) string {
	br, errBr := fs.ReadFile(dist.Files, "build/"+app+".wasm.br")
	gz, errGz := fs.ReadFile(dist.Files, "build/"+app+".wasm.gz")
	if errBr != nil || errGz != nil {
		return ""
	}
	sum := sha256.Sum256(gz)
	name := app + "." + hex.EncodeToString(sum[:6]) + ".wasm"
	s.wasm[name] = wasm{br: br, gz: gz}
	return "/" + app + "/" + name
}

func (s *Server) addStatic(url string, b []byte) {
	sum := sha256.Sum256(b)
	ct := "application/octet-stream"
	switch path.Ext(url) {
	case ".js":
		ct = "text/javascript; charset=utf-8"
	case ".css":
		ct = "text/css; charset=utf-8"
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	s.static[url] = file{body: b, gz: gz.Bytes(), contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// version is a static file's cache-busting query value.
func (s *Server) version(url string) string {
	return strings.Trim(s.static[url].etag, `"`)
}

// Built reports whether the widget's WASM binary is in this server.
func (s *Server) Built() bool { return s.widgetWasm != "" }

// BuiltDesktop reports whether the desktop's WASM binary is in this server.
func (s *Server) BuiltDesktop() bool { return s.desktopWasm != "" }

// Register adds the routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	for url := range s.static {
		mux.HandleFunc("GET "+url, s.serveStatic)
	}
	mux.HandleFunc("GET /widget/{$}", s.serveShell)
	mux.HandleFunc("GET /widget/{name}", s.serveWasm)
	mux.HandleFunc("GET /desktop/{$}", s.serveDesktop)
	mux.HandleFunc("GET /desktop/{name}", s.serveWasm)
	mux.Handle("GET /desktop", http.RedirectHandler("/desktop/", http.StatusMovedPermanently))
	mux.HandleFunc("GET /{$}", s.serveDemo)
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	f := s.static[r.URL.Path]
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == strings.Trim(f.etag, `"`) {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// The loader's URL is in customers' pages and cannot change: let
		// browsers keep it briefly, then revalidate.
		h.Set("Cache-Control", "public, max-age=300")
	}
	if r.Header.Get("If-None-Match") == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if accepts(r, "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// accepts reports whether the request's Accept-Encoding allows enc.
func accepts(r *http.Request, enc string) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), enc) {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.000"
		}
	}
	return false
}

func (s *Server) serveWasm(w http.ResponseWriter, r *http.Request) {
	bin, ok := s.wasm[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/wasm")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	switch {
	case accepts(r, "br"):
		h.Set("Content-Encoding", "br")
		h.Set("Content-Length", strconv.Itoa(len(bin.br)))
		w.Write(bin.br)
	case accepts(r, "gzip"):
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(bin.gz)))
		w.Write(bin.gz)
	default: // every browser accepts gzip; inflate for the odd client that does not
		zr, err := gzip.NewReader(bytes.NewReader(bin.gz))
		if err != nil {
			http.Error(w, "damaged build", http.StatusInternalServerError)
			return
		}
		io.Copy(w, zr)
	}
}

// WidgetConfig is what the widget's page tells the widget about its
// deployment. The secret is never in it.
type WidgetConfig struct {
	Key            string                   `json:"key"`
	Name           string                   `json:"name"`
	Form           []webchat.Field          `json:"form"`
	WelcomeMessage string                   `json:"welcome_message"`
	Theme          webchat.Theme            `json:"theme"`
	Locale         string                   `json:"locale"`
	Attachments    webchat.AttachmentPolicy `json:"attachments"`
}

func (s *Server) serveShell(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	key := r.URL.Query().Get("key")
	d, err := s.deployments.Deployment(r.Context(), key)
	if err != nil {
		status := http.StatusInternalServerError
		msg := "The chat is unavailable; try again later."
		if apperr.Is(err, apperr.NotFound) {
			status, msg = http.StatusNotFound, fmt.Sprintf("There is no chat deployment %q: check the data-deployment-key of the embed tag.", key)
		} else {
			s.log.Error("widget page", "err", err)
		}
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(status)
		io.WriteString(w, msg)
		return
	}
	if !s.Built() {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "The widget is not built into this server: run `make build`.")
		return
	}
	cfg, _ := json.Marshal(WidgetConfig{Key: d.Key, Name: d.FriendlyName, Form: d.Form, WelcomeMessage: d.WelcomeMessage,
		Theme: d.Theme, Locale: d.Locale, Attachments: d.Attachments})
	nonce := newNonce()
	ancestors := "'self'"
	for _, o := range d.AllowedOrigins {
		ancestors += " " + o
	}
	// Only the deployment's sites may frame the widget; inline styles are
	// refused except the one theme rule carrying the nonce.
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'nonce-"+nonce+"'; "+
		"img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; frame-ancestors "+ancestors+"; base-uri 'none'; form-action 'none'; object-src 'none'")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	// The page draws the widget's first screen in the widget's words: the
	// deployment's language, or for "auto" the browser's, as the widget
	// itself picks from navigator.language.
	t := i18n.For(d.Locale, firstLanguage(r.Header.Get("Accept-Language")))
	var buf bytes.Buffer
	err = s.shell.Execute(&buf, map[string]any{
		"Config": string(cfg), "Nonce": nonce, "Color": template.CSS(d.Theme.Color), // validated #rrggbb
		"Mode": d.Theme.Mode, "Position": d.Theme.Position, "Wasm": s.widgetWasm,
		"Key": d.Key, "T": t, "Title": cmp.Or(d.FriendlyName, t.Title), "Form": d.Form,
		"Shell":    "/widget/shell.js?v=" + s.version("/widget/shell.js"),
		"CSS":      "/widget/widget.css?v=" + s.version("/widget/widget.css"),
		"WasmExec": "/widget/wasm_exec.js?v=" + s.version("/widget/wasm_exec.js"),
		"Boot":     "/widget/boot.js?v=" + s.version("/widget/boot.js"),
	})
	if err != nil {
		s.log.Error("widget page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Write(buf.Bytes())
}

// autocomplete is the autofill hint for the default form's fields.
func autocomplete(field string) string {
	return map[string]string{"friendlyName": "name", "email": "email"}[field]
}

// firstLanguage is the first tag of an Accept-Language header ("fr-CH,
// fr;q=0.9" → "fr-CH"), which is what the browser's navigator.language says.
func firstLanguage(header string) string {
	tag, _, _ := strings.Cut(header, ",")
	tag, _, _ = strings.Cut(tag, ";")
	return strings.TrimSpace(tag)
}

// serveDesktop serves the agent desktop's page. It is never framed and
// talks only to this server.
func (s *Server) serveDesktop(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if s.desktopWasm == "" {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "The desktop is not built into this server: run `make build`.")
		return
	}
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "+
		"img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	var buf bytes.Buffer
	err := s.desktop.Execute(&buf, map[string]any{"Wasm": s.desktopWasm,
		"CSS":      "/desktop/desktop.css?v=" + s.version("/desktop/desktop.css"),
		"WasmExec": "/desktop/wasm_exec.js?v=" + s.version("/desktop/wasm_exec.js"),
		"Boot":     "/desktop/boot.js?v=" + s.version("/desktop/boot.js"),
	})
	if err != nil {
		s.log.Error("desktop page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Write(buf.Bytes())
}

// Simulator serves the phone simulator's page, which texts number.
func (s *Server) Simulator(number string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if err := s.simulator.Execute(&buf, map[string]any{"Number": number}); err != nil {
			s.log.Error("simulator page", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		w.Write(buf.Bytes())
	})
}

func (s *Server) serveDemo(w http.ResponseWriter, r *http.Request) {
	key, err := s.demoKey(r.Context())
	if err != nil {
		s.log.Error("demo page", "err", err)
	}
	var buf bytes.Buffer
	if err := s.demo.Execute(&buf, map[string]any{"DeploymentKey": key}); err != nil {
		s.log.Error("demo page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(buf.Bytes())
}

func newNonce() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}
