package app

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	flex "github.com/twilio/twilio-go/rest/flex/v1"
	tr "github.com/twilio/twilio-go/rest/taskrouter/v1"
)

// ---- helpers that read like Flex's steps ----

// routingTo is an interaction's Routing parameter for the centre's
// workflow, with extra properties.
func (c *centre) routingTo(extra map[string]any) map[string]interface{} {
	props := map[string]any{"workspace_sid": c.ws, "workflow_sid": c.workflow, "task_channel_unique_name": "chat",
		"attributes": map[string]any{"origin": "test"}}
	for k, v := range extra {
		props[k] = v
	}
	return map[string]interface{}{"properties": props}
}

func (c *centre) mustCreateInteraction(t *testing.T, channel, routing map[string]interface{}) *flex.FlexV1Interaction {
	t.Helper()
	in, err := c.s.tw.FlexV1.CreateInteraction((&flex.CreateInteractionParams{}).SetChannel(channel).SetRouting(routing))
	if err != nil {
		t.Fatalf("create interaction: %v", err)
	}
	return in
}

// channelOf is the SID of an interaction's channel.
func channelOf(t *testing.T, in *flex.FlexV1Interaction) string {
	t.Helper()
	ch, _ := (*in.Channel).(map[string]any)
	sid, _ := ch["sid"].(string)
	if sid == "" {
		t.Fatalf("interaction %s has no channel sid: %v", *in.Sid, *in.Channel)
	}
	return sid
}

// taskOf is the task an interaction was routed as.
func (c *centre) taskOf(t *testing.T, in *flex.FlexV1Interaction) *tr.TaskrouterV1Task {
	t.Helper()
	r, _ := (*in.Routing).(map[string]any)
	props, _ := r["properties"].(map[string]any)
	sid, _ := props["task_sid"].(string)
	return c.task(t, sid)
}

func (c *centre) channelParticipants(t *testing.T, in, ch string) map[string]int {
	t.Helper()
	ps, err := c.s.tw.FlexV1.ListInteractionChannelParticipant(in, ch, nil)
	if err != nil {
		t.Fatalf("list channel participants: %v", err)
	}
	byType := map[string]int{}
	for _, p := range ps {
		byType[*p.Type]++
	}
	return byType
}

func (c *centre) identitiesIn(t *testing.T, conversation string) []string {
	t.Helper()
	var out []string
	for _, p := range mustListParticipants(t, c.s.tw, conversation) {
		if p.Identity != nil {
			out = append(out, *p.Identity)
		}
	}
	slices.Sort(out)
	return out
}

func (c *centre) wantMembers(t *testing.T, conversation string, want ...string) {
	t.Helper()
	slices.Sort(want)
	eventually(t, func() bool { return slices.Equal(c.identitiesIn(t, conversation), want) },
		func() string {
			return fmt.Sprintf("conversation %s has %v, want %v", conversation, c.identitiesIn(t, conversation), want)
		})
}

func (c *centre) wantTransferCompleted(t *testing.T, in, ch, transfer string) {
	t.Helper()
	eventually(t, func() bool {
		v, err := c.s.tw.FlexV1.FetchInteractionTransfer(in, ch, transfer)
		return err == nil && *v.Status == "completed"
	}, func() string { return "transfer " + transfer + " never completed" })
}

func attrsOf(t *testing.T, task *tr.TaskrouterV1Task) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(*task.Attributes), &m); err != nil {
		t.Fatalf("task attributes: %v", err)
	}
	return m
}

// ---- tests ----

