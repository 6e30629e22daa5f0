package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"parley/server/conversations"
	"parley/server/outbox"
	"parley/server/paging"
	"parley/shared/sid"
)

// A customer is texted their place once per window: a claim inside it
// queues nothing, however many race for it, one after it queues the next
// text; claims are kept across a restart and go with their conversation.
func TestQueueTextsAreClaimedOncePerWindow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		ctx := context.Background()
		db, loc := open(t)
		c, err := newService(db).CreateConversation(ctx, conversations.ConversationParams{})
		must(t, err)
		job := func() outbox.Job {
			return outbox.Job{SID: sid.New(sid.Delivery), Kind: "queue_text", Key: "send " + c.SID, Payload: []byte(`{}`), Created: stamp}
		}
		queued := func(db *DB) int {
			page, err := NewOutbox(db).Jobs(ctx, outbox.Filter{Kind: "queue_text"}, paging.Request{Size: 100})
			must(t, err)
			return len(page.Items)
		}
		window := 5 * time.Minute

		// Eight messages at once: one text.
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := NewChannels(db).ClaimQueueText(ctx, c.SID, stamp, stamp.Add(-window), job())
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					won++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if won != 1 || queued(db) != 1 {
			t.Fatalf("%d claims won and %d texts queued for eight at once, want 1 and 1", won, queued(db))
		}

		db = reopen(t, loc) // a restart
		s := NewChannels(db)
		at := stamp.Add(window - time.Second)
		if ok, err := s.ClaimQueueText(ctx, c.SID, at, at.Add(-window), job()); ok || err != nil {
			t.Errorf("a claim a second inside the window after a restart: %v, %v; want none", ok, err)
		}
		at = stamp.Add(window)
		if ok, err := s.ClaimQueueText(ctx, c.SID, at, at.Add(-window), job()); !ok || err != nil || queued(db) != 2 {
			t.Errorf("a claim at the window's end: %v, %v, %d queued; want the second text", ok, err, queued(db))
		}

		must(t, newService(db).DeleteConversation(ctx, c.SID))
		var n int
		must(t, db.reads.QueryRowContext(ctx, "SELECT count(*) FROM queue_texts").Scan(&n))
		if n != 0 {
			t.Errorf("%d claims left after their conversation was deleted", n)
		}
	})
}
