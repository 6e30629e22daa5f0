package interactions_test

import (
	"slices"
	"testing"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/interactions"
	"parley/server/routing"
	"parley/shared/model"
)

// A customer's chat, routed as an interaction, is offered to an agent;
// once the agent's accept answers, the agent is in the conversation (the
// desk reads the thread at once). Ending the channel takes the agent out,
// sends their task to wrap-up and closes the conversation.
func TestAnAcceptedChatHasItsAgentInUntilTheChannelCloses(t *testing.T) {
	c := newCentre(t)
	c.worker("ada", true)
	conv := c.customerChat("Order 66", "guest_1")
	in, ch := c.inbound(conv, nil)
	if ok, err := c.svc.Routed(c.ctx, conv.SID); !ok || err != nil {
		t.Errorf("Routed(%s) = %v, %v; want true", conv.SID, ok, err)
	}
	c.wantMembers(conv.SID, "guest_1")

	task := c.accept("ada")
	// No waiting: Accept answers once the join is made.
	if err := c.conv.Participates(c.ctx, identityOf("ada"), conv.SID); err != nil {
		t.Fatalf("after the accept answered: %v", err)
	}
	c.wantMembers(conv.SID, "guest_1", identityOf("ada"))
	if got, want := c.statuses(in, ch), []string{"agent agent_ada open", "customer guest_1 open"}; !slices.Equal(got, want) {
		t.Errorf("channel participants %q, want %q", got, want)
	}
	// The customer's widget names the agent by their full name.
	p, err := c.conv.Participant(c.ctx, conv.SID, identityOf("ada"))
	c.must(err)
	if !containsJSON(p.Attributes, "friendlyName", "Ada") {
		t.Errorf("agent participant attributes %s: want friendlyName Ada", p.Attributes)
	}

	closed, err := c.svc.UpdateChannel(c.ctx, in.SID, ch.SID, interactions.ChannelParams{Status: interactions.ChannelClosed})
	c.must(err)
	if closed.Status != interactions.ChannelClosed {
		t.Errorf("channel %s, want closed", closed.Status)
	}
	c.wantMembers(conv.SID, "guest_1")
	if got := c.task(task.SID); got.AssignmentStatus != routing.TaskWrapping {
		t.Errorf("task %s, want wrapping (the agent wraps up)", got.AssignmentStatus)
	}
	if got, _ := c.conv.Conversation(c.ctx, conv.SID); got.State != conversations.Closed {
		t.Errorf("conversation %s, want closed", got.State)
	}
	if got, want := c.statuses(in, ch), []string{"agent agent_ada wrapup", "customer guest_1 open"}; !slices.Equal(got, want) {
		t.Errorf("channel participants %q, want %q", got, want)
	}
	_, err = c.svc.UpdateChannel(c.ctx, in.SID, ch.SID, interactions.ChannelParams{Status: interactions.ChannelClosed})
	wantRefused(t, err, apperr.Conflict, "already closed")
}

// An agent who declines is not brought in; the next agent who accepts is.
func TestADeclinedOfferGoesToTheNextAgent(t *testing.T) {
	c := newCentre(t)
	c.worker("ada", true)
	c.worker("bob", false)
	conv := c.customerChat("Refund", "guest_1")
	c.inbound(conv, nil)
	r := c.offer("ada")
	if _, err := c.answer("ada", r, routing.ReservationRejected); err != nil {
		t.Fatal(err)
	}
	c.available("bob")
	c.accept("bob")
	c.wantMembers(conv.SID, "guest_1", identityOf("bob"))
}