func TestAnInboundInteractionBringsTheAgentIntoTheConversationUntilClosed(t *testing.T) {
	s := startServer(t)
	c := newCentre(t, s)
	conv := mustCreateConversation(t, s.tw, "Ada's question")
	mustAddChatParticipant(t, s.tw, *conv.Sid, "ada")

	in := c.mustCreateInteraction(t, map[string]interface{}{"type": "web", "initiated_by": "customer",
		"properties": map[string]any{"media_channel_sid": *conv.Sid}}, c.routingTo(nil))
	ch := channelOf(t, in)
	task := c.taskOf(t, in)
	attrs := attrsOf(t, task)
	for k, want := range map[string]any{"conversationSid": *conv.Sid, "flexInteractionSid": *in.Sid,
		"flexInteractionChannelSid": ch, "channelType": "web", "direction": "inbound", "customerName": "Ada's question",
		"customerAddress": "ada", "origin": "test"} {
		if attrs[k] != want {
			t.Errorf("task attribute %s = %v, want %v", k, attrs[k], want)
		}
	}
	if got := c.channelParticipants(t, *in.Sid, ch); got["customer"] != 1 {
		t.Errorf("channel participants before an agent: %v, want one customer", got)
	}

	alice := c.agent(t, "alice", `{"contact_uri":"client:alice"}`)
	c.answer(t, *task.Sid, c.waitForOffer(t, alice, *task.Sid), "accepted")
	c.wantMembers(t, *conv.Sid, "ada", "alice")
	eventually(t, func() bool { return c.channelParticipants(t, *in.Sid, ch)["agent"] == 1 },
		func() string { return fmt.Sprintf("channel participants: %v", c.channelParticipants(t, *in.Sid, ch)) })

	closed, err := s.tw.FlexV1.UpdateInteractionChannel(*in.Sid, ch, (&flex.UpdateInteractionChannelParams{}).SetStatus("closed").
		SetRouting(map[string]interface{}{"status": "wrapup"}))
	if err != nil || *closed.Status != "closed" {
		t.Fatalf("close the channel: %v", err)
	}
	c.wantMembers(t, *conv.Sid, "ada")
	c.wantStatus(t, *task.Sid, "wrapping")
	if got := str(mustFetchConversation(t, s.tw, *conv.Sid).State); got != "closed" {
		t.Errorf("after the channel closed the conversation is %s", got)
	}
	c.setTaskStatus(t, *task.Sid, "completed")
}

func TestAnAPIInitiatedSMSInteractionStartsTheConversation(t *testing.T) {
	s := startServer(t)
	c := newCentre(t, s)
	in := c.mustCreateInteraction(t, map[string]interface{}{"type": "sms", "initiated_by": "api",
		"participants": []any{map[string]any{"address": "+15550001111", "proxy_address": "+15559990000"}}},
		c.routingTo(map[string]any{"task_channel_unique_name": "sms"}))
	task := c.taskOf(t, in)
	attrs := attrsOf(t, task)
	if attrs["direction"] != "outbound" || attrs["customerAddress"] != "+15550001111" || *task.TaskChannelUniqueName != "sms" {
		t.Errorf("outbound SMS task: %v on %s", attrs, *task.TaskChannelUniqueName)
	}
	parts := mustListParticipants(t, s.tw, attrs["conversationSid"].(string))
	if len(parts) != 1 || parts[0].MessagingBinding == nil {
		t.Fatalf("the new conversation has %d participants, want the SMS customer", len(parts))
	}
}

func TestAnAgentInitiatedInteractionIsAcceptedForTheAgent(t *testing.T) {
	s := startServer(t)
	c := newCentre(t, s)
	alice := c.agent(t, "alice", `{"contact_uri":"client:alice"}`)
	in := c.mustCreateInteraction(t, map[string]interface{}{"type": "whatsapp", "initiated_by": "agent",
		"participants": []any{map[string]any{"address": "whatsapp:+15550001111", "proxy_address": "whatsapp:+15559990000"}}},
		map[string]interface{}{"properties": map[string]any{"workspace_sid": c.ws, "queue_sid": c.queue, "worker_sid": alice,
			"task_channel_unique_name": "whatsapp"}})
	task := c.taskOf(t, in)
	c.wantStatus(t, *task.Sid, "assigned")
	c.wantMembers(t, attrsOf(t, task)["conversationSid"].(string), "alice")
}

