package canned_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"parley/server/apperr"
	"parley/server/canned"
	"parley/server/paging"
	"parley/server/store"
)

// ---- helpers that read like the desk's day ----

// newDesk returns the service over a fresh SQLite database, with a clock
// that moves a second each time it is read.
func newDesk(t *testing.T) *canned.Service {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "parley.db"), store.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := canned.NewService(store.NewCanned(db))
	var ticks atomic.Int64
	start := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return start.Add(time.Duration(ticks.Add(1)) * time.Second) }
	return s
}

func params(title, body string, tags ...string) canned.Params {
	p := canned.Params{Title: &title, Body: &body}
	if tags != nil {
		p.Tags = &tags
	}
	return p
}

func mustCreate(t *testing.T, s *canned.Service, title, body string, tags ...string) canned.Response {
	t.Helper()
	r, err := s.Create(context.Background(), "sue@example.com", params(title, body, tags...))
	if err != nil {
		t.Fatalf("create %q: %v", title, err)
	}
	return r
}

// wantRefused checks err is an application error of kind and code whose
// message says what went wrong.
func wantRefused(t *testing.T, err error, kind apperr.Kind, code int, saying string) {
	t.Helper()
	e, ok := apperr.As(err)
	switch {
	case !ok:
		t.Fatalf("got %v, want an application error saying %q", err, saying)
	case e.Kind != kind || e.Code != code:
		t.Errorf("got kind %d code %d (%q), want kind %d code %d", e.Kind, e.Code, e.Message, kind, code)
	case !strings.Contains(e.Message, saying):
		t.Errorf("message %q does not say %q", e.Message, saying)
	}
}

func titles(rs []canned.Response) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Title
	}
	return out
}

// ---- the rules ----

func TestAResponseIsPlainTextWithinItsLimits(t *testing.T) {
	s := newDesk(t)
	for _, tc := range []struct {
		name   string
		p      canned.Params
		code   int    // 0: accepted
		saying string // part of the refusal
		title  string // as kept, when accepted
		body   string
		tags   []string
	}{
		{name: "a plain response, trimmed", p: params("  Greeting ", " Hello!\n"), title: "Greeting", body: "Hello!", tags: []string{}},
		{name: "a title of 60 characters", p: params(strings.Repeat("é", 60), "x"), title: strings.Repeat("é", 60), body: "x", tags: []string{}},
		{name: "a body of 4,096 characters", p: params("Long", strings.Repeat("b", 4096)), title: "Long", body: strings.Repeat("b", 4096), tags: []string{}},
		{name: "newlines and tabs in a body", p: params("Steps", "1.\tSign in\n2.\tPay"), title: "Steps", body: "1.\tSign in\n2.\tPay", tags: []string{}},
		{name: "a form's CRLF line breaks", p: params("Form", "one\r\ntwo\rthree"), title: "Form", body: "one\ntwo\nthree", tags: []string{}},
		{name: "markup, kept as data", p: params("Bold", "<b>5 days</b> & <script>x()</script>"), title: "Bold", body: "<b>5 days</b> & <script>x()</script>", tags: []string{}},
		{name: "tags trimmed, once each whatever their case", p: params("Tagged", "x", " refund", "Money", "money ", "REFUND"), title: "Tagged", body: "x", tags: []string{"refund", "Money"}},

		{name: "no title", p: canned.Params{Body: ptr("x")}, code: 20400, saying: "Title is required"},
		{name: "no body", p: canned.Params{Title: ptr("No body")}, code: 21602, saying: "Body is required"},
		{name: "a blank title", p: params("  \t ", "x"), code: 20400, saying: "Title may not be blank"},
		{name: "a title of 61 characters", p: params(strings.Repeat("t", 61), "x"), code: 20400, saying: "Title is 61 characters; at most 60"},
		{name: "a title over two lines", p: params("Two\nlines", "x"), code: 20400, saying: "Title is one line"},
		{name: "a control character in a title", p: params("Bell\x07", "x"), code: 20400, saying: "U+0007"},
		{name: "a blank body", p: params("Blank", " \n "), code: 21602, saying: "Body may not be blank"},
		{name: "a body of 4,097 characters", p: params("Too long", strings.Repeat("b", 4097)), code: 50504, saying: "Body is 4097 characters"},
		{name: "a bell in a body", p: params("Bell", "ding\x07"), code: 20400, saying: "control character U+0007"},
		{name: "a NUL in a body", p: params("Nul", "a\x00b"), code: 20400, saying: "U+0000"},
		{name: "an escape in a body", p: params("Esc", "\x1b[31mred"), code: 20400, saying: "U+001B"},
		{name: "a body that is not UTF-8", p: params("Latin-1", "caf\xe9"), code: 20400, saying: "not valid UTF-8"},
		{name: "eleven tags", p: params("Many", "x", strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")...), code: 20400, saying: "11 Tags given; a canned response has at most 10"},
		{name: "a tag of 31 characters", p: params("Long tag", "x", strings.Repeat("t", 31)), code: 20400, saying: "A tag is 31 characters"},
		{name: "a blank tag", p: params("Blank tag", "x", "ok", " "), code: 20400, saying: "A tag may not be blank"},
		{name: "a tag over two lines", p: params("Tag lines", "x", "a\nb"), code: 20400, saying: "A tag is one line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := s.Create(context.Background(), "", tc.p)
			if tc.code != 0 {
				wantRefused(t, err, apperr.Invalid, tc.code, tc.saying)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Title != tc.title || r.Body != tc.body || !slices.Equal(r.Tags, tc.tags) {
				t.Errorf("kept title %q body %q tags %q; want %q, %q, %q", r.Title, r.Body, r.Tags, tc.title, tc.body, tc.tags)
			}
			if got, err := s.Fetch(context.Background(), r.SID); err != nil || got.Body != tc.body || !slices.Equal(got.Tags, tc.tags) {
				t.Errorf("read back %+v (%v); want it as created", got, err)
			}
		})
	}
}

func TestTitlesAreUniqueWhateverTheirCase(t *testing.T) {
	s := newDesk(t)
	greeting := mustCreate(t, s, "Greeting", "Hello!")
	summer := mustCreate(t, s, "Été", "Summer hours")
	other := mustCreate(t, s, "Goodbye", "Bye!")
	ctx := context.Background()

	_, err := s.Create(ctx, "", params("GREETING", "Hi"))
	wantRefused(t, err, apperr.Conflict, 20400, `already titled "Greeting"`)
	_, err = s.Create(ctx, "", params("ÉTÉ", "Summer"))
	wantRefused(t, err, apperr.Conflict, 20400, summer.SID)
	_, err = s.Update(ctx, other.SID, canned.Params{Title: ptr(" greeting ")})
	wantRefused(t, err, apperr.Conflict, 20400, greeting.SID)

	// A response may change the case of its own title.
	if r, err := s.Update(ctx, greeting.SID, canned.Params{Title: ptr("GREETING")}); err != nil || r.Title != "GREETING" {
		t.Errorf("recasing its own title: %+v, %v", r, err)
	}
	// A deleted response's title is free again.
	if err := s.Delete(ctx, other.SID); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, "goodbye", "See you")
}

func TestOfRequestsAtOnceForOneTitleOnlyOneWins(t *testing.T) {
	s := newDesk(t)
	errs := make(chan error, 10)
	for i := range cap(errs) {
		go func() {
			_, err := s.Create(context.Background(), "", params([]string{"Same", "SAME", "same"}[i%3], "x"))
			errs <- err
		}()
	}
	created := 0
	for range cap(errs) {
		if err := <-errs; err == nil {
			created++
		} else {
			wantRefused(t, err, apperr.Conflict, 20400, "already titled")
		}
	}
	if created != 1 {
		t.Errorf("%d of 10 requests at once created a response titled \"same\", want 1", created)
	}
}

func TestAnUpdateChangesOnlyWhatItNames(t *testing.T) {
	s := newDesk(t)
	ctx := context.Background()
	r := mustCreate(t, s, "Refund policy", "Refunds take 5 days.", "refund", "money")

	body, err := s.Update(ctx, r.SID, canned.Params{Body: ptr("Refunds take 5 working days.")})
	if err != nil {
		t.Fatal(err)
	}
	if body.Title != r.Title || body.Body != "Refunds take 5 working days." || !slices.Equal(body.Tags, r.Tags) ||
		body.CreatedBy != r.CreatedBy || !body.DateCreated.Equal(r.DateCreated) || !body.DateUpdated.After(r.DateUpdated) {
		t.Errorf("after changing the body: %+v; want only the body and date_updated changed from %+v", body, r)
	}

	cleared, err := s.Update(ctx, r.SID, canned.Params{Tags: &[]string{}})
	if err != nil || len(cleared.Tags) != 0 || cleared.Body != body.Body {
		t.Errorf("clearing the tags: %+v, %v", cleared, err)
	}

	// A refused update changes nothing.
	_, err = s.Update(ctx, r.SID, canned.Params{Title: ptr("Fine"), Body: ptr("bad\x07")})
	wantRefused(t, err, apperr.Invalid, 20400, "U+0007")
	if got, _ := s.Fetch(ctx, r.SID); got.Title != "Refund policy" || got.Body != body.Body {
		t.Errorf("after a refused update: %+v", got)
	}

	// Nothing named, nothing changed.
	if same, err := s.Update(ctx, r.SID, canned.Params{}); err != nil || !same.DateUpdated.Equal(cleared.DateUpdated) {
		t.Errorf("an empty update: %+v, %v", same, err)
	}
}

func TestAResponseThatDoesNotExistIsNotFound(t *testing.T) {
	s := newDesk(t)
	ctx := context.Background()
	const missing = "CR00000000000000000000000000000000"
	_, err := s.Fetch(ctx, missing)
	wantRefused(t, err, apperr.NotFound, 20404, "CannedResponse "+missing+" was not found")
	_, err = s.Update(ctx, missing, canned.Params{Body: ptr("x")})
	wantRefused(t, err, apperr.NotFound, 20404, missing)
	wantRefused(t, s.Delete(ctx, missing), apperr.NotFound, 20404, missing)

	r := mustCreate(t, s, "Short-lived", "x")
	if err := s.Delete(ctx, r.SID); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, s.Delete(ctx, r.SID), apperr.NotFound, 20404, r.SID)
}

