package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"parley/server/conversations"
)

// liveChat is a chat of "customer" and "agent" over the store, as the server runs it.
type liveChat struct {
	db  *DB
	loc string // where db is, to reopen it
	svc *conversations.Service
	sid string
}

func newChat(t *testing.T, open func(testing.TB) (*DB, string)) *liveChat {
	t.Helper()
	db, loc := open(t)
	c := &liveChat{db: db, loc: loc}
	c.use(db)
	conv, err := c.svc.CreateConversation(context.Background(), conversations.ConversationParams{})
	if err != nil {
		t.Fatal(err)
	}
	c.sid = conv.SID
	for _, who := range []string{"customer", "agent"} {
		if _, err := c.svc.AddParticipant(context.Background(), c.sid, conversations.ParticipantParams{Identity: &who}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func (c *liveChat) use(db *DB) {
	c.db = db
	c.svc = conversations.NewService(NewConversations(db), "AC00000000000000000000000000000001", "IS00000000000000000000000000000001")
}

// restart closes the database and opens it again, as a server restart does.
func (c *liveChat) restart(t *testing.T) {
	t.Helper()
	if err := c.db.Close(); err != nil {
		t.Fatal(err)
	}
	c.use(reopen(t, c.loc))
}

func (c *liveChat) say(t *testing.T, who, body string) conversations.Message {
	t.Helper()
	m, err := c.svc.SendAs(context.Background(), who, c.sid, conversations.MessageParams{Body: &body})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (c *liveChat) rename(t *testing.T, name string) {
	t.Helper()
	if _, err := c.svc.UpdateConversation(context.Background(), c.sid, conversations.ConversationParams{FriendlyName: &name}); err != nil {
		t.Fatal(err)
	}
}

// cursor is where a session attaching now would start.
func (c *liveChat) cursor(t *testing.T, who string) int64 {
	t.Helper()
	var cursor int64
	if err := c.svc.Subscribe(context.Background(), who, func(f conversations.Feed) { cursor = f.Cursor }); err != nil {
		t.Fatal(err)
	}
	return cursor
}

// missed is what a session of who that was at cursor replays on resuming
// now, one line per event, or the error that refuses it.
func (c *liveChat) missed(t *testing.T, who string, cursor int64) string {
	t.Helper()
	evs, err := c.svc.EventsSince(context.Background(), who, cursor, c.cursor(t, who), 100)
	if err != nil {
		return err.Error()
	}
	var lines []string
	last := cursor
	for _, e := range evs {
		if e.Seq <= last {
			t.Errorf("event %d (%s) comes after %d: the replay is out of order", e.Seq, e.Type, last)
		}
		last = e.Seq
		switch {
		case e.Message != nil:
			lines = append(lines, fmt.Sprintf("%s %s: %s", e.Type, e.Message.Author, e.Message.Body))
		case e.Conversation != nil:
			lines = append(lines, fmt.Sprintf("%s %s", e.Type, e.Conversation.FriendlyName))
		default:
			lines = append(lines, string(e.Type))
		}
	}
	return strings.Join(lines, "\n")
}

func TestAResumeReplaysMessagesAndOtherChangesInTheirOrder(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		c := newChat(t, open)
		c.say(t, "customer", "before")
		cursor := c.cursor(t, "agent")
		c.say(t, "customer", "hello")
		c.rename(t, "Billing")
		c.say(t, "agent", "hi, how can I help?")
		want := "message_added customer: hello\nconversation_updated Billing\nmessage_added agent: hi, how can I help?"
		if got := c.missed(t, "agent", cursor); got != want {
			t.Errorf("the agent missed:\n%s\nwant:\n%s", got, want)
		}
		if got := c.missed(t, "stranger", cursor); got != "" {
			t.Errorf("a stranger replays:\n%s\nwant nothing", got)
		}
	})
}

func TestACursorSurvivesARestartAndAFailedWrite(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		c := newChat(t, open)
		c.say(t, "customer", "first")
		c.restart(t)
		// A write that takes an event number and then fails leaves nothing
		// behind, not even the reservation it made; the numbers handed out
		// after it must stay above anything a restart resumes from.
		boom := errors.New("boom")
		err := NewConversations(c.db).Update(context.Background(), func(tx conversations.Tx) error {
			if _, err := tx.AppendEvent(conversations.Event{Type: conversations.ConversationUpdated, ConversationSID: c.sid}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("the failing write returned %v", err)
		}
		c.say(t, "customer", "second")
		cursor := c.cursor(t, "agent")
		c.restart(t)
		c.say(t, "customer", "third")
		if got, want := c.missed(t, "agent", cursor), "message_added customer: third"; got != want {
			t.Errorf("after a restart the agent missed:\n%s\nwant:\n%s", got, want)
		}
	})
}

func TestPruningOnlyRefusesCursorsWhoseEventsItRemoved(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		c := newChat(t, open)
		cursor := c.cursor(t, "agent")
		c.say(t, "customer", "hello")
		c.rename(t, "Billing")
		afterRename := c.cursor(t, "agent")
		c.say(t, "customer", "still there?")
		if _, err := c.svc.PruneEvents(context.Background(), -time.Minute); err != nil {
			t.Fatal(err)
		}
		if got := c.missed(t, "agent", cursor); got != conversations.ErrTooFarBehind.Error() {
			t.Errorf("a cursor before a pruned change replays:\n%s\nwant it refused", got)
		}
		// Messages are kept with their events; nothing after this cursor was
		// pruned, so it resumes.
		if got, want := c.missed(t, "agent", afterRename), "message_added customer: still there?"; got != want {
			t.Errorf("a cursor after the pruned change missed:\n%s\nwant:\n%s", got, want)
		}
		c.restart(t)
		if got := c.missed(t, "agent", cursor); got != conversations.ErrTooFarBehind.Error() {
			t.Errorf("after a restart, a cursor before the pruned change replays:\n%s\nwant it refused", got)
		}
	})
}