func TestInvitesAndTransfersBringOtherAgentsIn(t *testing.T) {
	s := startServer(t)
	c := newCentre(t, s)
	conv := mustCreateConversation(t, s.tw, "Escalation")
	mustAddChatParticipant(t, s.tw, *conv.Sid, "ada")
	alice := c.agent(t, "alice", `{"contact_uri":"client:alice"}`)
	in := c.mustCreateInteraction(t, map[string]interface{}{"type": "chat", "properties": map[string]any{"media_channel_sid": *conv.Sid}},
		c.routingTo(nil))
	ch := channelOf(t, in)
	first := c.taskOf(t, in)
	c.answer(t, *first.Sid, c.waitForOffer(t, alice, *first.Sid), "accepted")
	c.wantMembers(t, *conv.Sid, "ada", "alice")

	// Alice invites a colleague from the queue: Bob joins the same chat.
	bob := c.agent(t, "bob", `{"contact_uri":"client:bob"}`)
	inv, err := s.tw.FlexV1.CreateInteractionChannelInvite(*in.Sid, ch, (&flex.CreateInteractionChannelInviteParams{}).
		SetRouting(map[string]interface{}{"properties": map[string]any{"workspace_sid": c.ws, "queue_sid": c.queue}}))
	if err != nil {
		t.Fatalf("invite: %v", err)
	}
	invited := c.taskOf(t, &flex.FlexV1Interaction{Sid: in.Sid, Routing: inv.Routing})
	if attrsOf(t, invited)["flexChannelInviteSid"] != *inv.Sid {
		t.Errorf("the invite's task does not name the invite: %v", attrsOf(t, invited))
	}
	c.answer(t, *invited.Sid, c.waitForOffer(t, bob, *invited.Sid), "accepted")
	c.wantMembers(t, *conv.Sid, "ada", "alice", "bob")

	// A cold transfer from Alice to Carol: Carol joins, Alice leaves and
	// wraps up; Bob, invited, stays.
	carol := c.agent(t, "carol", `{"contact_uri":"client:carol"}`)
	transfer, err := s.tw.FlexV1.CreateInteractionTransfer(*in.Sid, ch, (&flex.CreateInteractionTransferParams{}).
		SetBody(map[string]interface{}{"from": alice, "to": carol, "type": "cold"}))
	if err != nil {
		t.Fatalf("transfer: %v", err)
	}
	if *transfer.Status != "active" || *transfer.Type != "cold" {
		t.Errorf("new transfer: %s %s", *transfer.Status, *transfer.Type)
	}
	tasks, err := s.tw.TaskrouterV1.ListTask(c.ws, (&tr.ListTaskParams{}).SetAssignmentStatus([]string{"reserved"}))
	if err != nil || len(tasks) != 1 {
		t.Fatalf("the transfer's task: %d reserved (%v)", len(tasks), err)
	}
	c.answer(t, *tasks[0].Sid, c.waitForOffer(t, carol, *tasks[0].Sid), "accepted")
	c.wantMembers(t, *conv.Sid, "ada", "bob", "carol")
	c.wantStatus(t, *first.Sid, "wrapping")
	c.wantTransferCompleted(t, *in.Sid, ch, *transfer.Sid)

	// Bob leaves on his own: his task wraps up.
	parts, err := s.tw.FlexV1.ListInteractionChannelParticipant(*in.Sid, ch, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		if *p.Type != "agent" || p.RoutingProperties == nil {
			continue
		}
		if props, _ := (*p.RoutingProperties).(map[string]any); props["worker_sid"] == bob {
			if _, err := s.tw.FlexV1.UpdateInteractionChannelParticipant(*in.Sid, ch, *p.Sid,
				(&flex.UpdateInteractionChannelParticipantParams{}).SetStatus("wrapup")); err != nil {
				t.Fatal(err)
			}
		}
	}
	c.wantMembers(t, *conv.Sid, "ada", "carol")
	c.wantStatus(t, *invited.Sid, "wrapping")
}

