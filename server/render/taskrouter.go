package render

import (
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
