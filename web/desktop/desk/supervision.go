package desk

import (
	"encoding/json"
	"time"

	"parley/shared/model"
)

// TeamRow is one agent in the supervisor's team view.
type TeamRow struct {
	Worker model.Worker
	Name   string
	Chats  []TeamChat
}

// TeamChat is a chat an agent holds.
type TeamChat struct {
	Customer     string
	Conversation string
	Status       string
	Since        time.Time
	Task         model.Task
}

// QueueRow is one queue in the queues view.
type QueueRow struct {
	Queue       model.TaskQueue
	Waiting     int
	LongestWait int // seconds
	Available   int
	Eligible    int
}

// TeamRowOf is a worker's row: the chats it holds, from its reservations
// and the workspace's tasks by SID.
func TeamRowOf(w model.Worker, res []model.Reservation, tasks map[string]model.Task) TeamRow {
	row := TeamRow{Worker: w, Name: WorkerName(w)}
	for _, r := range res {
		if r.ReservationStatus != Accepted && r.ReservationStatus != Wrapping {
			continue
		}
		t := tasks[r.TaskSID]
		a := AttrsOf(t)
		row.Chats = append(row.Chats, TeamChat{Customer: a.CustomerName, Conversation: a.ConversationSID,
			Status: r.ReservationStatus, Since: r.DateCreated.Time, Task: t})
	}
	return row
}

// QueueRowOf is a queue's row from its real-time statistics.
func QueueRowOf(q model.TaskQueue, st model.RealTimeStatistics) QueueRow {
	row := QueueRow{Queue: q, Waiting: st.TasksByStatus["pending"] + st.TasksByStatus["reserved"],
		LongestWait: st.LongestTaskWaitingAge}
	if st.TotalAvailableWorkers != nil {
		row.Available = *st.TotalAvailableWorkers
	}
	if st.TotalEligibleWorkers != nil {
		row.Eligible = *st.TotalEligibleWorkers
	}
	return row
}

// WorkerName is how the desk names a colleague: the full name in its
// attributes, else the worker's name.
func WorkerName(w model.Worker) string {
	var attrs struct {
		FullName string `json:"full_name"`
	}
	_ = json.Unmarshal([]byte(w.Attributes), &attrs)
	if attrs.FullName != "" {
		return attrs.FullName
	}
	return w.FriendlyName
}

// Supervision applies the team and queue views as read.
func (m *Model) Supervision(team []TeamRow, queues []QueueRow) { m.Team, m.Queues = team, queues }

// Monitor opens a colleague's chat read-only. A supervisor is not a
// participant: the desk follows the chat over its socket as a watcher
// (Watch, when newly opened), and reads what was said before (History).
func (m *Model) Monitor(tc TeamChat) Effects {
	if tc.Conversation == "" {
		return Effects{}
	}
	fx := Effects{History: tc.Conversation}
	if m.Chat(tc.Conversation) == nil {
		m.Chats = append(m.Chats, &Chat{TaskSID: tc.Task.SID, Attrs: AttrsOf(tc.Task), Status: Monitor,
			CustomerRead: -1, OwnRead: -1, Names: map[string]string{}})
		fx.Watch = tc.Conversation
	}
	m.Active, m.View = tc.Conversation, ViewChats
	return fx
}

// Watching says the socket follows a monitored chat again after a
// reconnection (err nil): what was said meanwhile is read; or that it
// cannot follow it (no socket, or refused): the chat is then polled.
func (m *Model) Watching(conv string, err error) Effects {
	if !m.Monitoring(conv) {
		return Effects{}
	}
	if err != nil {
		return Effects{Poll: conv}
	}
	return Effects{History: conv}
}

// Monitoring reports whether a chat is still watched (its polling goes
// on).
func (m *Model) Monitoring(conv string) bool {
	c := m.Chat(conv)
	return c != nil && c.Status == Monitor
}