// Ending with Routing status "closed" skips wrap-up: the task completes.
// An agent's own end (the participant update) wraps up, then completes.
func TestWrapUpThenComplete(t *testing.T) {
	cases := []struct {
		name string
		end  func(c *centre, in interactions.Interaction, ch interactions.Channel, agent interactions.Participant) error
		want string // the task's status after
	}{
		{"channel closed, wrap-up", func(c *centre, in interactions.Interaction, ch interactions.Channel, _ interactions.Participant) error {
			_, err := c.svc.UpdateChannel(c.ctx, in.SID, ch.SID, interactions.ChannelParams{Status: "closed", Routing: `{"status":"wrapup"}`})
			return err
		}, routing.TaskWrapping},
		{"channel closed, completed", func(c *centre, in interactions.Interaction, ch interactions.Channel, _ interactions.Participant) error {
			_, err := c.svc.UpdateChannel(c.ctx, in.SID, ch.SID, interactions.ChannelParams{Status: "closed", Routing: `{"status":"closed"}`})
			return err
		}, routing.TaskCompleted},
		{"channel inactive", func(c *centre, in interactions.Interaction, ch interactions.Channel, _ interactions.Participant) error {
			_, err := c.svc.UpdateChannel(c.ctx, in.SID, ch.SID, interactions.ChannelParams{Status: "inactive"})
			return err
		}, routing.TaskWrapping},
		{"agent wraps up", func(c *centre, in interactions.Interaction, ch interactions.Channel, p interactions.Participant) error {
			_, err := c.svc.UpdateParticipant(c.ctx, in.SID, ch.SID, p.SID, interactions.ParticipantWrapup)
			return err
		}, routing.TaskWrapping},
		{"agent leaves", func(c *centre, in interactions.Interaction, ch interactions.Channel, p interactions.Participant) error {
			_, err := c.svc.UpdateParticipant(c.ctx, in.SID, ch.SID, p.SID, interactions.ParticipantClosed)
			return err
		}, routing.TaskCompleted},
		{"agent wraps up, then leaves", func(c *centre, in interactions.Interaction, ch interactions.Channel, p interactions.Participant) error {
			if _, err := c.svc.UpdateParticipant(c.ctx, in.SID, ch.SID, p.SID, interactions.ParticipantWrapup); err != nil {
				return err
			}
			_, err := c.svc.UpdateParticipant(c.ctx, in.SID, ch.SID, p.SID, interactions.ParticipantClosed)
			return err
		}, routing.TaskCompleted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCentre(t)
			c.worker("ada", true)
			conv := c.customerChat("Chat", "guest_1")
			in, ch := c.inbound(conv, nil)
			task := c.accept("ada")
			agent := c.agentOn(in, ch, "ada")
			if err := tc.end(c, in, ch, agent); err != nil {
				t.Fatal(err)
			}
			if got := c.task(task.SID); got.AssignmentStatus != tc.want {
				t.Errorf("task %s, want %s", got.AssignmentStatus, tc.want)
			}
			c.wantMembers(conv.SID, "guest_1")
		})
	}
}

// agentOn is a worker's participant on a channel.
func (c *centre) agentOn(in interactions.Interaction, ch interactions.Channel, name string) interactions.Participant {
	c.t.Helper()
	parts, err := c.svc.Participants(c.ctx, in.SID, ch.SID)
	c.must(err)
	for _, p := range parts {
		if p.WorkerSID == c.workers[name] && p.Status == interactions.ParticipantOpen {
			return p
		}
	}
	c.t.Fatalf("%s is not on channel %s", name, ch.SID)
	return interactions.Participant{}
}

// The customer ending the chat in the widget settles the channel as the
// agent's end would: the agent leaves, the task wraps up, the channel is
// closed, and the task says the customer left.
func TestTheCustomerEndingTheChatSendsTheAgentToWrapUp(t *testing.T) {
	c := newCentre(t)
	c.worker("ada", true)
	conv := c.customerChat("Chat", "guest_1")
	in, ch := c.inbound(conv, nil)
	task := c.accept("ada")
	_, err := c.conv.UpdateConversation(c.ctx, conv.SID, conversations.ConversationParams{State: ptr(string(conversations.Closed))})
	c.must(err)
	c.eventually("the channel closes", func() bool {
		got, err := c.svc.Channel(c.ctx, in.SID, ch.SID)
		c.must(err)
		return got.Status == interactions.ChannelClosed
	})
	got := c.task(task.SID)
	if got.AssignmentStatus != routing.TaskWrapping || got.Reason != model.ReasonCustomerLeft {
		t.Errorf("task %s (%q), want wrapping because %q", got.AssignmentStatus, got.Reason, model.ReasonCustomerLeft)
	}
	c.wantMembers(conv.SID, "guest_1")
}

