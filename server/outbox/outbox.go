// Package outbox is durable work that must happen after a change commits:
// event webhooks and messages sent out over SMS and WhatsApp. A job is
// written in the same transaction as the change that raised it, so a change
// that commits always gets its job and one that rolls back never does, and a
// restart loses neither.
//
// Jobs with the same key run in order, one at a time: the next waits until
// the one before it is delivered or given up. A failed attempt is retried
// with exponential backoff and jitter until GiveUpAfter has passed since
// the job was made.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"parley/server/paging"
)

// State is where a job is in its life.
type State string

// Job states.
const (
	Pending   State = "pending"   // waiting for its first or next attempt
	Delivered State = "delivered" // an attempt succeeded
	Failed    State = "failed"    // refused for good, or retried until GiveUpAfter
)

// Job is one piece of work: a webhook to post, a message to send.
type Job struct {
	Seq  int64
	SID  string
	Kind string // names the Handler that does it
	// Key orders jobs: those with the same key run one at a time, in the
	// order they were made.
	Key     string
	Payload []byte // the handler's to read
	Created time.Time

	State      State
	Attempts   int
	NextAt     time.Time // when the next attempt is due, while pending
	LastStatus int       // the receiver's last HTTP status, 0 when none came
	LastError  string
	Finished   time.Time // when it was delivered or given up
}

// Result is what one attempt came to.
type Result struct {
	Status int   // the receiver's HTTP status, if it answered
	Err    error // nil when delivered
	// Final marks an error that no retry will cure (a receiver refusing
	// the request as malformed); the job fails at once.
	Final bool
}

// Handler attempts a job once. It must return within ctx's deadline.
type Handler func(ctx context.Context, j Job) Result

// Store keeps jobs.
type Store interface {
	// Enqueue stores new jobs, pending and due now, or at NextAt when a
	// job sets a later time (a check to make in a few minutes).
	Enqueue(ctx context.Context, jobs ...Job) error
	// Due lists the lines of up to keys keys whose oldest pending job is
	// due at now: each line's first perKey pending jobs, oldest first,
	// the lines one after another.
	Due(ctx context.Context, now time.Time, keys, perKey int) ([]Job, error)
	// Line is one key's line as Due gives it: its first perKey pending
	// jobs, oldest first, if the first is due at now; else none.
	Line(ctx context.Context, key string, now time.Time, perKey int) ([]Job, error)
	// NextDue is when the soonest pending job is due; ok is false when
	// none is pending.
	NextDue(ctx context.Context) (t time.Time, ok bool, err error)
	// Save writes jobs' progress after attempts, in one write.
	Save(ctx context.Context, jobs ...Job) error
	// Record stores jobs that are already finished, as they are: attempts
	// made elsewhere (a pre-event webhook, asked while its change waits)
	// listed with the deliveries for the operator. The runner never runs
	// them.
	Record(ctx context.Context, jobs ...Job) error
	Job(ctx context.Context, sid string) (Job, error)
	Jobs(ctx context.Context, f Filter, p paging.Request) (paging.Page[Job], error)
	// Prune drops finished jobs that finished before the given time.
	Prune(ctx context.Context, before time.Time) (int64, error)
}

// Claims let several runners, one per node, share one store: a runner runs
// a key's line only while it holds the key's claim, so no two run it at
// once and its order holds across nodes. A claim lasts until released or
// until its holder is gone (its process, or its connection to the store),
// so a node that dies mid-line leaves its keys to the others.
type Claims interface {
	// Claim takes key's claim if no runner holds it, and reports whether
	// it did.
	Claim(ctx context.Context, key string) (bool, error)
	// Holds reports whether this runner still holds key's claim: it may
	// lose it while running the line (its connection to the store went),
	// and another runner may then have taken it.
	Holds(ctx context.Context, key string) (bool, error)
	// Release gives key's claim back.
	Release(ctx context.Context, key string) error
}

// Filter narrows a job list.
type Filter struct {
	State State
	Kind  string
}

// Metrics hears of every attempt.
type Metrics interface {
	Attempted(kind string, delivered bool, took time.Duration)
}

// Runner does due jobs with their handlers.
type Runner struct {
	Store Store
	// Claims, when set, are taken before a key's line runs: for runners
	// on several nodes sharing Store. Nil for a runner alone.
	Claims   Claims
	Handlers map[string]Handler
	Log      *slog.Logger
	Metrics  Metrics
	Now      func() time.Time
	// Workers is how many keys' lines run at once; a line runs its jobs
	// one after another.
	Workers int
	// Timeout bounds one attempt.
	Timeout time.Duration
	// FirstRetry is the wait after the first failure; each later wait
	// doubles, up to MaxRetryWait, with ±20% jitter so that many jobs
	// failing together do not retry together.
	FirstRetry, MaxRetryWait time.Duration
	// GiveUpAfter is how long after it was made a job stops being retried.
	GiveUpAfter time.Duration

	wake     chan struct{}
	initOnce sync.Once
}

