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
	"parley/server/media"
	"parley/server/notes"
	"parley/server/paging"
	"parley/server/webhooks"
	"parley/shared/sid"
)

// The conversations store on every engine, through the service that uses
// it: what a client of the API would notice.

func newService(db *DB) *conversations.Service {
	return conversations.NewService(NewConversations(db), "AC00000000000000000000000000000001", "IS00000000000000000000000000000001")
}

func ptr[T any](v T) *T { return &v }

// race runs n calls of fn at once, as far as goroutines can, and returns
// their errors in call order.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// indexes lists every message's index in a conversation, oldest first,
// reading it page by page.
func indexes(t *testing.T, svc *conversations.Service, conv string) []int {
	t.Helper()
	var out []int
	p := paging.Request{Size: 50}
	for {
		page, err := svc.Messages(context.Background(), conv, conversations.Ascending, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Items {
			out = append(out, m.Index)
		}
		if !page.HasNext {
			return out
		}
		last := int64(page.Items[len(page.Items)-1].Index)
		p.After = &last
	}
}

// 32 senders writing into one conversation at once: every message they
// were told was stored is there, under the index they were told, and the
// indexes run 0..N-1 with no gap and no repeat.
func TestConcurrentSendersGetDenseIndexes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		svc := newService(db)
		ctx := context.Background()
		conv, err := svc.CreateConversation(ctx, conversations.ConversationParams{})
		if err != nil {
			t.Fatal(err)
		}
		const senders, each = 32, 8
		acked := make([][]conversations.Message, senders)
		errs := race(senders, func(i int) error {
			for j := range each {
				m, err := svc.SendMessage(ctx, conv.SID, conversations.MessageParams{
					Author: ptr(fmt.Sprint("sender", i)), Body: ptr(fmt.Sprint(i, "/", j))})
				if err != nil {
					return err
				}
				acked[i] = append(acked[i], m)
			}
			return nil
		})
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("a send failed: %v", err)
		}
		want := make([]int, senders*each)
		for i := range want {
			want[i] = i
		}
		if got := indexes(t, svc, conv.SID); !slices.Equal(got, want) {
			t.Fatalf("indexes %v, want 0..%d each once", got, len(want)-1)
		}
		for _, ms := range acked {
			for _, m := range ms {
				got, err := svc.Message(ctx, conv.SID, m.SID)
				if err != nil || got.Index != m.Index || got.Body != m.Body {
					t.Errorf("acknowledged message %s (index %d, %q) reads %+v, %v", m.SID, m.Index, m.Body, got, err)
				}
			}
		}
		if c, _ := svc.Conversation(ctx, conv.SID); c.LastMessageIndex != len(want)-1 {
			t.Errorf("the conversation's last message index is %d, want %d", c.LastMessageIndex, len(want)-1)
		}
	})
}

