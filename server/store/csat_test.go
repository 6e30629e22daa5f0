package store

import (
	"context"
	"testing"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/reports"
)

// Ten ratings of one ended chat sent at once: one is taken, the others
// are told it was rated already, and the conversation carries the one.
func TestAConversationIsRatedOnceWhateverTheRace(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		svc := newService(db)
		ctx := context.Background()
		who := "guest_ada"
		c, _, err := svc.Open(ctx, conversations.Opening{Participants: []conversations.ParticipantParams{{Identity: &who}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Rate(ctx, c.SID, conversations.RateParams{Identity: who, Score: 5}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("rating an open chat: %v, want a conflict", err)
		}
		if _, err := svc.UpdateConversation(ctx, c.SID, conversations.ConversationParams{State: ptr("closed")}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Rate(ctx, c.SID, conversations.RateParams{Identity: "guest_eve", Score: 1}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a stranger's rating: %v, want forbidden", err)
		}
		errs := race(10, func(i int) error {
			_, _, err := svc.Rate(ctx, c.SID, conversations.RateParams{Identity: who, Score: 1 + i%5, Channel: "web"})
			return err
		})
		taken, score := 0, 0
		for i, err := range errs {
			switch {
			case err == nil:
				taken, score = taken+1, 1+i%5
			case !apperr.Is(err, apperr.Conflict):
				t.Errorf("rating %d: %v", i, err)
			}
		}
		got, _ := svc.Conversation(ctx, c.SID)
		r, ok := conversations.RatingOf(got)
		if taken != 1 || !ok || r.Score != score || r.DateRated == nil || r.Channel != "web" {
			t.Errorf("%d ratings taken; the conversation carries %+v, want the one taken (%d)", taken, r, score)
		}
	})
}

// A rating goes on the newest task of its conversation (a transfer makes
// a second), even long after routing forgot both.
func TestAScoreGoesOnTheConversationsNewestTask(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		s := NewReports(db)
		ctx := context.Background()
		mustRecord(t, s,
			reports.Fact{TaskSID: "WT1", WorkspaceSID: "WS1", Created: march("09:00:00"), ConversationSID: "CH1"},
			reports.Fact{TaskSID: "WT2", WorkspaceSID: "WS1", Created: march("09:05:00"), ConversationSID: "CH1"}, // the transfer
			reports.Fact{TaskSID: "WT3", WorkspaceSID: "WS1", Created: march("09:06:00"), ConversationSID: "CH2"},
		)
		task, ws, ok, err := s.ScoreConversation(ctx, "CH1", 3)
		if err != nil || !ok || task != "WT2" || ws != "WS1" {
			t.Fatalf("scored %s in %s (%v, %v), want WT2 in WS1", task, ws, ok, err)
		}
		if _, _, ok, err := s.ScoreConversation(ctx, "CH9", 3); ok || err != nil {
			t.Errorf("a conversation no task routed: ok %v, %v", ok, err)
		}
		for _, f := range mustReadFacts(t, s, wholeDay) {
			if got := f.CSAT != nil; got != (f.TaskSID == "WT2") || (got && *f.CSAT != 3) {
				t.Errorf("task %s has score %v", f.TaskSID, f.CSAT)
			}
		}
	})
}
