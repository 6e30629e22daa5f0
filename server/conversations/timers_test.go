package conversations_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"parley/server/conversations"
	"parley/server/store"
)

// newService returns a conversations service on a real SQLite file, with a
// clock the test moves by hand.
func newService(t *testing.T) (*conversations.Service, *time.Time) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "parley.db"), store.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := conversations.NewService(store.NewConversations(db), "AC00000000000000000000000000000001", "IS00000000000000000000000000000001")
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	return svc, &now
}

func ptr[T any](v T) *T { return &v }

func TestTimersMoveConversationsToInactiveThenClosed(t *testing.T) {
	svc, now := newService(t)
	ctx := context.Background()
	c, err := svc.CreateConversation(ctx, conversations.ConversationParams{
		TimersInactive: ptr("PT5M"), TimersClosed: ptr("PT30M"),
	})
	if err != nil {
		t.Fatal(err)
	}
	stateAfter := func(d time.Duration) conversations.State {
		t.Helper()
		*now = now.Add(d)
		if _, err := svc.ApplyTimers(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := svc.Conversation(ctx, c.SID)
		if err != nil {
			t.Fatal(err)
		}
		return got.State
	}

	if s := stateAfter(4 * time.Minute); s != conversations.Active {
		t.Fatalf("4 minutes in: %s, want active", s)
	}
	if s := stateAfter(2 * time.Minute); s != conversations.Inactive {
		t.Fatalf("6 minutes in: %s, want inactive", s)
	}
	// A message wakes the conversation and restarts both timers.
	if _, err := svc.SendMessage(ctx, c.SID, conversations.MessageParams{Body: ptr("still there?")}); err != nil {
		t.Fatal(err)
	}
	if s := stateAfter(0); s != conversations.Active {
		t.Fatalf("after a message: %s, want active", s)
	}
	if s := stateAfter(29 * time.Minute); s != conversations.Inactive {
		t.Fatalf("29 quiet minutes after the message: %s, want inactive", s)
	}
	if s := stateAfter(2 * time.Minute); s != conversations.Closed {
		t.Fatalf("31 quiet minutes after the message: %s, want closed", s)
	}
	if _, err := svc.SendMessage(ctx, c.SID, conversations.MessageParams{Body: ptr("hello?")}); err == nil {
		t.Error("a closed conversation took a message")
	}
}