// On PostgreSQL too: `parley migrate` copies such an install's events as
// they are.
func TestMessagesStoredBeforeTheUpgradeStillReplay(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		c := newChat(t, open)
		cursor := c.cursor(t, "agent")
		m := c.say(t, "customer", "from the old build")
		seq := c.cursor(t, "agent") // the message's event, the last one
		// The old build kept every message's event in the events table and
		// none in the message's row: put this one back that way.
		ctx := context.Background()
		err := c.db.Write(ctx, func(q WriteTx) error {
			if _, err := q.ExecContext(ctx, "UPDATE messages SET event_seq = NULL WHERE sid = ?", m.SID); err != nil {
				return err
			}
			data, err := json.Marshal(eventData{Message: &m})
			if err != nil {
				return err
			}
			_, err = q.ExecContext(ctx, `INSERT INTO events (seq, type, conversation_sid, target, data, created)
				VALUES (?, 'message_added', ?, '', ?, 0)`, seq, c.sid, data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		c.restart(t) // the upgrade
		c.say(t, "agent", "from the new one")
		want := "message_added customer: from the old build\nmessage_added agent: from the new one"
		if got := c.missed(t, "agent", cursor); got != want {
			t.Errorf("after the upgrade the agent missed:\n%s\nwant:\n%s", got, want)
		}
	})
}

// A replay from the start, from the middle and from the newest event: each
// gives exactly what came after, in order, and a limit keeps to it.
func TestAReplayStartsWhereTheCursorIs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		c := newChat(t, open)
		c.say(t, "customer", "one")
		mid := c.cursor(t, "agent")
		c.rename(t, "Billing")
		c.say(t, "agent", "two")
		latest := c.cursor(t, "agent")
		all := "participant_added\nparticipant_added\nconversation_added \nmessage_added customer: one\nconversation_updated Billing\nmessage_added agent: two"
		for _, r := range []struct {
			name   string
			cursor int64
			want   string
		}{
			{"from the start", 0, all},
			{"from the middle", mid, "conversation_updated Billing\nmessage_added agent: two"},
			{"from the newest", latest, ""},
		} {
			if got := c.missed(t, "agent", r.cursor); got != r.want {
				t.Errorf("%s the agent replays:\n%s\nwant:\n%s", r.name, got, r.want)
			}
		}
		// The service refuses a replay longer than its limit; the store
		// lists no more than it.
		evs, err := NewConversations(c.db).EventsSince(context.Background(), "agent", 0, latest, 2)
		if err != nil || len(evs) != 2 {
			t.Errorf("a replay limited to 2 gave %d events, %v", len(evs), err)
		}
		// upTo bounds the replay, its own event included: of a message,
		// of the conversation, and one addressed to the agent by name.
		evs, err = NewConversations(c.db).EventsSince(context.Background(), "agent", 0, latest, 100)
		if err != nil || len(evs) != 6 {
			t.Fatalf("the whole replay: %d events, %v", len(evs), err)
		}
		for _, e := range evs {
			upTo, err := NewConversations(c.db).EventsSince(context.Background(), "agent", 0, e.Seq, 100)
			if err != nil || len(upTo) == 0 || upTo[len(upTo)-1].Seq != e.Seq {
				t.Errorf("a replay up to %d (%s) gives %d events, the last not it, %v", e.Seq, e.Type, len(upTo), err)
			}
		}
		if oldest, err := NewConversations(c.db).OldestEventSeq(context.Background()); err != nil || oldest != 1 {
			t.Errorf("before any pruning the oldest seq is %d, %v; want 1", oldest, err)
		}
	})
}
