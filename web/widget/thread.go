package main

import (
	"sort"
	"time"

	"parley/shared/model"
)

// Msg is a message as the widget shows it: stored (SID and index set) or
// still on its way (Key set, SID empty).
type Msg struct {
	SID     string    `json:"sid,omitempty"`
	Key     string    `json:"key,omitempty"` // idempotency key of an own send
	Index   int       `json:"index"`
	Author  string    `json:"author"`
	Body    string    `json:"body"`
	Created time.Time `json:"created"`
	Kind    string    `json:"kind,omitempty"` // "welcome" for the deployment's greeting
	Failed  string    `json:"failed,omitempty"`
	// Media are the message's files; an own send keeps them while queued.
	Media []model.Media `json:"media,omitempty"`
}

// Pending reports whether the message is not stored yet.
func (m Msg) Pending() bool { return m.SID == "" }

// Thread is a conversation's messages in order, however they arrived: a
// page of history, a live event, an ack of the visitor's own send. Each
// stored message appears once.
type Thread struct {
	Stored  []Msg // by index
	Outbox  []Msg // own sends not yet acknowledged, in send order
	bySID   map[string]bool
	Oldest  int  // the lowest index loaded; -1 when none
	HasMore bool // older messages exist on the server
}

// NewThread returns an empty thread.
func NewThread() *Thread { return &Thread{bySID: map[string]bool{}, Oldest: -1} }

// Add stores messages in their place by index, ignoring ones already
// there, and takes acknowledged sends out of the outbox. It reports how
// many were new.
func (t *Thread) Add(msgs ...Msg) int {
	added := 0
	for _, m := range msgs {
		if m.SID == "" || t.bySID[m.SID] {
			continue
		}
		t.bySID[m.SID] = true
		t.Stored = append(t.Stored, m)
		if t.Oldest < 0 || m.Index < t.Oldest {
			t.Oldest = m.Index
		}
		added++
		if m.Key != "" {
			t.ack(m.Key)
		}
	}
	sort.SliceStable(t.Stored, func(i, j int) bool { return t.Stored[i].Index < t.Stored[j].Index })
	return added
}

// Queue puts an own message in the outbox.
func (t *Thread) Queue(m Msg) { t.Outbox = append(t.Outbox, m) }

// Acked records the server's answer to a send: the outbox entry becomes a
// stored message (unless its event came first).
func (t *Thread) Acked(key, sid string, index int) {
	for _, m := range t.Outbox {
		if m.Key == key {
			m.SID, m.Index, m.Failed = sid, index, ""
			t.Add(m)
			break
		}
	}
	t.ack(key)
}

// Fail marks an outbox entry as refused, with the reason.
func (t *Thread) Fail(key, why string) {
	for i := range t.Outbox {
		if t.Outbox[i].Key == key {
			t.Outbox[i].Failed = why
		}
	}
}

func (t *Thread) ack(key string) {
	for i, m := range t.Outbox {
		if m.Key == key {
			t.Outbox = append(t.Outbox[:i], t.Outbox[i+1:]...)
			return
		}
	}
}

// Remove drops a stored message (deleted on the server).
func (t *Thread) Remove(sid string) {
	for i, m := range t.Stored {
		if m.SID == sid {
			t.Stored = append(t.Stored[:i], t.Stored[i+1:]...)
			delete(t.bySID, sid)
			return
		}
	}
}

// Update replaces a stored message's body (edited on the server).
func (t *Thread) Update(m Msg) {
	for i := range t.Stored {
		if t.Stored[i].SID == m.SID {
			t.Stored[i].Body = m.Body
		}
	}
}

// LastIndex is the index of the newest stored message, or -1.
func (t *Thread) LastIndex() int {
	if len(t.Stored) == 0 {
		return -1
	}
	return t.Stored[len(t.Stored)-1].Index
}

// Row is one line of the message list: a date separator, the "new
// messages" separator, or a message.
type Row struct {
	Date    time.Time // set for a date separator
	NewMark bool      // the "new messages" separator
	Msg     *Msg
}

// Rows lays the thread out for display: a date separator before each new
// day, the new-messages separator before the first message after readUpTo
// that the visitor did not write (none when readUpTo < -1), and the
// outbox last.
func (t *Thread) Rows(self string, readUpTo int, loc *time.Location) []Row {
	rows := make([]Row, 0, len(t.Stored)+len(t.Outbox)+4)
	var day time.Time
	marked := readUpTo < -1
	add := func(m *Msg) {
		d := m.Created.In(loc)
		d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		if !d.Equal(day) {
			day = d
			rows = append(rows, Row{Date: d})
		}
		rows = append(rows, Row{Msg: m})
	}
	for i := range t.Stored {
		m := &t.Stored[i]
		if !marked && m.Index > readUpTo && m.Author != self {
			add(m) // the day first, then the mark just above the message
			last := rows[len(rows)-1]
			rows[len(rows)-1] = Row{NewMark: true}
			rows = append(rows, last)
			marked = true
			continue
		}
		add(m)
	}
	for i := range t.Outbox {
		add(&t.Outbox[i])
	}
	return rows
}
