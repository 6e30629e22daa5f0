package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"io/fs"
	"net/url"
	"sort"
	"testing"
	"time"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	conv "github.com/twilio/twilio-go/rest/conversations/v1"

	"parley/server/frontend"
	"parley/shared/client"
	"parley/shared/realtime"
	"parley/web/dist"
)

// BenchmarkWidgetSize reports what a visitor downloads: the loader
// (gzipped, as served) and the widget's WASM raw, gzipped and brotli'd.
func BenchmarkWidgetSize(b *testing.B) {
	loader, err := frontend.Loader() // with its words in every language
	if err != nil {
		b.Fatal(err)
	}
	br, errBr := fs.ReadFile(dist.Files, "build/widget.wasm.br")
	gz, errGz := fs.ReadFile(dist.Files, "build/widget.wasm.gz")
	if errBr != nil || errGz != nil {
		b.Skip("the widget is not built: run make build")
	}
	var raw int64
	for range b.N {
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		zw.Write(loader)
		zw.Close()
		b.ReportMetric(float64(z.Len()), "loader-gz-bytes")
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			b.Fatal(err)
		}
		raw, _ = io.Copy(io.Discard, zr)
	}
	b.ReportMetric(float64(raw), "wasm-raw-bytes")
	b.ReportMetric(float64(len(gz)), "wasm-gz-bytes")
	b.ReportMetric(float64(len(br)), "wasm-br-bytes")
}

// BenchmarkWidgetClickToForm times, in Chromium, a click on the launcher to
// the widget's form, with a cold cache (a fresh browser profile) and then
// warm (the same profile on later visits), twice over:
//
//   - form: the form drawn, able to take typing and a submit; the widget's
//     page draws it itself. (The loader then fades the panel in over
//     200 ms, or at once for visitors who prefer reduced motion.)
//   - widget: the widget's WebAssembly running and its form taken over
//     ("ready"), the moment the form's checks, the chat and the loader's
//     commands work.
//
// Clicks come before the loader's idle prefetch, except "prefetched": a
// fresh profile, the page left idle until the loader's waiting page has
// the WASM in the cache, then the click (the widget starts only then).
func BenchmarkWidgetClickToForm(b *testing.B) {
	var form, running [4][]float64 // cold, first return visit, later visits, cold after the idle prefetch
	for range b.N {
		s := startServer(b)
		measure := func(br *browser, visit int, prefetched bool) {
			var t struct{ Form, Ready float64 }
			run(b, br.ctx, "open the demo page", chromedp.Navigate(s.baseURL+"/"),
				chromedp.Poll(`window.Parley && typeof Parley.open === "function"`, nil))
			if prefetched {
				// The loader's shadow root is opened (see below) and the
				// waiting page is of the same origin: its prefetch shows.
				run(b, br.ctx, "wait for the idle prefetch", chromedp.Poll(`(() => {
					const frame = document.querySelector("parley-chat").shadowRoot.querySelector("iframe");
					const win = frame && frame.contentWindow;
					return !!win && win.location.search.includes("wait=1") &&
						win.performance.getEntriesByType("resource").some(e => e.name.endsWith(".wasm") && e.responseEnd > 0);
				})()`, nil, chromedp.WithPollingTimeout(30*time.Second)))
			}
			run(b, br.ctx, "open the widget",
				chromedp.Evaluate(`new Promise(resolve => {
					const t0 = performance.now();
					// The form counts from the frame in which it is parsed,
					// styled and its script run: it takes typing from then.
					let form;
					const look = () => {
						const frame = document.querySelector("parley-chat").shadowRoot.querySelector("iframe");
						const doc = frame && frame.contentDocument;
						if (doc && doc.readyState != "loading" && doc.querySelector(".form")) form = performance.now() - t0;
						else requestAnimationFrame(look);
					};
					requestAnimationFrame(look);
					const off = Parley.on("ready", () => {
						off();
						const ready = performance.now() - t0;
						resolve({form: form ?? ready, ready});
					});
					Parley.open();
				})`, &t, awaitPromise),
				chromedp.Evaluate(`Parley.close()`, nil), // so the reload does not reopen it by itself
			)
			form[visit] = append(form[visit], t.Form)
			running[visit] = append(running[visit], t.Ready)
		}
		open := func() *browser {
			br := startBrowser(b, s)
			// The loader's shadow root is closed to the page; the benchmark
			// opens it to reach the frame.
			run(b, br.ctx, "open the loader's shadow root", openShadowRoots())
			return br
		}
		br := open()
		measure(br, 0, false)
		// Chromium caches the compiled WASM only once it has run it: the
		// first return visit compiles again from the HTTP cache, later
		// ones start from the compiled code.
		measure(br, 1, false)
		measure(br, 2, false)
		measure(br, 2, false)
		measure(open(), 3, true)
	}
	for i, name := range []string{"cold", "warm-first", "warm", "prefetched"} {
		b.ReportMetric(median(form[i]), name+"-form-ms")
		b.ReportMetric(median(running[i]), name+"-widget-ms")
	}
}

