package store

import (
	"context"
	"errors"
	"time"

	"parley/server/apperr"
)

// Storage trouble: the disk is full, or the database cannot be written
// (mounted read-only, an I/O error, its files gone, its server out of
// reach). Such a write fails
// for every caller alike, through no fault of theirs, so it is reported as
// the store being unavailable (503) rather than as an internal error, the
// store remembers it until a probe write succeeds (WriteTrouble, for the
// readiness check), and counts it (WriteFailures, for metrics).

// TroubleReasons are the reasons WriteFailures counts by.
var TroubleReasons = []string{"full", "readonly", "io", "cantopen", "unreachable"}

// troubleWords say each reason in the error message and the health check.
var troubleWords = map[string]string{
	"full":        "disk full",
	"readonly":    "read-only",
	"io":          "I/O error",
	"cantopen":    "cannot open its files",
	"unreachable": "cannot reach the database server",
}

// DefaultProbeInterval is how often, while writes fail, a probe write
// checks whether they work again.
const DefaultProbeInterval = 5 * time.Second

// probeBytes is what a probe writes: enough to need fresh pages and a few
// frames of the write-ahead log, as any real write might.
const probeBytes = 64 << 10

// unavailable is the error a write that failed for reason returns.
func unavailable(reason string) *apperr.Error {
	return apperr.New(apperr.Unavailable, apperr.CodeServiceUnavailable,
		"Parley cannot write to its database (%s); try again later", troubleWords[reason])
}

// troubleError is a write's failure for want of storage: the Unavailable
// error its caller sees, and the reason WriteFailures counts it under.
type troubleError struct {
	reason string
	err    *apperr.Error
}

func (e *troubleError) Error() string { return e.err.Error() }
func (e *troubleError) Unwrap() error { return e.err }

// failed records that writes are failing for reason and returns the error
// they answer; each is counted when it is answered (see answer).
func (db *DB) failed(reason string) error {
	db.trouble.Store(&reason)
	return &troubleError{reason: reason, err: unavailable(reason)}
}

// answer gives a write its outcome. A failure for want of storage is
// counted in WriteFailures, which counts the writes users asked for: not
// the probe's own.
func (db *DB) answer(op *writeOp, err error) {
	var te *troubleError
	if !op.probe && errors.As(err, &te) {
		db.failures[te.reason].Add(1)
	}
	op.done <- err
}

// WriteTrouble says why writes are failing, in words ("disk full",
// "read-only"), or "" when they are not. It is set by the first write that
// fails for want of storage and cleared only by a probe write that
// succeeds, so a small write squeezing into a page that happens to be free
// does not report a full disk as healthy.
func (db *DB) WriteTrouble() string {
	if r := db.trouble.Load(); r != nil {
		return troubleWords[*r]
	}
	return ""
}

// WriteFailures counts, per reason in TroubleReasons, the writes that
// failed for want of storage since Open.
func (db *DB) WriteFailures() map[string]int64 {
	out := make(map[string]int64, len(db.failures))
	for r, n := range db.failures {
		out[r] = n.Load()
	}
	return out
}

// probe checks every interval, while writes fail, whether they work again:
// it writes probeBytes and removes them, in two commits, as a real write
// needs room for both. While writes work, on an engine across a network it
// checks that the server can still be reached: a server gone while nobody
// writes must show in the health check before traffic meets it. It
// returns when the database closes.
func (db *DB) probe(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	ctx := context.Background()
	for {
		select {
		case <-db.stopped:
			return
		case <-t.C:
		}
		if db.trouble.Load() == nil {
			if db.engine.network {
				db.ping(ctx, interval)
			}
			continue
		}
		err := db.queueWrite(ctx, &writeOp{probe: true, fn: func(q WriteTx) error {
			_, err := q.ExecContext(ctx, db.engine.probe, probeBytes)
			return err
		}})
		if err != nil {
			continue
		}
		db.queueWrite(ctx, &writeOp{probe: true, fn: func(q WriteTx) error {
			if _, err := q.ExecContext(ctx, "DELETE FROM settings WHERE name = 'write_probe'"); err != nil {
				return err
			}
			// Cleared on the writer, in commit order: a write failing
			// after this one sets the trouble again.
			q.AfterCommit(func() { db.trouble.Store(nil) })
			return nil
		}})
	}
}

// ping asks the server for a connection and an answer, within timeout, and
// records the trouble if it cannot have them. The writer's own connection
// is not asked: the pool's are what requests use, and a new one is what a
// server that went away refuses.
func (db *DB) ping(ctx context.Context, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, max(timeout, 2*time.Second))
	defer cancel()
	if err := db.read.PingContext(ctx); err != nil {
		reason := "unreachable"
		db.trouble.Store(&reason)
	}
}
