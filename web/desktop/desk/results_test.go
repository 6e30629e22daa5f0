package desk

import (
	"errors"
	"testing"

	"parley/shared/model"
	"parley/shared/realtime"
)

func TestRESTResults(t *testing.T) {
	cases := []struct {
		name string
		role string
		run  func(t *testing.T, m *Model)
	}{{
		name: "loaded reservations become offers and chats; the first chat comes to the front",
		role: "supervisor",
		run: func(t *testing.T, m *Model) {
			m.CloseChat("WT1")
			res := []model.Reservation{*reservation("WR2", "WT2", "pending"), *reservation("WR3", "WT3", "wrapping"),
				*reservation("WR4", "WT4", "accepted"), *reservation("WR5", "WT5", "completed")}
			tasks := map[string]model.Task{"WT2": task("WT2", "CH2", ""), "WT3": task("WT3", "CH3", model.ReasonCustomerLeft),
				"WT4": task("WT4", "CH4", "")}
			fx := m.Loaded([]model.Activity{{SID: "WAoff", FriendlyName: "Offline"}}, model.Worker{ActivitySID: "WAoff"}, res, tasks)
			if len(m.Offers) != 1 || len(m.Chats) != 2 || m.Active != "CH3" || len(fx.Open) != 2 || !fx.Supervision || m.Activity != "WAoff" {
				t.Fatalf("offers %d chats %d active %q fx %+v", len(m.Offers), len(m.Chats), m.Active, fx)
			}
			if c := m.Chat("CH3"); c.Status != Wrapping || !c.CustomerLeft {
				t.Fatalf("wrapping chat %+v", c)
			}
			if !m.LeavesChats("WAoff") {
				t.Fatal("going Offline with chats open is not asked about")
			}
		},
	}, {
		name: "an accept's answer opens its chat; a failed answer only drops the offer",
		run: func(t *testing.T, m *Model) {
			m.Apply(routing(realtime.ReservationCreated, reservation("WR2", "WT2", "pending"), task("WT2", "CH2", "")), now)
			m.Apply(routing(realtime.ReservationCreated, reservation("WR3", "WT3", "pending"), task("WT3", "CH3", "")), now)
			o2, _ := m.Offer("WR2")
			m.Answering("WR2", "accepted")
			if fx := m.Answered(o2, "accepted", *reservation("WR2", "WT2", "accepted"), false); len(fx.Open) != 1 || m.Chat("CH2") == nil || fx.Calm {
				t.Fatalf("accepted: fx %+v", fx)
			}
			o3, _ := m.Offer("WR3")
			if fx := m.Answered(o3, "accepted", model.Reservation{}, true); len(fx.Open) != 0 || m.Chat("CH3") != nil || !fx.Calm {
				t.Fatalf("failed: fx %+v", fx)
			}
		},
	}, {
		name: "history fills the thread, names people, reads it and notes the service",
		run: func(t *testing.T, m *Model) {
			m.LoadingHistory("CH1")
			fx := m.History("CH1", model.Conversation{SID: "CH1", State: "active", ChatServiceSID: "IS1"},
				[]model.Message{message("CH1", 1, customer), message("CH1", 0, me)},
				[]model.Participant{participant("CH1", customer, intp(0), "Ada")})
			c := m.Chat("CH1")
			if !c.Loaded || len(c.Msgs) != 2 || c.Msgs[0].Index != 0 || c.CustomerRead != 0 || fx.Read == nil || fx.Read.Index != 1 || fx.ServiceSID != "IS1" {
				t.Fatalf("chat %+v fx %+v", c, fx)
			}
		},
	}, {
		name: "history of a closed conversation shows the customer left",
		run: func(t *testing.T, m *Model) {
			m.History("CH1", model.Conversation{SID: "CH1", State: "closed"}, nil, nil)
			if c := m.Chat("CH1"); c.Status != Wrapping || !c.CustomerLeft {
				t.Fatalf("chat %+v", c)
			}
		},
	}, {
		name: "a failed history is retried after 1, 2 and 4 seconds, then on choosing the chat",
		run: func(t *testing.T, m *Model) {
			var waits []int
			for range 4 {
				fx := m.HistoryFailed("CH1", "offline")
				waits = append(waits, int(fx.RetryIn.Seconds()))
			}
			if waits[0] != 1 || waits[1] != 2 || waits[2] != 4 || waits[3] != 0 || m.Chat("CH1").LoadErr != "offline" {
				t.Fatalf("waits %v", waits)
			}
			if fx := m.Select("CH1"); fx.History != "CH1" {
				t.Fatalf("choosing the chat does not retry: %+v", fx)
			}
			if !m.RetryHistory("CH1", false) {
				t.Fatal("an unloaded chat is not worth retrying")
			}
		},
	}, {
		name: "a chat in wrap-up is not retried",
		run: func(t *testing.T, m *Model) {
			m.Ended("CH1")
			if fx := m.HistoryFailed("CH1", "gone"); fx.Retry != "" {
				t.Fatalf("retried: %+v", fx)
			}
		},
	}, {
		name: "earlier conversations: nobody to look up, listed, failed then retried on choosing",
		run: func(t *testing.T, m *Model) {
			if who := m.PastWanted("CH1"); who != customer {
				t.Fatalf("looked up %q", who)
			}
			m.PastLoaded("CH1", nil, true)
			if fx := m.Select("CH1"); fx.Past != "CH1" {
				t.Fatalf("no retry: %+v", fx)
			}
			past := PastOf([]model.ParticipantConversation{{ConversationSID: "CH0"}, {ConversationSID: "CH1"}, {ConversationSID: "CH5"}}, "CH1")
			m.PastLoaded("CH1", past, false)
			if c := m.Chat("CH1"); !c.PastLoaded || len(c.Past) != 2 || c.Past[0].SID != "CH5" || c.Past[0].Topic != "(no subject)" {
				t.Fatalf("past %+v", c.Past)
			}
		},
	}, {
		name: "a message that failed to go is taken back",
		run: func(t *testing.T, m *Model) {
			m.Sending("CH1", "a")
			m.Sending("CH1", "b")
			m.SendFailed("CH1", "a")
			if p := m.Chat("CH1").Pending; len(p) != 1 || p[0] != "b" {
				t.Fatalf("pending %v", p)
			}
		},
	}, {
		name: "ending: failed keeps the chat, ended wraps it up",
		run: func(t *testing.T, m *Model) {
			m.Ending("CH1")
			m.EndFailed("CH1")
			if c := m.Chat("CH1"); c.AgentEnded || c.Status != Accepted {
				t.Fatalf("chat %+v", c)
			}
			m.Ending("CH1")
			m.Ended("CH1")
			if c := m.Chat("CH1"); !c.AgentEnded || c.Status != Wrapping {
				t.Fatalf("chat %+v", c)
			}
		},
	}, {
		name: "monitoring opens a read-only chat polled until it is closed",
		role: "supervisor",
		run: func(t *testing.T, m *Model) {
			m.SetView(ViewTeam)
			tc := TeamRowOf(model.Worker{SID: "WKx", FriendlyName: "x", Attributes: `{"full_name":"Bo"}`},
				[]model.Reservation{*reservation("WR7", "WT7", "accepted"), *reservation("WR8", "WT8", "pending")},
				map[string]model.Task{"WT7": task("WT7", "CH7", "")})
			if tc.Name != "Bo" || len(tc.Chats) != 1 {
				t.Fatalf("row %+v", tc)
			}
			fx := m.Monitor(tc.Chats[0])
			if fx.Watch != "CH7" || fx.Poll != "" || fx.History != "CH7" || m.Active != "CH7" || m.View != ViewChats || !m.Monitoring("CH7") {
				t.Fatalf("fx %+v active %q view %q", fx, m.Active, m.View)
			}
			if fx := m.Monitor(tc.Chats[0]); fx.Watch != "" {
				t.Fatal("watched twice")
			}
			// Followed again after a reconnection: what was said meanwhile
			// is read; refused: polled instead.
			if fx := m.Watching("CH7", nil); fx.History != "CH7" || fx.Poll != "" {
				t.Fatalf("watching again: %+v", fx)
			}
			if fx := m.Watching("CH7", errors.New("refused")); fx.Poll != "CH7" {
				t.Fatalf("refused: %+v", fx)
			}
			// A monitored chat's messages are never marked read, nor
			// counted unread, nor flash the title (even with the page hidden).
			m.SetVisible(false)
			if fx := m.Apply(frame(realtime.MessageAdded, "CH7", message("CH7", 0, customer)), now); fx.Read != nil || fx.Flash || m.Chat("CH7").Unread != 0 {
				t.Fatalf("monitor read or counted: %+v, unread %d", fx, m.Chat("CH7").Unread)
			}
			m.SetVisible(true)
			m.CloseChat("WT7")
			if m.Monitoring("CH7") || m.Active != "CH1" {
				t.Fatalf("still monitoring; active %q", m.Active)
			}
		},
	}, {
		name: "queue rows count waiting tasks and agents",
		run: func(t *testing.T, m *Model) {
			r := QueueRowOf(model.TaskQueue{SID: "WQ1"}, model.RealTimeStatistics{TasksByStatus: map[string]int{"pending": 2, "reserved": 1},
				LongestTaskWaitingAge: 40, TotalAvailableWorkers: intp(1), TotalEligibleWorkers: intp(3)})
			if r.Waiting != 3 || r.LongestWait != 40 || r.Available != 1 || r.Eligible != 3 {
				t.Fatalf("row %+v", r)
			}
		},
	}, {
		name: "every change moves the chat's revision, so its components re-render",
		run: func(t *testing.T, m *Model) {
			c := m.Chat("CH1")
			before := c.Rev
			m.Apply(frame(realtime.ParticipantUpdated, "CH1", participant("CH1", customer, intp(3), "")), now)
			if c.Rev == before {
				t.Fatal("a receipt did not move the revision")
			}
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, withChat(tc.role)) })
	}
}
