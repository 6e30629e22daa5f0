package httpapi

import (
	"net/http"
	"parley/shared/model"
	"time"

	"parley/server/apperr"
	"parley/server/paging"
	"parley/server/routing"
)

// TaskRouter's configuration resources under /taskrouter/v1/Workspaces,
// built from the handler shapes in shapes.go.

const trBase = "/taskrouter/v1/Workspaces"

func (a *API) routeTaskRouter() {
	rt := a.routing
	ws := func(r *http.Request) string { return r.PathValue("ws") }
	id := func(r *http.Request) string { return r.PathValue("sid") }

	a.route("POST", trBase, formCall(readWorkspaceParams, func(r *http.Request, p routing.WorkspaceParams) (routing.Workspace, error) {
		return rt.CreateWorkspace(r.Context(), p)
	}, a.renderWorkspace, http.StatusCreated))
	a.route("GET", trBase, listCall([]string{"FriendlyName"}, func(p *reader) string { return p.value("FriendlyName") },
		func(r *http.Request, name string, pr paging.Request) (routing.Page[routing.Workspace], error) {
			return rt.Workspaces(r.Context(), name, pr), nil
		}, a, "workspaces", func(v routing.Workspace) int64 { return v.Key }, a.renderWorkspace))
	a.route("GET", trBase+"/{ws}", fetchCall(func(r *http.Request) (routing.Workspace, error) {
		return rt.Workspace(r.Context(), ws(r))
	}, a.renderWorkspace))
	a.route("POST", trBase+"/{ws}", formCall(readWorkspaceParams, func(r *http.Request, p routing.WorkspaceParams) (routing.Workspace, error) {
		return rt.UpdateWorkspace(r.Context(), ws(r), p)
	}, a.renderWorkspace, http.StatusOK))
	a.route("DELETE", trBase+"/{ws}", deleteCall(func(r *http.Request) error { return rt.DeleteWorkspace(r.Context(), ws(r)) }))

	const acts = trBase + "/{ws}/Activities"
	a.route("POST", acts, formCall(readActivityParams, func(r *http.Request, p routing.ActivityParams) (routing.Activity, error) {
		return rt.CreateActivity(r.Context(), ws(r), p)
	}, a.renderActivity, http.StatusCreated))
	a.route("GET", acts, listCall([]string{"FriendlyName", "Available"}, func(p *reader) routing.ActivityFilter {
		return routing.ActivityFilter{FriendlyName: p.value("FriendlyName"), Available: p.bool("Available")}
	}, func(r *http.Request, f routing.ActivityFilter, pr paging.Request) (routing.Page[routing.Activity], error) {
		return rt.Activities(r.Context(), ws(r), f, pr)
	}, a, "activities", func(v routing.Activity) int64 { return v.Key }, a.renderActivity))
	a.route("GET", acts+"/{sid}", fetchCall(func(r *http.Request) (routing.Activity, error) {
		return rt.Activity(r.Context(), ws(r), id(r))
	}, a.renderActivity))
	a.route("POST", acts+"/{sid}", formCall(readActivityParams, func(r *http.Request, p routing.ActivityParams) (routing.Activity, error) {
		return rt.UpdateActivity(r.Context(), ws(r), id(r), p)
	}, a.renderActivity, http.StatusOK))
	a.route("DELETE", acts+"/{sid}", deleteCall(func(r *http.Request) error { return rt.DeleteActivity(r.Context(), ws(r), id(r)) }))

	const chans = trBase + "/{ws}/TaskChannels"
	a.route("POST", chans, formCall(readTaskChannelParams, func(r *http.Request, p routing.TaskChannelParams) (routing.TaskChannel, error) {
		return rt.CreateTaskChannel(r.Context(), ws(r), p)
	}, a.renderTaskChannel, http.StatusCreated))
	a.route("GET", chans, listCall(nil, func(*reader) struct{} { return struct{}{} },
		func(r *http.Request, _ struct{}, pr paging.Request) (routing.Page[routing.TaskChannel], error) {
			return rt.TaskChannels(r.Context(), ws(r), pr)
		}, a, "channels", func(v routing.TaskChannel) int64 { return v.Key }, a.renderTaskChannel))
	a.route("GET", chans+"/{sid}", fetchCall(func(r *http.Request) (routing.TaskChannel, error) {
		return rt.TaskChannel(r.Context(), ws(r), id(r))
	}, a.renderTaskChannel))
	a.route("POST", chans+"/{sid}", formCall(readTaskChannelParams, func(r *http.Request, p routing.TaskChannelParams) (routing.TaskChannel, error) {
		if p.UniqueName != nil {
			return routing.TaskChannel{}, apperr.Invalidf(apperr.CodeBadRequest, "UniqueName names a task channel and cannot change")
		}
		return rt.UpdateTaskChannel(r.Context(), ws(r), id(r), p)
	}, a.renderTaskChannel, http.StatusOK))
	a.route("DELETE", chans+"/{sid}", deleteCall(func(r *http.Request) error { return rt.DeleteTaskChannel(r.Context(), ws(r), id(r)) }))

	const workers = trBase + "/{ws}/Workers"
	a.route("POST", workers, formCall(readWorkerParams, func(r *http.Request, p routing.WorkerParams) (routing.WorkerView, error) {
		w, err := rt.CreateWorker(r.Context(), ws(r), p)
		if err != nil {
			return routing.WorkerView{}, err
		}
		return rt.WorkerOf(r.Context(), w.WorkspaceSID, w.SID)
	}, a.renderWorker, http.StatusCreated))
	a.route("GET", workers, listCall([]string{"ActivityName", "ActivitySid", "Available", "FriendlyName",
		"TargetWorkersExpression", "TaskQueueName", "TaskQueueSid"}, readWorkerFilter,
		func(r *http.Request, f routing.WorkerFilter, pr paging.Request) (routing.Page[routing.WorkerView], error) {
			return rt.Workers(r.Context(), ws(r), f, pr)
		}, a, "workers", func(v routing.WorkerView) int64 { return v.Key }, a.renderWorker))
	a.route("GET", workers+"/{sid}", fetchCall(func(r *http.Request) (routing.WorkerView, error) {
		return rt.WorkerOf(r.Context(), ws(r), id(r))
	}, a.renderWorker))
	a.route("POST", workers+"/{sid}", formCall(readWorkerParams, func(r *http.Request, p routing.WorkerParams) (routing.WorkerView, error) {
		return rt.UpdateWorker(r.Context(), ws(r), id(r), p)
	}, a.renderWorker, http.StatusOK))
	a.route("DELETE", workers+"/{sid}", deleteCall(func(r *http.Request) error { return rt.DeleteWorker(r.Context(), ws(r), id(r)) }))
	a.route("GET", workers+"/{sid}/Channels", listCall(nil, func(*reader) struct{} { return struct{}{} },
		func(r *http.Request, _ struct{}, pr paging.Request) (routing.Page[routing.WorkerChannelView], error) {
			return rt.WorkerChannels(r.Context(), ws(r), id(r), pr)
		}, a, "channels", func(v routing.WorkerChannelView) int64 { return v.Key }, a.renderWorkerChannel))
	a.route("GET", workers+"/{sid}/Channels/{ch}", fetchCall(func(r *http.Request) (routing.WorkerChannelView, error) {
		return rt.WorkerChannel(r.Context(), ws(r), id(r), r.PathValue("ch"))
	}, a.renderWorkerChannel))
	a.route("POST", workers+"/{sid}/Channels/{ch}", formCall(func(p *reader) routing.WorkerChannelParams {
		return routing.WorkerChannelParams{Capacity: p.int("Capacity"), Available: p.bool("Available")}
	}, func(r *http.Request, p routing.WorkerChannelParams) (routing.WorkerChannelView, error) {
		return rt.UpdateWorkerChannel(r.Context(), ws(r), id(r), r.PathValue("ch"), p)
	}, a.renderWorkerChannel, http.StatusOK))

	const queues = trBase + "/{ws}/TaskQueues"
	a.route("POST", queues, formCall(readTaskQueueParams, func(r *http.Request, p routing.TaskQueueParams) (routing.TaskQueue, error) {
		return rt.CreateTaskQueue(r.Context(), ws(r), p)
	}, a.renderTaskQueue, http.StatusCreated))
	a.route("GET", queues, listCall([]string{"FriendlyName", "EvaluateWorkerAttributes", "WorkerSid"}, func(p *reader) routing.TaskQueueFilter {
		return routing.TaskQueueFilter{FriendlyName: p.value("FriendlyName"),
			EvaluateWorkerAttributes: p.value("EvaluateWorkerAttributes"), WorkerSID: p.value("WorkerSid")}
	}, func(r *http.Request, f routing.TaskQueueFilter, pr paging.Request) (routing.Page[routing.TaskQueue], error) {
		return rt.TaskQueues(r.Context(), ws(r), f, pr)
	}, a, "task_queues", func(v routing.TaskQueue) int64 { return v.Key }, a.renderTaskQueue))
	a.route("GET", queues+"/{sid}", fetchCall(func(r *http.Request) (routing.TaskQueue, error) {
		return rt.TaskQueue(r.Context(), ws(r), id(r))
	}, a.renderTaskQueue))
	a.route("POST", queues+"/{sid}", formCall(readTaskQueueParams, func(r *http.Request, p routing.TaskQueueParams) (routing.TaskQueue, error) {
		return rt.UpdateTaskQueue(r.Context(), ws(r), id(r), p)
	}, a.renderTaskQueue, http.StatusOK))
	a.route("DELETE", queues+"/{sid}", deleteCall(func(r *http.Request) error { return rt.DeleteTaskQueue(r.Context(), ws(r), id(r)) }))

	const flows = trBase + "/{ws}/Workflows"
	a.route("POST", flows, formCall(readWorkflowParams, func(r *http.Request, p routing.WorkflowParams) (routing.Workflow, error) {
		return rt.CreateWorkflow(r.Context(), ws(r), p)
	}, a.renderWorkflow, http.StatusCreated))
	a.route("GET", flows, listCall([]string{"FriendlyName"}, func(p *reader) string { return p.value("FriendlyName") },
		func(r *http.Request, name string, pr paging.Request) (routing.Page[routing.Workflow], error) {
			return rt.Workflows(r.Context(), ws(r), name, pr)
		}, a, "workflows", func(v routing.Workflow) int64 { return v.Key }, a.renderWorkflow))
	a.route("GET", flows+"/{sid}", fetchCall(func(r *http.Request) (routing.Workflow, error) {
		return rt.Workflow(r.Context(), ws(r), id(r))
	}, a.renderWorkflow))
	a.route("POST", flows+"/{sid}", formCall(readWorkflowParams, func(r *http.Request, p routing.WorkflowParams) (routing.Workflow, error) {
		return rt.UpdateWorkflow(r.Context(), ws(r), id(r), p)
	}, a.renderWorkflow, http.StatusOK))
	a.route("DELETE", flows+"/{sid}", deleteCall(func(r *http.Request) error { return rt.DeleteWorkflow(r.Context(), ws(r), id(r)) }))

	a.routeTasks()
}

