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
func (l *Live) RoutingListener(accountSID string) func(routing.Event) {
	return func(e routing.Event) {
		if e.Task == nil {
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
		if len(to) == 0 {
			return
		}
		b, err := json.Marshal(data)
		if err != nil {
			l.log.Error("encode routing event", "type", e.Type, "err", err)
			return
		}
		f, err := proto.Encode(proto.ServerFrame{Type: proto.TypeEvent, Event: name, Data: b})
		if err != nil {
			l.log.Error("encode routing event", "type", e.Type, "err", err)
			return
		}
		for _, id := range to {
			l.hub.SendTo(id, realtime.Frame{Bytes: f})
		}
	}
}
