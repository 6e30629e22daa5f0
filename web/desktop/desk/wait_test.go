package desk

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"parley/shared/model"
	"parley/shared/realtime"
)

// said is a message of conv by author, written at now plus at.
func said(conv string, index int, author string, at time.Duration) model.Message {
	m := message(conv, index, author)
	m.DateCreated = model.Time{Time: now.Add(at)}
	return m
}

// withChats is a desk working the chats of convs, accepted in that
// order, CH... in front.
func withChats(convs ...string) *Model {
	m := New(agent("agent"))
	m.SetSession(true)
	for i, conv := range convs {
		task, res := fmt.Sprintf("WT%d", i), fmt.Sprintf("WR%d", i)
		m.Apply(routing(realtime.ReservationAccepted, reservation(res, task, "accepted"), taskOf(task, conv)), now)
	}
	return m
}

// taskOf is task with a customer of its own, guest_<conv>.
func taskOf(sid, conv string) model.Task {
	t := task(sid, conv, "")
	a := AttrsOf(t)
	a.CustomerAddress = "guest_" + conv
	t.Attributes = a.String()
	return t
}

func order(m *Model) []string {
	var out []string
	for _, c := range m.Chats {
		out = append(out, c.Conversation())
	}
	return out
}

func TestTheChatsAreOrderedByWhoWaitsLongest(t *testing.T) {
	cases := []struct {
		name string
		do   func(m *Model)
		want []string
	}{{
		name: "nobody waits: the order they came in",
		do:   func(m *Model) {},
		want: []string{"A", "B", "C"},
	}, {
		name: "a customer who wrote comes before those who did not",
		do: func(m *Model) {
			m.Apply(frame(realtime.MessageAdded, "C", said("C", 0, "guest_C", 0)), now)
		},
		want: []string{"C", "A", "B"},
	}, {
		name: "the oldest unanswered message first, however recently the customer wrote again",
		do: func(m *Model) {
			m.Apply(frame(realtime.MessageAdded, "B", said("B", 0, "guest_B", 10*time.Second)), now)
			m.Apply(frame(realtime.MessageAdded, "C", said("C", 0, "guest_C", 20*time.Second)), now)
			m.Apply(frame(realtime.MessageAdded, "B", said("B", 1, "guest_B", 30*time.Second)), now)
		},
		want: []string{"B", "C", "A"},
	}, {
		name: "an agent's answer takes the chat down among those who wait for nobody",
		do: func(m *Model) {
			m.Apply(frame(realtime.MessageAdded, "B", said("B", 0, "guest_B", 10*time.Second)), now)
			m.Apply(frame(realtime.MessageAdded, "C", said("C", 0, "guest_C", 20*time.Second)), now)
			m.Apply(frame(realtime.MessageAdded, "B", said("B", 1, me, 30*time.Second)), now)
		},
		want: []string{"C", "A", "B"},
	}, {
		name: "a colleague's answer (an invited agent) answers too",
		do: func(m *Model) {
			m.Apply(frame(realtime.MessageAdded, "B", said("B", 0, "guest_B", 10*time.Second)), now)
			m.Apply(frame(realtime.MessageAdded, "B", said("B", 1, "agent_ben", 20*time.Second)), now)
		},
		want: []string{"A", "B", "C"},
	}, {
		name: "a reply on its way answers at once; its failure brings the wait back",
		do: func(m *Model) {
			m.Apply(frame(realtime.MessageAdded, "B", said("B", 0, "guest_B", 10*time.Second)), now)
			m.Apply(frame(realtime.MessageAdded, "C", said("C", 0, "guest_C", 20*time.Second)), now)
			m.Sending("B", "on it")
			if got := order(m); !slices.Equal(got, []string{"C", "A", "B"}) {
				t.Errorf("while the reply is on its way: %v", got)
			}
			m.SendFailed("B", "on it")
		},
		want: []string{"B", "C", "A"},
	}, {
		name: "a private note answers nobody",
		do: func(m *Model) {
			m.Apply(frame(realtime.MessageAdded, "B", said("B", 0, "guest_B", 10*time.Second)), now)
			m.Apply(frame(realtime.NoteAdded, "B", model.Note{SID: "NO1", ConversationSID: "B", Body: "vip",
				DateCreated: model.Time{Time: now.Add(20 * time.Second)}}), now)
		},
		want: []string{"B", "A", "C"},
	}, {
		name: "Parley's own messages neither wait nor answer",
		do: func(m *Model) {
			m.Apply(frame(realtime.MessageAdded, "C", said("C", 0, "Concierge", 0)), now)
			m.Apply(frame(realtime.MessageAdded, "B", said("B", 0, "guest_B", 10*time.Second)), now)
			m.Apply(frame(realtime.MessageAdded, "B", said("B", 1, "system", 20*time.Second)), now)
		},
		want: []string{"B", "A", "C"},
	}, {
		name: "a history loaded puts its chat in its place",
		do: func(m *Model) {
			m.History("C", model.Conversation{SID: "C"}, []model.Message{said("C", 0, "guest_C", 0)}, nil)
		},
		want: []string{"C", "A", "B"},
	}, {
		name: "a chat in wrap-up waits for nobody",
		do: func(m *Model) {
			m.Apply(frame(realtime.MessageAdded, "C", said("C", 0, "guest_C", 0)), now)
			m.Ended("C")
		},
		want: []string{"A", "B", "C"},
	}, {
		name: "a chat that comes in waiting goes before those that do not",
		do: func(m *Model) {
			m.Apply(frame(realtime.MessageAdded, "A", said("A", 0, "guest_A", 0)), now)
			m.Apply(routing(realtime.ReservationAccepted, reservation("WR9", "WT9", "accepted"), taskOf("WT9", "D")), now)
			m.History("D", model.Conversation{SID: "D"}, []model.Message{said("D", 0, "guest_D", 5*time.Second)}, nil)
		},
		want: []string{"A", "D", "B", "C"},
	}, {
		name: "a chat monitored goes after those already open, and does not wait",
		do: func(m *Model) {
			m.Monitor(TeamChat{Conversation: "M", Task: taskOf("WT8", "M")})
			m.History("M", model.Conversation{SID: "M"}, []model.Message{said("M", 0, "guest_M", 0)}, nil)
			m.Apply(frame(realtime.MessageAdded, "B", said("B", 0, "guest_B", 10*time.Second)), now)
			m.Apply(frame(realtime.MessageAdded, "B", said("B", 1, me, 20*time.Second)), now)
		},
		want: []string{"A", "B", "C", "M"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := withChats("A", "B", "C")
			tc.do(m)
			if got := order(m); !slices.Equal(got, tc.want) {
				t.Errorf("chats in order %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTheWaitTurnsAmberThenRed(t *testing.T) {
	s := model.DeskSettings{WaitAmberSeconds: 60, WaitRedSeconds: 180}
	cases := []struct {
		name     string
		since    time.Time
		at       time.Time
		settings model.DeskSettings
		want     string
	}{
		{"nobody waits", time.Time{}, now, s, WaitNone},
		{"just wrote", now, now, s, WaitOK},
		{"under amber", now, now.Add(59 * time.Second), s, WaitOK},
		{"at amber", now, now.Add(60 * time.Second), s, WaitAmber},
		{"under red", now, now.Add(179 * time.Second), s, WaitAmber},
		{"at red", now, now.Add(180 * time.Second), s, WaitRed},
		{"small thresholds, as tests set them", now, now.Add(3 * time.Second), model.DeskSettings{WaitAmberSeconds: 1, WaitRedSeconds: 2}, WaitRed},
		{"unset: the defaults (a minute, three)", now, now.Add(100 * time.Second), model.DeskSettings{}, WaitAmber},
		{"red not past amber: put past it", now, now.Add(60 * time.Second), model.DeskSettings{WaitAmberSeconds: 60, WaitRedSeconds: 30}, WaitAmber},
		{"a clock behind the server's", now, now.Add(-5 * time.Second), s, WaitOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := WaitState(tc.since, tc.at, tc.settings); got != tc.want {
				t.Errorf("WaitState = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAwaitingSinceIsTheOldestUnansweredMessage(t *testing.T) {
	m := withChats("A")
	c := m.Chat("A")
	if got := c.AwaitingSince(me); !got.IsZero() {
		t.Fatalf("an empty chat awaits since %v", got)
	}
	m.Apply(frame(realtime.MessageAdded, "A", said("A", 0, "guest_A", 0)), now)
	m.Apply(frame(realtime.MessageAdded, "A", said("A", 1, me, 10*time.Second)), now)
	m.Apply(frame(realtime.MessageAdded, "A", said("A", 2, "guest_A", 20*time.Second)), now)
	m.Apply(frame(realtime.MessageAdded, "A", said("A", 3, "guest_A", 40*time.Second)), now)
	if got := c.AwaitingSince(me); !got.Equal(now.Add(20 * time.Second)) {
		t.Errorf("awaiting since %v, want the first message after the agent's", got)
	}
	if got, want := WaitState(c.AwaitingSince(me), now.Add(85*time.Second), m.Settings), WaitAmber; got != want {
		t.Errorf("a minute and five seconds on: %q, want %q", got, want)
	}
}

func TestWaitText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "<1 min", 59 * time.Second: "<1 min", time.Minute: "1 min", 4*time.Minute + 30*time.Second: "4 min",
		time.Hour: "1 h", 65 * time.Minute: "1 h 5 min",
	} {
		if got := WaitText(d); got != want {
			t.Errorf("WaitText(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestThePreviewIsTheLastMessageOnOneLine(t *testing.T) {
	body := func(s string) *string { return &s }
	cases := []struct {
		name    string
		msgs    []model.Message
		pending []string
		want    Preview
	}{
		{"no messages yet", nil, nil, Preview{}},
		{"the customer's", []model.Message{{Author: "guest_A", Body: body("Where is\n  my order?")}}, nil, Preview{Text: "Where is my order?"}},
		{"the agent's", []model.Message{{Author: "guest_A", Body: body("hi")}, {Index: 1, Author: me, Body: body("Hello")}}, nil,
			Preview{Text: "Hello", Mine: true}},
		{"a file only", []model.Message{{Author: "guest_A", Media: []model.Media{{Filename: "receipt.pdf"}}}}, nil, Preview{Text: "📎 receipt.pdf"}},
		{"a file without a name", []model.Message{{Author: "guest_A", Body: body(""), Media: []model.Media{{}}}}, nil, Preview{Text: "📎 file"}},
		{"files", []model.Message{{Author: "guest_A", Media: []model.Media{{Filename: "a"}, {Filename: "b"}}}}, nil, Preview{Text: "📎 2 files"}},
		{"a reply on its way", []model.Message{{Author: "guest_A", Body: body("hi")}}, []string{"On it"}, Preview{Text: "On it", Mine: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &Chat{Msgs: tc.msgs, Pending: tc.pending, Notes: []model.Note{{Body: "a note is no preview"}}}
			if got := c.Preview(me); got != tc.want {
				t.Errorf("Preview = %+v, want %+v", got, tc.want)
			}
		})
	}
}