func (a *API) routeTasks() {
	rt := a.routing
	ws := func(r *http.Request) string { return r.PathValue("ws") }
	id := func(r *http.Request) string { return r.PathValue("sid") }
	res := func(r *http.Request) string { return r.PathValue("res") }

	const tasks = trBase + "/{ws}/Tasks"
	a.route("POST", tasks, formCall(readTaskParams, func(r *http.Request, p routing.TaskParams) (routing.Task, error) {
		if p.AssignmentStatus != nil || p.Reason != nil {
			return routing.Task{}, apperr.Invalidf(apperr.CodeBadRequest, "AssignmentStatus and Reason are set by updating a task")
		}
		return rt.CreateTask(r.Context(), ws(r), p)
	}, a.renderTask, http.StatusCreated))
	a.route("GET", tasks, listCall([]string{"AssignmentStatus", "Priority", "WorkflowSid", "WorkflowName", "TaskQueueSid",
		"TaskQueueName", "EvaluateTaskAttributes", "RoutingTarget", "Ordering", "HasAddons"}, func(p *reader) routing.TaskFilter {
		return routing.TaskFilter{AssignmentStatus: p.all("AssignmentStatus"), Priority: p.int("Priority"),
			WorkflowSID: p.value("WorkflowSid"), WorkflowName: p.value("WorkflowName"), TaskQueueSID: p.value("TaskQueueSid"),
			TaskQueueName: p.value("TaskQueueName"), EvaluateTaskAttributes: p.value("EvaluateTaskAttributes"),
			RoutingTarget: p.value("RoutingTarget"), Ordering: p.value("Ordering")}
	}, func(r *http.Request, f routing.TaskFilter, pr paging.Request) (routing.Page[routing.Task], error) {
		return rt.Tasks(r.Context(), ws(r), f, pr)
	}, a, "tasks", func(v routing.Task) int64 { return v.Key }, a.renderTask))
	a.route("GET", tasks+"/{sid}", fetchCall(func(r *http.Request) (routing.Task, error) {
		return rt.Task(r.Context(), ws(r), id(r))
	}, a.renderTask))
	// Parley's own: where a waiting task stands and how long it may wait.
	a.route("GET", tasks+"/{sid}/QueuePosition", fetchCall(func(r *http.Request) (routing.QueuePosition, error) {
		return rt.TaskPosition(r.Context(), ws(r), id(r))
	}, func(p routing.QueuePosition) model.QueuePosition { return a.render.QueuePosition(a.accountSID, p) }))
	a.route("POST", tasks+"/{sid}", formCall(readTaskParams, func(r *http.Request, p routing.TaskParams) (routing.Task, error) {
		return rt.UpdateTask(r.Context(), ws(r), id(r), p)
	}, a.renderTask, http.StatusOK))
	a.route("DELETE", tasks+"/{sid}", deleteCall(func(r *http.Request) error { return rt.DeleteTask(r.Context(), ws(r), id(r)) }))

	// Reservations, under their task and under their worker.
	for _, under := range []struct {
		path     string
		byWorker bool
	}{{tasks + "/{sid}/Reservations", false}, {trBase + "/{ws}/Workers/{sid}/Reservations", true}} {
		byWorker := under.byWorker
		owner := func(r *http.Request) (task, worker string) {
			if byWorker {
				return "", id(r)
			}
			return id(r), ""
		}
		render := func(v routing.Reservation) any { return a.render.Reservation(a.accountSID, v, byWorker) }
		a.route("GET", under.path, listCall([]string{"ReservationStatus", "WorkerSid"}, func(p *reader) routing.ReservationFilter {
			return routing.ReservationFilter{Status: p.value("ReservationStatus"), WorkerSID: p.value("WorkerSid")}
		}, func(r *http.Request, f routing.ReservationFilter, pr paging.Request) (routing.Page[routing.Reservation], error) {
			if task, _ := owner(r); task != "" {
				return rt.TaskReservations(r.Context(), ws(r), task, f, pr)
			}
			return rt.WorkerReservations(r.Context(), ws(r), id(r), f, pr)
		}, a, "reservations", func(v routing.Reservation) int64 { return v.Key }, render))
		a.route("GET", under.path+"/{res}", fetchCall(func(r *http.Request) (routing.Reservation, error) {
			if task, worker := owner(r); task != "" {
				return rt.Reservation(r.Context(), ws(r), task, res(r))
			} else {
				return rt.WorkerReservation(r.Context(), ws(r), worker, res(r))
			}
		}, render))
		a.route("POST", under.path+"/{res}", formCall(readReservationParams, func(r *http.Request, p routing.ReservationParams) (routing.Reservation, error) {
			task, worker := owner(r)
			// An accepted chat is answered once its agent can read it.
			return a.interactions.Accept(r.Context(), res(r), func() (routing.Reservation, error) {
				return rt.UpdateReservation(r.Context(), ws(r), task, worker, res(r), p)
			})
		}, render, http.StatusOK))
	}

	// Statistics of the workspace and of each queue.
	stats := func(queue func(*http.Request) string) func(*http.Request) (routing.Statistics, error) {
		return func(r *http.Request) (routing.Statistics, error) {
			if q := queue(r); q != "" {
				return rt.TaskQueueStatistics(r.Context(), ws(r), q)
			}
			return rt.WorkspaceStatistics(r.Context(), ws(r))
		}
	}
	for _, at := range []struct {
		path  string
		queue func(*http.Request) string
	}{{trBase + "/{ws}", func(*http.Request) string { return "" }}, {trBase + "/{ws}/TaskQueues/{sid}", id}} {
		queue := at.queue
		a.route("GET", at.path+"/Statistics", fetchCall(stats(queue), func(v routing.Statistics) any {
			return a.render.Statistics(a.accountSID, v)
		}))
		a.route("GET", at.path+"/RealTimeStatistics", fetchCall(stats(queue), func(v routing.Statistics) any {
			return a.render.RealTimeStatistics(a.accountSID, v)
		}))
		a.route("GET", at.path+"/CumulativeStatistics", fetchCall(stats(queue), func(v routing.Statistics) any {
			return a.render.CumulativeStatistics(a.accountSID, v)
		}))
	}
}