// Many requests creating the same unique thing at once: one wins, every
// other gets the conflict the API answers with, and one thing exists.
func TestRacingCreatorsOfOneUniqueThingLetOneWin(t *testing.T) {
	const racers = 16
	for _, c := range []struct {
		name   string
		code   int
		create func(ctx context.Context, db *DB, svc *conversations.Service, i int) error
		count  func(ctx context.Context, db *DB, svc *conversations.Service) (int, error)
	}{
		{"conversation unique name", apperr.CodeConversationExists,
			func(ctx context.Context, db *DB, svc *conversations.Service, i int) error {
				_, err := svc.CreateConversation(ctx, conversations.ConversationParams{UniqueName: ptr("support-42")})
				return err
			},
			func(ctx context.Context, db *DB, svc *conversations.Service) (int, error) {
				page, err := svc.Conversations(ctx, conversations.ConversationFilter{}, paging.Request{})
				return len(page.Items), err
			}},
		{"user identity", apperr.CodeUserExists,
			func(ctx context.Context, db *DB, svc *conversations.Service, i int) error {
				_, err := svc.CreateUser(ctx, conversations.UserParams{Identity: ptr("ana")})
				return err
			},
			func(ctx context.Context, db *DB, svc *conversations.Service) (int, error) {
				page, err := svc.Users(ctx, paging.Request{})
				return len(page.Items), err
			}},
		{"participant identity", apperr.CodeParticipantExists,
			func(ctx context.Context, db *DB, svc *conversations.Service, i int) error {
				_, err := svc.AddParticipant(ctx, "lobby", conversations.ParticipantParams{Identity: ptr("ana")})
				return err
			},
			func(ctx context.Context, db *DB, svc *conversations.Service) (int, error) {
				page, err := svc.Participants(ctx, "lobby", paging.Request{})
				return len(page.Items), err
			}},
		{"participant address", apperr.CodeParticipantExists,
			func(ctx context.Context, db *DB, svc *conversations.Service, i int) error {
				_, err := svc.AddParticipant(ctx, "lobby", conversations.ParticipantParams{
					Address: ptr("+15550100"), ProxyAddress: ptr("+15550199")})
				return err
			},
			func(ctx context.Context, db *DB, svc *conversations.Service) (int, error) {
				page, err := svc.Participants(ctx, "lobby", paging.Request{})
				return len(page.Items), err
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
				db, _ := open(t)
				svc := newService(db)
				ctx := context.Background()
				if _, err := svc.CreateConversation(ctx, conversations.ConversationParams{UniqueName: ptr("lobby")}); err != nil {
					t.Fatal(err)
				}
				before, err := c.count(ctx, db, svc)
				if err != nil {
					t.Fatal(err)
				}
				errs := race(racers, func(i int) error { return c.create(ctx, db, svc, i) })
				wantOneWinner(t, errs, func(err error) bool {
					e, ok := apperr.As(err)
					return ok && e.Kind == apperr.Conflict && e.Code == c.code
				})
				if after, err := c.count(ctx, db, svc); err != nil || after != before+1 {
					t.Errorf("%d made, %v; want 1", after-before, err)
				}
			})
		})
	}
}

// wantOneWinner checks that exactly one of errs is nil and every other is
// a conflict.
func wantOneWinner(t *testing.T, errs []error, conflict func(error) bool) {
	t.Helper()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !conflict(err):
			t.Errorf("a loser got %v (%T), want the conflict", err, err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d racers won, want 1", won, len(errs))
	}
}

// A send retried with its idempotency key returns the message the first
// one stored, also when the retries race; the key is the conversation's
// own, so another conversation may use it.
func TestARetriedSendStoresOneMessage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		svc := newService(db)
		ctx := context.Background()
		a, _ := svc.CreateConversation(ctx, conversations.ConversationParams{})
		b, _ := svc.CreateConversation(ctx, conversations.ConversationParams{})
		send := func(conv, key, body string) (conversations.Message, error) {
			return svc.SendMessage(ctx, conv, conversations.MessageParams{Author: ptr("ana"), Body: &body, IdempotencyKey: key})
		}
		first, err := send(a.SID, "k1", "hello")
		if err != nil {
			t.Fatal(err)
		}
		again, err := send(a.SID, "k1", "hello (retried)")
		if err != nil || again.SID != first.SID || again.Body != "hello" {
			t.Errorf("the retry returned %+v, %v; want the first message %s", again, err, first.SID)
		}
		got := make([]conversations.Message, 16)
		errs := race(len(got), func(i int) error {
			var err error
			got[i], err = send(a.SID, "k2", fmt.Sprint("racing ", i))
			return err
		})
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		for _, m := range got {
			if m.SID != got[0].SID {
				t.Errorf("racing retries returned messages %s and %s", got[0].SID, m.SID)
			}
		}
		byKey, err := NewConversations(db).MessageByIdempotencyKey(ctx, a.SID, "k2")
		if err != nil || byKey.SID != got[0].SID {
			t.Errorf("MessageByIdempotencyKey found %s, %v; want %s", byKey.SID, err, got[0].SID)
		}
		if other, err := send(b.SID, "k1", "elsewhere"); err != nil || other.SID == first.SID {
			t.Errorf("the key in another conversation gave %s, %v; want a message of its own", other.SID, err)
		}
		if got := indexes(t, svc, a.SID); !slices.Equal(got, []int{0, 1}) {
			t.Errorf("the conversation holds indexes %v, want [0 1]: one message per key", got)
		}
		if _, err := NewConversations(db).MessageByIdempotencyKey(ctx, a.SID, "never"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("an unknown key gave %v, want NotFound", err)
		}
	})
}

