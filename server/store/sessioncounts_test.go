package store

import (
	"context"
	"testing"
	"time"
)

// Two nodes count one identity's sessions against one cap; the counts of a
// node that stops heartbeating (it died) stop counting once it is overdue.
func TestSessionCountsHoldAcrossNodesAndLapseWithADeadNode(t *testing.T) {
	url := postgresURL(t)
	ctx := context.Background()
	clock := time.Now()
	now := func() time.Time { return clock }
	a, b := NewSessionCounts(reopen(t, url), "a"), NewSessionCounts(reopen(t, url), "b")
	a.now, b.now = now, now
	for _, n := range []*SessionCounts{a, b} {
		if err := n.Heartbeat(ctx); err != nil {
			t.Fatal(err)
		}
	}
	reserve := func(n *SessionCounts) string {
		t.Helper()
		full, err := n.Reserve(ctx, "mallory", "10.0.0.1", 2, 0)
		if err != nil {
			t.Fatal(err)
		}
		return full
	}
	if reserve(a) != "" || reserve(b) != "" {
		t.Fatal("two sessions refused under a cap of two")
	}
	if full := reserve(b); full == "" {
		t.Fatal("a third session over two nodes was let in under a cap of two")
	}
	if err := a.Release(ctx, "mallory", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if full := reserve(b); full != "" {
		t.Fatalf("a released place was not free: %s", full)
	}
	// b holds two now. Node b dies: a heartbeats on; once b is overdue,
	// its sessions stop counting.
	clock = clock.Add(NodeExpiry + time.Second)
	if err := a.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	if reserve(a) != "" || reserve(a) != "" {
		t.Fatal("a dead node's sessions still count")
	}
	if full := reserve(a); full == "" {
		t.Fatal("the cap no longer holds on the live node")
	}
}
