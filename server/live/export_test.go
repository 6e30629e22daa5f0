package live

import "time"

// SetQueueClock makes q pace its rounds by a clock the test moves: now is
// what it reads, after schedules a round (the test runs it when it likes).
func SetQueueClock(q *QueueWatch, now func() time.Time, after func(time.Duration, func())) {
	q.now, q.after = now, after
}