// Keyset paging at its edges, on the list every chat reads (messages) and
// on the plain list of conversations.
func TestPagingEdges(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		svc := newService(db)
		ctx := context.Background()
		empty, _ := svc.CreateConversation(ctx, conversations.ConversationParams{})
		conv, _ := svc.CreateConversation(ctx, conversations.ConversationParams{})
		const n = 300
		// One write for the lot: paging is what is tested, not sending.
		err := NewConversations(db).Update(ctx, func(tx conversations.Tx) error {
			now := time.Now().UTC()
			for i := range n {
				m := conversations.Message{SID: fmt.Sprintf("IM%032d", i), ConversationSID: conv.SID, Index: i,
					Author: "ana", Body: fmt.Sprint(i), Attributes: "{}", Created: now, Updated: now}
				if err := tx.InsertMessage(m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.DeleteMessage(ctx, conv.SID, fmt.Sprintf("IM%032d", 5)); err != nil {
			t.Fatal(err)
		}
		at := func(i int64) *int64 { return &i }
		for _, c := range []struct {
			name      string
			conv      string
			order     conversations.Order
			req       paging.Request
			want      string // first..last index, and how many
			next, prv bool
		}{
			{"an empty list", empty.SID, conversations.Ascending, paging.Request{Size: 10}, "none", false, false},
			{"the first page", conv.SID, conversations.Ascending, paging.Request{Size: 4}, "0..3 (4)", true, false},
			{"after a deleted message", conv.SID, conversations.Ascending, paging.Request{Size: 3, After: at(5)}, "6..8 (3)", true, true},
			{"before a deleted message", conv.SID, conversations.Ascending, paging.Request{Size: 3, Before: at(5)}, "2..4 (3)", true, true},
			{"a last page exactly full", conv.SID, conversations.Ascending, paging.Request{Size: 10, After: at(289)}, "290..299 (10)", false, true},
			{"a last page part full", conv.SID, conversations.Ascending, paging.Request{Size: 10, After: at(295)}, "296..299 (4)", false, true},
			{"past the end", conv.SID, conversations.Ascending, paging.Request{Size: 10, After: at(299)}, "none", false, true},
			{"a deep page", conv.SID, conversations.Ascending, paging.Request{Size: 5, After: at(249)}, "250..254 (5)", true, true},
			{"the whole list in one page of its size", conv.SID, conversations.Ascending, paging.Request{Size: n - 1}, "0..299 (299)", false, false},
			{"newest first", conv.SID, conversations.Descending, paging.Request{Size: 3}, "299..297 (3)", true, false},
			{"newest first, after a deleted message", conv.SID, conversations.Descending, paging.Request{Size: 3, After: at(5)}, "4..2 (3)", true, true},
			{"newest first, to the start", conv.SID, conversations.Descending, paging.Request{Size: 10, After: at(3)}, "2..0 (3)", false, true},
		} {
			t.Run(c.name, func(t *testing.T) {
				page, err := svc.Messages(ctx, c.conv, c.order, c.req)
				if err != nil {
					t.Fatal(err)
				}
				got := "none"
				if k := len(page.Items); k > 0 {
					got = fmt.Sprintf("%d..%d (%d)", page.Items[0].Index, page.Items[k-1].Index, k)
				}
				if got != c.want || page.HasNext != c.next || page.HasPrev != c.prv {
					t.Errorf("got %s next=%v prev=%v, want %s next=%v prev=%v", got, page.HasNext, page.HasPrev, c.want, c.next, c.prv)
				}
			})
		}
		// Conversations: newest first when a date range is given, and
		// filtered by it and by state.
		later := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
		idle, err := svc.CreateConversation(ctx, conversations.ConversationParams{State: ptr("inactive"), DateCreated: &later})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			f    conversations.ConversationFilter
			want []string
		}{
			{"oldest first", conversations.ConversationFilter{}, []string{empty.SID, conv.SID}},
			{"newest first", conversations.ConversationFilter{NewestFirstOrder: true}, []string{idle.SID, conv.SID}},
			{"inactive ones", conversations.ConversationFilter{State: conversations.Inactive}, []string{idle.SID}},
			{"made from a time on", conversations.ConversationFilter{Start: later, NewestFirstOrder: true}, []string{idle.SID}},
			{"made up to a time", conversations.ConversationFilter{End: later.Add(-time.Millisecond)}, []string{empty.SID, conv.SID}},
			{"made in a past year", conversations.ConversationFilter{End: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
		} {
			page, err := NewConversations(db).Conversations(ctx, c.f, paging.Request{Size: 2})
			var got []string
			for _, c := range page.Items {
				got = append(got, c.SID)
			}
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("conversations %s: %v, %v; want %v", c.name, got, err, c.want)
			}
		}
		if _, err := svc.Messages(ctx, "CH00000000000000000000000000000000", conversations.Ascending, paging.Request{}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("messages of no conversation: %v, want NotFound", err)
		}
	})
}

// Deleting a conversation takes everything in it along: participants,
// messages, receipts, notes and webhooks; its media records go too, and
// their blobs are handed to the collector unless another record still
// uses them.
func TestDeletingAConversationTakesWhatIsInIt(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		gone := make(chan struct{}, 8)
		db.OnMediaGone(func() { gone <- struct{}{} })
		svc := newService(db)
		ctx := context.Background()
		files := NewMedia(db)
		upload := func(hash string) string {
			m := media.Media{SID: sid.New(sid.Media), Hash: hash, Size: 3, ContentType: "image/png", Filename: hash + ".png",
				Author: "system", Created: time.Now(), Updated: time.Now()}
			if err := files.InsertMedia(ctx, m, func() error { return nil }); err != nil {
				t.Fatal(err)
			}
			return m.SID
		}
		conv, _ := svc.CreateConversation(ctx, conversations.ConversationParams{})
		keep, _ := svc.CreateConversation(ctx, conversations.ConversationParams{})
		ana, err := svc.AddParticipant(ctx, conv.SID, conversations.ParticipantParams{Identity: ptr("ana")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddParticipant(ctx, keep.SID, conversations.ParticipantParams{Identity: ptr("ana")}); err != nil {
			t.Fatal(err)
		}
		shared, own, loose := upload("h-shared"), upload("h-own"), upload("h-loose")
		elsewhere := upload("h-shared") // the same bytes, sent in the other conversation
		m, err := svc.SendMessage(ctx, conv.SID, conversations.MessageParams{Author: ptr("ana"), Body: ptr("look"), MediaSIDs: []string{shared, own}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SendMessage(ctx, keep.SID, conversations.MessageParams{Author: ptr("ana"), Body: ptr("same"), MediaSIDs: []string{elsewhere}}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RecordDelivery(ctx, conversations.ReceiptParams{ConversationSID: conv.SID, MessageSID: m.SID,
			ParticipantSID: ana.SID, ChannelMessageSID: "SM1", Status: conversations.Delivered}); err != nil {
			t.Fatal(err)
		}
		if err := NewNotes(db).AddNote(ctx, notes.Note{SID: sid.New(sid.Note), ConversationSID: conv.SID, Author: "ana",
			AuthorName: "Ana", Body: "VIP", Created: time.Now()}, 10); err != nil {
			t.Fatal(err)
		}
		hooks := NewWebhooks(db)
		if _, err := hooks.InsertHook(ctx, webhooks.Hook{SID: sid.New(sid.Webhook), ConversationSID: conv.SID, Target: "webhook",
			HookConfig: webhooks.HookConfig{URL: "https://example.com/hook"}, Created: time.Now(), Updated: time.Now()}); err != nil {
			t.Fatal(err)
		}

		if err := svc.DeleteConversation(ctx, conv.SID); err != nil {
			t.Fatal(err)
		}
		select {
		case <-gone:
		case <-time.After(5 * time.Second):
			t.Error("deleting a conversation with media did not call the media collector")
		}
		store := NewConversations(db)
		for _, c := range []struct {
			what string
			err  error
		}{
			{"the conversation", second(svc.Conversation(ctx, conv.SID))},
			{"its participant", second(store.Participant(ctx, conv.SID, ana.SID))},
			{"its message", second(store.Message(ctx, conv.SID, m.SID))},
			{"its receipt", second(store.ReceiptByChannelMessage(ctx, "SM1"))},
			{"its message's media", second(files.Media(ctx, own))},
		} {
			if !apperr.Is(c.err, apperr.NotFound) {
				t.Errorf("%s after the delete: %v, want NotFound", c.what, c.err)
			}
		}
		if of, err := store.ConversationsOf(ctx, "ana"); err != nil || !slices.Equal(of, []string{keep.SID}) {
			t.Errorf("ana is in %v, %v; want only %s", of, err, keep.SID)
		}
		if ns, err := NewNotes(db).Notes(ctx, conv.SID); err != nil || len(ns) != 0 {
			t.Errorf("notes after the delete: %v, %v", ns, err)
		}
		if hs, err := hooks.AllHooks(ctx); err != nil || len(hs) != 0 {
			t.Errorf("webhooks after the delete: %v, %v", hs, err)
		}
		for _, sid := range []string{loose, elsewhere} {
			if _, err := files.Media(ctx, sid); err != nil {
				t.Errorf("media %s, not in the conversation: %v", sid, err)
			}
		}
		// Nothing of it is left behind, even where no read would show it.
		for _, c := range []struct {
			table string
			want  int // the other conversation's
		}{{"participants", 1}, {"messages", 1}, {"receipts", 0}, {"notes", 0}, {"conversation_webhooks", 0}, {"media", 2}} {
			var n int
			if err := db.reads.QueryRowContext(ctx, "SELECT count(*) FROM "+c.table).Scan(&n); err != nil || n != c.want {
				t.Errorf("%d rows left in %s, %v; want %d", n, c.table, err, c.want)
			}
		}
		var removed []string
		if err := files.CollectOrphans(ctx, func(h string) { removed = append(removed, h) }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(removed, []string{"h-own"}) {
			t.Errorf("the collector removed blobs %v, want [h-own]: h-shared is still sent elsewhere", removed)
		}
		if used, err := files.Hashes(ctx); err != nil || len(used) != 2 || !used["h-shared"] || !used["h-loose"] {
			t.Errorf("hashes in use %v, %v; want h-shared and h-loose", used, err)
		}
	})
}

// second is a call's error, for a table of calls.
func second[T any](_ T, err error) error { return err }

// The rest of the conversations store, method by method, as the service
// uses it: participants found every way the API finds them, users,
// memberships, receipts, edits and timers.
func TestConversationsStoreFindsAndChangesEveryRecord(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		svc := newService(db)
		store := NewConversations(db)
		ctx := context.Background()
		conv, err := svc.CreateConversation(ctx, conversations.ConversationParams{UniqueName: ptr("desk-1"), FriendlyName: ptr("Desk")})
		must(t, err)
		other, err := svc.CreateConversation(ctx, conversations.ConversationParams{})
		must(t, err)
		ana, err := svc.AddParticipant(ctx, "desk-1", conversations.ParticipantParams{Identity: ptr("ana"), Attributes: ptr(`{"vip":true}`)})
		must(t, err)
		sms, err := svc.AddParticipant(ctx, conv.SID, conversations.ParticipantParams{Address: ptr("+15550100"), ProxyAddress: ptr("+15550199")})
		must(t, err)
		_, err = svc.AddParticipant(ctx, other.SID, conversations.ParticipantParams{Identity: ptr("ana")})
		must(t, err)
		_, err = svc.AddParticipant(ctx, other.SID, conversations.ParticipantParams{Identity: ptr("ben")})
		must(t, err)

		// Participants, every way they are found.
		for _, c := range []struct {
			what string
			got  func() (conversations.Participant, error)
			want string
		}{
			{"by identity", func() (conversations.Participant, error) { return store.Participant(ctx, conv.SID, "ana") }, ana.SID},
			{"by SID", func() (conversations.Participant, error) { return store.Participant(ctx, conv.SID, ana.SID) }, ana.SID},
			{"by binding", func() (conversations.Participant, error) {
				return store.ParticipantByBinding(ctx, conv.SID, "+15550100", "+15550199")
			}, sms.SID},
		} {
			p, err := c.got()
			if err != nil || p.SID != c.want || p.ConversationSID != conv.SID {
				t.Errorf("participant %s: %+v, %v", c.what, p, err)
			}
		}
		if p, _ := store.Participant(ctx, conv.SID, "ana"); p.Attributes != `{"vip":true}` {
			t.Errorf("participant attributes %q", p.Attributes)
		}
		if p, _ := store.Participant(ctx, conv.SID, sms.SID); p.Binding == nil || p.Binding.Address != "+15550100" || p.Identity != "" {
			t.Errorf("messaging participant reads %+v", p)
		}
		if psid, err := store.ParticipantSID(ctx, "desk-1", "ana"); err != nil || psid != ana.SID {
			t.Errorf("ParticipantSID by unique name: %q, %v", psid, err)
		}
		_, err = store.ParticipantSID(ctx, "desk-1", "ben")
		wantNotFound(t, "ParticipantSID of a stranger", err)
		_, err = store.Participant(ctx, conv.SID, "ben")
		wantNotFound(t, "a participant of another conversation", err)
		if c, err := store.OpenConversationByBinding(ctx, "+15550100", "+15550199"); err != nil || c.SID != conv.SID {
			t.Errorf("open conversation by binding: %s, %v", c.SID, err)
		}
		if sids, err := store.ConversationsWithBindings(ctx); err != nil || !slices.Equal(sids, []string{conv.SID}) {
			t.Errorf("conversations with bindings %v, %v", sids, err)
		}
		if page, err := store.Participants(ctx, conv.SID, paging.Request{Size: 1}); err != nil || len(page.Items) != 1 || page.Items[0].SID != ana.SID || !page.HasNext {
			t.Errorf("participants, first page: %+v, %v", page, err)
		}

		// Memberships.
		for _, c := range []struct {
			name string
			f    conversations.MembershipFilter
			want []string // conversation SIDs
		}{
			{"of an identity", conversations.MembershipFilter{Identity: "ana"}, []string{conv.SID, other.SID}},
			{"of an address", conversations.MembershipFilter{Address: "+15550100"}, []string{conv.SID}},
			{"of a conversation", conversations.MembershipFilter{Conversation: other.SID}, []string{other.SID, other.SID}},
			{"shared with ben", conversations.MembershipFilter{Identity: "ana", With: "ben"}, []string{other.SID}},
			{"of no one", conversations.MembershipFilter{Identity: "zoe"}, nil},
		} {
			page, err := store.Memberships(ctx, c.f, paging.Request{})
			var got []string
			for _, m := range page.Items {
				got = append(got, m.Conversation.SID)
				if m.Participant.ConversationSID != m.Conversation.SID || m.Key != m.Participant.Key {
					t.Errorf("membership %s: participant %+v in %s", c.name, m.Participant, m.Conversation.SID)
				}
			}
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("memberships %s: %v, %v; want %v", c.name, got, err, c.want)
			}
		}
		if of, err := store.ConversationsOf(ctx, "ana"); err != nil || !slices.Equal(of, []string{conv.SID, other.SID}) {
			t.Errorf("ana's conversations %v, %v", of, err)
		}

		// A read horizon, then leaving.
		m, err := svc.SendMessage(ctx, conv.SID, conversations.MessageParams{Author: ptr("ana"), Body: ptr("helo"), Attributes: ptr(`{"a":1}`)})
		must(t, err)
		if p, err := svc.UpdateParticipant(ctx, conv.SID, "ana", conversations.ParticipantParams{LastReadIndex: ptr(0), Attributes: ptr(`{}`)}); err != nil ||
			p.LastReadIndex == nil || *p.LastReadIndex != 0 {
			t.Errorf("update participant: %+v, %v", p, err)
		}
		if p, _ := store.Participant(ctx, conv.SID, "ana"); p.LastReadIndex == nil || *p.LastReadIndex != 0 || p.Attributes != "{}" {
			t.Errorf("updated participant reads %+v", p)
		}
		must(t, svc.RemoveParticipant(ctx, conv.SID, sms.SID))
		_, err = store.ParticipantByBinding(ctx, conv.SID, "+15550100", "+15550199")
		wantNotFound(t, "a removed participant", err)
		_, err = store.OpenConversationByBinding(ctx, "+15550100", "+15550199")
		wantNotFound(t, "the conversation of a removed binding", err)

		// Messages: an edit, receipts moving forward.
		if m, err := svc.UpdateMessage(ctx, conv.SID, m.SID, conversations.MessageParams{Body: ptr("hello")}); err != nil || m.Body != "hello" {
			t.Errorf("edit: %+v, %v", m, err)
		}
		for _, status := range []conversations.ReceiptStatus{conversations.Sent, conversations.Delivered, conversations.Sent} {
			_, err := svc.RecordDelivery(ctx, conversations.ReceiptParams{ConversationSID: conv.SID, MessageSID: m.SID, ParticipantSID: ana.SID,
				ChannelMessageSID: "SM1", Status: status})
			must(t, err)
		}
		r, err := store.ReceiptByChannelMessage(ctx, "SM1")
		if err != nil || r.Status != conversations.Delivered || r.MessageSID != m.SID {
			t.Errorf("receipt %+v, %v; want delivered: a late 'sent' does not move it back", r, err)
		}
		if got, err := store.Receipt(ctx, conv.SID, m.SID, r.SID); err != nil || got.SID != r.SID {
			t.Errorf("receipt by SID %+v, %v", got, err)
		}
		if page, err := store.Receipts(ctx, conv.SID, m.SID, paging.Request{}); err != nil || len(page.Items) != 1 {
			t.Errorf("receipts %+v, %v", page.Items, err)
		}
		_, err = store.ReceiptByChannelMessage(ctx, "")
		wantNotFound(t, "the receipt of no channel message", err)
		got, err := store.Message(ctx, conv.SID, m.SID)
		if err != nil || got.Body != "hello" || got.Attributes != `{"a":1}` || got.Delivery == nil || got.Index != 0 {
			t.Errorf("message reads %+v, %v; want the edit and a delivery summary", got, err)
		}
		_, err = store.Message(ctx, other.SID, m.SID)
		wantNotFound(t, "a message through another conversation", err)

		// Users.
		u, err := svc.CreateUser(ctx, conversations.UserParams{Identity: ptr("zoe"), FriendlyName: ptr("Zoe")})
		must(t, err)
		if got, err := store.User(ctx, "zoe"); err != nil || got.SID != u.SID || got.FriendlyName != "Zoe" {
			t.Errorf("user by identity %+v, %v", got, err)
		}
		if _, err := svc.UpdateUser(ctx, u.SID, conversations.UserParams{FriendlyName: ptr("Zoé")}); err != nil {
			t.Fatal(err)
		}
		if got, err := store.User(ctx, u.SID); err != nil || got.FriendlyName != "Zoé" {
			t.Errorf("user by SID after an update %+v, %v", got, err)
		}
		must(t, svc.DeleteUser(ctx, u.SID))
		_, err = store.User(ctx, "zoe")
		wantNotFound(t, "a deleted user", err)

		// A renamed conversation, and its timers.
		if c, err := svc.UpdateConversation(ctx, "desk-1", conversations.ConversationParams{UniqueName: ptr("desk-2"), TimersInactive: ptr("PT1M")}); err != nil || c.UniqueName != "desk-2" {
			t.Errorf("rename: %+v, %v", c, err)
		}
		_, err = svc.Conversation(ctx, "desk-1")
		wantNotFound(t, "the old unique name", err)
		if _, err := svc.CreateConversation(ctx, conversations.ConversationParams{UniqueName: ptr("desk-1")}); err != nil {
			t.Errorf("the old unique name is free again: %v", err)
		}
		svc.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
		if n, err := svc.ApplyTimers(ctx); err != nil || n != 1 {
			t.Errorf("timers changed %d, %v; want 1", n, err)
		}
		if c, err := svc.Conversation(ctx, "desk-2"); err != nil || c.State != conversations.Inactive || !c.Timers.DateInactive.IsZero() {
			t.Errorf("after its timer: %+v, %v", c, err)
		}
		if n, err := svc.ApplyTimers(ctx); err != nil || n != 0 {
			t.Errorf("timers applied twice changed %d, %v", n, err)
		}
	})
}
