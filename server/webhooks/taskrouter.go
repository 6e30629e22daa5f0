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
	f := url.Values{}
	set := func(k, v string) {
		if v != "" {
			f.Set(k, v)
		}
	}
	set("Sid", sid.New(sid.Event))
	set("AccountSid", accountSID)
	set("WorkspaceSid", e.WorkspaceSID)
	set("WorkspaceName", e.WorkspaceName)
	set("EventType", e.Type)
	set("EventDescription", e.Description)
	set("ResourceType", e.ResourceType)
	set("ResourceSid", e.ResourceSID)
	set("Timestamp", strconv.FormatInt(e.Time.Unix(), 10))
	set("TimestampMs", strconv.FormatInt(e.Time.UnixMilli(), 10))
	if t := e.Task; t != nil {
		set("TaskSid", t.SID)
		set("TaskAttributes", t.Attributes)
		set("TaskAge", strconv.Itoa(int(t.Age(e.Time).Seconds())))
		set("TaskPriority", strconv.Itoa(t.Priority))
		set("TaskAssignmentStatus", t.AssignmentStatus)
		set("TaskChannelSid", t.TaskChannelSID)
		set("TaskChannelUniqueName", t.TaskChannelName)
		set("TaskQueueSid", t.QueueSID)
		set("TaskQueueName", e.QueueName)
		set("WorkflowSid", t.WorkflowSID)
		set("WorkflowName", e.WorkflowName)
		if t.AssignmentStatus == routing.TaskCanceled {
			set("TaskCanceledReason", t.Reason)
		} else if t.AssignmentStatus == routing.TaskCompleted {
			set("TaskCompletedReason", t.Reason)
		}
	}
	if r := e.Reservation; r != nil {
		set("ReservationSid", r.SID)
	}
	if w := e.Worker; w != nil {
		set("WorkerSid", w.SID)
		set("WorkerName", w.FriendlyName)
		set("WorkerAttributes", w.Attributes)
		set("WorkerActivitySid", w.ActivitySID)
		set("WorkerActivityName", w.ActivityName)
	}
	return f
}
