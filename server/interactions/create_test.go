package interactions_test

import (
	"encoding/json"
	"testing"

	"parley/server/apperr"
	"parley/server/interactions"
	"parley/server/routing"
	"parley/shared/model"
)

// The first task of a channel says, in the one attribute contract
// (model.TaskAttributes), which conversation, interaction and channel it
// is for, and who the customer is; what the Routing parameter's attributes
// say wins, and what the contract does not name is kept.
func TestAChannelsTaskCarriesTheAttributeContract(t *testing.T) {
	cases := []struct {
		name  string
		extra map[string]any
		want  func(conv, in, ch string) model.TaskAttributes
		other []string // keys kept beyond the contract
	}{
		{"defaults", nil, func(conv, in, ch string) model.TaskAttributes {
			return model.TaskAttributes{ConversationSID: conv, InteractionSID: in, ChannelSID: ch, ChannelType: "web",
				Direction: "inbound", CustomerName: "Order 66", CustomerAddress: "guest_1", From: "guest_1",
				Conversations: model.TaskConversation{ConversationID: in, InitiatedBy: "customer"}}
		}, nil},
		{"routing's attributes win", map[string]any{"customerName": "Ada", "channelType": "whatsapp", "vip": true}, func(conv, in, ch string) model.TaskAttributes {
			return model.TaskAttributes{ConversationSID: conv, InteractionSID: in, ChannelSID: ch, ChannelType: "whatsapp",
				Direction: "inbound", CustomerName: "Ada", CustomerAddress: "guest_1", From: "guest_1",
				Conversations: model.TaskConversation{ConversationID: in, InitiatedBy: "customer"}}
		}, []string{"vip"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCentre(t)
			c.worker("ada", true)
			conv := c.customerChat("Order 66", "guest_1")
			in, ch := c.inbound(conv, tc.extra)
			task := c.task(c.offer("ada").TaskSID)
			got := attrs(task)
			want := tc.want(conv.SID, in.SID, ch.SID)
			for _, k := range tc.other {
				if got.Other[k] == nil {
					t.Errorf("attribute %q was dropped: %s", k, task.Attributes)
				}
			}
			got.Other = nil
			if g, w := got.String(), want.String(); g != w {
				t.Errorf("task attributes\n got %s\nwant %s", g, w)
			}
			if ch.TaskAttributes != task.Attributes {
				t.Errorf("the channel keeps %s, the task has %s", ch.TaskAttributes, task.Attributes)
			}
			// The interaction echoes the request, with the SIDs made.
			var routingDoc struct {
				Properties struct {
					TaskSID string `json:"task_sid"`
				} `json:"properties"`
			}
			var channelDoc struct {
				SID string `json:"sid"`
			}
			if json.Unmarshal(in.Routing, &routingDoc) != nil || routingDoc.Properties.TaskSID != task.SID ||
				json.Unmarshal(in.Channel, &channelDoc) != nil || channelDoc.SID != ch.SID {
				t.Errorf("interaction routing %s, channel %s: want the task's and the channel's SIDs", in.Routing, in.Channel)
			}
		})
	}
}

// An agent who starts an interaction (worker_sid with queue_sid) has its
// task accepted for them: they are in the conversation without answering
// an offer. The conversation is made with the customers the API names.
func TestAnAgentInitiatedInteractionIsAcceptedForTheAgent(t *testing.T) {
	c := newCentre(t)
	ada := c.worker("ada", true)
	in, err := c.svc.Create(c.ctx, interactions.Params{
		Channel: `{"type":"sms","initiated_by":"agent","properties":{"friendly_name":"Follow-up"},
			"participants":[{"address":"+15550001111","proxy_address":"+15559990000"}]}`,
		Routing: `{"properties":{"workspace_sid":"` + c.ws + `","queue_sid":"` + c.q + `","worker_sid":"` + ada + `"}}`})
	c.must(err)
	chs, err := c.svc.Channels(c.ctx, in.SID)
	c.must(err)
	ch := chs[0]
	if ch.Direction != "outbound" || ch.Type != "sms" || ch.Route.TaskChannel != "sms" {
		t.Errorf("channel %+v: want an outbound sms channel routed on sms", ch)
	}
	c.eventually("ada joins", func() bool { return c.conv.Participates(c.ctx, identityOf("ada"), ch.ConversationSID) == nil })
	a := attrs(c.task(ch.AutoAcceptTask))
	if a.Direction != "outbound" || a.CustomerAddress != "+15550001111" || a.Conversations.InitiatedBy != "agent" {
		t.Errorf("task attributes %+v: want outbound to +15550001111, initiated by the agent", a)
	}
	if got := c.task(ch.AutoAcceptTask).AssignmentStatus; got != routing.TaskAssigned {
		t.Errorf("task %s, want assigned to ada", got)
	}
}

