// Package desk is the agent desk's state and the rules that change it:
// offers, the chats being worked (thread, unread count, typing, read
// receipts, notes, earlier conversations) and the supervisor's team and
// queue views. It applies realtime frames and REST results and returns
// what the interface should do next (ring, send a read horizon, load a
// chat, reload); it knows nothing of go-app or the browser, so it is
// tested natively. The desk's components read it; only its methods
// change it.
package desk

import (
	"slices"
	"time"

	"parley/shared/model"
)

// Views of the desk.
const (
	ViewChats   = "chats"
	ViewTeam    = "team"
	ViewQueues  = "queues"
	ViewReports = "reports"
)

// Model is the desk's state for one signed-in agent.
type Model struct {
	Me model.Agent
	// Visible is whether the page is in front of the agent (the interface
	// keeps it current): a message read by nobody stays unread.
	Visible bool
	// Session is whether the realtime session is open: a read horizon
	// goes through it.
	Session bool

	Activities []model.Activity
	Activity   string // the worker's activity SID
	Offers     []Offer
	Chats      []*Chat
	Active     string // the conversation shown
	View       string // ViewChats, ViewTeam, ViewQueues or ViewReports

	Team   []TeamRow
	Queues []QueueRow

	// Report is the supervisor's last report read; ReportBusy, whether
	// one is being read.
	Report     *model.ConversationReport
	ReportBusy bool

	// Canned are the workspace's shared responses, searched from the
	// composer.
	Canned []model.CannedResponse

	// firstMessages wait for the chats the agent started, by interaction.
	firstMessages map[string]FirstMessage

	// Settings are the server's for the desk (the wait thresholds), read
	// at sign-in.
	Settings model.DeskSettings

	// accepting are the reservations this desk is accepting: their chat
	// opens when the accept answers (the agent is then on the
	// conversation), not on the socket's earlier word of it.
	accepting map[string]bool
	// opened counts the chats opened, to order them (see number).
	opened int
}

// New is the desk of a signed-in agent, showing its chats.
func New(me model.Agent) *Model {
	return &Model{Me: me, View: ViewChats, Visible: true, accepting: map[string]bool{}, firstMessages: map[string]FirstMessage{}}
}

// Offer is a reservation waiting for the agent's answer.
type Offer struct {
	Res     model.Reservation
	Task    model.Task
	Attrs   model.TaskAttributes
	Expires time.Time
}

// Read is a read horizon to send.
type Read struct {
	Conversation string
	Index        int
}

// Effects is what the interface does after a change to the model.
type Effects struct {
	Ring  bool // a new offer: a tone, a notification, the title flashing
	Flash bool // a message came while the agent was not looking
	Calm  bool // no offer is left: the title may stop flashing
	Read  *Read
	// Scroll keeps the thread in front of the agent at its end.
	Scroll bool
	// Open are the chats opened (or opened again): load their history,
	// notes and earlier conversations, and send a first message waiting
	// for them.
	Open []string
	// History is a chat whose thread to load (again); Past one whose
	// customer's earlier conversations to list.
	History, Past string
	// Retry is a chat whose history failed to load, to load again after
	// RetryIn if it still has not.
	Retry   string
	RetryIn time.Duration
	// Watch is a monitored chat to follow over the socket (a supervisor's
	// read-only subscription); Poll, one to reload every few seconds
	// instead, when the socket cannot follow it.
	Watch, Poll string
	// Reload reads the agent's activities and reservations again.
	Reload bool
	// Supervision reads the team and queue views again (soon: a burst of
	// events makes one reload).
	Supervision bool
	Problem     string
	// Lapse re-renders after this long, when a typing indicator lapses.
	Lapse time.Duration
	// ServiceSID is the chat service files are uploaded to.
	ServiceSID string
}

func (e *Effects) add(o Effects) {
	e.Ring, e.Flash, e.Calm = e.Ring || o.Ring, e.Flash || o.Flash, e.Calm || o.Calm
	e.Scroll, e.Reload, e.Supervision = e.Scroll || o.Scroll, e.Reload || o.Reload, e.Supervision || o.Supervision
	if o.Read != nil {
		e.Read = o.Read
	}
	e.Open = append(e.Open, o.Open...)
	for _, s := range []struct{ dst, src *string }{{&e.History, &o.History}, {&e.Past, &o.Past}, {&e.Retry, &o.Retry},
		{&e.Poll, &o.Poll}, {&e.Problem, &o.Problem}, {&e.ServiceSID, &o.ServiceSID}} {
		if *s.src != "" {
			*s.dst = *s.src
		}
	}
	e.RetryIn, e.Lapse = max(e.RetryIn, o.RetryIn), max(e.Lapse, o.Lapse)
}

// IsSupervisor reports whether the agent sees the team, queues and
// reports.
func (m *Model) IsSupervisor() bool {
	return m.Me.Role == "supervisor" || m.Me.Role == "admin"
}

// Chat is the chat of a conversation, or nil.
func (m *Model) Chat(conversation string) *Chat {
	for _, c := range m.Chats {
		if c.Attrs.ConversationSID == conversation {
			return c
		}
	}
	return nil
}

// ActiveChat is the chat in front of the agent, or nil.
func (m *Model) ActiveChat() *Chat { return m.Chat(m.Active) }

func (m *Model) chatByTask(task string) *Chat {
	for _, c := range m.Chats {
		if c.TaskSID == task {
			return c
		}
	}
	return nil
}

// AttrsOf is what a task says about its chat (set by Interactions).
func AttrsOf(t model.Task) model.TaskAttributes { return model.TaskAttributesOf(t.Attributes) }

