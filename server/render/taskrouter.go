package render

import (
	"time"

	"parley/server/routing"
	"parley/shared/model"
)

// WorkspaceURL is the URL of a workspace, or of something under it.
func (a *Renderer) WorkspaceURL(sid string, under ...string) string {
	u := a.baseURL + "/taskrouter/v1/Workspaces/" + sid
	for _, p := range under {
		u += "/" + p
	}
	return u
}

// Workspace renders a workspace; activityName names its activities.
func (a *Renderer) Workspace(w routing.Workspace, activityName func(string) string) model.Workspace {
	u := a.WorkspaceURL(w.SID)
	links := map[string]string{}
	for _, l := range []struct{ key, path string }{{"activities", "Activities"}, {"task_queues", "TaskQueues"},
		{"tasks", "Tasks"}, {"workers", "Workers"}, {"workflows", "Workflows"}, {"task_channels", "TaskChannels"},
		{"statistics", "Statistics"}, {"real_time_statistics", "RealTimeStatistics"},
		{"cumulative_statistics", "CumulativeStatistics"}, {"events", "Events"}} {
		links[l.key] = u + "/" + l.path
	}
	return model.Workspace{
		AccountSID: w.AccountSID, SID: w.SID, FriendlyName: w.FriendlyName,
		DefaultActivitySID: w.DefaultActivitySID, DefaultActivityName: activityName(w.DefaultActivitySID),
		TimeoutActivitySID: w.TimeoutActivitySID, TimeoutActivityName: activityName(w.TimeoutActivitySID),
		EventCallbackURL: optional(w.EventCallbackURL), EventsFilter: optional(w.EventsFilter),
		MultiTaskEnabled: w.MultiTaskEnabled, PrioritizeQueueOrder: w.PrioritizeQueueOrder,
		DateCreated: modelTime(w.Created), DateUpdated: modelTime(w.Updated), URL: u, Links: links,
	}
}

// Activity renders an activity.
func (a *Renderer) Activity(accountSID string, v routing.Activity) model.Activity {
	return model.Activity{AccountSID: accountSID, SID: v.SID, WorkspaceSID: v.WorkspaceSID, FriendlyName: v.FriendlyName,
		Available: v.Available, DateCreated: modelTime(v.Created), DateUpdated: modelTime(v.Updated),
		URL: a.WorkspaceURL(v.WorkspaceSID, "Activities", v.SID), Links: map[string]string{"workspace": a.WorkspaceURL(v.WorkspaceSID)}}
}

// TaskChannel renders a task channel.
func (a *Renderer) TaskChannel(accountSID string, v routing.TaskChannel) model.TaskChannel {
	return model.TaskChannel{AccountSID: accountSID, SID: v.SID, WorkspaceSID: v.WorkspaceSID, FriendlyName: v.FriendlyName,
		UniqueName: v.UniqueName, ChannelOptimizedRouting: v.ChannelOptimizedRouting,
		DateCreated: modelTime(v.Created), DateUpdated: modelTime(v.Updated),
		URL: a.WorkspaceURL(v.WorkspaceSID, "TaskChannels", v.SID), Links: map[string]string{"workspace": a.WorkspaceURL(v.WorkspaceSID)}}
}

// Worker renders a worker.
func (a *Renderer) Worker(accountSID string, v routing.WorkerView) model.Worker {
	u := a.WorkspaceURL(v.WorkspaceSID, "Workers", v.SID)
	return model.Worker{AccountSID: accountSID, SID: v.SID, WorkspaceSID: v.WorkspaceSID, FriendlyName: v.FriendlyName,
		Attributes: v.Attributes, ActivitySID: v.ActivitySID, ActivityName: v.ActivityName, Available: v.Available,
		DateStatusChanged: modelTime(v.StatusChanged), DateCreated: modelTime(v.Created), DateUpdated: modelTime(v.Updated),
		URL: u, Links: map[string]string{"channels": u + "/Channels", "reservations": u + "/Reservations",
			"statistics": u + "/Statistics", "workspace": a.WorkspaceURL(v.WorkspaceSID),
			"activity": a.WorkspaceURL(v.WorkspaceSID, "Activities", v.ActivitySID)}}
}

// WorkerChannel renders a worker's capacity on a channel.
func (a *Renderer) WorkerChannel(accountSID string, v routing.WorkerChannelView) model.WorkerChannel {
	free := 0
	if v.Capacity > 0 && v.Available {
		free = 100 * (v.Capacity - v.AssignedTasks) / v.Capacity
	}
	return model.WorkerChannel{AccountSID: accountSID, SID: v.SID, WorkspaceSID: v.WorkspaceSID, WorkerSID: v.WorkerSID,
		TaskChannelSID: v.TaskChannelSID, TaskChannelUniqueName: v.TaskChannelUniqueName, ConfiguredCapacity: v.Capacity,
		AssignedTasks: v.AssignedTasks, Available: v.Available, AvailableCapacityPercentage: free,
		DateCreated: modelTime(v.Created), DateUpdated: modelTime(v.Updated),
		URL: a.WorkspaceURL(v.WorkspaceSID, "Workers", v.WorkerSID, "Channels", v.SID)}
}

