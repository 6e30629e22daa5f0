package store

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"parley/server/conversations"
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