// Defaults for a Runner's zero fields.
const (
	DefaultWorkers      = 16
	DefaultTimeout      = 5 * time.Second
	DefaultFirstRetry   = 5 * time.Second
	DefaultMaxRetryWait = 30 * time.Minute
	DefaultGiveUpAfter  = 25 * time.Hour
)

func (r *Runner) init() {
	r.initOnce.Do(func() {
		r.wake = make(chan struct{}, 1)
		if r.Log == nil {
			r.Log = slog.Default()
		}
		if r.Now == nil {
			r.Now = time.Now
		}
		if r.Workers == 0 {
			r.Workers = DefaultWorkers
		}
		if r.Timeout == 0 {
			r.Timeout = DefaultTimeout
		}
		if r.FirstRetry == 0 {
			r.FirstRetry = DefaultFirstRetry
		}
		if r.MaxRetryWait == 0 {
			r.MaxRetryWait = DefaultMaxRetryWait
		}
		if r.GiveUpAfter == 0 {
			r.GiveUpAfter = DefaultGiveUpAfter
		}
	})
}

// Wake tells the runner new jobs may be due. It never blocks.
func (r *Runner) Wake() {
	r.init()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Enqueue stores jobs made outside any other transaction and wakes the
// runner.
func (r *Runner) Enqueue(ctx context.Context, jobs ...Job) error {
	if err := r.Store.Enqueue(ctx, jobs...); err != nil {
		return err
	}
	r.Wake()
	return nil
}

// Retry makes a failed job pending again, due now, with its attempts kept.
func (r *Runner) Retry(ctx context.Context, sid string) (Job, error) {
	r.init()
	j, err := r.Store.Job(ctx, sid)
	if err != nil {
		return j, err
	}
	if j.State != Failed {
		return j, ErrNotFailed
	}
	j.State, j.NextAt, j.Finished = Pending, r.Now(), time.Time{}
	// A retried job gets a fresh day: it counts from now.
	j.Created = r.Now()
	if err := r.Store.Save(ctx, j); err != nil {
		return j, err
	}
	r.Wake()
	return j, nil
}

// ErrNotFailed is returned by Retry for a job that has not failed.
var ErrNotFailed = errors.New("only a failed delivery can be retried; this one is pending or delivered")

// Run does due jobs until ctx ends. Then it takes no new job, lets the
// attempts in flight finish (each is bounded by Timeout, not cut short by
// ctx: a receiver may already have acted on a request it was not allowed
// to answer), saves their progress and returns. Close the store only after
// Run has returned, or a restart repeats deliveries that were made.
func (r *Runner) Run(ctx context.Context) {
	r.init()
	idle := time.NewTimer(time.Hour)
	defer idle.Stop()
	for ctx.Err() == nil {
		n, err := r.round(ctx)
		elsewhere := errors.Is(err, errClaimedElsewhere)
		if err != nil && !elsewhere && ctx.Err() == nil {
			r.Log.Error("outbox: read due jobs", "err", err)
		}
		if n > 0 && err == nil {
			continue // more may be due at once
		}
		wait := time.Minute
		switch {
		case elsewhere:
			// What is due is being run by other nodes; this one looks
			// again soon, in case one of them stops.
			wait = claimedWait
		case err == nil:
			if t, ok, err := r.Store.NextDue(ctx); err == nil && ok {
				wait = max(t.Sub(r.Now()), 10*time.Millisecond)
			}
		}
		idle.Reset(min(wait, time.Minute))
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-idle.C:
		}
	}
}

// perKey bounds the jobs of one key taken in a round.
const perKey = 64

// claimedWait is how long a runner whose due lines were all other nodes'
// waits before it looks again.
const claimedWait = time.Second