// TaskQueue renders a task queue.
func (a *Renderer) TaskQueue(accountSID string, v routing.TaskQueue, activityName func(string) string) model.TaskQueue {
	u := a.WorkspaceURL(v.WorkspaceSID, "TaskQueues", v.SID)
	nameOf := func(sid string) *string {
		if sid == "" {
			return nil
		}
		n := activityName(sid)
		return &n
	}
	return model.TaskQueue{AccountSID: accountSID, SID: v.SID, WorkspaceSID: v.WorkspaceSID, FriendlyName: v.FriendlyName,
		TargetWorkers: v.TargetWorkers, MaxReservedWorkers: v.MaxReservedWorkers, TaskOrder: v.TaskOrder,
		ReservationActivitySID: optional(v.ReservationActivitySID), ReservationActivityName: nameOf(v.ReservationActivitySID),
		AssignmentActivitySID: optional(v.AssignmentActivitySID), AssignmentActivityName: nameOf(v.AssignmentActivitySID),
		DateCreated: modelTime(v.Created), DateUpdated: modelTime(v.Updated), URL: u,
		Links: map[string]string{"workspace": a.WorkspaceURL(v.WorkspaceSID), "statistics": u + "/Statistics",
			"real_time_statistics": u + "/RealTimeStatistics", "cumulative_statistics": u + "/CumulativeStatistics"}}
}

// Workflow renders a workflow.
func (a *Renderer) Workflow(accountSID string, v routing.Workflow) model.Workflow {
	u := a.WorkspaceURL(v.WorkspaceSID, "Workflows", v.SID)
	return model.Workflow{AccountSID: accountSID, SID: v.SID, WorkspaceSID: v.WorkspaceSID, FriendlyName: v.FriendlyName,
		Configuration: v.Configuration, DocumentContentType: "application/json",
		AssignmentCallbackURL: optional(v.AssignmentCallbackURL), FallbackAssignmentCallbackURL: optional(v.FallbackAssignmentCallbackURL),
		TaskReservationTimeout: v.TaskReservationTimeout, DateCreated: modelTime(v.Created), DateUpdated: modelTime(v.Updated),
		URL: u, Links: map[string]string{"workspace": a.WorkspaceURL(v.WorkspaceSID), "statistics": u + "/Statistics",
			"real_time_statistics": u + "/RealTimeStatistics", "cumulative_statistics": u + "/CumulativeStatistics"}}
}

// Task renders a task; names finds a queue's or a workflow's friendly name.
func (a *Renderer) Task(accountSID string, t routing.Task, now time.Time, names func(sid string) string) model.Task {
	u := a.WorkspaceURL(t.WorkspaceSID, "Tasks", t.SID)
	v := model.Task{AccountSID: accountSID, SID: t.SID, WorkspaceSID: t.WorkspaceSID, Age: int(t.Age(now).Seconds()),
		AssignmentStatus: t.AssignmentStatus, Attributes: t.Attributes, Addons: "{}", Priority: t.Priority,
		Reason: optional(t.Reason), TaskQueueSID: optional(t.QueueSID), TaskChannelSID: t.TaskChannelSID,
		TaskChannelUniqueName: t.TaskChannelName, Timeout: t.Timeout, WorkflowSID: optional(t.WorkflowSID),
		RoutingTarget: optional(t.RoutingTarget), VirtualStartTime: modelTime(t.Created),
		DateCreated: modelTime(t.Created), DateUpdated: modelTime(t.Updated), URL: u,
		Links: map[string]string{"reservations": u + "/Reservations", "workspace": a.WorkspaceURL(t.WorkspaceSID)}}
	if t.QueueSID != "" {
		v.TaskQueueFriendlyName = optional(names(t.QueueSID))
		entered := modelTime(t.QueueEntered.Truncate(time.Second))
		v.TaskQueueEnteredDate = &entered
		v.Links["task_queue"] = a.WorkspaceURL(t.WorkspaceSID, "TaskQueues", t.QueueSID)
	}
	if t.WorkflowSID != "" {
		v.WorkflowFriendlyName = optional(names(t.WorkflowSID))
		v.Links["workflow"] = a.WorkspaceURL(t.WorkspaceSID, "Workflows", t.WorkflowSID)
	}
	return v
}

// Reservation renders a reservation at its URL under the task, or under
// the worker when byWorker.
func (a *Renderer) Reservation(accountSID string, r routing.Reservation, byWorker bool) model.Reservation {
	u := a.WorkspaceURL(r.WorkspaceSID, "Tasks", r.TaskSID, "Reservations", r.SID)
	if byWorker {
		u = a.WorkspaceURL(r.WorkspaceSID, "Workers", r.WorkerSID, "Reservations", r.SID)
	}
	out := model.Reservation{AccountSID: accountSID, SID: r.SID, WorkspaceSID: r.WorkspaceSID, TaskSID: r.TaskSID,
		WorkerSID: r.WorkerSID, WorkerName: r.WorkerName, ReservationStatus: r.Status,
		DateCreated: modelTime(r.Created), DateUpdated: modelTime(r.Updated), URL: u,
		Links: map[string]string{"task": a.WorkspaceURL(r.WorkspaceSID, "Tasks", r.TaskSID),
			"worker": a.WorkspaceURL(r.WorkspaceSID, "Workers", r.WorkerSID), "workspace": a.WorkspaceURL(r.WorkspaceSID)}}
	if r.Status == routing.ReservationPending && !r.Deadline.IsZero() {
		out.DateExpires = &model.Time{Time: r.Deadline}
	}
	return out
}

