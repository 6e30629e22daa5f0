package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// Accessibility is checked the way auditors check it: axe-core, the
// engine behind Lighthouse's and most browsers' accessibility audits, runs
// inside the page under test. `make test` installs it (npm's axe-core 4)
// in .cache/npm; PARLEY_AXE names another copy of axe.min.js.

// axeScript is axe.min.js, read once per test binary.
var axeScript = sync.OnceValues(func() (string, error) {
	path := os.Getenv("PARLEY_AXE")
	if path == "" {
		// Tests run in their package's folder: the module root is two up.
		path = filepath.Join("..", "..", ".cache", "npm", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("axe-core is not installed (%v): make test installs it, or run "+
			"npm install --no-save --prefix .cache/npm axe-core@4 in the module root, or set PARLEY_AXE to an axe.min.js", err)
	}
	return string(b), nil
})

// axeViolation is one rule axe found broken, with the elements breaking it.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string // each a CSS selector, then what to fix
}

// axeCheck runs axe-core in the document ctx acts in (a tab, or a
// widget's frame from widgetFrame) and fails the test for every serious
// or critical violation, naming the rule, its help and the elements;
// lesser ones are logged. what names the screen in the messages.
func axeCheck(t testing.TB, ctx context.Context, what string) {
	t.Helper()
	for _, v := range axeRun(t, ctx, what) {
		msg := fmt.Sprintf("axe, %s: %s %s (%s):\n\t%s", what, v.Impact, v.ID, v.Help, strings.Join(v.Nodes, "\n\t"))
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
}

// axeRun injects axe-core into the document if it is not there yet and
// returns the violations it finds.
func axeRun(t testing.TB, ctx context.Context, what string) []axeViolation {
	t.Helper()
	script, err := axeScript()
	if err != nil {
		if os.Getenv("PARLEY_BROWSER_TESTS") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	var found []axeViolation
	run(t, ctx, "axe checks "+what,
		chromedp.ActionFunc(func(ctx context.Context) error {
			var present bool
			if err := chromedp.Evaluate(`typeof axe == "object"`, &present).Do(ctx); err != nil || present {
				return err
			}
			// Evaluated through the DevTools protocol, so a page's CSP
			// (the widget's allows no inline script) does not stop it.
			return chromedp.Evaluate(script+"\n;true", nil).Do(ctx)
		}),
		// The widget's frame is a document of its own, checked on its
		// own: axe must not wait for frames it cannot reach.
		chromedp.Evaluate(`axe.run(document, {resultTypes: ["violations"], iframes: false}).then(r => r.violations.map(v => ({
			id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.map(n => n.target.join(" ") + " — " + (n.failureSummary || "").replace(/\s+/g, " ")),
		})))`, &found, awaitPromise),
	)
	return found
}

// contrastOf measures, in the document ctx acts in, the contrast ratio
// (WCAG 2) between the colour of sel's text, or of its placeholder with
// pseudo "::placeholder", and the background it sits on. axe skips
// placeholders, which WCAG still holds to 4.5:1.
func contrastOf(t testing.TB, ctx context.Context, sel, pseudo string) float64 {
	t.Helper()
	var ratio float64
	run(t, ctx, "measure the contrast of "+sel+pseudo, chromedp.Evaluate(`(() => {
		const el = document.querySelector(`+jsString(sel)+`);
		// A canvas turns any CSS colour (named, rgb, color-mix, oklch...) into sRGB bytes.
		const c = document.createElement("canvas").getContext("2d", {willReadFrequently: true});
		const rgba = (color, under) => {
			c.clearRect(0, 0, 1, 1);
			if (under) { c.fillStyle = under; c.fillRect(0, 0, 1, 1); }
			c.fillStyle = color; c.fillRect(0, 0, 1, 1);
			return [...c.getImageData(0, 0, 1, 1).data];
		};
		// The first opaque background from the element outwards.
		let bg = "#fff";
		for (let e = el; e; e = e.parentElement) {
			const b = getComputedStyle(e).backgroundColor;
			if (rgba(b)[3] == 255) { bg = b; break; }
		}
		const fg = rgba(getComputedStyle(el, `+jsString(pseudo)+`).color, bg);
		const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
			.reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
		const [a, b] = [lum(fg), lum(rgba(bg))].sort((x, y) => y - x);
		return (a + 0.05) / (b + 0.05);
	})()`, &ratio))
	return ratio
}
