package routing

import "time"

// Timer is what a test clock's AfterFunc returns to the engine.
type Timer = timer

// SetTimers makes the engine arm its deadlines (reservation timeouts,
// workflow steps, task TTLs, removals) with after instead of
// time.AfterFunc, so that a test's clock fires them when it moves. Set it,
// with SetClock, before the service is used.
func (s *Service) SetTimers(after func(d time.Duration, f func()) Timer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.after = after
}