// RealTimeStatistics renders a workspace's or a queue's real-time
// statistics.
func (a *Renderer) RealTimeStatistics(accountSID string, st routing.Statistics) model.RealTimeStatistics {
	rt := st.RealTime
	v := model.RealTimeStatistics{AccountSID: accountSID, WorkspaceSID: st.WorkspaceSID, TaskQueueSID: st.TaskQueueSID,
		ActivityStatistics: []model.ActivityStatistic{}, LongestTaskWaitingAge: int(rt.LongestWaitingAge.Seconds()),
		LongestTaskWaitingSID: optional(rt.LongestWaitingSID), TasksByPriority: rt.TasksByPriority,
		TasksByStatus: rt.TasksByStatus, TotalTasks: rt.TotalTasks, URL: a.statsURL(st, "RealTimeStatistics")}
	for _, c := range rt.Activities {
		v.ActivityStatistics = append(v.ActivityStatistics, model.ActivityStatistic{SID: c.SID, FriendlyName: c.FriendlyName, Workers: c.Workers})
	}
	if st.TaskQueueSID == "" {
		v.TotalWorkers = &rt.TotalWorkers
		return v
	}
	age := int(rt.LongestInQueueAge.Seconds())
	v.LongestRelativeTaskAgeInQueue, v.LongestRelativeTaskSIDInQueue = &age, optional(rt.LongestInQueueSID)
	v.TotalAvailableWorkers, v.TotalEligibleWorkers = &rt.TotalAvailableWorkers, &rt.TotalEligibleWorkers
	return v
}

func (a *Renderer) statsURL(st routing.Statistics, name string) string {
	if st.TaskQueueSID == "" {
		return a.WorkspaceURL(st.WorkspaceSID, name)
	}
	return a.WorkspaceURL(st.WorkspaceSID, "TaskQueues", st.TaskQueueSID, name)
}

// CumulativeStatistics renders what a workspace or a queue counted.
func (a *Renderer) CumulativeStatistics(accountSID string, st routing.Statistics) model.CumulativeStats {
	c := st.Counters
	return model.CumulativeStats{AccountSID: accountSID, WorkspaceSID: st.WorkspaceSID, TaskQueueSID: st.TaskQueueSID,
		TasksCreated: c.TasksCreated, TasksCanceled: c.TasksCanceled,
		TasksCompleted: c.TasksCompleted, TasksDeleted: c.TasksDeleted, TasksMoved: c.TasksMoved,
		TasksTimedOutInWorkflow: c.TasksTimedOutInWorkflow, ReservationsCreated: c.ReservationsCreated,
		ReservationsAccepted: c.ReservationsAccepted, ReservationsRejected: c.ReservationsRejected,
		ReservationsTimedOut: c.ReservationsTimedOut, ReservationsCanceled: c.ReservationsCanceled,
		ReservationsRescinded: c.ReservationsRescinded, URL: a.statsURL(st, "CumulativeStatistics")}
}

// Statistics renders real-time and cumulative statistics together.
func (a *Renderer) Statistics(accountSID string, st routing.Statistics) model.Statistics {
	return model.Statistics{AccountSID: accountSID, WorkspaceSID: st.WorkspaceSID, TaskQueueSID: st.TaskQueueSID,
		Realtime: a.RealTimeStatistics(accountSID, st), Cumulative: a.CumulativeStatistics(accountSID, st),
		URL: a.statsURL(st, "Statistics")}
}

// QueuePosition renders a task's place in its queue and its estimated
// wait, in whole seconds.
func (a *Renderer) QueuePosition(accountSID string, p routing.QueuePosition) model.QueuePosition {
	v := model.QueuePosition{AccountSID: accountSID, WorkspaceSID: p.WorkspaceSID, TaskSID: p.TaskSID, TaskQueueSID: p.QueueSID,
		AssignmentStatus: p.AssignmentStatus, TasksInQueue: p.InQueue, AvailableWorkers: p.AgentsAvailable,
		URL: a.WorkspaceURL(p.WorkspaceSID, "Tasks", p.TaskSID, "QueuePosition")}
	if c, ok := p.Attrs[model.TaskAttrConversationSID].(string); ok {
		v.ConversationSID = c
	}
	if p.Position > 0 {
		v.Position = &p.Position
	}
	if p.Estimated {
		secs := int(p.EstimatedWait.Round(time.Second).Seconds())
		v.EstimatedWaitTime = &secs
	}
	return v
}
