package desk

import (
	"cmp"
	"slices"
	"sort"
	"time"

	"parley/shared/model"
)

// Status is where a chat is for the agent.
const (
	Accepted = "accepted" // being worked
	Wrapping = "wrapping" // ended: the wrap-up is due
	Monitor  = "monitor"  // a supervisor watching, not a participant
)

// Chat is a conversation the agent works (or a supervisor watches). Rev
// moves on every change: components are handed a Chat by value, and go-app
// re-renders one only when a field differs, which a thread changed in
// place would not show.
type Chat struct {
	Rev             int
	TaskSID, ResSID string
	Attrs           model.TaskAttributes
	Status          string // Accepted, Wrapping or Monitor
	Msgs            []model.Message
	Pending         []string // bodies sent, not yet acknowledged
	Unread          int
	CustomerRead    int // the customer's read horizon
	OwnRead         int
	Typing          time.Time // until when someone else is typing
	Names           map[string]string
	Notes           []model.Note
	Past            []Past // the customer's earlier conversations
	PastLoaded      bool
	PastFailed      bool // the earlier conversations could not be listed: choosing the chat again retries
	// Loaded is set once the thread's history has come; LoadErr says why
	// it has not (the desk retries a few times, then the agent can).
	Loaded  bool
	LoadErr string
	LoadTry int
	// CustomerLeft is set when the conversation closed under the agent:
	// the customer ended the chat (or a timer or the API closed it).
	// AgentEnded is set when the agent ended it.
	CustomerLeft, AgentEnded bool
	// opened numbers the chats in the order the desk opened them, from 1
	// (see number): the list keeps the chats nobody waits in in that order.
	opened int
}

// Past is one earlier conversation of the chat's customer.
type Past struct {
	SID     string
	Topic   string
	State   string
	Created time.Time
	CSAT    model.CSAT // the customer's rating of it, if they gave one
}

// Conversation is the chat's conversation SID, its key on the desk.
func (c *Chat) Conversation() string { return c.Attrs.ConversationSID }

// add keeps a message once, in index order; it reports whether the
// message is new (an update replaces it in place).
func (c *Chat) add(m model.Message) bool {
	i := sort.Search(len(c.Msgs), func(i int) bool { return c.Msgs[i].Index >= m.Index })
	if i < len(c.Msgs) && c.Msgs[i].Index == m.Index {
		c.Msgs = slices.Clone(c.Msgs) // a copy: a component may hold the old slice
		c.Msgs[i] = m
		return false
	}
	c.Msgs = slices.Insert(slices.Clip(c.Msgs), i, m)
	return true
}

// remove drops a deleted message.
func (c *Chat) remove(index int) bool {
	n := len(c.Msgs)
	c.Msgs = slices.DeleteFunc(slices.Clone(c.Msgs), func(m model.Message) bool { return m.Index == index })
	return len(c.Msgs) != n
}

// LastIndex is the newest message's index, or -1.
func (c *Chat) LastIndex() int {
	if len(c.Msgs) == 0 {
		return -1
	}
	return c.Msgs[len(c.Msgs)-1].Index
}

// addNote keeps a note once, in time order (the REST answer and the
// socket's note_added may both bring it).
func (c *Chat) addNote(n model.Note) bool {
	if slices.ContainsFunc(c.Notes, func(x model.Note) bool { return x.SID == n.SID }) {
		return false
	}
	c.Notes = append(slices.Clip(c.Notes), n)
	sort.SliceStable(c.Notes, func(i, j int) bool { return c.Notes[i].DateCreated.Before(c.Notes[j].DateCreated.Time) })
	return true
}

// TypingNow reports whether someone else is typing at now.
func (c *Chat) TypingNow(now time.Time) bool { return now.Before(c.Typing) }

// Entry is one line of a chat's thread: a message or a note.
type Entry struct {
	At   time.Time
	Msg  *model.Message
	Note *model.Note
}

// Timeline merges messages and notes by time, so a note sits where it
// was written.
func (c *Chat) Timeline() []Entry {
	out := make([]Entry, 0, len(c.Msgs)+len(c.Notes))
	for i := range c.Msgs {
		out = append(out, Entry{At: c.Msgs[i].DateCreated.Time, Msg: &c.Msgs[i]})
	}
	for i := range c.Notes {
		out = append(out, Entry{At: c.Notes[i].DateCreated.Time, Note: &c.Notes[i]})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Msg != nil && out[j].Msg != nil {
			return out[i].Msg.Index < out[j].Msg.Index
		}
		return out[i].At.Before(out[j].At)
	})
	return out
}

// PastOf lists a customer's other conversations, newest first and at
// most ten, from the participant-conversations answer (oldest first).
func PastOf(list []model.ParticipantConversation, current string) []Past {
	var past []Past
	for i := len(list) - 1; i >= 0 && len(past) < 10; i-- {
		pc := list[i]
		if pc.ConversationSID == current {
			continue
		}
		past = append(past, Past{SID: pc.ConversationSID, State: pc.ConversationState,
			Created: pc.ConversationDateCreated.Time, Topic: cmp.Or(pc.Topic(), "(no subject)"),
			CSAT: model.CSATOf(pc.ConversationAttributes)})
	}
	return past
}
