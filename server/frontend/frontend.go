// Package frontend serves what browsers load: the embed loader, the front
// page (with a demo chat when the server runs one), and the widget's page,
// scripts and WASM binary. The WASM comes precompressed from the build
// (brotli and gzip) under a content-hashed URL that may be cached forever;
// everything else is small and revalidated.
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
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

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

	release string // the server's version, from its build; "" when it has none

	static map[string]file // by URL path
	wasm   map[string]wasm // by hashed file name
	// widgetWasm and desktopWasm are the binaries' hashed URLs; empty
	// when not built.
	widgetWasm, desktopWasm               string
	shell, wait, desktop, home, simulator *template.Template

	// EmailTranscripts says Parley can email (SMTP is configured): the
	// widget of a deployment whose form asks for an email then offers
	// visitors their transcript by email.
	EmailTranscripts bool
	// Now is the clock deployments' business hours are read by.
	Now func() time.Time
}

type file struct {
	body, gz    []byte
	contentType string
	etag        string
}

type wasm struct{ br, gz []byte }

// New loads the embedded files. demoKey, nil when the server runs no demo,
// names the deployment the front page embeds; "" once it was deleted.
func New(deployments Deployments, demoKey func(ctx context.Context) (string, error), log *slog.Logger) (*Server, error) {
	s := &Server{deployments: deployments, demoKey: demoKey, log: log, release: buildVersion(),
		static: map[string]file{}, wasm: map[string]wasm{}, Now: time.Now}
	for url, name := range map[string]string{
		"/embed.js":                "embed.js",
		"/home.css":                "home.css",
		"/home.js":                 "home.js",
		"/favicon.svg":             "favicon.svg",
		"/favicon.ico":             "favicon.svg", // browsers ask for it unprompted; they all draw an SVG icon
		"/widget/boot.js":          "widget/boot.js",
		"/widget/shell.js":         "widget/shell.js",
		"/widget/wait.js":          "widget/wait.js",
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
		if name == "embed.js" {
			if b, err = withWords(b); err != nil {
				return nil, err
			}
		}
		s.addStatic(url, b)
	}
	var err error
	if s.shell, err = template.New("index.html").Funcs(template.FuncMap{"autocomplete": autocomplete}).
		ParseFS(assets.Files, "widget/index.html"); err != nil {
		return nil, err
	}
	if s.wait, err = template.ParseFS(assets.Files, "widget/wait.html"); err != nil {
		return nil, err
	}
	if s.home, err = template.ParseFS(assets.Files, "index.html"); err != nil {
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

// loaderWords is where embed.js keeps its words, English only in the
// source; the server puts every language's in (withWords).
var loaderWords = regexp.MustCompile(`/\*parley:words\*/.*?/\*end\*/`)

// withWords gives the embed loader its words in every language the widget
// speaks, from shared/i18n, so the launcher speaks the widget's language
// before the widget has loaded.
func withWords(loader []byte) ([]byte, error) {
	if len(loaderWords.FindAllIndex(loader, -1)) != 1 {
		return nil, fmt.Errorf("embed.js: no single /*parley:words*/ ... /*end*/ to fill in")
	}
	words := map[string]map[string]string{}
	for _, lang := range i18n.Langs() {
		t := i18n.For(lang, "")
		words[lang] = map[string]string{"open": t.OpenChat, "unread": t.Unread, "title": t.Frame, "out": t.Hours().Launcher}
	}
	b, err := json.Marshal(words)
	if err != nil {
		return nil, err
	}
	return loaderWords.ReplaceAllLiteral(loader, b), nil
}

// Loader is the embed loader as the server serves it, words filled in.
func Loader() ([]byte, error) {
	b, err := fs.ReadFile(assets.Files, "embed.js")
	if err != nil {
		return nil, err
	}
	return withWords(b)
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
	case ".svg", ".ico": // the icon is an SVG under both names
		ct = "image/svg+xml"
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
	mux.Handle("GET /desktop", Page(http.RedirectHandler("/desktop/", http.StatusMovedPermanently))) // its body is HTML
	mux.HandleFunc("GET /{$}", s.serveHome)
}

// The Content-Security-Policies of Parley's pages, frame rules apart (see
// pageHeaders). Scripts and styles come from files on this server, never
// inline; the Go front ends add WebAssembly, the widget its theme's one
// style rule under a nonce.
const (
	homePolicy    = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'"
	desktopPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
		"img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'"
	simulatorPolicy = "default-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'"
)

// pageHeaders sets what every HTML page Parley serves sends (see
// securityHeaders), and that it is HTML to revalidate.
func pageHeaders(h http.Header, csp string, ancestors ...string) {
	securityHeaders(h, csp, ancestors...)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
}

// securityHeaders sets the page's Content-Security-Policy csp with
// frame-ancestors added, no MIME sniffing, and no Referer on the page's
// requests and links (URLs carry deployment keys and conversation SIDs).
// ancestors are the sources that may frame the page; none also sends
// X-Frame-Options: DENY, for browsers older than frame-ancestors.
func securityHeaders(h http.Header, csp string, ancestors ...string) {
	frame := "'none'"
	if len(ancestors) > 0 {
		frame = strings.Join(ancestors, " ")
	} else {
		h.Set("X-Frame-Options", "DENY")
	}
	h.Set("Content-Security-Policy", csp+"; frame-ancestors "+frame)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
}

// Page wraps h, HTML pages no site may frame that load only what this
// server serves and need no inline script or style, with the headers
// every page of Parley sends.
func Page(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w.Header(), "default-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'")
		h.ServeHTTP(w, r)
	})
}

