package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
)

// TeamRow is one agent in the supervisor's teams view.
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
	Queue        model.TaskQueue
	Waiting      int
	LongestWait  int // seconds
	Available    int
	Eligible     int
	TasksPending int
}

// reloadSupervisionSoon coalesces a burst of routing events into one
// reload a moment later.
func (d *Desktop) reloadSupervisionSoon(ctx app.Context) {
	if d.reloading {
		return
	}
	d.reloading = true
	d.ctx.After(300*time.Millisecond, func(ctx app.Context) {
		d.reloading = false
		d.reloadSupervision(ctx)
	})
}

// reloadSupervision reads the team and queues from TaskRouter.
func (d *Desktop) reloadSupervision(ctx app.Context) {
	ws := d.rest.Workspace(d.saved.Agent.WorkspaceSID)
	d.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		workers, err := ws.Workers(c, 200, false)
		if err != nil {
			return
		}
		tasks, _ := ws.Tasks(c, 500)
		queues, _ := ws.Queues(c, 100)
		byTask := map[string]model.Task{}
		for _, t := range tasks {
			byTask[t.SID] = t
		}
		var team []TeamRow
		for _, w := range workers {
			row := TeamRow{Worker: w, Name: workerName(w)}
			res, _ := ws.Reservations(c, w.SID, 50)
			for _, r := range res {
				if r.ReservationStatus != "accepted" && r.ReservationStatus != "wrapping" {
					continue
				}
				t := byTask[r.TaskSID]
				a := attrsOf(t)
				row.Chats = append(row.Chats, TeamChat{Customer: a.CustomerName, Conversation: a.ConversationSID,
					Status: r.ReservationStatus, Since: r.DateCreated.Time, Task: t})
			}
			team = append(team, row)
		}
		var rows []QueueRow
		for _, q := range queues {
			st, err := ws.QueueStatistics(c, q.SID)
			if err != nil {
				continue
			}
			row := QueueRow{Queue: q, Waiting: st.TasksByStatus["pending"] + st.TasksByStatus["reserved"],
				LongestWait: st.LongestTaskWaitingAge}
			if st.TotalAvailableWorkers != nil {
				row.Available = *st.TotalAvailableWorkers
			}
			if st.TotalEligibleWorkers != nil {
				row.Eligible = *st.TotalEligibleWorkers
			}
			rows = append(rows, row)
		}
		d.ctx.Dispatch(func(ctx app.Context) { d.team, d.queues = team, rows })
	})
}

func workerName(w model.Worker) string {
	var attrs struct {
		FullName string `json:"full_name"`
	}
	_ = json.Unmarshal([]byte(w.Attributes), &attrs)
	if attrs.FullName != "" {
		return attrs.FullName
	}
	return w.FriendlyName
}

// monitor opens a conversation read-only: a supervisor is not a
// participant, so the chat is polled rather than pushed.
func (d *Desktop) monitor(ctx app.Context, tc TeamChat) {
	if tc.Conversation == "" {
		return
	}
	c := d.chat(tc.Conversation)
	if c == nil {
		c = &Chat{TaskSID: tc.Task.SID, Attrs: attrsOf(tc.Task), Status: "monitor", CustomerRead: -1, OwnRead: -1,
			Names: map[string]string{}}
		d.chats = append(d.chats, c)
		d.poll(c)
	}
	d.active, d.view = tc.Conversation, "chats"
	d.loadHistory(ctx, c)
}

func (d *Desktop) poll(c *Chat) {
	d.ctx.After(2*time.Second, func(ctx app.Context) {
		if d.chat(c.Attrs.ConversationSID) == c && c.Status == "monitor" {
			d.loadHistory(ctx, c)
			d.poll(c)
		}
	})
}

// stopMonitoring closes a watched chat.
func (d *Desktop) stopMonitoring(ctx app.Context, c *Chat) {
	d.closeChat(c.TaskSID)
}
