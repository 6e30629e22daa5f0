// Package ratelimit limits how often each client may do something, with a
// token bucket per client key (an IP address, say).
package ratelimit

import (
	"sync"
	"time"
)

// maxKeys bounds the memory a flood of distinct clients can take: past it,
// buckets that have refilled are dropped, as they carry no state.
const maxKeys = 100_000

// Limiter allows each key Burst actions at once, refilling at Rate per
// second. It is safe for concurrent use.
type Limiter struct {
	Burst float64
	Rate  float64 // tokens per second
	Now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// New returns a limiter of burst actions, refilled to allow perMinute a
// minute.
func New(burst, perMinute int) *Limiter {
	return &Limiter{Burst: float64(burst), Rate: float64(perMinute) / 60, Now: time.Now, buckets: map[string]*bucket{}}
}

// Allow takes a token for key. When none is left it says how long until
// one is.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxKeys {
			l.sweep(now)
		}
		b = &bucket{tokens: l.Burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.Burst, b.tokens+now.Sub(b.last).Seconds()*l.Rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.Rate * float64(time.Second))
}

// sweep drops full buckets: a new bucket would be the same.
func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.Rate >= l.Burst {
			delete(l.buckets, k)
		}
	}
}