func TestBadInteractionsAreRefusedSayingWhy(t *testing.T) {
	s := startServer(t)
	c := newCentre(t, s)
	cases := []struct {
		name             string
		channel, routing map[string]interface{}
	}{
		{"no channel type", map[string]interface{}{"properties": map[string]any{"media_channel_sid": "CH00000000000000000000000000000000"}}, c.routingTo(nil)},
		{"a conversation that does not exist", map[string]interface{}{"type": "web", "properties": map[string]any{"media_channel_sid": "CH00000000000000000000000000000000"}}, c.routingTo(nil)},
		{"no workspace", map[string]interface{}{"type": "web", "participants": []any{map[string]any{"identity": "x"}}}, map[string]interface{}{"properties": map[string]any{}}},
		{"a participant with no address", map[string]interface{}{"type": "sms", "participants": []any{map[string]any{"address": "+1555"}}}, c.routingTo(nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.tw.FlexV1.CreateInteraction((&flex.CreateInteractionParams{}).SetChannel(tc.channel).SetRouting(tc.routing))
			wantTwilioError(t, err, 400, 20400)
		})
	}
	wantServing(t, s)
}

func TestAWarmTransferToAQueueKeepsBothAgents(t *testing.T) {
	s := startServer(t)
	c := newCentre(t, s)
	conv := mustCreateConversation(t, s.tw, "Billing")
	mustAddChatParticipant(t, s.tw, *conv.Sid, "ada")
	alice := c.agent(t, "alice", `{"contact_uri":"client:alice"}`)
	in := c.mustCreateInteraction(t, map[string]interface{}{"type": "chat", "properties": map[string]any{"media_channel_sid": *conv.Sid}},
		c.routingTo(nil))
	ch := channelOf(t, in)
	first := c.taskOf(t, in)
	c.answer(t, *first.Sid, c.waitForOffer(t, alice, *first.Sid), "accepted")
	c.wantMembers(t, *conv.Sid, "ada", "alice") // she joins as accepting is followed up

	billing := *s.mustCreateQueue(t, c.ws, "Billing", `team == "billing"`).Sid
	bob := c.agent(t, "bob", `{"contact_uri":"client:bob","team":"billing"}`)
	transfer, err := s.tw.FlexV1.CreateInteractionTransfer(*in.Sid, ch, (&flex.CreateInteractionTransferParams{}).
		SetBody(map[string]interface{}{"from": alice, "to": billing, "type": "warm"}))
	if err != nil {
		t.Fatalf("transfer: %v", err)
	}
	tasks, err := s.tw.TaskrouterV1.ListTask(c.ws, (&tr.ListTaskParams{}).SetTaskQueueSid(billing))
	if err != nil || len(tasks) != 1 || attrsOf(t, &tasks[0])["flexTransferSid"] != *transfer.Sid {
		t.Fatalf("the transfer's task in the Billing queue: %d (%v)", len(tasks), err)
	}
	c.answer(t, *tasks[0].Sid, c.waitForOffer(t, bob, *tasks[0].Sid), "accepted")
	c.wantMembers(t, *conv.Sid, "ada", "alice", "bob")
	c.wantTransferCompleted(t, *in.Sid, ch, *transfer.Sid)
	c.wantStatus(t, *first.Sid, "assigned")

	// A transfer from someone not on the channel is refused.
	_, err = s.tw.FlexV1.CreateInteractionTransfer(*in.Sid, ch, (&flex.CreateInteractionTransferParams{}).
		SetBody(map[string]interface{}{"from": "WK00000000000000000000000000000000", "to": billing, "type": "warm"}))
	wantTwilioError(t, err, 400, 20400)
}