// ---- parameters ----

func readWorkspaceParams(p *reader) routing.WorkspaceParams {
	return routing.WorkspaceParams{FriendlyName: p.str("FriendlyName"), EventCallbackURL: p.str("EventCallbackUrl"),
		EventsFilter: p.str("EventsFilter"), MultiTaskEnabled: p.bool("MultiTaskEnabled"),
		PrioritizeQueueOrder: p.str("PrioritizeQueueOrder"), DefaultActivitySID: p.str("DefaultActivitySid"),
		TimeoutActivitySID: p.str("TimeoutActivitySid")}
}

func readActivityParams(p *reader) routing.ActivityParams {
	return routing.ActivityParams{FriendlyName: p.str("FriendlyName"), Available: p.bool("Available")}
}

func readTaskChannelParams(p *reader) routing.TaskChannelParams {
	return routing.TaskChannelParams{FriendlyName: p.str("FriendlyName"), UniqueName: p.str("UniqueName"),
		ChannelOptimizedRouting: p.bool("ChannelOptimizedRouting")}
}

func readWorkerParams(p *reader) routing.WorkerParams {
	return routing.WorkerParams{FriendlyName: p.str("FriendlyName"), ActivitySID: p.str("ActivitySid"), Attributes: p.str("Attributes"),
		RejectPendingReservations: p.bool("RejectPendingReservations")}
}

