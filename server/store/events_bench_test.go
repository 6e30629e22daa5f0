package store

import (
	"context"
	"fmt"
	"testing"

	"parley/server/conversations"
)

// BenchmarkReplay is what a resuming session costs the read pool: the
// events it missed, read back from the log. An agent in all of 500
// conversations missed a message in each (500 events), or only the last
// one sent; a customer in one of them missed its one. Messages were sent
// to every conversation in turn, 20 to each, as at busy times.
func BenchmarkReplay(b *testing.B) {
	ctx := context.Background()
	db, _ := mustOpen(b)
	svc := conversations.NewService(NewConversations(db), "AC00000000000000000000000000000001", "IS00000000000000000000000000000001")
	agent := "agent"
	sids := make([]string, benchConvs)
	for i := range sids {
		customer := fmt.Sprint("customer-", i)
		c, err := svc.CreateConversation(ctx, conversations.ConversationParams{})
		if err != nil {
			b.Fatal(err)
		}
		for _, who := range []*string{&customer, &agent} {
			if _, err := svc.AddParticipant(ctx, c.SID, conversations.ParticipantParams{Identity: who}); err != nil {
				b.Fatal(err)
			}
		}
		sids[i] = c.SID
	}
	body := "hello, is anyone there?"
	sendRound := func() {
		for i, s := range sids {
			if _, err := svc.SendAs(ctx, fmt.Sprint("customer-", i), s, conversations.MessageParams{Body: &body}); err != nil {
				b.Fatal(err)
			}
		}
	}
	for range 19 {
		sendRound()
	}
	var cursor, upTo int64
	svc.Subscribe(ctx, agent, func(f conversations.Feed) { cursor = f.Cursor })
	sendRound()
	svc.Subscribe(ctx, agent, func(f conversations.Feed) { upTo = f.Cursor })
	for _, r := range []struct {
		name, identity string
		cursor         int64
		missed         int
	}{
		{"agent-in-500-conversations/missed-500", agent, cursor, benchConvs},
		{"agent-in-500-conversations/missed-1", agent, upTo - 1, 1},
		{"customer-in-one/missed-1", "customer-7", cursor, 1},
	} {
		b.Run(r.name, func(b *testing.B) {
			for b.Loop() {
				evs, err := svc.EventsSince(ctx, r.identity, r.cursor, upTo, 1000)
				if err != nil || len(evs) != r.missed {
					b.Fatalf("replayed %d events, err %v; want %d", len(evs), err, r.missed)
				}
			}
		})
	}
}
