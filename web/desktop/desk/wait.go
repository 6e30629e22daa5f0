package desk

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"parley/shared/model"
)

// The states of a customer's wait for a reply, as the chat list shows
// them.
const (
	WaitNone  = "none"  // nobody awaits a reply
	WaitOK    = "ok"    // awaiting, under the amber threshold
	WaitAmber = "amber" // past the amber threshold
	WaitRed   = "red"   // past the red threshold
)

// staff reports whether an author is an agent (this desk's or a
// colleague's): their message answers the customer.
func staff(author, me string) bool { return author == me || strings.HasPrefix(author, "agent_") }

// fromCustomer reports whether a message is the customer's: the address
// or identity the task names, or, when it names none, anyone who is not
// an agent nor Parley itself (a welcome, a notice).
func (c *Chat) fromCustomer(author, me string) bool {
	if c.Attrs.CustomerAddress != "" {
		return author == c.Attrs.CustomerAddress
	}
	switch {
	case staff(author, me), author == "system", author == "Concierge", strings.HasPrefix(author, "parley_"):
		return false
	}
	return author != ""
}

// AwaitingSince is when the customer began waiting for a reply: the time
// of their oldest message that no agent has answered yet; zero when
// nobody awaits one (an agent wrote last, or a reply is on its way, or
// the chat is in wrap-up or only monitored). Notes are not messages: a
// private note answers nobody. Parley's own messages (a welcome, a
// notice) neither answer nor wait.
func (c *Chat) AwaitingSince(me string) time.Time {
	if c.Status != Accepted || len(c.Pending) > 0 {
		return time.Time{}
	}
	var since time.Time
	for i := len(c.Msgs) - 1; i >= 0; i-- {
		msg := c.Msgs[i]
		switch {
		case staff(msg.Author, me):
			return since
		case c.fromCustomer(msg.Author, me):
			since = msg.DateCreated.Time
		}
	}
	return since
}

// WaitState is the state of a wait that began at since, at now, by the
// desk's thresholds (zero since: nobody waits).
func WaitState(since, now time.Time, s model.DeskSettings) string {
	if since.IsZero() {
		return WaitNone
	}
	s = s.WithDefaults()
	switch waited := now.Sub(since); {
	case waited >= time.Duration(s.WaitRedSeconds)*time.Second:
		return WaitRed
	case waited >= time.Duration(s.WaitAmberSeconds)*time.Second:
		return WaitAmber
	}
	return WaitOK
}

// WaitText says how long a customer has waited, as the list shows it:
// "<1 min", "4 min", "1 h 5 min". The list re-renders it every few
// seconds, so it does not count seconds.
func WaitText(waited time.Duration) string {
	mins := int(waited / time.Minute)
	switch {
	case mins < 1:
		return "<1 min"
	case mins < 60:
		return fmt.Sprintf("%d min", mins)
	case mins%60 == 0:
		return fmt.Sprintf("%d h", mins/60)
	}
	return fmt.Sprintf("%d h %d min", mins/60, mins%60)
}

// Preview is the last message of a chat on one line: its text, or
// "📎 name" for a message of files only; Mine says the agent wrote it.
// A private note is never a preview (it is not a message).
type Preview struct {
	Text string
	Mine bool
}

// Preview is what the chat list shows of the chat's last message; a
// reply on its way counts as the agent's last.
func (c *Chat) Preview(me string) Preview {
	if n := len(c.Pending); n > 0 {
		return Preview{Text: oneLine(c.Pending[n-1]), Mine: true}
	}
	if len(c.Msgs) == 0 {
		return Preview{}
	}
	msg := c.Msgs[len(c.Msgs)-1]
	p := Preview{Mine: msg.Author == me}
	if msg.Body != nil {
		p.Text = oneLine(*msg.Body)
	}
	if p.Text == "" && len(msg.Media) > 0 {
		p.Text = "📎 " + msg.Media[0].Filename
		if len(msg.Media) > 1 || msg.Media[0].Filename == "" {
			p.Text = fmt.Sprintf("📎 %d files", len(msg.Media))
			if len(msg.Media) == 1 {
				p.Text = "📎 file"
			}
		}
	}
	return p
}

// oneLine folds a message's lines and runs of spaces into single spaces,
// cut to a length the list could show (the list's ellipsis does the rest).
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120])
	}
	return s
}

// order keeps Chats in the order the list shows them: the customers
// awaiting a reply first, the longest waiting first; then the others in
// the order the desk opened them (a stable place: an answered chat goes
// back to it rather than jumping around). Everything stepping through the
// chats follows Chats.
func (m *Model) order() {
	since := make(map[*Chat]time.Time, len(m.Chats))
	for _, c := range m.Chats {
		m.number(c)
		since[c] = c.AwaitingSince(m.Me.Identity)
	}
	cmp := func(a, b *Chat) int {
		sa, sb := since[a], since[b]
		switch {
		case sa.IsZero() && sb.IsZero():
			return a.opened - b.opened
		case sa.IsZero():
			return 1
		case sb.IsZero():
			return -1
		}
		if c := sa.Compare(sb); c != 0 {
			return c
		}
		return a.opened - b.opened
	}
	if slices.IsSortedFunc(m.Chats, cmp) {
		return
	}
	chats := slices.Clone(m.Chats) // a copy: a component may hold the old slice
	slices.SortFunc(chats, cmp)
	m.Chats = chats
}

// number gives a chat the next number in the order of opening, once
// (whichever way it came: an accepted offer, a chat monitored).
func (m *Model) number(c *Chat) {
	if c.opened == 0 {
		m.opened++
		c.opened = m.opened
	}
}
