package client

import (
	mrand "math/rand/v2"
	"time"
)

// Default bounds of the wait between reconnection attempts.
const (
	DefaultMinBackoff = 250 * time.Millisecond
	DefaultMaxBackoff = 10 * time.Second
)

// backoff spaces out reconnection attempts: each failure doubles the wait,
// up to a ceiling, so a server that is down is not hammered, and a success
// starts over from the floor.
type backoff struct {
	min, max, cur time.Duration
}

// newBackoff returns a backoff from lo to hi, with the defaults for bounds
// that are unset; a ceiling below the floor is raised to it.
func newBackoff(lo, hi time.Duration) backoff {
	if lo <= 0 {
		lo = DefaultMinBackoff
	}
	if hi <= 0 {
		hi = DefaultMaxBackoff
	}
	hi = max(lo, hi)
	return backoff{min: lo, max: hi, cur: lo}
}

// next returns how long to wait before the next attempt and doubles the
// wait after it.
func (b *backoff) next() time.Duration {
	d := jitter(b.cur)
	b.cur = min(2*b.cur, b.max)
	return d
}

// reset starts over from the floor, after a success.
func (b *backoff) reset() { b.cur = b.min }

// jitter spreads a wait over [d/2, d), so clients dropped together (a
// server restart) do not all return in the same instant.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + time.Duration(mrand.Int64N(int64(d-d/2)))
}