// A channel that closes while its offer is still unanswered cancels the
// offer: the agent who then accepts is refused and never joins a chat that
// is over.
func TestClosingWhileAnOfferIsPendingCancelsIt(t *testing.T) {
	for _, how := range []string{"agent's end", "customer's end"} {
		t.Run(how, func(t *testing.T) {
			c := newCentre(t)
			c.worker("ada", true)
			conv := c.customerChat("Chat", "guest_1")
			in, ch := c.inbound(conv, nil)
			r := c.offer("ada")
			if how == "agent's end" {
				_, err := c.svc.UpdateChannel(c.ctx, in.SID, ch.SID, interactions.ChannelParams{Status: "closed"})
				c.must(err)
			} else {
				_, err := c.conv.UpdateConversation(c.ctx, conv.SID, conversations.ConversationParams{State: ptr(string(conversations.Closed))})
				c.must(err)
			}
			c.eventually("the offer is canceled", func() bool { return c.task(r.TaskSID).AssignmentStatus == routing.TaskCanceled })
			if _, err := c.answer("ada", r, routing.ReservationAccepted); err == nil {
				t.Errorf("accepting a canceled offer succeeded")
			}
			c.wantMembers(conv.SID, "guest_1")
		})
	}
}

// An invite brings a second agent into the same conversation; the first
// stays. Its task carries the channel's attributes, marked as the invite's.
func TestAnInviteBringsASecondAgentIn(t *testing.T) {
	c := newCentre(t)
	c.worker("ada", true)
	c.worker("bob", false)
	conv := c.customerChat("Chat", "guest_1")
	in, ch := c.inbound(conv, map[string]any{"priorityCustomer": true})
	first := c.accept("ada")
	c.available("bob")
	inv, err := c.svc.Invite(c.ctx, in.SID, ch.SID, c.routingDoc(map[string]any{"attributes": map[string]any{"reason": "second opinion"}}))
	c.must(err)
	task := c.accept("bob")
	if task.SID != inv.TaskSID {
		t.Fatalf("bob was offered %s, want the invite's %s", task.SID, inv.TaskSID)
	}
	a := attrs(task)
	if a.InviteSID != inv.SID || a.ConversationSID != conv.SID || a.ChannelSID != ch.SID || a.Other["reason"] == nil || a.Other["priorityCustomer"] == nil {
		t.Errorf("invite task attributes %s: want the channel's, the invite's and the extra", task.Attributes)
	}
	c.wantMembers(conv.SID, "guest_1", identityOf("ada"), identityOf("bob"))
	if got := c.task(first.SID); got.AssignmentStatus != routing.TaskAssigned {
		t.Errorf("the first agent's task %s, want still assigned", got.AssignmentStatus)
	}
	invites, err := c.svc.Invites(c.ctx, in.SID, ch.SID)
	if err != nil || len(invites) != 1 || invites[0].SID != inv.SID {
		t.Errorf("invites %v, %v", invites, err)
	}
}

