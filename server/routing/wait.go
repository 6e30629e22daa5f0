package routing

import "time"

// How a waiting task's wait is estimated.
//
// What the customer waits for is an agent of the queue accepting the
// task. An agent takes the next task when one of its chat slots frees up
// (its capacity on the task's channel; one slot in all when the workspace
// is not multitasking), so the wait of the task that is j-th in line
// among those not offered yet is the time until j slots of the queue's
// eligible available agents have freed up, plus the time an agent takes
// to accept an offer.
//
// Routing measures, per queue (exponentially weighted, so the estimate
// follows the team's recent pace, not last month's):
//
//   - handle (H): how long an agent holds a slot per task, from accepting
//     to completing (wrap-up included: it holds the slot too), over about
//     the last 100 tasks;
//   - answer (A): how long an agent takes to accept an offer;
//   - per place: how long tasks actually waited for each place in line
//     they had when first estimated, over about the last 20 tasks.
//
// With S slots (free or busy) among the eligible available agents, F of
// them free, the j-th task not yet offered waits
//
//	A                      when j ≤ F (a free slot takes it at once)
//	A + (j − F) × H ÷ S    otherwise
//
// because S slots busy with chats of mean length H free up, together, one
// every H ÷ S on average, whatever each one's own chat. Why not follow
// each busy slot's own remaining time? We tried it: ordering the slots by
// their expected ends and counting them off promises the first free slot
// too late (the soonest of many random ends comes well before the
// soonest of their expectations), and the simulation in position_test.go
// measured it worse than this rate. A task already offered waits what is
// left of A (nothing, before any answer was measured: an agent is
// looking at it now, so "less than a minute" is no made-up number).
//
// When nothing has been measured yet (no task of the queue completed
// since Parley started) the estimate is the task's place in line times
// the measured wait per place, if any. With nobody available who could
// take the task, or nothing measured at all, there is no estimate: the
// customer sees the position alone rather than a number made up.

// ewma is an exponentially weighted mean whose first samples are averaged
// plainly (weight 1/n until it reaches floor), so a cold queue is not
// ruled by its first sample.
type ewma struct {
	n     int
	mean  float64
	floor float64 // the smallest weight of a new sample: about 1/window
}

func (e *ewma) add(v float64) {
	e.n++
	w := max(1/float64(e.n), e.floor)
	e.mean += w * (v - e.mean)
}

// value is the mean, or 0 before any sample.
func (e *ewma) value() float64 { return e.mean }

// measures are what routing has seen of one queue.
type measures struct {
	handle   ewma // seconds a slot is held per task
	answer   ewma // seconds from an offer to its acceptance
	perPlace ewma // seconds waited per place in line, from the first estimate to acceptance
}

func newMeasures() *measures {
	return &measures{handle: ewma{floor: 0.01}, answer: ewma{floor: 0.1}, perPlace: ewma{floor: 0.05}}
}

// QueueLoad is what the estimate of the waits in one queue, on one task
// channel, is computed from.
type QueueLoad struct {
	// Free is the number of slots eligible available agents have free now.
	Free int
	// Busy counts the slots eligible available agents hold (an offer
	// pending, a task accepted or in wrap-up).
	Busy int
	// Handle is the measured time a slot is held per task; zero when
	// nothing has been measured yet.
	Handle time.Duration
	// Answer is the measured time an agent takes to accept an offer.
	Answer time.Duration
	// PerPlace is the measured wait per place in line, used while Handle
	// is unknown; zero when unknown too.
	PerPlace time.Duration
	// Ahead counts the tasks already offered ahead of the first task not
	// offered: places in line for PerPlace.
	Ahead int
}

// Waits estimates the wait of the first n tasks in line that have no offer
// yet, in order. ok is false when there is no estimate: nothing measured,
// or no eligible agent available (no slot at all).
func (l QueueLoad) Waits(n int) (waits []time.Duration, ok bool) {
	free := max(l.Free, 0)
	slots := free + l.Busy
	if slots == 0 || (l.Handle <= 0 && l.PerPlace <= 0) {
		return nil, false
	}
	waits = make([]time.Duration, n)
	for j := range waits {
		if l.Handle <= 0 {
			waits[j] = time.Duration(l.Ahead+j+1) * l.PerPlace
			continue
		}
		waits[j] = l.Answer
		if k := j + 1 - free; k > 0 {
			waits[j] += time.Duration(float64(k) * float64(l.Handle) / float64(slots))
		}
	}
	return waits, true
}