// left reports whether a task went to wrap-up because its conversation
// closed under the agent. Its word comes apart from the conversation's
// (which the desk may not hear: the agent leaves the conversation then).
func left(t model.Task) bool {
	return t.Reason != nil && *t.Reason == model.ReasonCustomerLeft
}

// ---- offers ----

func (m *Model) addOffer(r model.Reservation, t model.Task) bool {
	if slices.ContainsFunc(m.Offers, func(o Offer) bool { return o.Res.SID == r.SID }) {
		return false
	}
	o := Offer{Res: r, Task: t, Attrs: AttrsOf(t)}
	if r.DateExpires != nil {
		o.Expires = r.DateExpires.Time
	}
	m.Offers = append(slices.Clip(m.Offers), o)
	return true
}

func (m *Model) dropOffer(resSID string) Effects {
	m.Offers = slices.DeleteFunc(slices.Clone(m.Offers), func(o Offer) bool { return o.Res.SID == resSID })
	return Effects{Calm: len(m.Offers) == 0}
}

// Offer is the offer of a reservation, if it is still up.
func (m *Model) Offer(resSID string) (Offer, bool) {
	i := slices.IndexFunc(m.Offers, func(o Offer) bool { return o.Res.SID == resSID })
	if i < 0 {
		return Offer{}, false
	}
	return m.Offers[i], true
}

// Answering notes that the agent answered an offer; an acceptance opens
// its chat when Answered.
func (m *Model) Answering(resSID, status string) {
	if status == "accepted" {
		m.accepting[resSID] = true
	}
}

// Answered applies the answer to an offer: the offer goes, and an
// accepted one opens its chat. A failed answer only drops the offer.
func (m *Model) Answered(o Offer, status string, r model.Reservation, failed bool) Effects {
	delete(m.accepting, o.Res.SID)
	fx := m.dropOffer(o.Res.SID)
	if !failed && status == "accepted" {
		fx.add(m.openChat(r, o.Task))
		m.order()
	}
	return fx
}

// ---- chats ----

// openChat shows an accepted task's conversation.
func (m *Model) openChat(r model.Reservation, t model.Task) Effects {
	attrs := AttrsOf(t)
	if attrs.ConversationSID == "" {
		return Effects{}
	}
	c := m.Chat(attrs.ConversationSID)
	if c == nil {
		c = &Chat{TaskSID: t.SID, Attrs: attrs, CustomerRead: -1, OwnRead: -1, Names: map[string]string{}}
		m.number(c)
		m.Chats = append(m.Chats, c)
	}
	c.TaskSID, c.ResSID, c.Status = t.SID, r.SID, r.ReservationStatus
	c.Rev++
	if c.Status == Wrapping && left(t) {
		m.customerLeft(c)
	}
	if m.Active == "" || m.ActiveChat() == nil {
		m.Active = attrs.ConversationSID
	}
	return Effects{Open: []string{attrs.ConversationSID}}
}

// CloseChat takes a chat off the desk (completed, or no longer watched);
// the next one comes to the front.
func (m *Model) CloseChat(task string) {
	m.Chats = slices.DeleteFunc(slices.Clone(m.Chats), func(c *Chat) bool { return c.TaskSID == task })
	if m.ActiveChat() == nil {
		m.Active = ""
		if len(m.Chats) > 0 {
			m.Active = m.Chats[0].Attrs.ConversationSID
		}
	}
}

// customerLeft shows that the conversation closed under the agent: the
// composer gives way to the wrap-up, as when the agent ends the chat.
// Interactions moves the task to wrapping too; the desk does not wait for
// that word to take the composer away.
func (m *Model) customerLeft(c *Chat) {
	if c.Status == Monitor {
		return
	}
	c.CustomerLeft = !c.AgentEnded
	c.Status, c.Pending, c.Typing = Wrapping, nil, time.Time{}
	c.Rev++
}

// markRead moves the agent's read horizon to the newest message of the
// chat in front of it.
func (m *Model) markRead(c *Chat) Effects {
	if c.Status == Monitor || m.Active != c.Attrs.ConversationSID || !m.Visible {
		return Effects{}
	}
	if c.Unread != 0 {
		c.Unread = 0
		c.Rev++
	}
	last := c.LastIndex()
	if last <= c.OwnRead || !m.Session {
		return Effects{}
	}
	c.OwnRead = last
	return Effects{Read: &Read{Conversation: c.Attrs.ConversationSID, Index: last}}
}

// scroll keeps the thread of conv at its end if it is in front.
func (m *Model) scroll(conv string) Effects { return Effects{Scroll: conv == m.Active} }

// Select brings a chat to the front, retrying what of it failed to load.
func (m *Model) Select(conv string) Effects {
	m.Active, m.View = conv, ViewChats
	c := m.Chat(conv)
	if c == nil {
		return Effects{}
	}
	var fx Effects
	if !c.Loaded && c.LoadErr != "" {
		c.LoadTry = 0
		fx.History = conv
	}
	if c.PastFailed {
		fx.Past = conv
	}
	fx.add(m.markRead(c))
	fx.add(m.scroll(conv))
	return fx
}

// SetView shows one of the desk's views.
func (m *Model) SetView(view string) { m.View = view }

// SetVisible notes whether the page is in front of the agent; coming back
// reads the chat in front.
func (m *Model) SetVisible(visible bool) Effects {
	m.Visible = visible
	if c := m.ActiveChat(); c != nil && visible {
		return m.markRead(c)
	}
	return Effects{}
}

// SetSession notes whether the realtime session is open.
func (m *Model) SetSession(open bool) { m.Session = open }
