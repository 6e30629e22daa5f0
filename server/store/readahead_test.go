package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"parley/server/apperr"
	"parley/server/conversations"
)

// published keeps the events a service publishes, in order.
type published struct {
	mu     sync.Mutex
	events []conversations.Event
}

func (p *published) Publish(e conversations.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, e)
}

func (p *published) of(typ conversations.EventType, conv string) []conversations.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []conversations.Event
	for _, e := range p.events {
		if e.Type == typ && e.ConversationSID == conv {
			out = append(out, e)
		}
	}
	return out
}

// inOneBatch runs the writes, in order, as one batch: the writer waits in
// a write of its own while they queue behind it. Each write is started by
// its function and must queue exactly one write.
func inOneBatch(t *testing.T, db *DB, writes ...func()) {
	t.Helper()
	running, release := make(chan struct{}), make(chan struct{})
	blocker := db.Queue(func(WriteTx) error { close(running); <-release; return nil })
	<-running
	var wg sync.WaitGroup
	for i, w := range writes {
		wg.Go(w)
		waitQueued(t, db, i+1)
	}
	close(release)
	if err := blocker.Wait(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
}

// One batch of sends, among them writes that change what a later send
// reads first: every send must meet its conversation as it stands in its
// turn, the writes before it in the batch done. On PostgreSQL the batch
// reads its sends' conversations ahead, all at once; this is what those
// answers must still be: an index after the batch's earlier messages, an
// inactive conversation woken once, a participant added earlier in the
// batch able to send, a customer texted since a phone joined earlier in
// the batch, a closed conversation refusing. And the batch runs once, not
// rolled back for a wrong answer and run again.
func TestEachSendOfABatchMeetsItsConversationAsItStandsInItsTurn(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		svc := newService(db)
		events := &published{}
		svc.SetPublisher(events)
		ctx := context.Background()
		conv := func(state string, who ...string) string {
			t.Helper()
			c, err := svc.CreateConversation(ctx, conversations.ConversationParams{})
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range who {
				if _, err := svc.AddParticipant(ctx, c.SID, conversations.ParticipantParams{Identity: ptr(id)}); err != nil {
					t.Fatal(err)
				}
			}
			if state != "" {
				if _, err := svc.UpdateConversation(ctx, c.SID, conversations.ConversationParams{State: ptr(state)}); err != nil {
					t.Fatal(err)
				}
			}
			return c.SID
		}
		a, b, c := conv("", "ana"), conv("", "bea"), conv("inactive", "cy")
		as := func(author string) conversations.MessageParams {
			return conversations.MessageParams{Author: ptr(author), Body: ptr("hello from " + author)}
		}

		errs := make([]error, 12)
		sent := make([]conversations.Message, 12)
		send := func(i int, conv string, p conversations.MessageParams) func() {
			return func() { sent[i], errs[i] = svc.SendMessage(ctx, conv, p) }
		}
		rollbacks := db.writer.rollbacks
		inOneBatch(t, db,
			send(0, a, as("ana")),
			send(1, a, as("ana")),
			send(2, c, as("cy")), // wakes c
			send(3, c, as("cy")), // c is active already
			send(4, a, conversations.MessageParams{Sender: "bob", Body: ptr("not yet")}),
			func() {
				_, errs[5] = svc.AddParticipant(ctx, a, conversations.ParticipantParams{Identity: ptr("bob")})
			},
			send(6, a, conversations.MessageParams{Sender: "bob", Body: ptr("now I may")}),
			func() {
				_, errs[7] = svc.AddParticipant(ctx, b, conversations.ParticipantParams{
					Address: ptr("+15550100001"), ProxyAddress: ptr("+15550100002")})
			},
			send(8, b, as("bea")),
			func() {
				_, errs[9] = svc.UpdateConversation(ctx, a, conversations.ConversationParams{State: ptr("closed")})
			},
			send(10, a, as("ana")),
			send(11, "CH"+fmt.Sprintf("%032d", 7), as("ana")),
		)

		for _, i := range []int{0, 1, 2, 3, 5, 6, 7, 8, 9} {
			if errs[i] != nil {
				t.Errorf("write %d failed: %v", i, errs[i])
			}
		}
		if got := []int{sent[0].Index, sent[1].Index, sent[6].Index}; !slices.Equal(got, []int{0, 1, 2}) {
			t.Errorf("the sends to one conversation were given indexes %v, want [0 1 2]", got)
		}
		if got := []int{sent[2].Index, sent[3].Index}; !slices.Equal(got, []int{0, 1}) {
			t.Errorf("the sends that woke a conversation were given indexes %v, want [0 1]", got)
		}
		if woke := events.of(conversations.ConversationUpdated, c); len(woke) != 2 {
			// Its creation's update to inactive, then one wake.
			t.Errorf("the inactive conversation was updated %d times, want 2 (made inactive, woken once)", len(woke))
		}
		if got, err := svc.Conversation(ctx, c); err != nil || got.State != conversations.Active {
			t.Errorf("the woken conversation is %q, %v; want active", got.State, err)
		}
		if e, ok := apperr.As(errs[4]); !ok || e.Kind != apperr.Forbidden {
			t.Errorf("bob's send before he joined returned %v, want forbidden", errs[4])
		}
		if added := events.of(conversations.MessageAdded, b); len(added) != 1 || added[0].Reach != conversations.ReachAddresses {
			t.Errorf("the send after a phone joined was published as %+v, want one message reaching addresses", added)
		}
		if e, ok := apperr.As(errs[10]); !ok || e.Code != apperr.CodeConversationClosed {
			t.Errorf("the send after the close returned %v, want the conversation closed", errs[10])
		}
		if !apperr.Is(errs[11], apperr.NotFound) {
			t.Errorf("the send to no conversation returned %v, want NotFound", errs[11])
		}
		if got := indexes(t, svc, a); !slices.Equal(got, denseTo(3)) {
			t.Errorf("the conversation holds indexes %v, want %v", got, denseTo(3))
		}
		if db.Engine() == "postgres" && db.writer.rollbacks != rollbacks {
			t.Errorf("the batch was rolled back %d times, want it to run once", db.writer.rollbacks-rollbacks)
		}
	})
}

