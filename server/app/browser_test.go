package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Browser tests drive Debian's Chromium against a real server. `make test`
// builds the widget and installs Chromium first and sets
// PARLEY_BROWSER_TESTS=1, which turns a missing part into a failure
// instead of a skip.

// browser is a headless Chromium for one test.
type browser struct {
	ctx       context.Context
	artefacts string
	mu        sync.Mutex
	requests  []string // URLs, in the order they were requested
	firstWasm time.Time
	logf      func(format string, args ...any)
}

func startBrowser(t testing.TB, s *testServer) *browser {
	t.Helper()
	need := os.Getenv("PARLEY_BROWSER_TESTS") != ""
	missing := func(what string) {
		if need {
			t.Fatalf("browser test: %s", what)
		}
		t.Skipf("browser test skipped: %s (make test runs it)", what)
	}
	if !s.app.front.Built() {
		missing("the widget WASM is not built into this test binary: run make build")
	}
	exe, err := exec.LookPath("chromium")
	if err != nil {
		missing("chromium is not installed: apt-get install chromium")
	}
	// Not t.TempDir: Chromium's helper processes may still be writing to
	// the profile for a moment after the browser is gone, and TempDir's
	// cleanup fails the test on a directory that is not empty yet.
	profile, err := os.MkdirTemp("", "parley-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove the browser profile %s", profile)
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("site-per-process", true), // a cross-site widget is its own target
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	// Each step has its own minute (see run); this bounds a whole test,
	// which on a loaded two-core CI machine may start four WASM apps.
	ctx, cancelTimeout := context.WithTimeout(ctx, 10*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })

	b := &browser{ctx: ctx, artefacts: filepath.Join("..", "..", ".cache", "browser-artefacts", t.Name()), logf: t.Logf}
	os.MkdirAll(b.artefacts, 0o755)
	chromedp.ListenTarget(ctx, b.listen)
	if err := chromedp.Run(ctx, network.Enable()); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

func (b *browser) listen(ev any) {
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.mu.Lock()
		b.requests = append(b.requests, e.Request.URL)
		if strings.HasSuffix(e.Request.URL, ".wasm") && b.firstWasm.IsZero() && e.WallTime != nil {
			b.firstWasm = e.WallTime.Time()
		}
		b.mu.Unlock()
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range e.Args {
			parts = append(parts, string(a.Value)+a.Description)
		}
		b.logf("console.%s: %s", e.Type, strings.Join(parts, " "))
	case *runtime.EventExceptionThrown:
		b.logf("exception: %s", e.ExceptionDetails.Error())
	case *page.EventJavascriptDialogOpening:
		// Parley's pages ask in their own dialogs; should a browser's
		// dialog open, say yes rather than hang the test.
		go chromedp.Run(b.ctx, page.HandleJavaScriptDialog(true))
	}
}

func (b *browser) requested(substr string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, u := range b.requests {
		if strings.Contains(u, substr) {
			return true
		}
	}
	return false
}

// run runs actions in ctx, failing the test with what was being done.
func run(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	// A step that waits for something that never comes fails in a minute,
	// saying which step it was, instead of hanging the whole run.
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// screenshot saves the page as PNG (quality 100 makes Chromium send PNG) in the test's artefacts folder.
func (b *browser) screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.WriteFile(filepath.Join(b.artefacts, name+".png"), png, 0o644)
}

// widgetFrame finds the widget's iframe target (cross-site, so its own
// process) and returns a context that acts inside it.
func (b *browser) widgetFrame(t testing.TB, base string) context.Context {
	t.Helper()
	// A minute: on a loaded machine (CI runs the cluster's processes
	// beside the browser) a new renderer process for the cross-site
	// frame can take long to start.
	deadline := time.Now().Add(time.Minute)
	var seen []string
	for time.Now().Before(deadline) {
		targets, err := chromedp.Targets(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen = seen[:0]
		for _, tg := range targets {
			seen = append(seen, tg.Type+" "+tg.URL)
			if tg.Type == "iframe" && strings.HasPrefix(tg.URL, base+"/widget/") {
				ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(tg.TargetID))
				// Attach now, with a context that lives as long as the
				// browser: the first Run's context owns the attachment.
				err := chromedp.Run(ctx)
				if err == nil {
					return ctx
				}
				cancel()
				// The frame navigated as we attached (the loader's idle
				// preload turning into the chat, a cross-process swap):
				// its new target is found on the next look.
				if !strings.Contains(err.Error(), "navigated or closed") {
					t.Fatalf("attach to the widget's frame: %v", err)
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the widget's iframe never appeared; the browser's targets: %q", seen)
	return nil
}

// shopSite serves a third-party page that embeds the widget with the
// documented tag, on another site than Parley's (localhost vs 127.0.0.1).
func shopSite(t testing.TB, parley, key string) string {
	return shopSiteWith(t, parley, key, "")
}

// shopSiteWith is shopSite with a script of the site's own before the tag,
// such as a snippet queueing Parley calls.
func shopSiteWith(t testing.TB, parley, key, script string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if script != "" {
		script = "<script>" + script + "</script>\n"
	}
	page := fmt.Sprintf(`<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1>
%s<script src="%s/embed.js" data-deployment-key="%s" async></script></body></html>`, script, parley, key)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://localhost:" + fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}
