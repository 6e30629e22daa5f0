package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"parley/shared/model"
)

// Workspace calls TaskRouter in one workspace: its activities, workers,
// reservations, tasks and queues. Get one from REST.Workspace.
type Workspace struct {
	rest *REST
	path string
}

// Workspace returns the calls of the TaskRouter workspace sid.
func (c *REST) Workspace(sid string) Workspace {
	return Workspace{rest: c, path: "/taskrouter/v1/Workspaces/" + url.PathEscape(sid)}
}

// at is the path of something in the workspace.
func (w Workspace) at(parts ...string) string {
	p := w.path
	for i, s := range parts {
		if i%2 == 1 { // the odd parts are SIDs
			s = url.PathEscape(s)
		}
		p += "/" + s
	}
	return p
}

// pageSize is the form of a list's page size.
func pageSize(n int) url.Values { return url.Values{"PageSize": {strconv.Itoa(n)}} }

// Activities lists the workspace's activities (Available, Offline ...).
func (w Workspace) Activities(ctx context.Context) ([]model.Activity, error) {
	var l struct {
		Activities []model.Activity `json:"activities"`
	}
	err := w.rest.Do(ctx, http.MethodGet, w.at("Activities"), nil, &l)
	return l.Activities, err
}

// Worker fetches a worker.
func (w Workspace) Worker(ctx context.Context, workerSID string) (model.Worker, error) {
	var wk model.Worker
	err := w.rest.Do(ctx, http.MethodGet, w.at("Workers", workerSID), nil, &wk)
	return wk, err
}

// Workers lists up to max workers; availableOnly keeps those whose
// activity is available.
func (w Workspace) Workers(ctx context.Context, max int, availableOnly bool) ([]model.Worker, error) {
	q := pageSize(max)
	if availableOnly {
		q.Set("Available", "true")
	}
	var l struct {
		Workers []model.Worker `json:"workers"`
	}
	err := w.rest.Do(ctx, http.MethodGet, w.at("Workers"), q, &l)
	return l.Workers, err
}

// SetActivity moves a worker to an activity and returns the worker as it
// now is.
func (w Workspace) SetActivity(ctx context.Context, workerSID, activitySID string) (model.Worker, error) {
	var wk model.Worker
	err := w.rest.Do(ctx, http.MethodPost, w.at("Workers", workerSID), url.Values{"ActivitySid": {activitySID}}, &wk)
	return wk, err
}

// Reservations lists up to max of a worker's reservations.
func (w Workspace) Reservations(ctx context.Context, workerSID string, max int) ([]model.Reservation, error) {
	var l struct {
		Reservations []model.Reservation `json:"reservations"`
	}
	err := w.rest.Do(ctx, http.MethodGet, w.at("Workers", workerSID, "Reservations"), pageSize(max), &l)
	return l.Reservations, err
}

// AnswerReservation sets a worker's reservation's status ("accepted",
// "rejected" ...) and returns the reservation as it now is.
func (w Workspace) AnswerReservation(ctx context.Context, workerSID, reservationSID, status string) (model.Reservation, error) {
	var r model.Reservation
	err := w.rest.Do(ctx, http.MethodPost, w.at("Workers", workerSID, "Reservations", reservationSID),
		url.Values{"ReservationStatus": {status}}, &r)
	return r, err
}

// Task fetches a task.
func (w Workspace) Task(ctx context.Context, taskSID string) (model.Task, error) {
	var t model.Task
	err := w.rest.Do(ctx, http.MethodGet, w.at("Tasks", taskSID), nil, &t)
	return t, err
}

// Tasks lists up to max of the workspace's tasks.
func (w Workspace) Tasks(ctx context.Context, max int) ([]model.Task, error) {
	var l struct {
		Tasks []model.Task `json:"tasks"`
	}
	err := w.rest.Do(ctx, http.MethodGet, w.at("Tasks"), pageSize(max), &l)
	return l.Tasks, err
}

// Queues lists up to max of the workspace's task queues.
func (w Workspace) Queues(ctx context.Context, max int) ([]model.TaskQueue, error) {
	var l struct {
		Queues []model.TaskQueue `json:"task_queues"`
	}
	err := w.rest.Do(ctx, http.MethodGet, w.at("TaskQueues"), pageSize(max), &l)
	return l.Queues, err
}

// QueueStatistics fetches a task queue's real-time statistics.
func (w Workspace) QueueStatistics(ctx context.Context, queueSID string) (model.RealTimeStatistics, error) {
	var st model.RealTimeStatistics
	err := w.rest.Do(ctx, http.MethodGet, w.at("TaskQueues", queueSID, "RealTimeStatistics"), nil, &st)
	return st, err
}
