package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/outbox"
	"parley/server/paging"
)

// jobNames lists jobs by their payloads.
func jobNames(jobs []outbox.Job) string {
	var names []string
	for _, j := range jobs {
		names = append(names, string(j.Payload))
	}
	return strings.Join(names, " ")
}

// Jobs of one key come due one line, in the order they were made; a key
// whose first job waits for a retry holds back its later jobs, and no
// other key's.
func TestOutboxJobsOfAKeyComeDueInOrder(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		s := NewOutbox(db)
		ctx := context.Background()
		t0 := time.UnixMilli(1_770_000_000_000).UTC()
		job := func(key, name string, at time.Time) outbox.Job {
			return outbox.Job{SID: "DV" + strings.Repeat("0", 30) + name, Kind: "webhook", Key: key, Payload: []byte(name), Created: at}
		}
		// b1 is made before a3 but after a1: lines, not the jobs, are ordered by when their first is due.
		if err := s.Enqueue(ctx, job("A", "a1", t0), job("A", "a2", t0), job("B", "b1", t0.Add(time.Second))); err != nil {
			t.Fatal(err)
		}
		if err := s.Enqueue(ctx, job("A", "a3", t0)); err != nil {
			t.Fatal(err)
		}
		due := func(at time.Time, keys, perKey int) string {
			t.Helper()
			jobs, err := s.Due(ctx, at, keys, perKey)
			if err != nil {
				t.Fatal(err)
			}
			return jobNames(jobs)
		}
		now := t0.Add(time.Minute)
		for _, c := range []struct {
			name         string
			at           time.Time
			keys, perKey int
			want         string
		}{
			{"before any is due", t0.Add(-time.Second), 10, 10, ""},
			{"the first due only", t0, 10, 10, "a1 a2 a3"},
			{"every line, by when its first is due", now, 10, 10, "a1 a2 a3 b1"},
			{"a line's first jobs", now, 10, 2, "a1 a2 b1"},
			{"the first line", now, 1, 10, "a1 a2 a3"},
		} {
			if got := due(c.at, c.keys, c.perKey); got != c.want {
				t.Errorf("%s: due %q, want %q", c.name, got, c.want)
			}
		}
		if next, ok, err := s.NextDue(ctx); err != nil || !ok || !next.Equal(t0) {
			t.Errorf("next due %v %v %v, want %v", next, ok, err, t0)
		}

		// a1's attempt fails: it is retried in an hour, and a2, a3 wait for it.
		a1, err := s.Job(ctx, "DV"+strings.Repeat("0", 30)+"a1")
		if err != nil {
			t.Fatal(err)
		}
		a1.Attempts, a1.NextAt, a1.LastStatus, a1.LastError = 1, now.Add(time.Hour), 503, "unavailable"
		if err := s.Save(ctx, a1); err != nil {
			t.Fatal(err)
		}
		if got := due(now, 10, 10); got != "b1" {
			t.Errorf("while a1 waits for its retry, due %q; want only b1", got)
		}
		if got := due(now.Add(time.Hour), 10, 10); got != "b1 a1 a2 a3" {
			t.Errorf("at a1's retry, due %q; want b1, then a1 a2 a3 in order", got)
		}
		// It is delivered: a2 heads the line.
		a1.State, a1.Attempts, a1.LastStatus, a1.LastError, a1.Finished = outbox.Delivered, 2, 200, "", now.Add(time.Hour)
		if err := s.Save(ctx, a1); err != nil {
			t.Fatal(err)
		}
		if got := due(now.Add(time.Hour), 10, 10); got != "a2 a3 b1" {
			t.Errorf("after a1 is delivered, due %q; want a2 a3 b1", got)
		}
		saved, err := s.Job(ctx, a1.SID)
		if err != nil || saved.State != outbox.Delivered || saved.Attempts != 2 || saved.LastStatus != 200 ||
			!saved.Finished.Equal(now.Add(time.Hour)) || string(saved.Payload) != "a1" || saved.Key != "A" {
			t.Errorf("a1 reads %+v, %v", saved, err)
		}
		if n, err := s.Pending(ctx); err != nil || n != 3 {
			t.Errorf("%d pending, %v; want 3", n, err)
		}
	})
}

