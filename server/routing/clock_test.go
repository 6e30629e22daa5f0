package routing_test

import (
	"slices"
	"sync"
	"time"

	"parley/server/routing"
)

// fakeClock is routing's clock in these tests: it moves only when told,
// and, once a service's timers are set to its AfterFunc, moving it fires
// the deadlines it passes, in order, each at its own time, before the move
// returns. Nothing waits on the real clock.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer // armed, in the order they were armed
}

// fakeTimer is one armed deadline.
type fakeTimer struct {
	c  *fakeClock
	at time.Time
	f  func()
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc arms f to run when the clock reaches d from now.
func (c *fakeClock) AfterFunc(d time.Duration, f func()) routing.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

// Stop disarms the timer, reporting whether it was still armed.
func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	i := slices.Index(t.c.timers, t)
	if i < 0 {
		return false
	}
	t.c.timers = slices.Delete(t.c.timers, i, i+1)
	return true
}

// Set moves the clock to to, firing every deadline up to it: the earliest
// first (the first armed of equal ones), with the clock at its deadline.
// A deadline a firing timer arms is fired too if it falls before to.
func (c *fakeClock) Set(to time.Time) {
	for {
		c.mu.Lock()
		var next *fakeTimer
		for _, t := range c.timers {
			if !t.at.After(to) && (next == nil || t.at.Before(next.at)) {
				next = t
			}
		}
		if next == nil {
			c.now = to
			c.mu.Unlock()
			return
		}
		c.timers = slices.DeleteFunc(c.timers, func(t *fakeTimer) bool { return t == next })
		if next.at.After(c.now) {
			c.now = next.at
		}
		c.mu.Unlock()
		next.f() // without the clock's lock: the engine reads the time
	}
}

func (c *fakeClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }
