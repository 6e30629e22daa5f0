package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"parley/server/outbox"
	"parley/server/paging"
	"parley/server/store"
	"parley/shared/sid"
)

// line is a receiver that records what it was handed and fails while told to.
type line struct {
	mu      sync.Mutex
	got     []string
	failing map[string]int // payload → failures left
	final   map[string]bool
}

func (l *line) handle(_ context.Context, j outbox.Job) outbox.Result {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := string(j.Payload)
	if l.final[p] {
		return outbox.Result{Status: 400, Err: errors.New("refused"), Final: true}
	}
	if l.failing[p] > 0 {
		l.failing[p]--
		return outbox.Result{Status: 503, Err: errors.New("down")}
	}
	l.got = append(l.got, p)
	return outbox.Result{Status: 200}
}

func (l *line) delivered() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.got)
}

func openStore(t *testing.T, dir string) *store.Outbox {
	t.Helper()
	db, err := store.Open(filepath.Join(dir, "parley.db"), store.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return store.NewOutbox(db)
}

func job(key, payload string) outbox.Job {
	return outbox.Job{SID: sid.New(sid.Delivery), Kind: "test", Key: key, Payload: []byte(payload), Created: time.Now()}
}

func run(t *testing.T, r *outbox.Runner) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestJobsOfOneKeyWaitForTheOneBeforeButOtherKeysDoNot(t *testing.T) {
	st := openStore(t, t.TempDir())
	l := &line{failing: map[string]int{"a1": 3}}
	r := &outbox.Runner{Store: st, Handlers: map[string]outbox.Handler{"test": l.handle}, FirstRetry: 20 * time.Millisecond}
	run(t, r)
	if err := r.Enqueue(context.Background(), job("a", "a1"), job("a", "a2"), job("b", "b1"), job("a", "a3")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "four deliveries", func() bool { return len(l.delivered()) == 4 })
	got := l.delivered()
	if got[0] != "b1" {
		t.Errorf("delivered %v: b1 should not wait behind a1's retries", got)
	}
	if a := slices.DeleteFunc(got, func(s string) bool { return s == "b1" }); !slices.Equal(a, []string{"a1", "a2", "a3"}) {
		t.Errorf("key a delivered %v, want a1 a2 a3 in order", a)
	}
	page, err := st.Jobs(context.Background(), outbox.Filter{State: outbox.Delivered}, paging.Request{})
	if err != nil || len(page.Items) != 4 {
		t.Fatalf("%d delivered jobs listed (%v), want 4", len(page.Items), err)
	}
	for _, j := range page.Items {
		if want := map[string]int{"a1": 4}[string(j.Payload)]; want != 0 && j.Attempts != want {
			t.Errorf("a1 took %d attempts, want %d", j.Attempts, want)
		}
	}
}

func TestAJobFailsForGoodWhenRefusedOrTooOldAndCanBeRetried(t *testing.T) {
	st := openStore(t, t.TempDir())
	l := &line{failing: map[string]int{"old": 1000}, final: map[string]bool{"bad": true}}
	r := &outbox.Runner{Store: st, Handlers: map[string]outbox.Handler{"test": l.handle},
		FirstRetry: 10 * time.Millisecond, MaxRetryWait: 20 * time.Millisecond, GiveUpAfter: 200 * time.Millisecond}
	run(t, r)
	bad, old, next := job("k1", "bad"), job("k2", "old"), job("k1", "after-bad")
	if err := r.Enqueue(context.Background(), bad, old, next); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the job behind a refused one", func() bool { return slices.Contains(l.delivered(), "after-bad") })
	state := func(sid string) outbox.Job {
		j, err := st.Job(context.Background(), sid)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	if j := state(bad.SID); j.State != outbox.Failed || j.Attempts != 1 || j.LastStatus != 400 {
		t.Errorf("refused job: %+v, want failed after one attempt with status 400", j)
	}
	waitFor(t, "the old job to be given up", func() bool { return state(old.SID).State == outbox.Failed })
	if j := state(old.SID); j.Attempts < 3 || j.LastError != "down" {
		t.Errorf("given-up job: %d attempts, last error %q", j.Attempts, j.LastError)
	}

	l.mu.Lock()
	l.failing["old"] = 0
	l.mu.Unlock()
	if _, err := r.Retry(context.Background(), old.SID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the retried job", func() bool { return slices.Contains(l.delivered(), "old") })
	if _, err := r.Retry(context.Background(), old.SID); !errors.Is(err, outbox.ErrNotFailed) {
		t.Errorf("retrying a delivered job: %v, want ErrNotFailed", err)
	}
}

func TestJobsLeftWhenTheRunnerStoppedRunAfterARestart(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "parley.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var jobs []outbox.Job
	for i := range 5 {
		jobs = append(jobs, job("k", fmt.Sprint(i)))
	}
	if err := store.NewOutbox(db).Enqueue(context.Background(), jobs...); err != nil { // queued; no runner ran
		t.Fatal(err)
	}
	db.Close()
	l := &line{}
	run(t, &outbox.Runner{Store: openStore(t, dir), Handlers: map[string]outbox.Handler{"test": l.handle}})
	waitFor(t, "the queued jobs", func() bool { return len(l.delivered()) == 5 })
	if got := l.delivered(); !slices.Equal(got, []string{"0", "1", "2", "3", "4"}) {
		t.Errorf("delivered %v, want 0..4 in order", got)
	}
}
