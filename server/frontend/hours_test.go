package frontend

import (
	"bytes"
	"compress/gzip"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"parley/server/hours"
	"parley/server/webchat"
)

// LoaderBudget is the most the loader may weigh, gzipped as served: it is
// on every page of every site that embeds the widget.
const LoaderBudget = 5 << 10

func TestTheLoaderStaysWithinItsBudget(t *testing.T) {
	loader, err := Loader()
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(loader)
	zw.Close()
	t.Logf("embed.js: %d bytes, %d gzipped (budget %d)", len(loader), z.Len(), LoaderBudget)
	if z.Len() > LoaderBudget {
		t.Errorf("embed.js is %d bytes gzipped; its budget is %d", z.Len(), LoaderBudget)
	}
	for _, want := range []string{`"out":"Leave a message"`, `"out":"Laisser un message"`} {
		if !strings.Contains(string(loader), want) {
			t.Errorf("the served loader lacks %s", want)
		}
	}
}

// Outside business hours the widget's first screen is the offline form:
// name, a required email, the message, under when the team is back, in
// the team's time; the waiting page tells the launcher the team is away.
func TestTheWidgetPageOutsideBusinessHours(t *testing.T) {
	sched, err := hours.Parse([]byte(`{"time_zone": "Europe/Paris", "weekly": {"monday": ["09:00-17:00"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 3, 7, 20, 0, 0, 0, paris) // a Saturday evening
	s, err := New(oneDeployment{Key: "CV1", Locale: "auto", Form: webchat.DefaultForm(), Hours: sched}, nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return now }
	s.widgetWasm = "/widget/widget.0.wasm"
	mux := http.NewServeMux()
	s.Register(mux)
	page := func(path, lang string) string {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Accept-Language", lang)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Body.String()
	}

	en := page("/widget/?key=CV1", "en-GB")
	for _, want := range []string{`We’re back Monday at 09:00 (Paris time)`, `<p class="intro">Leave us a message`,
		`<label for="boot-email">Email *</label>`, `<label for="boot-question">Message *</label>`, `>Send message</button>`,
		`"away":{"back":"2026-03-09T09:00:00+01:00","now":"2026-03-07T20:00:00+01:00","zone":"Europe/Paris"}`} {
		if !strings.Contains(html.UnescapeString(en), want) {
			t.Errorf("the away first screen lacks %s", want)
		}
	}
	if fr := page("/widget/?key=CV1", "fr-FR"); !strings.Contains(fr, "Nous serons de retour lundi à 09:00 (heure de Paris)") {
		t.Errorf("the French first screen does not say when the team is back")
	}
	if wait := page("/widget/?key=CV1&wait=1", "en"); !strings.Contains(wait, "data-away") {
		t.Errorf("the waiting page does not tell the launcher the team is away:\n%s", wait)
	}

	now = time.Date(2026, 3, 9, 10, 0, 0, 0, paris) // Monday morning: in
	in := page("/widget/?key=CV1", "en")
	if strings.Contains(in, `"away"`) || strings.Contains(in, "Send message") || !strings.Contains(in, "How can we help?") {
		t.Errorf("in business hours the first screen is the usual form")
	}
	if wait := page("/widget/?key=CV1&wait=1", "en"); strings.Contains(wait, "data-away") {
		t.Errorf("the waiting page says away in business hours")
	}
}