// BenchmarkWidgetSendToAgent times a visitor's message from pressing send
// in the widget to an agent's realtime session receiving it.
func BenchmarkWidgetSendToAgent(b *testing.B) {
	s := startServer(b)
	br := startBrowser(b, s)
	d := s.createDeployment(b, url.Values{"WelcomeMessage": {""}})
	run(b, br.ctx, "start a chat in the widget",
		chromedp.Navigate(s.baseURL+"/widget/?key="+d.Key),
		chromedp.WaitVisible("#field-friendlyName", chromedp.ByID),
		chromedp.SendKeys("#field-friendlyName", "Ada", chromedp.ByID),
		chromedp.SendKeys("#field-question", "Hello", chromedp.ByID),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#composer", chromedp.ByID),
	)
	convs, err := s.tw.ConversationsV1.ListConversation(nil)
	if err != nil || len(convs) != 1 {
		b.Fatalf("want the widget's conversation: %v", err)
	}
	sid := *convs[0].Sid
	if _, err := s.tw.ConversationsV1.CreateConversationParticipant(sid, (&conv.CreateConversationParticipantParams{}).SetIdentity("agent-1")); err != nil {
		b.Fatal(err)
	}
	got := make(chan time.Time, 16)
	token := s.mintToken(b, "agent-1")
	agent, err := dialWith(s.baseURL, token, func(f realtime.ServerFrame) {
		if f.Event == realtime.MessageAdded {
			got <- time.Now()
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer agent.Close()
	time.Sleep(200 * time.Millisecond) // let the welcome of the agent's join settle
	var lat []float64
	b.ResetTimer()
	for range b.N {
		// A person sends a few messages a second at most; the server
		// allows 30 actions a second in a conversation.
		time.Sleep(50 * time.Millisecond)
		start := time.Now()
		run(b, br.ctx, "send", chromedp.Evaluate(`(() => { const c = document.getElementById("composer");
			c.value = "ping"; c.form.requestSubmit(); })()`, nil))
		select {
		case at := <-got:
			lat = append(lat, float64(at.Sub(start).Microseconds())/1000)
		case <-time.After(10 * time.Second):
			b.Fatal("the agent never received the message")
		}
	}
	b.StopTimer()
	b.ReportMetric(median(lat), "send-to-agent-p50-ms")
	b.ReportMetric(percentile(lat, 0.9), "send-to-agent-p90-ms")
}

// awaitPromise makes Evaluate wait for the promise its script returns.
func awaitPromise(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams {
	return p.WithAwaitPromise(true)
}

// dialWith connects a realtime session that hands every event to onEvent.
func dialWith(base, token string, onEvent func(realtime.ServerFrame)) (*client.Session, error) {
	return client.Dial(context.Background(), client.SessionOptions{URL: base, OnEvent: onEvent,
		Token: func(context.Context) (string, error) { return token, nil }})
}

func median(v []float64) float64 { return percentile(v, 0.5) }

func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}
