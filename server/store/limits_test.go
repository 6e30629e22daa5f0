package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley/server/ratelimit"
)

// Shared limits refill with time as the in-memory ones do, and parallel
// checks (from many nodes at once) are counted one after another.
func TestSharedLimitsInPostgres(t *testing.T) {
	ctx := context.Background()
	db := reopen(t, postgresURL(t))
	l, err := NewLimits(db)
	if err != nil {
		t.Fatal(err)
	}
	var now atomic.Int64
	now.Store(time.Now().UnixMilli())
	clock := func() time.Time { return time.UnixMilli(now.Load()) }
	l.Now = clock

	b := l.Bucket("init", 3, 6) // a token every 10 s
	for i := range 3 {
		if ok, _, err := b.Take(ctx, "1.2.3.4"); !ok || err != nil {
			t.Fatalf("take %d of a burst of 3: %v, %v", i+1, ok, err)
		}
	}
	ok, wait, err := b.Take(ctx, "1.2.3.4")
	if ok || err != nil || wait <= 9*time.Second || wait > 10*time.Second {
		t.Errorf("a fourth take: %v, retry after %v, %v; want refused for 10 s", ok, wait, err)
	}
	if ok, _, _ := b.Take(ctx, "5.6.7.8"); !ok {
		t.Error("another client is limited by the first")
	}
	now.Add(10_000)
	if ok, _, _ := b.Take(ctx, "1.2.3.4"); !ok {
		t.Error("no token came back after 10 s")
	}
	if ok, _, _ := b.Take(ctx, "1.2.3.4"); ok {
		t.Error("two tokens came back after 10 s")
	}

	s := l.SignIns(ratelimit.SignInLimits{PerEmailAddress: 5, Now: clock})
	var passed atomic.Int32
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, _, err := s.Try(ctx, "ana@example.com", "10.0.0.9")
			if err != nil {
				t.Error(err)
			}
			if p != nil {
				passed.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := passed.Load(); n != 5 {
		t.Fatalf("12 parallel guesses: %d passed, not 5", n)
	}
	now.Add((15*time.Minute + time.Second).Milliseconds())
	p, _, err := s.Try(ctx, "ana@example.com", "10.0.0.9")
	if p == nil || err != nil {
		t.Fatalf("after the window no guess may be tried: %v", err)
	}
	p.Succeeded()
	// Known now: the address's own failures only, and those were taken back.
	for i := range 4 {
		if p, _, _ := s.Try(ctx, "ana@example.com", "10.0.0.9"); p == nil {
			t.Fatalf("attempt %d after signing in was refused", i+1)
		}
	}
}