// What reading ahead is for: a batch of sends to many conversations costs
// two round trips on PostgreSQL, its reads with BEGIN and its writes with
// COMMIT, where it cost one more for each send.
func TestABatchOfSendsCostsTwoRoundTrips(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		if db.writer.pipe == nil {
			t.Skip("the engine sends statements one at a time")
		}
		svc := newService(db)
		ctx := context.Background()
		const n = 40
		var sends []func()
		errs := make([]error, n)
		for i := range n {
			c, err := svc.CreateConversation(ctx, conversations.ConversationParams{})
			if err != nil {
				t.Fatal(err)
			}
			sends = append(sends, func() {
				_, errs[i] = svc.SendMessage(ctx, c.SID, conversations.MessageParams{Author: ptr("ana"), Body: ptr("hi")})
			})
		}
		// The pipe counts the round trips writes make; COMMIT's is not
		// among them.
		trips := db.writer.pipe.trips
		inOneBatch(t, db, sends...)
		for i, err := range errs {
			if err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
		}
		if got := db.writer.pipe.trips - trips; got > 1 {
			t.Errorf("a batch of %d sends took %d round trips and COMMIT's, want one and COMMIT's", n, got)
		}
	})
}

// Whether a statement may change a send's answer read ahead: only what
// writes conversations or participants, or cannot be told.
func TestWhichStatementsEndReadingAhead(t *testing.T) {
	for query, want := range map[string]bool{
		"SELECT seq FROM conversations WHERE sid = ?": false,
		"  select 1": false,
		"INSERT INTO messages (conversation_seq) VALUES (?)":           false,
		"INSERT INTO outbox(sid) VALUES (?)":                           false,
		"UPDATE media SET message_sid = ?":                             false,
		"DELETE FROM settings WHERE name = ?":                          false,
		"UPDATE conversations SET state = ?":                           true,
		"update Conversations set state = ?":                           true,
		"INSERT INTO participants(sid) VALUES (?)":                     true,
		"INSERT INTO participants (sid) VALUES (?)":                    true,
		"\n\tDELETE FROM participants WHERE sid = ?":                   true,
		"UPDATE public.participants SET identity = ?":                  true,
		"DELETE FROM conversations WHERE sid = ?":                      true,
		`UPDATE "conversations" SET state = ?`:                         true,
		"WITH c AS (DELETE FROM conversations RETURNING seq) SELECT 1": true,
		"TRUNCATE participants":                                        true,
	} {
		if got := changesTargets(query); got != want {
			t.Errorf("changesTargets(%q) = %v, want %v", query, got, want)
		}
	}
}
