package routing

import (
	"context"
	"strconv"
	"time"
)

// RealTime is the state of a workspace, or of one of its queues, now.
type RealTime struct {
	TasksByStatus   map[string]int
	TasksByPriority map[string]int
	TotalTasks      int
	// The oldest task still waiting (pending or reserved), by age, and by
	// time in its current queue.
	LongestWaitingSID     string
	LongestWaitingAge     time.Duration
	LongestInQueueSID     string
	LongestInQueueAge     time.Duration
	Activities            []ActivityCount
	TotalWorkers          int
	TotalEligibleWorkers  int // queue only: workers its TargetWorkers picks
	TotalAvailableWorkers int // queue only: of those, in an available activity
}

// ActivityCount counts the workers in an activity.
type ActivityCount struct {
	SID, FriendlyName string
	Workers           int
}

// Counters count what happened in a workspace or a queue since Parley
// started.
type Counters struct {
	TasksCreated, TasksCanceled, TasksCompleted, TasksDeleted, TasksMoved, TasksTimedOutInWorkflow int
	ReservationsCreated, ReservationsAccepted, ReservationsRejected                                int
	ReservationsTimedOut, ReservationsCanceled, ReservationsRescinded                              int
}

func (c *Counters) count(e Event) {
	switch e.Type {
	case EventTaskCreated:
		c.TasksCreated++
	case EventTaskCanceled:
		c.TasksCanceled++
	case EventTaskCompleted:
		c.TasksCompleted++
	case EventTaskDeleted:
		c.TasksDeleted++
	case EventTaskQueueMoved:
		c.TasksMoved++
	case EventWorkflowTimeout:
		c.TasksTimedOutInWorkflow++
	case EventReservationCreated:
		c.ReservationsCreated++
	case EventReservationAccepted:
		c.ReservationsAccepted++
	case EventReservationRejected:
		c.ReservationsRejected++
	case EventReservationTimeout:
		c.ReservationsTimedOut++
	case EventReservationCanceled:
		c.ReservationsCanceled++
	case EventReservationRescinded:
		c.ReservationsRescinded++
	}
}

// tally counts a batch's events for its workspace and their queues.
func (s *Service) tally(events []Event) {
	for _, e := range events {
		sp := s.workspaces[e.WorkspaceSID]
		if sp == nil {
			continue
		}
		sp.counters.count(e)
		if e.Task != nil && e.Task.QueueSID != "" {
			if sp.queueCounters == nil {
				sp.queueCounters = map[string]*Counters{}
			}
			c := sp.queueCounters[e.Task.QueueSID]
			if c == nil {
				c = &Counters{}
				sp.queueCounters[e.Task.QueueSID] = c
			}
			c.count(e)
		}
	}
}

// Statistics are a workspace's or a queue's real-time state and counters.
type Statistics struct {
	WorkspaceSID, TaskQueueSID string // no queue for a workspace's
	RealTime
	Counters
}

// WorkspaceStatistics reports a workspace's state now and its counters.
func (s *Service) WorkspaceStatistics(ctx context.Context, workspaceSID string) (Statistics, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return Statistics{}, err
	}
	rt := s.realTime(sp, nil)
	return Statistics{WorkspaceSID: sp.SID, RealTime: rt, Counters: sp.counters}, nil
}

// TaskQueueStatistics reports a queue's state now and its counters.
func (s *Service) TaskQueueStatistics(ctx context.Context, workspaceSID, queueSID string) (Statistics, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, sp, err := s.taskQueue(workspaceSID, queueSID)
	if err != nil {
		return Statistics{}, err
	}
	st := Statistics{WorkspaceSID: sp.SID, TaskQueueSID: q.SID, RealTime: s.realTime(sp, q)}
	if c := sp.queueCounters[q.SID]; c != nil {
		st.Counters = *c
	}
	return st, nil
}

// realTime counts tasks by status and priority, finds the longest
// waiting, and counts workers by activity: for the workspace, or for one
// queue (its tasks, and the workers it targets).
func (s *Service) realTime(sp *space, q *TaskQueue) RealTime {
	now := s.now()
	rt := RealTime{TasksByStatus: map[string]int{}, TasksByPriority: map[string]int{}}
	for _, st := range []string{TaskPending, TaskReserved, TaskAssigned, TaskWrapping, TaskCompleted, TaskCanceled} {
		rt.TasksByStatus[st] = 0
	}
	for _, t := range sp.tasks.order {
		if q != nil && t.QueueSID != q.SID {
			continue
		}
		rt.TotalTasks++
		rt.TasksByStatus[t.AssignmentStatus]++
		rt.TasksByPriority[strconv.Itoa(t.Priority)]++
		if !t.waiting() {
			continue
		}
		if age := now.Sub(t.Created); rt.LongestWaitingSID == "" || age > rt.LongestWaitingAge {
			rt.LongestWaitingSID, rt.LongestWaitingAge = t.SID, age
		}
		if age := now.Sub(t.QueueEntered); rt.LongestInQueueSID == "" || age > rt.LongestInQueueAge {
			rt.LongestInQueueSID, rt.LongestInQueueAge = t.SID, age
		}
	}
	byActivity := map[string]int{}
	for _, w := range sp.workers.order {
		if q != nil && !q.Matches(w.attrs) {
			continue
		}
		rt.TotalWorkers++
		byActivity[w.ActivitySID]++
		if q == nil {
			continue
		}
		rt.TotalEligibleWorkers++
		if s.available(sp, w) {
			rt.TotalAvailableWorkers++
		}
	}
	for _, a := range sp.activities.order {
		rt.Activities = append(rt.Activities, ActivityCount{SID: a.SID, FriendlyName: a.FriendlyName, Workers: byActivity[a.SID]})
	}
	return rt
}
