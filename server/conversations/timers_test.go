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

// recorder keeps the events the service publishes.
type recorder struct{ events []conversations.Event }

func (r *recorder) Publish(e conversations.Event) { r.events = append(r.events, e) }

// A message reads only part of its conversation; the event that tells
// clients it woke up must still carry the whole of it.
func TestAWakingMessageAnnouncesTheWholeConversation(t *testing.T) {
	svc, now := newService(t)
	events := &recorder{}
	svc.SetPublisher(events)
	ctx := context.Background()
	c, err := svc.CreateConversation(ctx, conversations.ConversationParams{
		FriendlyName: ptr("Order 1042"), Attributes: ptr(`{"tier":"gold"}`), TimersInactive: ptr("PT5M"),
	})
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(6 * time.Minute)
	if _, err := svc.ApplyTimers(ctx); err != nil {
		t.Fatal(err)
	}
	events.events = nil
	m, err := svc.SendMessage(ctx, c.SID, conversations.MessageParams{Body: ptr("still there?")})
	if err != nil {
		t.Fatal(err)
	}

	var woke *conversations.Conversation
	for _, e := range events.events {
		if e.Type == conversations.ConversationUpdated {
			woke = e.Conversation
		}
	}
	if woke == nil {
		t.Fatalf("no conversation update among %d events", len(events.events))
	}
	if woke.State != conversations.Active || woke.FriendlyName != "Order 1042" || woke.Attributes != `{"tier":"gold"}` ||
		woke.LastMessageIndex != m.Index || !woke.Created.Equal(c.Created) || woke.Timers.DateInactive.IsZero() {
		t.Errorf("the update announced %+v; want the whole conversation, active, at index %d, its inactive timer restarted",
			*woke, m.Index)
	}
	stored, err := svc.Conversation(ctx, c.SID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.FriendlyName != "Order 1042" || stored.Attributes != `{"tier":"gold"}` || stored.State != conversations.Active {
		t.Errorf("after the message the conversation is %+v; its other fields must be untouched", stored)
	}
}
