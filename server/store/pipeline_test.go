package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"parley/server/apperr"
	"parley/server/conversations"
)

// One batch mixing good writes with writes that fail, each in its own way:
// a unique rule the server checks (a statement that fails at once, and one
// left waiting that fails in a later round trip), a unique name found taken
// by a read, a repeated idempotency key, an unknown conversation. On
// PostgreSQL the batch first runs without savepoints, so this is the
// batch rolled back and run again: every good write commits once, with
// dense indexes and the answers it would have had alone; each failing one
// gets its own error; and the batches' seq ranges told to OnBatch follow
// one another, none told twice and none left with a hole.
func TestABatchWithAFailingWriteCommitsTheOthersOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		svc := newService(db)
		ctx := context.Background()
		if err := db.Write(ctx, func(q WriteTx) error {
			_, err := q.ExecContext(ctx, "CREATE TABLE claims (name TEXT NOT NULL UNIQUE)")
			return err
		}); err != nil {
			t.Fatal(err)
		}

		type told struct{ after, upTo int64 }
		var mu sync.Mutex
		var ranges []told
		db.OnBatch(func(after, upTo int64) {
			mu.Lock()
			ranges = append(ranges, told{after, upTo})
			mu.Unlock()
		})

		conv, err := svc.CreateConversation(ctx, conversations.ConversationParams{UniqueName: ptr("lobby")})
		if err != nil {
			t.Fatal(err)
		}
		send := func(body, key string) (conversations.Message, error) {
			return svc.SendMessage(ctx, conv.SID, conversations.MessageParams{Author: ptr("ana"), Body: &body, IdempotencyKey: key})
		}
		first, err := send("first", "k1")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Write(ctx, func(q WriteTx) error {
			_, err := q.ExecContext(ctx, "INSERT INTO claims (name) VALUES ('taken')")
			return err
		}); err != nil {
			t.Fatal(err)
		}

		claim := func(name string, later bool) func(q WriteTx) error {
			return func(q WriteTx) error {
				const insert = "INSERT INTO claims (name) VALUES (?)"
				if later && q.Later(insert, name) {
					return nil
				}
				_, err := q.ExecContext(ctx, insert, name)
				return err
			}
		}

		// Three rounds: on PostgreSQL a batch run again guards the batches
		// after it, so the third round's batch runs guarded from its start.
		const rounds, good = 3, 40
		var sent []conversations.Message
		var wantClaims []string
		for round := range rounds {
			if p := db.writer.pipe; round == rounds-1 && p != nil && p.guardNext < 2 {
				t.Errorf("before round %d %d batches are to run guarded, want the blocker's and the round's", round, p.guardNext)
			}
			// The writer waits in a write of its own while the batch queues
			// behind it, so the batch's writes share one transaction.
			running, release := make(chan struct{}), make(chan struct{})
			blocker := db.Queue(func(WriteTx) error { close(running); <-release; return nil })
			<-running

			var wg sync.WaitGroup
			roundSent := make([]conversations.Message, good)
			sendErrs, claimErrs := make([]error, good), make([]error, good)
			var repeated conversations.Message
			var repeatedErr, takenErr, unknownErr, atOnceErr, waitedErr error
			queued := 0
			for i := range good {
				// Failing writes early, middle and last in the batch.
				switch i {
				case 3:
					queued++
					wg.Go(func() { atOnceErr = db.Write(ctx, claim("taken", false)) })
				case 10:
					queued++
					wg.Go(func() { repeated, repeatedErr = send("first, again", "k1") })
				case 17:
					queued++
					wg.Go(func() {
						_, takenErr = svc.CreateConversation(ctx, conversations.ConversationParams{UniqueName: ptr("lobby")})
					})
				case 25:
					queued++
					wg.Go(func() {
						_, unknownErr = svc.SendMessage(ctx, "nowhere", conversations.MessageParams{Body: ptr("lost")})
					})
				}
				queued += 2
				name := fmt.Sprintf("good %d-%d", round, i)
				wantClaims = append(wantClaims, name)
				wg.Go(func() { roundSent[i], sendErrs[i] = send(name, name) })
				wg.Go(func() { claimErrs[i] = db.Write(ctx, claim(name, i%2 == 0)) })
				waitQueued(t, db, queued)
			}
			queued++
			wg.Go(func() { waitedErr = db.Write(ctx, claim("taken", true)) })
			waitQueued(t, db, queued)
			close(release)
			if err := blocker.Wait(); err != nil {
				t.Fatal(err)
			}
			wg.Wait()

			unique := func(err error) bool { return err != nil && db.engine.unique(err) }
			if !unique(atOnceErr) {
				t.Errorf("round %d: the insert failing at once returned %v, want its unique violation", round, atOnceErr)
			}
			if !unique(waitedErr) {
				t.Errorf("round %d: the insert left waiting returned %v, want its unique violation", round, waitedErr)
			}
			if e, ok := apperr.As(takenErr); !ok || e.Code != apperr.CodeConversationExists {
				t.Errorf("round %d: the taken unique name returned %v, want the conflict", round, takenErr)
			}
			if !apperr.Is(unknownErr, apperr.NotFound) {
				t.Errorf("round %d: the send to an unknown conversation returned %v, want NotFound", round, unknownErr)
			}
			if repeatedErr != nil || repeated.SID != first.SID || repeated.Body != "first" {
				t.Errorf("round %d: the repeated key returned %+v, %v; want the first message %s", round, repeated, repeatedErr, first.SID)
			}
			for i := range good {
				if err := errors.Join(sendErrs[i], claimErrs[i]); err != nil {
					t.Errorf("round %d: good writes %d failed: %v", round, i, err)
				}
			}
			sent = append(sent, roundSent...)
		}

		// Each good message once, under the index it was told, all dense.
		if got, want := indexes(t, svc, conv.SID), denseTo(1+rounds*good); !slices.Equal(got, want) {
			t.Errorf("the conversation holds indexes %v, want %v", got, want)
		}
		for i, m := range sent {
			got, err := svc.Message(ctx, conv.SID, m.SID)
			if err != nil || got.Index != m.Index || got.Body != wantClaims[i] {
				t.Errorf("message %d was told index %d; stored %+v, %v", i, m.Index, got, err)
			}
		}
		claims, err := column[string](ctx, db.reads, "SELECT name FROM claims")
		if err != nil {
			t.Fatal(err)
		}
		want := append([]string{"taken"}, wantClaims...)
		if slices.Sort(claims); !slices.Equal(claims, slices.Sorted(slices.Values(want))) {
			t.Errorf("claims holds %q, want %q", claims, want)
		}

		// SQLite tells no ranges (OnBatch is PostgreSQL's).
		mu.Lock()
		defer mu.Unlock()
		if db.Engine() == "sqlite" {
			return
		}
		for k := 1; k < len(ranges); k++ {
			if ranges[k].after != ranges[k-1].upTo {
				t.Errorf("batch %d was told seqs (%d, %d] after (%d, %d]: a hole or a range told twice",
					k, ranges[k].after, ranges[k].upTo, ranges[k-1].after, ranges[k-1].upTo)
			}
		}
		seqs, err := column[int64](ctx, db.reads, "SELECT event_seq FROM messages WHERE event_seq IS NOT NULL")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range seqs {
			if len(ranges) == 0 || s <= ranges[0].after || s > ranges[len(ranges)-1].upTo {
				t.Errorf("message event seq %d is outside the ranges told: %v", s, ranges)
			}
		}
	})
}

// waitQueued waits until n writes wait in the writer's queue; the
// deadline only turns a write that never queues into a failure, not a hang.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); len(db.ops) < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", len(db.ops), n)
		}
	}
}

// denseTo is 0, 1, …, n-1.
func denseTo(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
