package interactions

import (
	"context"
	"time"

	"parley/server/routing"
	"parley/shared/model"
)

// JoinWait bounds how long an accept waits for its worker to join the
// conversation. The join is one write; only a store in trouble takes long.
const JoinWait = 10 * time.Second

// acceptWait is an accept waiting for the join its acceptance causes.
type acceptWait struct {
	done    chan struct{} // closed once the follower has reacted to the acceptance
	waiters int
}

// joinPoll is how often an accept looks in the store for its worker's
// join, which on a cluster may happen on another node.
const joinPoll = 25 * time.Millisecond

// Accept runs accept (routing's answer to a reservation) and, when it
// accepted the task of an interaction, returns only once the worker has
// joined the channel's conversation, or after JoinWait. Routing tells
// Interactions of the acceptance on another goroutine; without this wait
// a desk reading the thread at once was refused: the agent was not a
// participant yet.
//
// The join is made by the node whose routing accepted: on a cluster that
// may be another node (routing runs on one, accepts forwarded to it), so
// besides this node's follower waking it, the accept looks for the join
// in the store: the channel's participant for this task and worker, which
// join writes once the worker is in the conversation.
func (s *Service) Accept(ctx context.Context, reservationSID string, accept func() (routing.Reservation, error)) (routing.Reservation, error) {
	w := s.expect(reservationSID) // before the accept: the join may follow at once
	defer s.forget(reservationSID, w)
	r, err := accept()
	if err != nil || r.Status != routing.ReservationAccepted {
		return r, err
	}
	t, err := s.routing.Task(ctx, r.WorkspaceSID, r.TaskSID)
	if err != nil || t.Attrs()[model.TaskAttrChannelSID] == nil {
		return r, nil // not an interaction's task: nobody joins anything
	}
	chSID, _ := t.Attrs()[model.TaskAttrChannelSID].(string)
	timer := time.NewTimer(JoinWait)
	defer timer.Stop()
	var polls <-chan time.Time // nil: only the follower wakes this node
	if s.JoinsElsewhere {
		poll := time.NewTicker(joinPoll)
		defer poll.Stop()
		polls = poll.C
	}
	for {
		select {
		case <-w.done:
			return r, nil
		case <-ctx.Done():
			return r, nil
		case <-polls:
			if s.hasJoined(ctx, chSID, r) {
				return r, nil
			}
		case <-timer.C:
			s.log.Warn("interactions: an accept answered before its worker joined the conversation",
				"reservation", reservationSID, "task", r.TaskSID, "waited", JoinWait)
			return r, nil
		}
	}
}

// hasJoined reports whether the store holds r's worker's join to the
// channel for r's task. A failed read is as not yet: the wait is bounded.
func (s *Service) hasJoined(ctx context.Context, channelSID string, r routing.Reservation) bool {
	parts, err := children[Participant](ctx, s, channelSID, KindParticipant)
	if err != nil {
		return false
	}
	for _, p := range parts {
		if p.TaskSID == r.TaskSID && p.WorkerSID == r.WorkerSID {
			return true
		}
	}
	return false
}

func (s *Service) expect(reservationSID string) *acceptWait {
	s.acceptsMu.Lock()
	defer s.acceptsMu.Unlock()
	w := s.accepts[reservationSID]
	if w == nil {
		w = &acceptWait{done: make(chan struct{})}
		s.accepts[reservationSID] = w
	}
	w.waiters++
	return w
}

func (s *Service) forget(reservationSID string, w *acceptWait) {
	s.acceptsMu.Lock()
	defer s.acceptsMu.Unlock()
	if w.waiters--; w.waiters == 0 && s.accepts[reservationSID] == w {
		delete(s.accepts, reservationSID)
	}
}

// joined wakes the accepts waiting on a reservation: the follower has
// reacted to its acceptance (joined the worker, or logged why not).
func (s *Service) joined(reservationSID string) {
	s.acceptsMu.Lock()
	defer s.acceptsMu.Unlock()
	if w := s.accepts[reservationSID]; w != nil {
		close(w.done)
		delete(s.accepts, reservationSID)
	}
}