// A cold transfer hands the chat on: the next agent joins, and only then
// the first leaves and wraps up. A warm one keeps both.
func TestTransfersHandTheChatOn(t *testing.T) {
	for _, kind := range []string{interactions.TransferCold, interactions.TransferWarm} {
		t.Run(kind, func(t *testing.T) {
			c := newCentre(t)
			ada := c.worker("ada", true)
			bob := c.worker("bob", false)
			conv := c.customerChat("Chat", "guest_1")
			in, ch := c.inbound(conv, nil)
			first := c.accept("ada")
			c.available("bob")
			tr, err := c.svc.Transfer(c.ctx, in.SID, ch.SID, interactions.TransferParams{From: ada, To: bob, Type: kind})
			c.must(err)
			if tr.Status != interactions.TransferActive {
				t.Errorf("transfer %s, want active", tr.Status)
			}
			r := c.offer("bob")
			if r.TaskSID != tr.TaskSID {
				t.Fatalf("bob was offered %s, want the transfer's %s", r.TaskSID, tr.TaskSID)
			}
			// Until bob accepts, ada has the chat.
			c.wantMembers(conv.SID, "guest_1", identityOf("ada"))
			a := attrs(c.task(tr.TaskSID))
			if a.TransferSID != tr.SID || a.TransferringWorkerSID != ada || a.TransferType != kind || a.ConversationSID != conv.SID {
				t.Errorf("transfer task attributes %s", c.task(tr.TaskSID).Attributes)
			}
			_, err = c.answer("bob", r, routing.ReservationAccepted)
			c.must(err)
			c.eventually("the transfer completes", func() bool {
				got, err := c.svc.TransferOf(c.ctx, in.SID, ch.SID, tr.SID)
				c.must(err)
				return got.Status == interactions.TransferCompleted
			})
			if kind == interactions.TransferCold {
				c.wantMembers(conv.SID, "guest_1", identityOf("bob"))
				if got := c.task(first.SID); got.AssignmentStatus != routing.TaskWrapping {
					t.Errorf("ada's task %s, want wrapping", got.AssignmentStatus)
				}
			} else {
				c.wantMembers(conv.SID, "guest_1", identityOf("ada"), identityOf("bob"))
			}
		})
	}
}

// A transfer to a queue whose task is canceled (the chat ended first)
// fails; the first agent keeps nothing and nobody joins.
func TestATransferWhoseChatEndsFails(t *testing.T) {
	c := newCentre(t)
	ada := c.worker("ada", true)
	conv := c.customerChat("Chat", "guest_1")
	in, ch := c.inbound(conv, nil)
	c.accept("ada")
	tr, err := c.svc.Transfer(c.ctx, in.SID, ch.SID, interactions.TransferParams{From: ada, To: c.q, Type: "COLD"})
	c.must(err)
	if tr.Type != interactions.TransferCold {
		t.Errorf("type %q, want cold", tr.Type)
	}
	_, err = c.svc.UpdateChannel(c.ctx, in.SID, ch.SID, interactions.ChannelParams{Status: "closed"})
	c.must(err)
	c.eventually("the transfer fails", func() bool {
		got, err := c.svc.TransferOf(c.ctx, in.SID, ch.SID, tr.SID)
		c.must(err)
		return got.Status == interactions.TransferFailed
	})
	c.wantMembers(conv.SID, "guest_1")
}

// Transfers and invites need an active channel and a real source and
// target; each refusal says what is wrong.
func TestBadTransfersAndInvitesAreRefused(t *testing.T) {
	c := newCentre(t)
	ada := c.worker("ada", true)
	conv := c.customerChat("Chat", "guest_1")
	in, ch := c.inbound(conv, nil)
	c.accept("ada")
	cases := []struct {
		name string
		p    interactions.TransferParams
		kind apperr.Kind
		why  string
	}{
		{"no type", interactions.TransferParams{From: ada, To: c.q}, apperr.Invalid, `"warm" or "cold"`},
		{"to a conversation", interactions.TransferParams{From: ada, To: conv.SID, Type: "warm"}, apperr.Invalid, "worker (WK...) or a task queue"},
		{"from someone not on it", interactions.TransferParams{From: "WK00000000000000000000000000000000", To: c.q, Type: "warm"},
			apperr.Invalid, "from must be a worker on channel"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.svc.Transfer(c.ctx, in.SID, ch.SID, tc.p)
			wantRefused(t, err, tc.kind, tc.why)
		})
	}
	_, err := c.svc.Invite(c.ctx, in.SID, ch.SID, `{"properties":{"attributes":"[1]"}}`)
	wantRefused(t, err, apperr.Invalid, "attributes must be a JSON object")
	_, err = c.svc.UpdateChannel(c.ctx, in.SID, ch.SID, interactions.ChannelParams{Status: "closed"})
	c.must(err)
	_, err = c.svc.Transfer(c.ctx, in.SID, ch.SID, interactions.TransferParams{From: ada, To: c.q, Type: "warm"})
	wantRefused(t, err, apperr.Conflict, "need an active channel")
	_, err = c.svc.Invite(c.ctx, in.SID, ch.SID, c.routingDoc(nil))
	wantRefused(t, err, apperr.Conflict, "need an active channel")
}
