package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"parley/server/conversations"
	"parley/server/reports"
)

// ---- helpers ----

// march is a time on 2 March 2026, UTC, as hh:mm:ss.
func march(clock string) time.Time {
	t, err := time.Parse(time.DateTime, "2026-03-02 "+clock)
	if err != nil {
		panic(err)
	}
	return t
}

func mustRecord(t testing.TB, s *Reports, facts ...reports.Fact) {
	t.Helper()
	if err := s.RecordFacts(context.Background(), facts); err != nil {
		t.Fatal(err)
	}
}

func mustReadFacts(t testing.TB, s *Reports, f reports.Filter) []reports.Fact {
	t.Helper()
	out, err := s.Facts(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wholeDay chooses 2 March 2026, UTC.
var wholeDay = reports.Filter{From: march("00:00:00"), To: march("00:00:00").AddDate(0, 0, 1)}

// chat is a conversation whose messages tests write with chosen times.
type chat struct {
	t   *testing.T
	svc *conversations.Service
	sid string
}

func openChat(t *testing.T, db *DB) *chat {
	t.Helper()
	svc := conversations.NewService(NewConversations(db), "AC00000000000000000000000000000000", "IS00000000000000000000000000000000")
	c, err := svc.CreateConversation(context.Background(), conversations.ConversationParams{})
	if err != nil {
		t.Fatal(err)
	}
	return &chat{t: t, svc: svc, sid: c.SID}
}

// says writes a message by author at clock, with attributes when given.
func (c *chat) says(author, clock string, attributes ...string) {
	c.t.Helper()
	at := march(clock)
	p := conversations.MessageParams{Author: &author, Body: &clock, DateCreated: &at}
	if len(attributes) > 0 {
		p.Attributes = &attributes[0]
	}
	if _, err := c.svc.SendMessage(context.Background(), c.sid, p); err != nil {
		c.t.Fatal(err)
	}
}

// ---- tests ----

func TestReportFactsMergeIntoOneRowPerTask(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		s := NewReports(db)
		score := 4.0
		mustRecord(t, s,
			reports.Fact{TaskSID: "WT1", WorkspaceSID: "WS1", Created: march("09:00:00.123"), ConversationSID: "CH1", Customer: "guest"},
			reports.Fact{TaskSID: "WT1", WorkspaceSID: "WS1", Created: march("09:00:00"), QueueSID: "WQ1", QueueName: "Support"},
			reports.Fact{TaskSID: "WT1", WorkspaceSID: "WS1", Created: march("09:00:00"), Accepted: march("09:00:30")},
			reports.Fact{TaskSID: "WT1", WorkspaceSID: "WS1", Created: march("09:00:00"), Accepted: march("09:05:00")}, // a later acceptance (a retry)
			reports.Fact{TaskSID: "WT1", WorkspaceSID: "WS1", Created: march("09:00:00"), Outcome: "Resolved", CSAT: &score,
				Ended: march("09:10:00"), End: reports.EndCompleted},
			reports.Fact{TaskSID: "WT1", WorkspaceSID: "WS1", Created: march("09:00:00"), Ended: march("09:11:00"), End: reports.EndDeleted},
		)
		got := mustReadFacts(t, s, wholeDay)
		if len(got) != 1 {
			t.Fatalf("%d rows for one task", len(got))
		}
		f := got[0]
		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"created keeps its first, precise value", f.Created, march("09:00:00.123")},
			{"the queue a later fact named", [2]string{f.QueueSID, f.QueueName}, [2]string{"WQ1", "Support"}},
			{"conversation and customer an earlier fact named", [2]string{f.ConversationSID, f.Customer}, [2]string{"CH1", "guest"}},
			{"the first acceptance", f.Accepted, march("09:00:30")},
			{"the first end: deleting a completed task does not abandon it", [2]any{f.End, f.Ended}, [2]any{reports.EndCompleted, march("09:10:00")}},
			{"outcome", f.Outcome, "Resolved"},
			{"score", f.CSAT != nil && *f.CSAT == 4, true},
		} {
			if c.got != c.want {
				t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
			}
		}
	})
}

