package desk

import (
	"encoding/json"
	"time"

	"parley/shared/model"
	"parley/shared/realtime"
)

// Apply applies a realtime event frame received at now. Frames the desk
// has no use for (presence, queue positions, delivery receipts, a
// conversation the agent left: the reservation's events say what becomes
// of its chat) change nothing. The chats stay in the list's order (see
// order).
func (m *Model) Apply(f realtime.ServerFrame, now time.Time) Effects {
	fx := m.apply(f, now)
	m.order()
	return fx
}

func (m *Model) apply(f realtime.ServerFrame, now time.Time) Effects {
	switch f.Event {
	case realtime.ReservationCreated, realtime.ReservationAccepted, realtime.ReservationRejected,
		realtime.ReservationTimeout, realtime.ReservationCanceled, realtime.ReservationRescinded,
		realtime.ReservationWrapup, realtime.ReservationCompleted, realtime.TaskUpdated, realtime.WorkerUpdated:
		var e model.RoutingEvent
		if json.Unmarshal(f.Data, &e) != nil {
			return Effects{}
		}
		return m.routing(f.Event, e)
	case realtime.MessageAdded, realtime.MessageUpdated:
		var msg model.Message
		if json.Unmarshal(f.Data, &msg) != nil {
			return Effects{}
		}
		return m.message(msg)
	case realtime.MessageRemoved:
		var msg model.Message
		if json.Unmarshal(f.Data, &msg) != nil {
			return Effects{}
		}
		if c := m.Chat(msg.ConversationSID); c != nil && c.remove(msg.Index) {
			c.Rev++
		}
	case realtime.ConversationUpdated:
		var conv model.Conversation
		if json.Unmarshal(f.Data, &conv) != nil {
			return Effects{}
		}
		if c := m.Chat(conv.SID); c != nil && conv.State == "closed" {
			m.customerLeft(c)
		}
	case realtime.ParticipantAdded, realtime.ParticipantUpdated:
		var p model.Participant
		if json.Unmarshal(f.Data, &p) != nil {
			return Effects{}
		}
		if c := m.Chat(p.ConversationSID); c != nil {
			m.notePerson(c, p)
		}
	case realtime.TypingStarted:
		var t realtime.Typing
		if json.Unmarshal(f.Data, &t) != nil || t.Identity == m.Me.Identity {
			return Effects{}
		}
		if c := m.Chat(f.ConversationSID); c != nil {
			ttl := time.Duration(max(t.ExpiresInMS, 1000)) * time.Millisecond
			c.Typing = now.Add(ttl)
			c.Rev++
			return Effects{Lapse: ttl + 100*time.Millisecond}
		}
	case realtime.TypingEnded:
		if c := m.Chat(f.ConversationSID); c != nil && !c.Typing.IsZero() {
			c.Typing = time.Time{}
			c.Rev++
		}
	case realtime.NoteAdded:
		var n model.Note
		if json.Unmarshal(f.Data, &n) != nil {
			return Effects{}
		}
		return m.NoteWritten(n)
	}
	return Effects{}
}

// message applies a message added or updated.
func (m *Model) message(msg model.Message) Effects {
	c := m.Chat(msg.ConversationSID)
	if c == nil {
		return Effects{}
	}
	var fx Effects
	c.Rev++
	if c.add(msg) && msg.Author != m.Me.Identity {
		c.Typing = time.Time{}
		// A monitored chat is not the supervisor's to answer: no unread
		// count, no flashing title.
		if c.Status != Monitor && (m.Active != msg.ConversationSID || !m.Visible) {
			c.Unread++
			fx.Flash = true
		}
	}
	if msg.Author == m.Me.Identity && len(c.Pending) > 0 {
		c.Pending = c.Pending[1:]
	}
	fx.add(m.markRead(c))
	fx.add(m.scroll(msg.ConversationSID))
	return fx
}

// notePerson keeps a participant's name and, for others, their read
// horizon.
func (m *Model) notePerson(c *Chat, p model.Participant) {
	if p.Identity == nil {
		return
	}
	var attrs struct {
		FriendlyName string `json:"friendlyName"`
	}
	_ = json.Unmarshal([]byte(p.Attributes), &attrs)
	if attrs.FriendlyName != "" && c.Names[*p.Identity] != attrs.FriendlyName {
		names := make(map[string]string, len(c.Names)+1) // a copy: a component may hold the old map
		for k, v := range c.Names {
			names[k] = v
		}
		names[*p.Identity] = attrs.FriendlyName
		c.Names = names
	}
	if *p.Identity != m.Me.Identity && p.LastReadMessageIndex != nil {
		c.CustomerRead = max(c.CustomerRead, *p.LastReadMessageIndex)
	}
	c.Rev++
}

// routing applies a TaskRouter event: the agent's own reservations make
// and end offers and chats; any event makes the supervisor's views stale.
func (m *Model) routing(name string, e model.RoutingEvent) Effects {
	var fx Effects
	if e.Reservation != nil && e.Reservation.WorkerSID == m.Me.WorkerSID {
		switch name {
		case realtime.ReservationCreated:
			if m.addOffer(*e.Reservation, e.Task) {
				fx.Ring = true
			}
		case realtime.ReservationAccepted:
			fx.add(m.dropOffer(e.Reservation.SID))
			if !m.accepting[e.Reservation.SID] {
				fx.add(m.openChat(*e.Reservation, e.Task))
			}
		case realtime.ReservationRejected, realtime.ReservationTimeout, realtime.ReservationCanceled, realtime.ReservationRescinded:
			fx.add(m.dropOffer(e.Reservation.SID))
			if name == realtime.ReservationTimeout {
				fx.Problem = "You missed a chat: the offer timed out, and you were set Offline."
				m.Activity = ""
				fx.Reload = true
			}
		case realtime.ReservationWrapup:
			if c := m.chatByTask(e.Task.SID); c != nil {
				c.Status = Wrapping
				c.Rev++
				if left(e.Task) {
					m.customerLeft(c)
				}
			}
		case realtime.ReservationCompleted:
			m.CloseChat(e.Task.SID)
		}
	}
	if name == realtime.WorkerUpdated && e.Worker != nil && e.Worker.SID == m.Me.WorkerSID {
		m.Activity = e.Worker.ActivitySID
	}
	fx.Supervision = m.IsSupervisor()
	return fx
}