func readTaskParams(p *reader) routing.TaskParams {
	return routing.TaskParams{Attributes: p.str("Attributes"), Priority: p.int("Priority"), TaskChannel: p.str("TaskChannel"),
		WorkflowSID: p.str("WorkflowSid"), TaskQueueSID: p.str("TaskQueueSid"), Timeout: p.int("Timeout"),
		RoutingTarget: p.str("RoutingTarget"), AssignmentStatus: p.str("AssignmentStatus"), Reason: p.str("Reason")}
}

func readReservationParams(p *reader) routing.ReservationParams {
	if p.has("Instruction") {
		p.fail("Instruction %q is for voice calls, which Parley does not route; set ReservationStatus instead", p.value("Instruction"))
	}
	return routing.ReservationParams{Status: p.value("ReservationStatus"), WorkerActivitySID: p.value("WorkerActivitySid")}
}

func readWorkerFilter(p *reader) routing.WorkerFilter {
	return routing.WorkerFilter{FriendlyName: p.value("FriendlyName"), ActivitySID: p.value("ActivitySid"),
		ActivityName: p.value("ActivityName"), Available: p.bool("Available"),
		TargetWorkersExpression: p.value("TargetWorkersExpression"), TaskQueueSID: p.value("TaskQueueSid"),
		TaskQueueName: p.value("TaskQueueName")}
}

