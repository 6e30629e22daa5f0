package desk

import (
	"slices"
	"time"

	"parley/shared/model"
)

// Loaded applies what the agent has now (after signing in, a reload or a
// resync): the activities, its worker, its live reservations and their
// tasks (by SID; a reservation whose task could not be read is skipped).
func (m *Model) Loaded(acts []model.Activity, worker model.Worker, res []model.Reservation, tasks map[string]model.Task) Effects {
	m.Activities, m.Activity = acts, worker.ActivitySID
	var fx Effects
	for _, r := range res {
		t, ok := tasks[r.TaskSID]
		if !ok {
			continue
		}
		switch r.ReservationStatus {
		case "pending":
			m.addOffer(r, t)
		case Accepted, Wrapping:
			fx.add(m.openChat(r, t))
		}
	}
	fx.Supervision = m.IsSupervisor()
	m.order()
	return fx
}

// LiveReservation reports whether a reservation's task is worth reading
// for Loaded.
func LiveReservation(r model.Reservation) bool {
	switch r.ReservationStatus {
	case "pending", Accepted, Wrapping:
		return true
	}
	return false
}

// ActivitySet applies the worker's new activity.
func (m *Model) ActivitySet(sid string) { m.Activity = sid }

// LeavesChats reports whether going to an activity would be going Offline
// with chats open, which the desk asks about first.
func (m *Model) LeavesChats(activitySID string) bool {
	var target model.Activity
	for _, a := range m.Activities {
		if a.SID == activitySID {
			target = a
		}
	}
	return !target.Available && len(m.Chats) > 0 && target.FriendlyName == "Offline"
}

// History applies a chat's thread as loaded: the conversation, its newest
// messages and its participants.
func (m *Model) History(conv string, about model.Conversation, msgs []model.Message, parts []model.Participant) Effects {
	c := m.Chat(conv)
	if c == nil {
		return Effects{}
	}
	var fx Effects
	c.Loaded, c.LoadTry, c.LoadErr = true, 0, ""
	c.Rev++
	if c.PastFailed { // refused for the same reason, most likely
		fx.Past = conv
	}
	if about.State == "closed" && c.Status != Monitor {
		m.customerLeft(c)
	}
	fx.ServiceSID = about.ChatServiceSID // files are uploaded to it too
	for _, msg := range msgs {
		c.add(msg)
	}
	for _, p := range parts {
		m.notePerson(c, p)
	}
	fx.add(m.markRead(c))
	fx.add(m.scroll(conv))
	m.order()
	return fx
}

// LoadingHistory notes that a chat's thread is being loaded.
func (m *Model) LoadingHistory(conv string) {
	if c := m.Chat(conv); c != nil && c.LoadErr != "" {
		c.LoadErr = ""
		c.Rev++
	}
}

// HistoryFailed applies a failed load of a chat's thread: shown in the
// thread, and tried again after 1, 2 and 4 seconds; then choosing the
// chat again (or its "Try again") does. A chat in wrap-up may be one the
// agent has left: no use insisting.
func (m *Model) HistoryFailed(conv, why string) Effects {
	c := m.Chat(conv)
	if c == nil {
		return Effects{}
	}
	c.LoadErr = why
	c.Rev++
	if c.LoadTry >= 3 || c.Status == Wrapping {
		return Effects{}
	}
	wait := time.Second << c.LoadTry
	c.LoadTry++
	return Effects{Retry: conv, RetryIn: wait}
}

// RetryHistory reports whether a chat whose load failed is still waiting
// for its history; "Try again" also starts the count of retries anew.
func (m *Model) RetryHistory(conv string, fresh bool) bool {
	c := m.Chat(conv)
	if c == nil || c.Loaded {
		return false
	}
	if fresh {
		c.LoadTry = 0
	}
	return true
}

// Notes applies a chat's notes as loaded.
func (m *Model) Notes(conv string, notes []model.Note) {
	if c := m.Chat(conv); c != nil {
		for _, n := range notes {
			c.addNote(n)
		}
		c.Rev++
	}
}

// NoteWritten applies a note, written here or by a colleague.
func (m *Model) NoteWritten(n model.Note) Effects {
	c := m.Chat(n.ConversationSID)
	if c == nil || !c.addNote(n) {
		return Effects{}
	}
	c.Rev++
	return m.scroll(n.ConversationSID)
}

// PastWanted says who to list the earlier conversations of, for a chat;
// "" when there is nobody to look up (nothing to wait for, then).
func (m *Model) PastWanted(conv string) string {
	c := m.Chat(conv)
	if c == nil {
		return ""
	}
	c.Rev++
	if c.Attrs.CustomerAddress == "" {
		c.PastLoaded = true
		return ""
	}
	c.PastFailed = false
	return c.Attrs.CustomerAddress
}

// PastLoaded applies the earlier conversations listed, or that they could
// not be (failed).
func (m *Model) PastLoaded(conv string, past []Past, failed bool) {
	c := m.Chat(conv)
	if c == nil {
		return
	}
	c.PastFailed = failed
	if !failed {
		c.Past, c.PastLoaded = past, true
	}
	c.Rev++
}

// Sending shows a message on its way until the socket acknowledges it.
func (m *Model) Sending(conv, text string) Effects {
	c := m.Chat(conv)
	if c == nil {
		return Effects{}
	}
	c.Pending = append(slices.Clip(c.Pending), text)
	c.Rev++
	m.order() // answered: the chat goes down the list
	return m.scroll(conv)
}

// SendFailed takes back a message that was not sent.
func (m *Model) SendFailed(conv, text string) {
	if c := m.Chat(conv); c != nil {
		c.Pending = slices.DeleteFunc(slices.Clone(c.Pending), func(p string) bool { return p == text })
		c.Rev++
		m.order()
	}
}

// Ending notes that the agent ends a chat; EndFailed takes it back, and
// Ended moves the chat to its wrap-up.
func (m *Model) Ending(conv string) { m.setEnded(conv, true) }

// EndFailed: the chat did not end.
func (m *Model) EndFailed(conv string) { m.setEnded(conv, false) }

func (m *Model) setEnded(conv string, on bool) {
	if c := m.Chat(conv); c != nil {
		c.AgentEnded = on
		c.Rev++
	}
}

// Ended applies the end of a chat by the agent: its wrap-up is due.
func (m *Model) Ended(conv string) {
	if c := m.Chat(conv); c != nil {
		c.Status = Wrapping
		c.Rev++
		m.order()
	}
}

// ChatOf is the chat of an interaction, or nil.
func (m *Model) ChatOf(interaction string) *Chat {
	for _, c := range m.Chats {
		if c.Attrs.InteractionSID == interaction {
			return c
		}
	}
	return nil
}
