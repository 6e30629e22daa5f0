package live

import (
	"encoding/json"
	"strings"
	"time"

	"parley/server/realtime"
	"parley/server/routing"
	"parley/shared/model"
	proto "parley/shared/realtime"
)

// RoutingListener returns a routing listener that tells workers, over
// their realtime sessions, about their reservations (to the reserved
// worker) and about the tasks they hold (to every worker holding one).
// watchers names who hears of everything in a workspace (supervisors):
// every task and reservation event, and workers' activity changes.
func (l *Live) RoutingListener(accountSID string, watchers func(workspaceSID string) []string) func(routing.Event) {
	return func(e routing.Event) {
		var watching []string
		if watchers != nil {
			watching = watchers(e.WorkspaceSID)
		}
		if e.Task == nil {
			if e.Type == routing.EventWorkerActivityUpdate && e.Worker != nil && len(watching) > 0 {
				l.tellWorkerMoved(accountSID, e, watching)
			}
			return
		}
		data := model.RoutingEvent{EventType: e.Type, Description: e.Description,
			Task: l.render.Task(accountSID, *e.Task, time.Now(), func(sid string) string {
				if sid == e.Task.QueueSID {
					return e.QueueName
				}
				return e.WorkflowName
			})}
		var to []string
		name := proto.TaskUpdated
		switch {
		case e.Reservation != nil:
			r := l.render.Reservation(accountSID, *e.Reservation, true)
			data.Reservation, data.WorkerSID = &r, e.Reservation.WorkerSID
			name = "reservation_" + strings.TrimPrefix(e.Type, "reservation.")
			if e.Worker != nil {
				to = append(to, e.Worker.Identity())
			}
		case strings.HasPrefix(e.Type, "task."):
			for _, w := range e.Workers {
				to = append(to, w.Identity())
			}
		}
		to = append(to, watching...)
		if len(to) == 0 {
			return
		}
		b, err := json.Marshal(data)
		if err != nil {
			l.log.Error("encode routing event", "type", e.Type, "err", err)
			return
		}
		f, err := proto.EncodeEvent(0, name, "", b)
		if err != nil {
			l.log.Error("encode routing event", "type", e.Type, "err", err)
			return
		}
		l.sendOnce(to, f)
	}
}

// sendOnce sends a frame to each identity once: a supervisor holding the
// task hears of it once.
func (l *Live) sendOnce(to []string, f []byte) {
	seen := make(map[string]bool, len(to))
	for _, id := range to {
		if !seen[id] {
			seen[id] = true
			l.fan.SendTo(id, realtime.Frame{Bytes: f})
		}
	}
}

// tellWorkerMoved tells the watchers a worker changed activity.
func (l *Live) tellWorkerMoved(accountSID string, e routing.Event, to []string) {
	w := l.render.Worker(accountSID, *e.Worker)
	b, err := json.Marshal(model.RoutingEvent{EventType: e.Type, Description: e.Description, Worker: &w, WorkerSID: w.SID})
	if err == nil {
		var f []byte
		if f, err = proto.EncodeEvent(0, proto.WorkerUpdated, "", b); err == nil {
			l.sendOnce(to, f)
			return
		}
	}
	l.log.Error("encode worker event", "type", e.Type, "err", err)
}

// Tell sends a live-only event about a conversation to some identities
// (each once), outside the conversation's topic: a private note reaches
// its agents, not the customer subscribed to the same conversation.
func (l *Live) Tell(to []string, conversation, event string, data any) {
	if f, ok := l.notice(conversation, event, data); ok {
		l.sendOnce(to, f.Bytes)
	} else {
		l.log.Error("encode a live event", "event", event)
	}
}
