package store

import (
	"context"
	"testing"
	"time"

	"parley/server/conversations"
	"parley/server/hours"
	"parley/server/webchat"
	"parley/shared/sid"
)

// A deployment's business hours are kept with its settings, and chats left
// outside them are kept in the order they were left, per deployment,
// across a restart, until released; a deleted conversation takes its row
// with it.
func TestHoursAndHeldChatsAreKept(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		ctx := context.Background()
		db, loc := open(t)
		s := NewChannels(db)
		sched, err := hours.Parse([]byte(`{"time_zone": "Europe/Paris", "weekly": {"monday": ["09:00-12:00", "14:00-18:00"]},
			"holidays": [{"date": "2026-12-25"}]}`))
		must(t, err)
		d := webchat.Deployment{Key: sid.Key(), FriendlyName: "Site", Hours: sched, IdentitySecret: "s", Created: stamp, Updated: stamp}
		must(t, s.InsertDeployment(ctx, d, address("web", d.Key)))

		svc := newService(db)
		var convs []string
		for range 3 {
			c, err := svc.CreateConversation(ctx, conversations.ConversationParams{})
			must(t, err)
			convs = append(convs, c.SID)
		}
		// Left in the order 2, 0 (deployment d), then 1 (another one).
		must(t, s.Hold(ctx, webchat.Held{DeploymentKey: d.Key, ConversationSID: convs[2], Created: stamp}))
		must(t, s.Hold(ctx, webchat.Held{DeploymentKey: d.Key, ConversationSID: convs[0], Created: stamp.Add(time.Second)}))
		must(t, s.Hold(ctx, webchat.Held{DeploymentKey: "CVother", ConversationSID: convs[1], Created: stamp}))

		db = reopen(t, loc) // a restart
		s = NewChannels(db)
		got, err := s.Deployment(ctx, d.Key)
		if err != nil || got.Hours == nil || got.Hours.Zone() != "Europe/Paris" ||
			len(got.Hours.Day(hours.Date{Year: 2026, Month: 3, Day: 2})) != 2 || len(got.Hours.Day(hours.Date{Year: 2026, Month: 12, Day: 25})) != 0 {
			t.Fatalf("the deployment's hours read %+v, %v", got.Hours, err)
		}
		keys, err := s.HeldDeployments(ctx)
		if err != nil || len(keys) != 2 {
			t.Fatalf("held deployments %v, %v", keys, err)
		}
		held, err := s.HeldOf(ctx, d.Key, 10)
		if err != nil || len(held) != 2 || held[0].ConversationSID != convs[2] || held[1].ConversationSID != convs[0] ||
			!held[1].Created.Equal(stamp.Add(time.Second)) {
			t.Fatalf("held of the deployment %+v, %v", held, err)
		}
		must(t, s.Release(ctx, held[0].Seq))
		if held, _ := s.HeldOf(ctx, d.Key, 10); len(held) != 1 || held[0].ConversationSID != convs[0] {
			t.Errorf("after a release: %+v", held)
		}
		must(t, newService(db).DeleteConversation(ctx, convs[1]))
		if keys, _ := s.HeldDeployments(ctx); len(keys) != 1 || keys[0] != d.Key {
			t.Errorf("a deleted conversation stays held: %v", keys)
		}

		d.Hours = nil // removed: always open
		must(t, s.UpdateDeployment(ctx, d))
		if got, _ := s.Deployment(ctx, d.Key); got.Hours != nil {
			t.Errorf("removed hours read %+v", got.Hours)
		}
	})
}
