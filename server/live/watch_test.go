package live_test

import (
	"testing"
	"time"

	"parley/server/agents"
	"parley/server/identity"
	proto "parley/shared/realtime"
)

// A supervisor's desk session monitors a conversation it is not in: from
// the ack on, that session (not the identity's others) gets its events,
// read-only; unmonitoring stops them. Agents, customers and API-key
// identities are refused, whatever they name.
func TestMonitor(t *testing.T) {
	r := newRig(t)
	guest := identity.NewGuest()
	agent, atok := r.agent(agentA, agents.RoleAgent)
	sup, stok := r.agent(super, agents.RoleSupervisor)
	chat := r.conversation(guest, agent)
	g := r.connect(guest, r.guestToken(guest, "dep1"))
	a := r.connect(agent, atok)
	s1 := r.connect(sup, stok)
	s2 := r.connect(sup, stok) // the supervisor's other tab, not monitoring
	o := r.connect("bob", r.accountToken("bob"))

	for _, w := range []*wire{g, a, o} {
		if e := w.command(proto.ClientFrame{Type: proto.TypeMonitor, ConversationSID: chat}); e.Type != proto.TypeError || e.Status != 403 {
			t.Errorf("%s monitoring answered %+v, want 403", w.identity, e)
		}
	}
	if ack := s1.command(proto.ClientFrame{Type: proto.TypeMonitor, ConversationSID: chat}); ack.Type != proto.TypeAck || ack.SID != chat {
		t.Fatalf("the supervisor's monitor answered %+v, want an ack naming the chat", ack)
	}
	m := r.say(chat, guest, "help")
	if f := s1.event(proto.MessageAdded, chat); field(t, f, "sid") != m.SID {
		t.Errorf("the monitoring session got %s, want message %s", f.Data, m.SID)
	}
	// Read-only: typing, which needs membership, stays refused.
	if e := s1.command(proto.ClientFrame{Type: proto.TypeTyping, ConversationSID: chat}); e.Type != proto.TypeError || e.Status != 403 {
		t.Errorf("typing while monitoring answered %+v, want 403", e)
	}
	mark := r.barrier()
	for _, w := range []*wire{s2, o} {
		if got := w.before(mark); len(got) != 0 {
			t.Errorf("%s, not monitoring, got %v", w.identity, names(got))
		}
	}

	if ack := s1.command(proto.ClientFrame{Type: proto.TypeUnmonitor, ConversationSID: chat}); ack.Type != proto.TypeAck {
		t.Fatalf("unmonitor answered %+v", ack)
	}
	r.say(chat, guest, "anyone?")
	mark = r.barrier()
	for _, f := range s1.before(mark) {
		if f.ConversationSID == chat {
			t.Errorf("after unmonitor the supervisor still got %v", names([]proto.ServerFrame{f}))
		}
	}
}

// A private note (Tell) reaches the identities named, outside the
// conversation's topic: the customer subscribed to the same conversation
// does not get it, nor does anyone else.
func TestTellReachesOnlyThoseNamed(t *testing.T) {
	r := newRig(t)
	guest := identity.NewGuest()
	agent, atok := r.agent(agentA, agents.RoleAgent)
	sup, stok := r.agent(super, agents.RoleSupervisor)
	chat := r.conversation(guest, agent)
	g := r.connect(guest, r.guestToken(guest, "dep1"))
	a := r.connect(agent, atok)
	s := r.connect(sup, stok)

	// The agent named twice in the list hears it once.
	r.live.Tell([]string{agent, sup, agent}, chat, proto.NoteAdded, map[string]string{"body": "VIP, be nice"})
	mark := r.barrier()
	for _, w := range []*wire{a, s} {
		got := w.before(mark)
		if len(got) != 1 || got[0].Event != proto.NoteAdded || got[0].ConversationSID != chat || got[0].Seq != 0 {
			t.Errorf("%s got %v, want the note once, without a seq", w.identity, names(got))
		}
	}
	if got := g.before(mark); len(got) != 0 {
		t.Errorf("the customer got %v: a private note must never reach them", names(got))
	}
}

// Typing reaches the conversation at once, is not repeated within its
// refresh, and ends as the typist's message arrives (before it). A
// stranger's typing is refused.
func TestTyping(t *testing.T) {
	r := newRig(t)
	guest := identity.NewGuest()
	agent, atok := r.agent(agentA, agents.RoleAgent)
	chat := r.conversation(guest, agent)
	g := r.connect(guest, r.guestToken(guest, "dep1"))
	a := r.connect(agent, atok)
	o := r.connect("bob", r.accountToken("bob"))

	g.send(proto.ClientFrame{Type: proto.TypeTyping, ConversationSID: chat, ID: "t1"})
	if f := a.event(proto.TypingStarted, chat); field(t, f, "identity") != guest || f.Seq != 0 {
		t.Errorf("typing_started = %s (seq %d), want the guest's, without seq", f.Data, f.Seq)
	}
	g.send(proto.ClientFrame{Type: proto.TypeTyping, ConversationSID: chat, ID: "t2"})
	// The second keystroke is answered (nothing) before the message is
	// sent: an error would come back on g; the send's ack comes after.
	if ack := g.command(proto.ClientFrame{Type: proto.TypeSend, ConversationSID: chat, Body: "done typing"}); ack.Type != proto.TypeAck {
		t.Fatalf("send answered %+v", ack)
	}
	mark := r.barrier()
	want := []string{proto.TypingEnded + "@" + chat, proto.MessageAdded + "@" + chat}
	if got := names(a.before(mark)); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("the agent got %v after the first typing_started; want %v (no second typing_started)", got, want)
	}
	if e := o.command(proto.ClientFrame{Type: proto.TypeTyping, ConversationSID: chat}); e.Type != proto.TypeError || e.Status != 403 {
		t.Errorf("a stranger's typing answered %+v, want 403", e)
	}
}

// An identity's first session tells its conversations it is online; its
// last, closing, that it went away.
func TestPresence(t *testing.T) {
	r := newRig(t)
	guest := identity.NewGuest()
	agent, atok := r.agent(agentA, agents.RoleAgent)
	chat := r.conversation(guest, agent)
	g := r.connect(guest, r.guestToken(guest, "dep1"))
	a1 := r.connect(agent, atok)
	g.await("the agent online", func(f proto.ServerFrame) bool {
		return f.Event == proto.UserOnline && f.ConversationSID == chat && field(t, f, "identity") == agent
	})
	a2 := r.connect(agent, atok)
	a1.ws.CloseNow()
	// One of the agent's two tabs closed: the agent is still there.
	for deadline := time.Now().Add(10 * time.Second); r.sessionsOf(agent) != 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the hub holds %d sessions of the agent after one of two closed, want 1", r.sessionsOf(agent))
		}
	}
	mark := r.barrier()
	for f := g.next(); !isMarker(f, mark); f = g.next() {
		if f.Event == proto.UserOffline {
			t.Errorf("the customer heard the agent go offline with one of its tabs still open: %s", f.Data)
		}
	}
	a2.ws.CloseNow()
	f := g.await("the agent offline", func(f proto.ServerFrame) bool {
		return f.Event == proto.UserOffline && f.ConversationSID == chat
	})
	if field(t, f, "identity") != agent {
		t.Errorf("user_offline = %s, want the agent", f.Data)
	}
}
