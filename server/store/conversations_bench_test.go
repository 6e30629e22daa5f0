package store

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"parley/server/conversations"
	"parley/shared/sid"
)

// BenchmarkMessagePage reads a page of 50 messages from a conversation of
// 100,000: with keyset paging (what Parley does) at the start and at index
// 90,000, and, as the baseline in the same run, with LIMIT/OFFSET at the same
// depth.
func BenchmarkMessagePage(b *testing.B) {
	db, _ := mustOpen(b)
	store := NewConversations(db)
	svc := conversations.NewService(store, "AC00000000000000000000000000000001", "IS00000000000000000000000000000001")
	ctx := context.Background()
	c, err := svc.CreateConversation(ctx, conversations.ConversationParams{})
	if err != nil {
		b.Fatal(err)
	}
	if c, err = store.Conversation(ctx, c.SID); err != nil { // learn its storage key
		b.Fatal(err)
	}
	const total = 100_000
	// Seed in large transactions directly: the benchmark is about reading.
	for start := 0; start < total; start += 10_000 {
		err := db.Write(ctx, func(q WriteTx) error {
			for i := start; i < start+10_000; i++ {
				if _, err := q.ExecContext(ctx, `INSERT INTO messages (conversation_seq, idx, sid, author, body,
					date_created, date_updated) VALUES (?, ?, ?, 'customer', 'hello there', 0, 0)`,
					c.Key, i, fmt.Sprintf("IM%032x", i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	after := int64(89_999)
	b.Run("keyset/first-page", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := store.Messages(ctx, c.SID, conversations.Ascending, conversations.PageRequest{Size: 50}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("keyset/at-90000", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			p, err := store.Messages(ctx, c.SID, conversations.Ascending, conversations.PageRequest{Size: 50, After: &after})
			if err != nil || p.Items[0].Index != 90_000 {
				b.Fatalf("page starts at %v, err %v", p.Items[0].Index, err)
			}
		}
	})
	b.Run("baseline-offset/at-90000", func(b *testing.B) {
		q := "SELECT " + msgCols + msgFrom + " WHERE m.conversation_seq = ? ORDER BY m.idx LIMIT 51 OFFSET " + strconv.Itoa(90_000)
		for i := 0; i < b.N; i++ {
			rows, err := db.reads.QueryContext(ctx, q, c.Key)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				if _, err := scanMessage(rows); err != nil {
					b.Fatal(err)
				}
				n++
			}
			rows.Close()
			if n != 51 {
				b.Fatalf("offset page had %d rows", n)
			}
		}
	})
}

// BenchmarkSendMessage is the store's part of a chat message: senders at
// once, each a participant of one of 500 two-person conversations, send
// through the domain service, so the writer batches their transactions as it
// does under load. 64 senders make large batches; 8 make batches like the
// load tool's at 5,000 messages/s, where each commit carries only a few
// messages. It reports the bytes the process writes to files per message: to
// the write-ahead log, and from it into the database at checkpoints. The
// baseline, in the same run, inserts the same rows into a table with no
// index and does nothing else.
func BenchmarkSendMessage(b *testing.B) {
	for _, senders := range []int{64, 8} {
		b.Run(fmt.Sprintf("send/%d-senders", senders), func(b *testing.B) {
			benchmarkSend(b, senders)
		})
		b.Run(fmt.Sprintf("baseline-bare-insert/%d-senders", senders), func(b *testing.B) {
			benchmarkBareInsert(b, senders)
		})
	}
}

const benchConvs = 500

func benchmarkSend(b *testing.B, senders int) {
	ctx := context.Background()
	db, _ := mustOpen(b)
	svc, sids := benchChats(b, db)
	var next atomic.Int64
	written := bytesWritten(b)
	b.SetParallelism(max(1, senders/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		body := "hello, is anyone there?"
		for pb.Next() {
			n := next.Add(1)
			key := sid.Key()
			if _, err := svc.SendAs(ctx, "customer", sids[n%benchConvs], conversations.MessageParams{Body: &body, IdempotencyKey: key}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(bytesWritten(b)-written)/float64(b.N), "written-B/op")
}

// benchChats makes the benchmarks' benchConvs conversations, each of a
// "customer" and an "agent".
func benchChats(b *testing.B, db *DB) (*conversations.Service, []string) {
	ctx := context.Background()
	svc := conversations.NewService(NewConversations(db), "AC00000000000000000000000000000001", "IS00000000000000000000000000000001")
	sids := make([]string, benchConvs)
	for i := range sids {
		c, err := svc.CreateConversation(ctx, conversations.ConversationParams{})
		if err != nil {
			b.Fatal(err)
		}
		for _, who := range []string{"customer", "agent"} {
			if _, err := svc.AddParticipant(ctx, c.SID, conversations.ParticipantParams{Identity: &who}); err != nil {
				b.Fatal(err)
			}
		}
		sids[i] = c.SID
	}
	return svc, sids
}

func benchmarkBareInsert(b *testing.B, senders int) {
	ctx := context.Background()
	db, _ := mustOpen(b)
	if err := db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, `CREATE TABLE bare (conversation_sid, idx, sid, author, body, key, created)`)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	written := bytesWritten(b)
	b.SetParallelism(max(1, senders/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.Add(1)
			err := db.Write(ctx, func(q WriteTx) error {
				_, err := q.ExecContext(ctx, `INSERT INTO bare VALUES (?, ?, ?, 'customer', 'hello, is anyone there?', ?, ?)`,
					fmt.Sprintf("CH%032x", n%benchConvs), n, fmt.Sprintf("IM%032x", n), sid.Key(), n)
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(bytesWritten(b)-written)/float64(b.N), "written-B/op")
}

// bytesWritten is how many bytes this process has passed to write calls
// (Linux's /proc/self/io wchar).
func bytesWritten(tb testing.TB) int64 {
	io, err := os.ReadFile("/proc/self/io")
	if err != nil {
		tb.Skip("no /proc/self/io to count written bytes:", err)
	}
	for _, line := range strings.Split(string(io), "\n") {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return n
		}
	}
	tb.Fatal("/proc/self/io has no wchar line")
	return 0
}
