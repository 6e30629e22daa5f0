package desk

import (
	"encoding/json"
	"testing"
	"time"

	"parley/shared/model"
	"parley/shared/realtime"
)

var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

const me, customer = "agent_me", "guest_1"

func agent(role string) model.Agent {
	return model.Agent{Identity: me, WorkerSID: "WKme", WorkspaceSID: "WS1", Role: role}
}

func task(sid, conv string, reason string) model.Task {
	attrs, _ := json.Marshal(model.TaskAttributes{ConversationSID: conv, CustomerName: "Ada Customer",
		CustomerAddress: customer, InteractionSID: "KD" + conv})
	t := model.Task{SID: sid, Attributes: string(attrs)}
	if reason != "" {
		t.Reason = &reason
	}
	return t
}

func reservation(sid, task, status string) *model.Reservation {
	exp := model.Time{Time: now.Add(30 * time.Second)}
	return &model.Reservation{SID: sid, TaskSID: task, WorkerSID: "WKme", ReservationStatus: status, DateExpires: &exp}
}

func frame(event, conv string, data any) realtime.ServerFrame {
	b, _ := json.Marshal(data)
	return realtime.ServerFrame{Type: realtime.TypeEvent, Event: event, ConversationSID: conv, Data: b}
}

func routing(event string, r *model.Reservation, t model.Task) realtime.ServerFrame {
	return frame(event, "", model.RoutingEvent{Task: t, Reservation: r})
}

func message(conv string, index int, author string) model.Message {
	body := "hello"
	return model.Message{ConversationSID: conv, Index: index, Author: author, Body: &body,
		DateCreated: model.Time{Time: now.Add(time.Duration(index) * time.Second)}}
}

func participant(conv, identity string, read *int, name string) model.Participant {
	attrs, _ := json.Marshal(map[string]string{"friendlyName": name})
	return model.Participant{ConversationSID: conv, Identity: &identity, LastReadMessageIndex: read, Attributes: string(attrs)}
}

func intp(i int) *int { return &i }

// withChat is a desk working one accepted chat, CH1, in front of the
// agent, with the session open.
func withChat(role string) *Model {
	m := New(agent(role))
	m.SetSession(true)
	m.Apply(routing(realtime.ReservationAccepted, reservation("WR1", "WT1", "accepted"), task("WT1", "CH1", "")), now)
	return m
}