// plainText answers msg as text, for pages that cannot be served.
func plainText(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, msg)
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	f := s.static[r.URL.Path]
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	if f.contentType == "image/svg+xml" {
		// An SVG opened as a document could run script: ours has none, and
		// may not.
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	}
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
	// EmailTranscript offers the transcript by email (see
	// Server.EmailTranscripts).
	EmailTranscript bool         `json:"email_transcript,omitempty"`
	CSAT            webchat.CSAT `json:"csat"`
	// Away is set while the deployment is outside its business hours.
	Away *AwayConfig `json:"away,omitempty"`
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
		plainText(w, status, msg)
		return
	}
	if !s.Built() {
		plainText(w, http.StatusServiceUnavailable, "The widget is not built into this server: run `make build`.")
		return
	}
	nonce := newNonce()
	// Only the deployment's sites may frame the widget (so no
	// X-Frame-Options, which cannot name them); inline styles are refused
	// except the one theme rule carrying the nonce.
	pageHeaders(h, "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'nonce-"+nonce+"'; "+
		"img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'",
		append([]string{"'self'"}, d.AllowedOrigins...)...)
	// The page draws the widget's first screen in the widget's words: the
	// deployment's language, or for "auto" the browser's, as the widget
	// itself picks from navigator.language.
	t := i18n.For(d.Locale, firstLanguage(r.Header.Get("Accept-Language")))
	// The loader preloads before the visitor shows intent: a page that
	// only prefetches the WASM into the cache (assets/widget/wait.js).
	away, screen := s.awayOf(d, t)
	page, data := s.wait, map[string]any{"T": t, "Wasm": s.widgetWasm, "Away": away != nil,
		"Wait": "/widget/wait.js?v=" + s.version("/widget/wait.js")}
	if r.URL.Query().Get("wait") != "1" {
		cfg, _ := json.Marshal(WidgetConfig{Key: d.Key, Name: d.FriendlyName, Form: d.Form, WelcomeMessage: d.WelcomeMessage,
			Theme: d.Theme, Locale: d.Locale, Attachments: d.Attachments, CSAT: d.CSAT, Away: away,
			EmailTranscript: s.EmailTranscripts && d.EmailField() != ""})
		form := make([]webchat.Field, len(screen.form))
		for i, f := range screen.form {
			f.Label = t.Label(f.Name, f.Label, f.Labels)
			form[i] = f
		}
		page, data = s.shell, map[string]any{
			"Config": string(cfg), "Nonce": nonce, "Color": template.CSS(d.Theme.Color), // validated #rrggbb
			"Mode": d.Theme.Mode, "Position": d.Theme.Position, "Wasm": s.widgetWasm,
			"Key": d.Key, "T": t, "Title": cmp.Or(d.FriendlyName, t.Title), "Form": form,
			"Subtitle": screen.subtitle, "Intro": screen.intro, "Submit": screen.submit,
			"Shell":    "/widget/shell.js?v=" + s.version("/widget/shell.js"),
			"CSS":      "/widget/widget.css?v=" + s.version("/widget/widget.css"),
			"WasmExec": "/widget/wasm_exec.js?v=" + s.version("/widget/wasm_exec.js"),
			"Boot":     "/widget/boot.js?v=" + s.version("/widget/boot.js"),
		}
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
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
	if s.desktopWasm == "" {
		plainText(w, http.StatusServiceUnavailable, "The desktop is not built into this server: run `make build`.")
		return
	}
	pageHeaders(w.Header(), desktopPolicy)
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
		pageHeaders(w.Header(), simulatorPolicy)
		w.Write(buf.Bytes())
	})
}

// serveHome serves the front page: what this server is and where to go,
// and when the server runs a demo, a live chat with its deployment.
func (s *Server) serveHome(w http.ResponseWriter, r *http.Request) {
	var key string
	removed := false
	if s.demoKey != nil {
		var err error
		if key, err = s.demoKey(r.Context()); err != nil {
			s.log.Error("front page: the demo deployment", "err", err)
		} else {
			removed = key == ""
		}
	}
	var buf bytes.Buffer
	err := s.home.Execute(&buf, map[string]any{"DeploymentKey": key, "Removed": removed, "Version": s.release,
		"CSS": "/home.css?v=" + s.version("/home.css"), "JS": "/home.js?v=" + s.version("/home.js")})
	if err != nil {
		s.log.Error("front page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	pageHeaders(w.Header(), homePolicy)
	w.Write(buf.Bytes())
}

// buildVersion is the server's module version as the Go toolchain stamped
// it (a tag, or a pseudo-version naming the commit); "" for a build that
// has none, such as a test binary.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Version == "(devel)" {
		return ""
	}
	return info.Main.Version
}

func newNonce() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}