// A request Interactions cannot route is refused, saying what is missing.
func TestBadInteractionsAreRefusedSayingWhy(t *testing.T) {
	c := newCentre(t)
	conv := c.customerChat("Chat", "guest_1")
	media := `{"type":"web","properties":{"media_channel_sid":"` + conv.SID + `"}}`
	cases := []struct {
		name, channel, routing string
		why                    string
	}{
		{"channel not JSON", "{", c.routingDoc(nil), "Channel is not valid JSON"},
		{"no type", `{"properties":{"media_channel_sid":"` + conv.SID + `"}}`, c.routingDoc(nil), `Channel needs a "type"`},
		{"routing not JSON", media, "{", "Routing is not valid JSON"},
		{"no workspace", media, `{"properties":{"workflow_sid":"WW1"}}`, "workspace_sid"},
		{"no workflow or queue", media, `{"properties":{"workspace_sid":"` + c.ws + `"}}`, "workflow_sid"},
		{"attributes not an object", media, `{"properties":{"workspace_sid":"` + c.ws + `","workflow_sid":"` + c.wf + `","attributes":"[]"}}`,
			"attributes must be a JSON object"},
		{"no conversation", `{"type":"web","properties":{}}`, c.routingDoc(nil), "media_channel_sid"},
		{"not a conversation", `{"type":"web","properties":{"media_channel_sid":"CH00000000000000000000000000000000"}}`, c.routingDoc(nil),
			"is not a conversation"},
		{"participant without address", `{"type":"sms","participants":[{"address":"+15550001111"}]}`, c.routingDoc(nil),
			"participants[0] needs an identity"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.svc.Create(c.ctx, interactions.Params{Channel: tc.channel, Routing: tc.routing})
			wantRefused(t, err, apperr.Invalid, tc.why)
		})
	}
	if ok, _ := c.svc.Routed(c.ctx, conv.SID); ok {
		t.Errorf("a refused interaction left its conversation routed")
	}
}

// Someone added to a channel by hand joins its conversation; nobody joins
// a closed channel.
func TestAddingSomeoneToAChannel(t *testing.T) {
	c := newCentre(t)
	conv := c.customerChat("Chat", "guest_1")
	in, ch := c.inbound(conv, nil)
	p, err := c.svc.AddParticipant(c.ctx, in.SID, ch.SID, interactions.ParticipantParams{Type: interactions.TypeSupervisor,
		MediaProperties: `{"identity":"agent_sue"}`, RoutingProperties: `{"note":"listening"}`})
	c.must(err)
	if p.Status != interactions.ParticipantOpen || p.RoutingProperties["note"] != "listening" {
		t.Errorf("participant %+v", p)
	}
	c.wantMembers(conv.SID, "guest_1", "agent_sue")
	for _, bad := range []interactions.ParticipantParams{
		{Type: "robot", MediaProperties: `{"identity":"x"}`},
		{Type: "agent", MediaProperties: `{}`},
		{Type: "agent", MediaProperties: `{"identity":"x"}`, RoutingProperties: "["},
	} {
		_, err := c.svc.AddParticipant(c.ctx, in.SID, ch.SID, bad)
		wantRefused(t, err, apperr.Invalid, "")
	}
	_, err = c.svc.UpdateParticipant(c.ctx, in.SID, ch.SID, p.SID, "open")
	wantRefused(t, err, apperr.Invalid, "closed or wrapup")
	_, err = c.svc.UpdateParticipant(c.ctx, in.SID, ch.SID, p.SID, interactions.ParticipantClosed)
	c.must(err)
	c.wantMembers(conv.SID, "guest_1")
	_, err = c.svc.UpdateParticipant(c.ctx, in.SID, ch.SID, p.SID, interactions.ParticipantClosed)
	wantRefused(t, err, apperr.Conflict, "already left")

	_, err = c.svc.UpdateChannel(c.ctx, in.SID, ch.SID, interactions.ChannelParams{Status: "open"})
	wantRefused(t, err, apperr.Invalid, "closed or inactive")
	_, err = c.svc.UpdateChannel(c.ctx, in.SID, ch.SID, interactions.ChannelParams{Status: "closed", Routing: `{"status":"later"}`})
	wantRefused(t, err, apperr.Invalid, `"wrapup" or "closed"`)
	_, err = c.svc.UpdateChannel(c.ctx, in.SID, ch.SID, interactions.ChannelParams{Status: "closed"})
	c.must(err)
	_, err = c.svc.AddParticipant(c.ctx, in.SID, ch.SID, interactions.ParticipantParams{Type: "agent", MediaProperties: `{"identity":"agent_sue"}`})
	wantRefused(t, err, apperr.Conflict, "is closed")
	_, err = c.svc.Channel(c.ctx, "GO00000000000000000000000000000000", ch.SID)
	wantRefused(t, err, apperr.NotFound, "not found in interaction")
}