func TestApplyEachFrameKind(t *testing.T) {
	cases := []struct {
		name   string
		role   string
		setup  func(m *Model)
		frames []realtime.ServerFrame
		check  func(t *testing.T, m *Model, fx Effects)
	}{{
		name:   "reservation created rings and shows an offer with its expiry",
		frames: []realtime.ServerFrame{routing(realtime.ReservationCreated, reservation("WR2", "WT2", "pending"), task("WT2", "CH2", ""))},
		check: func(t *testing.T, m *Model, fx Effects) {
			if !fx.Ring || len(m.Offers) != 1 || !m.Offers[0].Expires.Equal(now.Add(30*time.Second)) || m.Offers[0].Attrs.ConversationSID != "CH2" {
				t.Fatalf("ring %v, offers %+v", fx.Ring, m.Offers)
			}
		},
	}, {
		name: "the same offer twice rings once",
		frames: []realtime.ServerFrame{
			routing(realtime.ReservationCreated, reservation("WR2", "WT2", "pending"), task("WT2", "CH2", "")),
			routing(realtime.ReservationCreated, reservation("WR2", "WT2", "pending"), task("WT2", "CH2", "")),
		},
		check: func(t *testing.T, m *Model, fx Effects) {
			if fx.Ring || len(m.Offers) != 1 {
				t.Fatalf("second ring %v, offers %d", fx.Ring, len(m.Offers))
			}
		},
	}, {
		name: "someone else's reservation is no offer",
		frames: []realtime.ServerFrame{routing(realtime.ReservationCreated,
			&model.Reservation{SID: "WR9", TaskSID: "WT9", WorkerSID: "WKother", ReservationStatus: "pending"}, task("WT9", "CH9", ""))},
		check: func(t *testing.T, m *Model, fx Effects) {
			if fx.Ring || len(m.Offers) != 0 || fx.Supervision {
				t.Fatalf("ring %v, offers %d, supervision %v", fx.Ring, len(m.Offers), fx.Supervision)
			}
		},
	}, {
		name:   "reservation accepted elsewhere opens the chat behind the one in front and drops its offer",
		setup:  func(m *Model) { m.addOffer(*reservation("WR2", "WT2", "pending"), task("WT2", "CH2", "")) },
		frames: []realtime.ServerFrame{routing(realtime.ReservationAccepted, reservation("WR2", "WT2", "accepted"), task("WT2", "CH2", ""))},
		check: func(t *testing.T, m *Model, fx Effects) {
			if len(m.Offers) != 0 || !fx.Calm || m.Active != "CH1" || len(fx.Open) != 1 || m.Chat("CH2").Status != Accepted {
				t.Fatalf("offers %d calm %v active %q open %v", len(m.Offers), fx.Calm, m.Active, fx.Open)
			}
		},
	}, {
		name: "reservation accepted by this desk waits for the accept's answer",
		setup: func(m *Model) {
			m.addOffer(*reservation("WR2", "WT2", "pending"), task("WT2", "CH2", ""))
			m.Answering("WR2", "accepted")
		},
		frames: []realtime.ServerFrame{routing(realtime.ReservationAccepted, reservation("WR2", "WT2", "accepted"), task("WT2", "CH2", ""))},
		check: func(t *testing.T, m *Model, fx Effects) {
			if m.Chat("CH2") != nil || len(fx.Open) != 0 {
				t.Fatalf("chat opened before the answer: %v", fx.Open)
			}
		},
	}}
	for _, ev := range []string{realtime.ReservationRejected, realtime.ReservationCanceled, realtime.ReservationRescinded} {
		cases = append(cases, struct {
			name   string
			role   string
			setup  func(m *Model)
			frames []realtime.ServerFrame
			check  func(t *testing.T, m *Model, fx Effects)
		}{
			name: ev + " drops the offer quietly",
			setup: func(m *Model) {
				m.addOffer(*reservation("WR2", "WT2", "pending"), task("WT2", "CH2", ""))
				m.Activity = "WAavail"
			},
			frames: []realtime.ServerFrame{routing(ev, reservation("WR2", "WT2", "x"), task("WT2", "CH2", ""))},
			check: func(t *testing.T, m *Model, fx Effects) {
				if len(m.Offers) != 0 || !fx.Calm || fx.Problem != "" || fx.Reload || m.Activity != "WAavail" {
					t.Fatalf("offers %d, fx %+v, activity %q", len(m.Offers), fx, m.Activity)
				}
			},
		})
	}
	cases = append(cases, []struct {
		name   string
		role   string
		setup  func(m *Model)
		frames []realtime.ServerFrame
		check  func(t *testing.T, m *Model, fx Effects)
	}{{
		name: "reservation timeout drops the offer, says so and reloads the activity",
		setup: func(m *Model) {
			m.addOffer(*reservation("WR2", "WT2", "pending"), task("WT2", "CH2", ""))
			m.Activity = "WAavail"
		},
		frames: []realtime.ServerFrame{routing(realtime.ReservationTimeout, reservation("WR2", "WT2", "timeout"), task("WT2", "CH2", ""))},
		check: func(t *testing.T, m *Model, fx Effects) {
			if len(m.Offers) != 0 || fx.Problem == "" || !fx.Reload || m.Activity != "" {
				t.Fatalf("offers %d, fx %+v, activity %q", len(m.Offers), fx, m.Activity)
			}
		},
	}, {
		name:   "reservation wrapup moves the chat to its wrap-up",
		frames: []realtime.ServerFrame{routing(realtime.ReservationWrapup, reservation("WR1", "WT1", "wrapping"), task("WT1", "CH1", ""))},
		check: func(t *testing.T, m *Model, fx Effects) {
			if c := m.Chat("CH1"); c.Status != Wrapping || c.CustomerLeft {
				t.Fatalf("status %q, customer left %v", c.Status, c.CustomerLeft)
			}
		},
	}, {
		name: "reservation wrapup because the customer left says so and drops what was on its way",
		setup: func(m *Model) {
			m.Sending("CH1", "still there?")
		},
		frames: []realtime.ServerFrame{routing(realtime.ReservationWrapup, reservation("WR1", "WT1", "wrapping"), task("WT1", "CH1", model.ReasonCustomerLeft))},
		check: func(t *testing.T, m *Model, fx Effects) {
			if c := m.Chat("CH1"); c.Status != Wrapping || !c.CustomerLeft || len(c.Pending) != 0 {
				t.Fatalf("status %q, customer left %v, pending %v", c.Status, c.CustomerLeft, c.Pending)
			}
		},
	}, {
		name:   "reservation completed closes the chat",
		frames: []realtime.ServerFrame{routing(realtime.ReservationCompleted, reservation("WR1", "WT1", "completed"), task("WT1", "CH1", ""))},
		check: func(t *testing.T, m *Model, fx Effects) {
			if len(m.Chats) != 0 || m.Active != "" {
				t.Fatalf("chats %d, active %q", len(m.Chats), m.Active)
			}
		},
	}, {
		name:   "task updated makes a supervisor's views stale, not an agent's",
		role:   "supervisor",
		frames: []realtime.ServerFrame{routing(realtime.TaskUpdated, nil, task("WT7", "CH7", ""))},
		check: func(t *testing.T, m *Model, fx Effects) {
			if !fx.Supervision || len(m.Chats) != 1 {
				t.Fatalf("supervision %v, chats %d", fx.Supervision, len(m.Chats))
			}
		},
	}, {
		name:   "worker updated moves the agent's own activity",
		frames: []realtime.ServerFrame{frame(realtime.WorkerUpdated, "", model.RoutingEvent{Worker: &model.Worker{SID: "WKme", ActivitySID: "WAbreak"}})},
		check: func(t *testing.T, m *Model, fx Effects) {
			if m.Activity != "WAbreak" {
				t.Fatalf("activity %q", m.Activity)
			}
		},
	}, {
		name:   "a colleague's worker update leaves the agent's activity",
		setup:  func(m *Model) { m.Activity = "WAavail" },
		frames: []realtime.ServerFrame{frame(realtime.WorkerUpdated, "", model.RoutingEvent{Worker: &model.Worker{SID: "WKother", ActivitySID: "WAbreak"}})},
		check: func(t *testing.T, m *Model, fx Effects) {
			if m.Activity != "WAavail" {
				t.Fatalf("activity %q", m.Activity)
			}
		},
	}, {
		name: "message added to the chat in front is read at once and ends the typing",
		setup: func(m *Model) {
			m.Apply(frame(realtime.TypingStarted, "CH1", realtime.Typing{Identity: customer}), now)
		},
		frames: []realtime.ServerFrame{frame(realtime.MessageAdded, "CH1", message("CH1", 0, customer))},
		check: func(t *testing.T, m *Model, fx Effects) {
			c := m.Chat("CH1")
			if c.Unread != 0 || fx.Flash || fx.Read == nil || fx.Read.Index != 0 || !fx.Scroll || c.TypingNow(now) {
				t.Fatalf("unread %d, fx %+v, typing %v", c.Unread, fx, c.TypingNow(now))
			}
		},
	}, {
		name: "message added to a chat behind counts unread and flashes",
		setup: func(m *Model) {
			m.Apply(routing(realtime.ReservationAccepted, reservation("WR2", "WT2", "accepted"), task("WT2", "CH2", "")), now)
		},
		frames: []realtime.ServerFrame{frame(realtime.MessageAdded, "CH2", message("CH2", 0, customer)), frame(realtime.MessageAdded, "CH2", message("CH2", 1, customer))},
		check: func(t *testing.T, m *Model, fx Effects) {
			if c := m.Chat("CH2"); c.Unread != 2 || !fx.Flash || fx.Read != nil || fx.Scroll {
				t.Fatalf("unread %d, fx %+v", c.Unread, fx)
			}
		},
	}, {
		name:   "message added while the page is hidden stays unread",
		setup:  func(m *Model) { m.SetVisible(false) },
		frames: []realtime.ServerFrame{frame(realtime.MessageAdded, "CH1", message("CH1", 0, customer))},
		check: func(t *testing.T, m *Model, fx Effects) {
			if c := m.Chat("CH1"); c.Unread != 1 || !fx.Flash || fx.Read != nil {
				t.Fatalf("unread %d, fx %+v", c.Unread, fx)
			}
			if fx := m.SetVisible(true); fx.Read == nil || m.Chat("CH1").Unread != 0 {
				t.Fatalf("coming back did not read it: %+v", fx)
			}
		},
	}, {
		name:   "the agent's own message acknowledges what was on its way",
		setup:  func(m *Model) { m.Sending("CH1", "hello") },
		frames: []realtime.ServerFrame{frame(realtime.MessageAdded, "CH1", message("CH1", 0, me))},
		check: func(t *testing.T, m *Model, fx Effects) {
			if c := m.Chat("CH1"); len(c.Pending) != 0 || len(c.Msgs) != 1 || c.Unread != 0 || fx.Flash {
				t.Fatalf("pending %v, msgs %d, fx %+v", c.Pending, len(c.Msgs), fx)
			}
		},
	}, {
		name:  "message updated replaces it in place and counts nothing",
		setup: func(m *Model) { m.Apply(frame(realtime.MessageAdded, "CH1", message("CH1", 0, customer)), now) },
		frames: []realtime.ServerFrame{frame(realtime.MessageUpdated, "CH1", func() model.Message {
			msg := message("CH1", 0, customer)
			b := "edited"
			msg.Body = &b
			return msg
		}())},
		check: func(t *testing.T, m *Model, fx Effects) {
			if c := m.Chat("CH1"); len(c.Msgs) != 1 || *c.Msgs[0].Body != "edited" || c.Unread != 0 || fx.Flash {
				t.Fatalf("msgs %+v, fx %+v", c.Msgs, fx)
			}
		},
	}, {
		name: "message removed takes it out of the thread",
		setup: func(m *Model) {
			m.Apply(frame(realtime.MessageAdded, "CH1", message("CH1", 0, customer)), now)
			m.Apply(frame(realtime.MessageAdded, "CH1", message("CH1", 1, customer)), now)
		},
		frames: []realtime.ServerFrame{frame(realtime.MessageRemoved, "CH1", message("CH1", 0, customer))},
		check: func(t *testing.T, m *Model, fx Effects) {
			if c := m.Chat("CH1"); len(c.Msgs) != 1 || c.Msgs[0].Index != 1 {
				t.Fatalf("msgs %+v", c.Msgs)
			}
		},
	}, {
		name:   "a message of a conversation not on the desk is ignored",
		frames: []realtime.ServerFrame{frame(realtime.MessageAdded, "CH9", message("CH9", 0, customer))},
		check: func(t *testing.T, m *Model, fx Effects) {
			if m.Chat("CH9") != nil || fx.Flash {
				t.Fatalf("fx %+v", fx)
			}
		},
	}, {
		name:   "conversation closed under the agent shows the customer left",
		frames: []realtime.ServerFrame{frame(realtime.ConversationUpdated, "CH1", model.Conversation{SID: "CH1", State: "closed"})},
		check: func(t *testing.T, m *Model, fx Effects) {
			if c := m.Chat("CH1"); c.Status != Wrapping || !c.CustomerLeft {
				t.Fatalf("status %q, left %v", c.Status, c.CustomerLeft)
			}
		},
	}, {
		name:   "conversation closed by the agent ending it is no customer leaving",
		setup:  func(m *Model) { m.Ending("CH1") },
		frames: []realtime.ServerFrame{frame(realtime.ConversationUpdated, "CH1", model.Conversation{SID: "CH1", State: "closed"})},
		check: func(t *testing.T, m *Model, fx Effects) {
			if c := m.Chat("CH1"); c.Status != Wrapping || c.CustomerLeft {
				t.Fatalf("status %q, left %v", c.Status, c.CustomerLeft)
			}
		},
	}, {
		name:   "conversation removed leaves the chat to its reservation's events",
		frames: []realtime.ServerFrame{frame(realtime.ConversationRemoved, "CH1", model.Conversation{SID: "CH1", State: "closed"})},
		check: func(t *testing.T, m *Model, fx Effects) {
			if c := m.Chat("CH1"); c == nil || c.Status != Accepted {
				t.Fatalf("chat %+v", c)
			}
		},
	}, {
		name: "participant updated moves the customer's read horizon (the receipt) and names them",
		setup: func(m *Model) {
			m.Apply(frame(realtime.MessageAdded, "CH1", message("CH1", 0, me)), now)
		},
		frames: []realtime.ServerFrame{
			frame(realtime.ParticipantAdded, "CH1", participant("CH1", customer, nil, "Ada")),
			frame(realtime.ParticipantUpdated, "CH1", participant("CH1", customer, intp(0), "Ada")),
			frame(realtime.ParticipantUpdated, "CH1", participant("CH1", me, intp(5), "Me")),
		},
		check: func(t *testing.T, m *Model, fx Effects) {
			if c := m.Chat("CH1"); c.CustomerRead != 0 || c.Names[customer] != "Ada" || c.Names[me] != "Me" {
				t.Fatalf("customer read %d, names %v", c.CustomerRead, c.Names)
			}
		},
	}, {
		name:   "typing started shows until it lapses",
		frames: []realtime.ServerFrame{frame(realtime.TypingStarted, "CH1", realtime.Typing{Identity: customer, ExpiresInMS: 5000})},
		check: func(t *testing.T, m *Model, fx Effects) {
			c := m.Chat("CH1")
			if !c.TypingNow(now.Add(4*time.Second)) || c.TypingNow(now.Add(6*time.Second)) || fx.Lapse != 5100*time.Millisecond {
				t.Fatalf("typing until %v, lapse %v", c.Typing, fx.Lapse)
			}
		},
	}, {
		name:   "the agent's own typing is not shown",
		frames: []realtime.ServerFrame{frame(realtime.TypingStarted, "CH1", realtime.Typing{Identity: me})},
		check: func(t *testing.T, m *Model, fx Effects) {
			if m.Chat("CH1").TypingNow(now) {
				t.Fatal("own typing shown")
			}
		},
	}, {
		name: "typing ended hides it",
		frames: []realtime.ServerFrame{
			frame(realtime.TypingStarted, "CH1", realtime.Typing{Identity: customer}),
			frame(realtime.TypingEnded, "CH1", realtime.Typing{Identity: customer}),
		},
		check: func(t *testing.T, m *Model, fx Effects) {
			if m.Chat("CH1").TypingNow(now) {
				t.Fatal("still typing")
			}
		},
	}, {
		name: "note added is kept once in time order",
		frames: []realtime.ServerFrame{
			frame(realtime.NoteAdded, "CH1", model.Note{SID: "NO2", ConversationSID: "CH1", DateCreated: model.Time{Time: now.Add(2 * time.Second)}}),
			frame(realtime.NoteAdded, "CH1", model.Note{SID: "NO1", ConversationSID: "CH1", DateCreated: model.Time{Time: now}}),
			frame(realtime.NoteAdded, "CH1", model.Note{SID: "NO1", ConversationSID: "CH1", DateCreated: model.Time{Time: now}}),
		},
		check: func(t *testing.T, m *Model, fx Effects) {
			if c := m.Chat("CH1"); len(c.Notes) != 2 || c.Notes[0].SID != "NO1" {
				t.Fatalf("notes %+v", c.Notes)
			}
		},
	}, {
		name: "presence, queue positions and receipts change nothing",
		frames: []realtime.ServerFrame{
			frame(realtime.UserOnline, "", realtime.Presence{}), frame(realtime.UserOffline, "", realtime.Presence{}),
			frame(realtime.QueuePosition, "CH1", map[string]int{"position": 2}), frame(realtime.DeliveryUpdated, "CH1", map[string]string{}),
		},
		check: func(t *testing.T, m *Model, fx Effects) {
			if c := m.Chat("CH1"); c.Status != Accepted || len(c.Msgs) != 0 || fx.Flash || fx.Ring {
				t.Fatalf("chat %+v, fx %+v", c, fx)
			}
		},
	}, {
		name:   "a frame whose data does not decode is ignored",
		frames: []realtime.ServerFrame{{Type: realtime.TypeEvent, Event: realtime.MessageAdded, Data: json.RawMessage(`"x"`)}},
		check: func(t *testing.T, m *Model, fx Effects) {
			if len(m.Chat("CH1").Msgs) != 0 {
				t.Fatal("garbage applied")
			}
		},
	}}...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := withChat(tc.role)
			if tc.setup != nil {
				tc.setup(m)
			}
			var fx Effects
			for _, f := range tc.frames {
				fx = m.Apply(f, now)
			}
			tc.check(t, m, fx)
		})
	}
}