// round runs the lines of keys whose next job is due, at most Workers lines
// at a time, each line in order until a job in it fails, and returns how
// many jobs it attempted.
func (r *Runner) round(ctx context.Context) (int, error) {
	// With claims, a line is read under its claim (claim): here only
	// each due key's first job, to know the key.
	per := perKey
	if r.Claims != nil {
		per = 1
	}
	jobs, err := r.Store.Due(ctx, r.Now(), r.Workers*4, per)
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	var lines [][]Job
	for i, j := range jobs {
		if i == 0 || j.Key != jobs[i-1].Key {
			lines = append(lines, nil)
		}
		lines[len(lines)-1] = append(lines[len(lines)-1], j)
	}
	sem := make(chan struct{}, r.Workers)
	var wg sync.WaitGroup
	var attempted, skipped atomic.Int64
	for _, line := range lines {
		sem <- struct{}{}
		if ctx.Err() != nil {
			break // stopping: lines not started wait for the next start
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if r.Claims != nil {
				var ok bool
				if line, ok = r.claim(ctx, line[0].Key); !ok {
					skipped.Add(1)
					return // another node runs it, or ran it meanwhile
				}
				defer r.release(ctx, line[0].Key)
			}
			// One write saves the line's progress: a crash before it
			// repeats these deliveries, which their idempotency tokens
			// let receivers drop. A stop waits for it. (And the claim
			// waits for the save: the next node to run the line must read
			// what this one did.)
			var done []Job
			defer func() { r.save(ctx, done) }()
			for i, j := range line {
				if ctx.Err() != nil {
					return // stopping: the rest of the line waits for the next start
				}
				if i > 0 && r.Claims != nil && !r.holds(ctx, j.Key) {
					// Another runner may run the line now, from where it
					// was saved: running on would send the rest twice,
					// interleaved with it.
					return
				}
				attempted.Add(1)
				j = r.attempt(ctx, j)
				done = append(done, j)
				if j.State == Pending {
					return // the rest of the line waits for this one
				}
			}
		}()
	}
	wg.Wait()
	if attempted.Load() == 0 && skipped.Load() > 0 {
		// Every due line ran elsewhere: look again once they may have.
		return 0, errClaimedElsewhere
	}
	return int(attempted.Load()), nil
}

// errClaimedElsewhere ends a round whose due lines other nodes held.
var errClaimedElsewhere = errors.New("outbox: the due lines are another node's")

// claim takes key's claim and reads its line afresh, for the node that
// held it before may have run some of it; ok is false when the claim is
// another's or nothing of the line is due any more.
func (r *Runner) claim(ctx context.Context, key string) (line []Job, ok bool) {
	// Not cut short by a stop: a query cancelled midway closes the
	// connection that holds every claim of this node.
	got, err := r.Claims.Claim(context.WithoutCancel(ctx), key)
	if err != nil {
		r.Log.Error("outbox: claim a key's jobs", "key", key, "err", err)
	}
	if !got {
		return nil, false
	}
	line, err = r.Store.Line(ctx, key, r.Now(), perKey)
	if err != nil {
		r.Log.Error("outbox: read a key's jobs", "key", key, "err", err)
	}
	if len(line) == 0 {
		r.release(ctx, key)
		return nil, false
	}
	return line, true
}

// holds says whether the runner still holds key's claim; not knowing
// counts as no.
func (r *Runner) holds(ctx context.Context, key string) bool {
	ok, err := r.Claims.Holds(context.WithoutCancel(ctx), key)
	if err != nil {
		r.Log.Error("outbox: check a key's claim is still held", "key", key, "err", err)
	}
	return ok && err == nil
}

func (r *Runner) release(ctx context.Context, key string) {
	if err := r.Claims.Release(context.WithoutCancel(ctx), key); err != nil {
		r.Log.Error("outbox: release a key's jobs", "key", key, "err", err)
	}
}

// attempt runs one job and returns it with its progress. A stop (ctx
// ending) does not cut the attempt short: its outcome is saved.
func (r *Runner) attempt(ctx context.Context, j Job) Job {
	h := r.Handlers[j.Kind]
	var res Result
	start := time.Now()
	if h == nil {
		res = Result{Err: fmt.Errorf("no handler for jobs of kind %q", j.Kind), Final: true}
	} else {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.Timeout)
		res = h(actx, j)
		cancel()
	}
	if r.Metrics != nil {
		r.Metrics.Attempted(j.Kind, res.Err == nil, time.Since(start))
	}
	now := r.Now()
	j.Attempts++
	j.LastStatus, j.LastError = res.Status, ""
	switch {
	case res.Err == nil:
		j.State, j.Finished = Delivered, now
	case res.Final || now.Sub(j.Created) >= r.GiveUpAfter:
		j.State, j.Finished, j.LastError = Failed, now, res.Err.Error()
		r.Log.Warn("outbox: job failed for good", "sid", j.SID, "kind", j.Kind, "attempts", j.Attempts, "err", res.Err)
	default:
		j.LastError = res.Err.Error()
		j.NextAt = now.Add(r.backoff(j.Attempts))
	}
	return j
}

func (r *Runner) save(ctx context.Context, jobs []Job) {
	if len(jobs) == 0 {
		return
	}
	if err := r.Store.Save(context.WithoutCancel(ctx), jobs...); err != nil {
		r.Log.Error("outbox: save jobs' progress", "jobs", len(jobs), "err", err)
	}
}

// backoff is the wait after the n-th failed attempt.
func (r *Runner) backoff(n int) time.Duration {
	d := r.FirstRetry
	for i := 1; i < n && d < r.MaxRetryWait; i++ {
		d *= 2
	}
	d = min(d, r.MaxRetryWait)
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}