func readTaskQueueParams(p *reader) routing.TaskQueueParams {
	return routing.TaskQueueParams{FriendlyName: p.str("FriendlyName"), TargetWorkers: p.str("TargetWorkers"),
		MaxReservedWorkers: p.int("MaxReservedWorkers"), TaskOrder: p.str("TaskOrder"),
		ReservationActivitySID: p.str("ReservationActivitySid"), AssignmentActivitySID: p.str("AssignmentActivitySid")}
}

func readWorkflowParams(p *reader) routing.WorkflowParams {
	return routing.WorkflowParams{FriendlyName: p.str("FriendlyName"), Configuration: p.str("Configuration"),
		AssignmentCallbackURL: p.str("AssignmentCallbackUrl"), FallbackAssignmentCallbackURL: p.str("FallbackAssignmentCallbackUrl"),
		TaskReservationTimeout: p.int("TaskReservationTimeout")}
}

// ---- rendering ----

func (a *API) renderWorkspace(w routing.Workspace) any {
	return a.render.Workspace(w, func(sid string) string { return a.routing.ActivityName(w.SID, sid) })
}

func (a *API) renderActivity(v routing.Activity) any { return a.render.Activity(a.accountSID, v) }

func (a *API) renderTaskChannel(v routing.TaskChannel) any {
	return a.render.TaskChannel(a.accountSID, v)
}

func (a *API) renderWorker(v routing.WorkerView) any { return a.render.Worker(a.accountSID, v) }

func (a *API) renderWorkerChannel(v routing.WorkerChannelView) any {
	return a.render.WorkerChannel(a.accountSID, v)
}

func (a *API) renderTaskQueue(v routing.TaskQueue) any {
	return a.render.TaskQueue(a.accountSID, v, func(sid string) string { return a.routing.ActivityName(v.WorkspaceSID, sid) })
}

func (a *API) renderWorkflow(v routing.Workflow) any { return a.render.Workflow(a.accountSID, v) }

func (a *API) renderTask(v routing.Task) any {
	return a.render.Task(a.accountSID, v, time.Now(), func(sid string) string { return a.routing.NameOf(v.WorkspaceSID, sid) })
}
