package routing

import (
	"context"
	"slices"
	"time"

	"parley/server/apperr"
)

// Reservation statuses, as TaskRouter's.
const (
	ReservationPending   = "pending"   // offered; the worker has not answered
	ReservationAccepted  = "accepted"  // the worker took the task
	ReservationRejected  = "rejected"  // the worker declined it
	ReservationTimeout   = "timeout"   // the worker did not answer in time
	ReservationCanceled  = "canceled"  // the task was canceled or deleted
	ReservationRescinded = "rescinded" // another worker took the task, or it moved on
	ReservationWrapping  = "wrapping"  // the worker is wrapping up
	ReservationCompleted = "completed" // the work is done
)

// Reservation offers a task to one worker.
type Reservation struct {
	Key          int64     `json:"key"`
	SID          string    `json:"sid"`
	WorkspaceSID string    `json:"workspace_sid"`
	TaskSID      string    `json:"task_sid"`
	WorkerSID    string    `json:"worker_sid"`
	WorkerName   string    `json:"worker_name"`
	Status       string    `json:"status"`
	Deadline     time.Time `json:"deadline"` // when a pending reservation times out
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`

	timer timer
	// When it was offered and accepted, on routing's clock (not stored:
	// what the wait estimates measure since Parley started).
	offered, accepted time.Time
}

// live reports whether the reservation holds some of its worker's
// capacity.
func (r *Reservation) live() bool {
	return r.Status == ReservationPending || r.Status == ReservationAccepted || r.Status == ReservationWrapping
}

func (r *Reservation) key() int64 { return r.Key }

func (r *Reservation) stopTimer() {
	if r.timer != nil {
		r.timer.Stop()
	}
}

func (r *Reservation) snapshot() *Reservation {
	c := *r
	c.timer = nil
	return &c
}

// ReservationFilter narrows a reservation list.
type ReservationFilter struct {
	Status    string
	WorkerSID string // for a task's reservations
}

// TaskReservations lists a task's reservations.
func (s *Service) TaskReservations(ctx context.Context, workspaceSID, taskSID string, f ReservationFilter, r PageRequest) (Page[Reservation], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, _, err := s.task(workspaceSID, taskSID)
	if err != nil {
		return Page[Reservation]{}, err
	}
	return pageReservations(t.reservations, f, r), nil
}

// WorkerReservations lists a worker's reservations of tasks still kept.
func (s *Service) WorkerReservations(ctx context.Context, workspaceSID, workerSID string, f ReservationFilter, r PageRequest) (Page[Reservation], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, sp, err := s.worker(workspaceSID, workerSID)
	if err != nil {
		return Page[Reservation]{}, err
	}
	return pageReservations(s.loadOf(sp, workerSID).reservations, f, r), nil
}

func pageReservations(all []*Reservation, f ReservationFilter, r PageRequest) Page[Reservation] {
	var items []*Reservation
	for _, v := range all {
		if (f.Status == "" || v.Status == f.Status) && (f.WorkerSID == "" || v.WorkerSID == f.WorkerSID) {
			items = append(items, v)
		}
	}
	return copies(pagingSlice(items, r))
}

// Reservation fetches one of a task's reservations.
func (s *Service) Reservation(ctx context.Context, workspaceSID, taskSID, reservationSID string) (Reservation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, _, _, err := s.reservation(workspaceSID, taskSID, "", reservationSID)
	if err != nil {
		return Reservation{}, err
	}
	return *r.snapshot(), nil
}

// WorkerReservation fetches one of a worker's reservations.
func (s *Service) WorkerReservation(ctx context.Context, workspaceSID, workerSID, reservationSID string) (Reservation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, _, _, err := s.reservation(workspaceSID, "", workerSID, reservationSID)
	if err != nil {
		return Reservation{}, err
	}
	return *r.snapshot(), nil
}

// reservation finds a reservation under its task or its worker.
func (s *Service) reservation(workspaceSID, taskSID, workerSID, reservationSID string) (*Reservation, *Task, *space, error) {
	sp, err := s.space(workspaceSID)
	if err != nil {
		return nil, nil, nil, err
	}
	r := sp.reservations[reservationSID]
	if r == nil || (taskSID != "" && r.TaskSID != taskSID) || (workerSID != "" && r.WorkerSID != workerSID) {
		return nil, nil, sp, notFound("Reservation", reservationSID)
	}
	return r, sp.tasks.bySID[r.TaskSID], sp, nil
}

// ReservationParams answer a reservation.
type ReservationParams struct {
	// Status is accepted, rejected, wrapping or completed.
	Status string
	// WorkerActivitySID, with a rejection, moves the worker to that
	// activity (say, to stop more offers coming).
	WorkerActivitySID string
}

// UpdateReservation is a worker's answer to a reservation: accept or reject
// it while it is pending, wrap up or complete it once accepted.
// taskSID or workerSID says which path it was reached by.
func (s *Service) UpdateReservation(ctx context.Context, workspaceSID, taskSID, workerSID, reservationSID string, p ReservationParams) (Reservation, error) {
	s.mu.Lock()
	r, t, sp, err := s.reservation(workspaceSID, taskSID, workerSID, reservationSID)
	if err != nil {
		s.mu.Unlock()
		return Reservation{}, err
	}
	var b batch
	if err := s.answer(sp, t, r, p, &b); err != nil {
		s.mu.Unlock()
		return Reservation{}, err
	}
	out := *r.snapshot()
	w := s.flush(&b)
	s.mu.Unlock()
	return out, w.Wait()
}

func (s *Service) answer(sp *space, t *Task, r *Reservation, p ReservationParams, b *batch) error {
	if p.WorkerActivitySID != "" && sp.activities.bySID[p.WorkerActivitySID] == nil {
		return invalid("WorkerActivitySid %s is not an activity of workspace %s", p.WorkerActivitySID, sp.SID)
	}
	from := map[string][]string{
		ReservationAccepted:  {ReservationPending},
		ReservationRejected:  {ReservationPending},
		ReservationWrapping:  {ReservationAccepted},
		ReservationCompleted: {ReservationAccepted, ReservationWrapping},
	}
	allowed, known := from[p.Status]
	if !known {
		return invalid("ReservationStatus %q is not one of accepted, rejected, wrapping, completed", p.Status)
	}
	if !slices.Contains(allowed, r.Status) {
		return apperr.Conflictf(apperr.CodeBadRequest, "Reservation %s is %s and cannot become %s", r.SID, r.Status, p.Status)
	}
	switch p.Status {
	case ReservationAccepted:
		s.accept(sp, t, r, b)
	case ReservationRejected:
		s.decline(sp, t, r, ReservationRejected, p.WorkerActivitySID, b)
	case ReservationWrapping:
		s.wrapTask(sp, t, "", b)
	case ReservationCompleted:
		s.completeTask(sp, t, "", b)
	}
	if p.WorkerActivitySID != "" && p.Status != ReservationRejected {
		s.setActivity(sp, r.WorkerSID, p.WorkerActivitySID, b)
	}
	return nil
}