// Jobs made in a conversation's write are in the outbox when the write
// commits, and the runner is woken after it.
func TestJobsEnqueuedInAWriteWakeTheRunner(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		woken := make(chan struct{}, 1)
		db.OnEnqueue(func() { woken <- struct{}{} })
		ctx := context.Background()
		err := NewConversations(db).Update(ctx, func(tx conversations.Tx) error {
			return tx.Enqueue(outbox.Job{SID: "DV00000000000000000000000000000001", Kind: "sms", Key: "CH1", Payload: []byte("x"), Created: time.Now()})
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-woken:
		case <-time.After(5 * time.Second):
			t.Fatal("the runner was not woken")
		}
		if jobs, err := NewOutbox(db).Due(ctx, time.Now(), 10, 10); err != nil || jobNames(jobs) != "x" {
			t.Errorf("due %q, %v; want the enqueued job", jobNames(jobs), err)
		}
	})
}

// Finished jobs are listed newest first, by state and kind, recorded ones
// among them; pruning drops those finished before a time and nothing
// pending.
func TestOutboxListsRecordsAndPrunesFinishedJobs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		s := NewOutbox(db)
		ctx := context.Background()
		t0 := time.UnixMilli(1_770_000_000_000).UTC()
		mk := func(i int, kind string) outbox.Job {
			return outbox.Job{SID: fmt.Sprintf("DV%032d", i), Kind: kind, Key: "K", Payload: []byte(fmt.Sprint("j", i)), Created: t0}
		}
		if err := s.Enqueue(ctx, mk(1, "webhook"), mk(2, "sms")); err != nil {
			t.Fatal(err)
		}
		old, recent := mk(3, "webhook"), mk(4, "webhook")
		old.State, old.Attempts, old.LastStatus, old.Finished = outbox.Failed, 1, 500, t0.Add(time.Minute)
		recent.State, recent.Attempts, recent.LastStatus, recent.Finished = outbox.Delivered, 1, 200, t0.Add(time.Hour)
		if err := s.Record(ctx, old, recent); err != nil {
			t.Fatal(err)
		}
		if jobs, _ := s.Due(ctx, t0.Add(2*time.Hour), 10, 10); jobNames(jobs) != "j1 j2" {
			t.Errorf("due %q: recorded jobs must never run", jobNames(jobs))
		}
		for _, c := range []struct {
			name string
			f    outbox.Filter
			want string
		}{
			{"all", outbox.Filter{}, "j4 j3 j2 j1"},
			{"failed", outbox.Filter{State: outbox.Failed}, "j3"},
			{"webhooks", outbox.Filter{Kind: "webhook"}, "j4 j3 j1"},
			{"pending sms", outbox.Filter{State: outbox.Pending, Kind: "sms"}, "j2"},
		} {
			page, err := s.Jobs(ctx, c.f, paging.Request{})
			if err != nil || jobNames(page.Items) != c.want {
				t.Errorf("jobs %s: %q, %v; want %q", c.name, jobNames(page.Items), err, c.want)
			}
		}
		first, _ := s.Jobs(ctx, outbox.Filter{}, paging.Request{Size: 3})
		after := first.Items[2].Seq
		rest, err := s.Jobs(ctx, outbox.Filter{}, paging.Request{Size: 3, After: &after})
		if err != nil || jobNames(first.Items) != "j4 j3 j2" || !first.HasNext || jobNames(rest.Items) != "j1" || rest.HasNext {
			t.Errorf("paged: %q then %q, %v", jobNames(first.Items), jobNames(rest.Items), err)
		}
		if n, err := s.Prune(ctx, t0.Add(30*time.Minute)); err != nil || n != 1 {
			t.Errorf("pruned %d, %v; want 1 (j3)", n, err)
		}
		page, _ := s.Jobs(ctx, outbox.Filter{}, paging.Request{})
		if got := jobNames(page.Items); got != "j4 j2 j1" {
			t.Errorf("after pruning: %q, want j4 j2 j1", got)
		}
		if _, err := s.Job(ctx, old.SID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("a pruned job reads %v, want NotFound", err)
		}
		if next, ok, err := s.NextDue(ctx); err != nil || !ok || !next.Equal(t0) {
			t.Errorf("next due %v %v %v", next, ok, err)
		}
		done := page.Items[1] // j2
		done.State, done.Finished = outbox.Delivered, t0
		page.Items[2].State, page.Items[2].Finished = outbox.Delivered, t0
		if err := s.Save(ctx, done, page.Items[2]); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.NextDue(ctx); err != nil || ok {
			t.Errorf("with nothing pending NextDue says ok=%v, %v", ok, err)
		}
		if jobs, err := s.Due(ctx, t0.Add(time.Hour), 10, 10); err != nil || len(jobs) != 0 {
			t.Errorf("due with nothing pending: %q, %v", jobNames(jobs), err)
		}
	})
}
