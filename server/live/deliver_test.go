package live_test

import (
	"slices"
	"testing"

	"parley/server/agents"
	"parley/server/identity"
	proto "parley/shared/realtime"
)

const (
	agentA = "UT00000000000000000000000000000001"
	agentB = "UT00000000000000000000000000000002"
	super  = "UT00000000000000000000000000000009"
)

// A conversation's events reach every session of its participants, with
// their seq, and nobody else's.
func TestEventsReachParticipantsOnly(t *testing.T) {
	r := newRig(t)
	guest := identity.NewGuest()
	agent, tok := r.agent(agentA, agents.RoleAgent)
	chat := r.conversation(guest, agent)
	g := r.connect(guest, r.guestToken(guest, "dep1"))
	a1 := r.connect(agent, tok)
	a2 := r.connect(agent, tok) // the agent's second tab
	o := r.connect("bob", r.accountToken("bob"))

	m := r.say(chat, guest, "hello")
	for _, w := range []*wire{g, a1, a2} {
		f := w.event(proto.MessageAdded, chat)
		if f.Seq == 0 || field(t, f, "sid") != m.SID {
			t.Errorf("%s got %s (seq %d), want the message %s with its seq", w.identity, f.Data, f.Seq, m.SID)
		}
	}
	mark := r.barrier()
	if got := o.before(mark); len(got) != 0 {
		t.Errorf("someone outside the chat got %v", names(got))
	}
}

// An identity added to a conversation while connected hears of its own
// joining and of what follows; once removed, it hears it left, and
// nothing more.
func TestJoiningAndLeaving(t *testing.T) {
	r := newRig(t)
	guest := identity.NewGuest()
	agent, tok := r.agent(agentA, agents.RoleAgent)
	chat := r.conversation(guest)
	a := r.connect(agent, tok)

	p := r.join(chat, agent)
	r.say(chat, guest, "are you there?")
	mark := r.barrier()
	got := a.before(mark)
	want := []string{"participant_added@" + chat, "conversation_added@" + chat, "message_added@" + chat}
	if !slices.Equal(names(got), want) {
		t.Errorf("the agent, added, got %v; want %v", names(got), want)
	} else if field(t, got[0], "identity") != agent {
		t.Errorf("participant_added names %s, want the agent itself", got[0].Data)
	}

	if err := r.conv.RemoveParticipant(r.ctx, chat, p.SID); err != nil {
		t.Fatal(err)
	}
	a.event(proto.ConversationRemoved, chat)
	r.say(chat, guest, "hello?")
	mark = r.barrier()
	for _, f := range a.before(mark) {
		if f.ConversationSID == chat {
			t.Errorf("the agent, removed, still got %s", names([]proto.ServerFrame{f}))
		}
	}
}

// Events reach a session in the order of the log: seqs only grow, and a
// conversation's messages come in their index order.
func TestEventsInLogOrder(t *testing.T) {
	r := newRig(t)
	guest := identity.NewGuest()
	agent, tok := r.agent(agentA, agents.RoleAgent)
	chat := r.conversation(guest, agent)
	other := r.conversation(guest, agent)
	a := r.connect(agent, tok)
	for i := range 30 {
		c := chat
		if i%3 == 0 {
			c = other
		}
		r.say(c, guest, "m")
	}
	mark := r.barrier()
	var seqs []int64
	last := map[string]float64{chat: -1, other: -1}
	for _, f := range a.before(mark) {
		if f.Event != proto.MessageAdded {
			continue
		}
		seqs = append(seqs, f.Seq)
		idx := data[map[string]any](t, f)["index"].(float64)
		if idx != last[f.ConversationSID]+1 {
			t.Errorf("message index %v of %s after %v", idx, f.ConversationSID, last[f.ConversationSID])
		}
		last[f.ConversationSID] = idx
	}
	if len(seqs) != 30 || !slices.IsSorted(seqs) {
		t.Errorf("seqs %v: want 30, growing", seqs)
	}
}

// A session that reconnects with its cursor gets exactly what it missed,
// in order, before ready; a cursor from the future means resync.
func TestReplayFromCursor(t *testing.T) {
	r := newRig(t)
	guest := identity.NewGuest()
	chat := r.conversation(guest)
	tok := r.guestToken(guest, "dep1")
	g := r.connect(guest, tok)
	r.say(chat, guest, "one")
	cursor := g.event(proto.MessageAdded, chat).Seq
	g.ws.CloseNow()
	<-g.closed

	r.say(chat, guest, "two")
	r.say(chat, guest, "three")
	_, replay := r.dialReplay(tok, &cursor)
	var bodies []string
	var seqs []int64
	for _, f := range replay {
		if f.Event == proto.MessageAdded && f.ConversationSID == chat {
			bodies = append(bodies, field(t, f, "body"))
		}
		seqs = append(seqs, f.Seq)
	}
	if !slices.Equal(bodies, []string{"two", "three"}) || !slices.IsSorted(seqs) || seqs[0] <= cursor {
		t.Errorf("replayed %v (seqs %v after %d), want two, three after the cursor, in order", bodies, seqs, cursor)
	}

	future := cursor + 1000
	w, _ := r.dialReplay(tok, &future)
	if w.ready.Type != proto.TypeResync {
		t.Errorf("a cursor ahead of the log got %+v, want resync", w.ready)
	}
}

// Sending and reading over the socket go through the conversations
// service as the session's identity: a participant's send is acked with
// the message, a stranger's is refused.
func TestCommands(t *testing.T) {
	r := newRig(t)
	guest := identity.NewGuest()
	chat := r.conversation(guest)
	g := r.connect(guest, r.guestToken(guest, "dep1"))
	o := r.connect("bob", r.accountToken("bob"))

	ack := g.command(proto.ClientFrame{Type: proto.TypeSend, ConversationSID: chat, Body: "hi"})
	if ack.Type != proto.TypeAck || ack.SID == "" || ack.Index == nil || *ack.Index != 0 {
		t.Errorf("send answered %+v, want an ack with the message's sid and index 0", ack)
	}
	if f := g.event(proto.MessageAdded, chat); field(t, f, "author") != guest {
		t.Errorf("message author %s, want the session's identity", f.Data)
	}
	ack = g.command(proto.ClientFrame{Type: proto.TypeRead, ConversationSID: chat, Index: ptr(0)})
	if ack.Type != proto.TypeAck || ack.Index == nil || *ack.Index != 0 {
		t.Errorf("read answered %+v, want an ack at index 0", ack)
	}
	if e := o.command(proto.ClientFrame{Type: proto.TypeSend, ConversationSID: chat, Body: "let me in"}); e.Type != proto.TypeError || e.Status != 403 {
		t.Errorf("a stranger's send answered %+v, want 403", e)
	}
}