func TestReportFactsAreChosenByCreationTimeWorkspaceAndQueue(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		s := NewReports(db)
		mustRecord(t, s,
			reports.Fact{TaskSID: "WT-before", WorkspaceSID: "WS1", QueueSID: "WQ1", Created: march("00:00:00").Add(-time.Millisecond)},
			reports.Fact{TaskSID: "WT-midnight", WorkspaceSID: "WS1", QueueSID: "WQ1", Created: march("00:00:00")},
			reports.Fact{TaskSID: "WT-other-queue", WorkspaceSID: "WS1", QueueSID: "WQ2", Created: march("10:00:00")},
			reports.Fact{TaskSID: "WT-other-desk", WorkspaceSID: "WS2", QueueSID: "WQ9", Created: march("11:00:00")},
			reports.Fact{TaskSID: "WT-last", WorkspaceSID: "WS1", QueueSID: "WQ1", Created: march("23:59:59.999")},
			reports.Fact{TaskSID: "WT-after", WorkspaceSID: "WS1", QueueSID: "WQ1", Created: march("00:00:00").AddDate(0, 0, 1)},
		)
		for _, c := range []struct {
			name   string
			filter reports.Filter
			want   string
		}{
			{"the day, every desk and queue, oldest first", wholeDay, "[WT-midnight WT-other-queue WT-other-desk WT-last]"},
			{"one workspace", reports.Filter{From: wholeDay.From, To: wholeDay.To, WorkspaceSID: "WS1"}, "[WT-midnight WT-other-queue WT-last]"},
			{"one queue", reports.Filter{From: wholeDay.From, To: wholeDay.To, QueueSID: "WQ2"}, "[WT-other-queue]"},
			{"another desk's queue in mine", reports.Filter{From: wholeDay.From, To: wholeDay.To, WorkspaceSID: "WS1", QueueSID: "WQ9"}, "[]"},
		} {
			t.Run(c.name, func(t *testing.T) {
				var sids []string
				for _, f := range mustReadFacts(t, s, c.filter) {
					sids = append(sids, f.TaskSID)
				}
				if got := fmt.Sprint(sids); got != c.want {
					t.Errorf("got %s, want %s", got, c.want)
				}
			})
		}
	})
}

func TestTheFirstResponseIsTheAgentsFirstReplyAfterAccepting(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		s := NewReports(db)
		for _, c := range []struct {
			name  string
			write func(c *chat)
			want  string // the clock of the first response, "" for none
		}{
			{"the agent's first reply", func(c *chat) {
				c.says("ana", "09:01:10")
				c.says("ana", "09:01:20")
			}, "09:01:10"},
			{"the customer talking is no response", func(c *chat) {
				c.says("guest", "09:01:05")
				c.says("ana", "09:01:30")
			}, "09:01:30"},
			{"nor is the widget's welcome or a bot", func(c *chat) {
				c.says("Concierge", "09:01:01", `{"parley":{"kind":"welcome"}}`)
				c.says("bot", "09:01:02", `{"parley":{"kind":"bot"}}`)
				c.says("ana", "09:01:40", `{"parley":"no kind here"}`)
			}, "09:01:40"},
			{"nor a bot whose attributes escape a NUL", func(c *chat) {
				c.says("bot", "09:01:02", `{"parley":{"kind":"bot"},"raw":"\u0000"}`)
				c.says("ana", "09:01:50")
			}, "09:01:50"},
			{"nor a message without an author", func(c *chat) {
				c.says("system", "09:01:03")
			}, ""},
			{"nor what was said before the agent accepted", func(c *chat) {
				c.says("ben", "09:00:50") // another agent, before this task was accepted
			}, ""},
			{"nor a reply after the task ended", func(c *chat) {
				c.says("ana", "09:20:00")
			}, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				conv := openChat(t, db)
				c.write(conv)
				task := "WT" + conv.sid
				mustRecord(t, s, reports.Fact{TaskSID: task, WorkspaceSID: "WS1", ConversationSID: conv.sid, Customer: "guest",
					Created: march("09:00:00"), Accepted: march("09:01:00"), Ended: march("09:10:00"), End: reports.EndCompleted})
				var got reports.Fact
				for _, f := range mustReadFacts(t, s, wholeDay) {
					if f.TaskSID == task {
						got = f
					}
				}
				want := time.Time{}
				if c.want != "" {
					want = march(c.want)
				}
				if !got.FirstResponse.Equal(want) {
					t.Errorf("first response at %v, want %v", got.FirstResponse, want)
				}
			})
		}
	})
}

