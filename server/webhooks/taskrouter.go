package webhooks

import (
	"net/url"
	"strconv"

	"parley/server/routing"
	"parley/shared/sid"
)

// TaskRouterForm is a routing event as TaskRouter posts it to a
// workspace's EventCallbackUrl.
func TaskRouterForm(accountSID string, e routing.Event) url.Values {
	f := fields{}
	f.set("Sid", sid.New(sid.Event))
	f.set("AccountSid", accountSID)
	f.set("WorkspaceSid", e.WorkspaceSID)
	f.set("WorkspaceName", e.WorkspaceName)
	f.set("EventType", e.Type)
	f.set("EventDescription", e.Description)
	f.set("ResourceType", e.ResourceType)
	f.set("ResourceSid", e.ResourceSID)
	f.set("Timestamp", strconv.FormatInt(e.Time.Unix(), 10))
	f.set("TimestampMs", strconv.FormatInt(e.Time.UnixMilli(), 10))
	if t := e.Task; t != nil {
		f.set("TaskSid", t.SID)
		f.set("TaskAttributes", t.Attributes)
		f.set("TaskAge", strconv.Itoa(int(t.Age(e.Time).Seconds())))
		f.set("TaskPriority", strconv.Itoa(t.Priority))
		f.set("TaskAssignmentStatus", t.AssignmentStatus)
		f.set("TaskChannelSid", t.TaskChannelSID)
		f.set("TaskChannelUniqueName", t.TaskChannelName)
		f.set("TaskQueueSid", t.QueueSID)
		f.set("TaskQueueName", e.QueueName)
		f.set("WorkflowSid", t.WorkflowSID)
		f.set("WorkflowName", e.WorkflowName)
		if t.AssignmentStatus == routing.TaskCanceled {
			f.set("TaskCanceledReason", t.Reason)
		} else if t.AssignmentStatus == routing.TaskCompleted {
			f.set("TaskCompletedReason", t.Reason)
		}
	}
	if r := e.Reservation; r != nil {
		f.set("ReservationSid", r.SID)
	}
	if w := e.Worker; w != nil {
		f.set("WorkerSid", w.SID)
		f.set("WorkerName", w.FriendlyName)
		f.set("WorkerAttributes", w.Attributes)
		f.set("WorkerActivitySid", w.ActivitySID)
		f.set("WorkerActivityName", w.ActivityName)
	}
	return url.Values(f)
}