func TestTheListPagesByKeyAndOnePageHoldsTheWholeDesk(t *testing.T) {
	s := newDesk(t)
	ctx := context.Background()
	var want []string
	for i := range 5 {
		want = append(want, mustCreate(t, s, fmt.Sprintf("Reply %d", i), "x").Title)
	}

	var got []string
	p := paging.Request{Size: 2}
	for {
		page, err := s.List(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, titles(page.Items)...)
		if !page.HasNext {
			break
		}
		p.After = &page.Items[len(page.Items)-1].Seq
	}
	if !slices.Equal(got, want) {
		t.Errorf("paging by 2 read %q, want %q", got, want)
	}

	all, err := s.List(ctx, paging.Request{Size: 5000})
	if err != nil || !slices.Equal(titles(all.Items), want) || all.HasNext {
		t.Errorf("one big page: %q (more: %v), %v; want every response", titles(all.Items), all.HasNext, err)
	}
}

func TestTheDeskKeepsAtMostAThousandResponses(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 1,000 responses")
	}
	s := newDesk(t)
	ctx := context.Background()
	var first canned.Response
	for i := range canned.MaxResponses {
		r := mustCreate(t, s, fmt.Sprintf("Reply %04d", i), "x")
		if i == 0 {
			first = r
		}
	}
	_, err := s.Create(ctx, "", params("One too many", "x"))
	wantRefused(t, err, apperr.Conflict, 20400, "already has 1000 canned responses")

	if err := s.Delete(ctx, first.SID); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, "One too many", "x") // room again

	all, err := s.List(ctx, paging.Request{Size: canned.MaxResponses})
	if err != nil || len(all.Items) != canned.MaxResponses || all.HasNext {
		t.Errorf("a page of %d holds %d (more: %v), %v; want the whole desk", canned.MaxResponses, len(all.Items), all.HasNext, err)
	}
}

func ptr[T any](v T) *T { return &v }