func TestATaskNeverAcceptedHasNoFirstResponse(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		s := NewReports(db)
		conv := openChat(t, db)
		conv.says("ana", "09:05:00")
		mustRecord(t, s, reports.Fact{TaskSID: "WT1", WorkspaceSID: "WS1", ConversationSID: conv.sid, Customer: "guest",
			Created: march("09:00:00"), Ended: march("09:06:00"), End: reports.EndCanceled})
		if f := mustReadFacts(t, s, wholeDay); len(f) != 1 || !f[0].FirstResponse.IsZero() {
			t.Errorf("an unaccepted task reads %+v", f)
		}
	})
}

// BenchmarkReport reads and aggregates a day of 10,000 tasks, each with a
// short conversation: what a busy desk's daily report costs.
func BenchmarkReport(b *testing.B) {
	// No fsync per commit: the setup is not what is measured.
	db, err := Open(filepath.Join(b.TempDir(), "parley.db"), Options{Synchronous: "NORMAL"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s := NewReports(db)
	svc := conversations.NewService(NewConversations(db), "AC00000000000000000000000000000000", "IS00000000000000000000000000000000")
	ctx := context.Background()
	const tasks = 10000
	facts := make([]reports.Fact, tasks)
	// Chats are written from many goroutines at once, so the writer
	// commits them in groups, as it does a busy server's.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < tasks; i += 16 {
				f, err := benchTask(ctx, svc, i)
				if err != nil {
					errs <- err
					return
				}
				facts[i] = f
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(facts); i += 500 {
		mustRecord(b, s, facts[i:min(i+500, len(facts))]...)
	}
	q, err := reports.Params{StartDate: "2026-03-02", EndDate: "2026-03-02"}.Query(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		got := mustReadFacts(b, s, wholeDay)
		if r := reports.Build(q, got); r.Totals.Conversations != tasks {
			b.Fatalf("%d conversations, want %d", r.Totals.Conversations, tasks)
		}
	}
}

// benchTask is the i-th task of a busy day: eight seconds after the one
// before; one in ten abandoned, the others answered in a short chat.
func benchTask(ctx context.Context, svc *conversations.Service, i int) (reports.Fact, error) {
	created := march("00:00:00").Add(time.Duration(i) * 8 * time.Second)
	f := reports.Fact{TaskSID: fmt.Sprintf("WT%08d", i), WorkspaceSID: "WS1", QueueSID: fmt.Sprintf("WQ%d", i%4),
		QueueName: fmt.Sprintf("Queue %d", i%4), Customer: "guest", Created: created}
	if i%10 == 0 {
		f.Ended, f.End = created.Add(time.Minute), reports.EndCanceled
		return f, nil
	}
	c, err := svc.CreateConversation(ctx, conversations.ConversationParams{})
	if err != nil {
		return f, err
	}
	f.ConversationSID = c.SID
	f.Accepted, f.Ended, f.End = created.Add(20*time.Second), created.Add(5*time.Minute), reports.EndCompleted
	for j, author := range []string{"guest", "ana", "guest", "ana"} {
		at := f.Accepted.Add(time.Duration(j+1) * 10 * time.Second)
		if _, err := svc.SendMessage(ctx, c.SID, conversations.MessageParams{Author: &author, Body: &author, DateCreated: &at}); err != nil {
			return f, err
		}
	}
	return f, nil
}
