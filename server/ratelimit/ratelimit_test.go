package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

func TestLimiterAllowsABurstThenRefills(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(3, 60) // one a second
	l.Now = func() time.Time { return now }

	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("action %d of the burst was refused", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != time.Second {
		t.Fatalf("fourth action: allowed=%v, retry after %v; want refused, 1s", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another client was refused because of the first")
	}
	now = now.Add(time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("a token did not come back after a second")
	}
}

func TestLimiterForgetsIdleClientsWhenFull(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(1, 60)
	l.Now = func() time.Time { return now }
	for i := range maxKeys {
		l.Allow(strconv.Itoa(i))
	}
	now = now.Add(time.Minute)
	l.Allow("new")
	if n := len(l.buckets); n != 1 {
		t.Fatalf("after the sweep %d buckets remain, want 1", n)
	}
}
