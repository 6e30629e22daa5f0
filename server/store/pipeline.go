package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"parley/server/store/postgres"
)

// The pipelined writer, for an engine across a network (PostgreSQL).
//
// There every statement the writer runs costs a round trip (about 60 µs on
// loopback here, idle, and more under load), and the writer is serial, so
// round trips, not the database's work, set how many writes a second it
// commits. The writer therefore sends statements together:
//
//   - statements a write does not need an answer from (its INSERT of the
//     message, its UPDATE of the conversation, its INSERTs of events and
//     outbox jobs) wait, through WriteTx.Later;
//   - so do the savepoint statements between writes, BEGIN, and the
//     ROLLBACK TO of a write that failed before it sent anything;
//   - everything waiting goes in one round trip with the next statement
//     whose answer a write needs: usually the next write's read of its
//     conversation.
//
// A message then costs one round trip where it cost six. The semantics stay
// those of a writer that runs each statement where it stands: a statement
// that waited and failed (a unique rule, say) aborts what follows it in its
// round trip, so its write is rolled back to its savepoint and run again
// with every statement run where it stands (it then meets the failure where
// it would have, and answers as it would have: an idempotency key already
// used finds the earlier message), and the write that was running, if
// another, starts over after it. Such replays happen only when a waiting
// statement fails.
//
// Savepoints cost two of a message's five statements, and they are needed
// only when a write fails. So a batch first runs without them (unguarded):
// as long as every write succeeds, or fails having changed nothing (a read
// that finds no conversation, say), nothing needs undoing. Should a write
// need undoing (it failed after changing something, a statement of it
// failed in the server, or one it left waiting did), the whole
// transaction is rolled back, before anything of it was committed or
// announced, and the batch runs again from its start with savepoints, as
// described above: the write that failed gets its error, every other write
// commits once. The event log's seqs are read afresh for that run
// (lockLog), so the seqs the lost run handed out are neither announced
// (OnBatch, hooks) nor left as holes. A batch run again costs about twice
// one run, so after one the next batches start guarded (guardMore), more
// of them while failures keep coming.

// pipe is the pipelined writer's state; nil on an engine that does not
// pipeline.
type pipe struct {
	conn   *postgres.Pipe
	rebind func(string) string

	// queued are the statements waiting to be sent, in order, and
	// owners the write each belongs to: nil for control statements
	// (BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO).
	queued []postgres.Stmt
	owners []*opRun
	// begun says BEGIN was sent.
	begun bool
	// running is the write now running.
	running *opRun
	// deferring says the running write may leave statements waiting: false
	// while a write is replayed, in a careful batch, and for an eager write.
	deferring bool
	// mode is how the batch running guards its writes.
	mode batchMode
	// guardNext is how many batches from now on run guarded from their
	// start, and guardRun how many the next run again will set it to:
	// while writes keep failing, running every batch twice would cost more
	// than the savepoints save, so each batch run again guards the next
	// ones, twice as many each time it happens again, up to maxGuardRun.
	guardNext, guardRun int
	// failed is the write one of whose waiting statements failed, until it
	// is replayed.
	failed *opRun
	// broken is a failure of a control statement: the transaction is lost.
	broken error
	// trips counts round trips, so a write can tell whether it sent any.
	trips int
	// ahead are the answers the batch read ahead (readahead.go).
	ahead readAhead
}

// opRun is one write of a batch, as the pipelined writer runs it.
type opRun struct {
	fn    func(WriteTx) error
	err   error
	hooks []func()
	// skipped is the error of a write whose caller gave up before its
	// batch began, kept so that a batch run again skips the same writes.
	skipped error
	// wrote says the write sent or queued a statement that may change
	// something (see reads): a write that fails without one needs no undo.
	wrote bool
	// eager says the write runs its statements where they stand, for a
	// batch run again after one it had left waiting failed: it then meets
	// that failure inside its savepoint rather than in a later round trip.
	eager bool
}

// batchMode is how a batch's writes are guarded against each other.
type batchMode int

const (
	// unguarded: no savepoints; a write that needs undoing sends the
	// batch round again, guarded.
	unguarded batchMode = iota
	// guarded: each write in a savepoint, statements left waiting.
	guarded
	// careful: each write in a savepoint, every statement where it stands.
	careful
)

// reads says a statement only reads, so a write that sent it and then
// failed changed nothing by it. PostgreSQL's SELECT can call a function
// that writes, but the store's never do (the one that locks, the batch's
// write lock, is the writer's own).
func reads(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n")
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}

func newPipe(e *engine, conn *sql.Conn) (*pipe, error) {
	c, err := postgres.NewPipe(conn)
	if err != nil {
		return nil, err
	}
	return &pipe{conn: c, rebind: e.rebind}, nil
}

func (p *pipe) control(stmts ...string) {
	for _, s := range stmts {
		p.queue(postgres.Stmt{SQL: s}, nil)
	}
}

// Later queues a statement whose outcome the write does not need now; it
// reports false when the statement must be run now instead (the engine
// does not pipeline, or the write is being replayed), which the caller
// then does.
func (w *writeConn) Later(query string, args ...any) bool {
	p := w.pipe
	if p == nil || !p.deferring || unstorable(args) != nil {
		return false
	}
	p.queue(postgres.Stmt{SQL: p.rebind(query), Args: args}, p.running)
	p.running.wrote = true
	p.ahead.touch(query)
	return true
}

// sending notes that the running write sends query now.
func (p *pipe) sending(query string, exec bool) {
	if p.running != nil && (exec || !reads(query)) {
		p.running.wrote = true
	}
	p.ahead.touch(query)
}

func (p *pipe) queue(s postgres.Stmt, owner *opRun) {
	p.queued, p.owners = append(p.queued, s), append(p.owners, owner)
}

// clear drops everything waiting.
func (p *pipe) clear() { p.queued, p.owners = p.queued[:0], p.owners[:0] }

// errReplay answers the statements of a write that must run again.
var errReplay = errors.New("store: a statement sent ahead failed; the write runs again")

// sent takes the outcome of a round trip that carried the queued
// statements and then, perhaps, one more: failed is the index of the
// statement that failed (-1 if none). On a failure among the queued, it
// records whose statement it was and returns errReplay (a write's) or the
// error (a control statement's: the transaction is lost); a failure of the
// statement after them is the caller's to report.
func (w *writeConn) sent(failed int, err error) error {
	p := w.pipe
	n := len(p.queued)
	var owner *opRun
	if err != nil && failed >= 0 && failed < n {
		owner = p.owners[failed]
	}
	p.clear()
	p.trips++
	if err == nil || failed < 0 || failed >= n {
		p.begun = p.begun || n > 0
		return nil
	}
	p.begun = p.begun || failed > 0
	w.noticed(err)
	if owner != nil {
		p.failed = owner
		return errReplay
	}
	p.broken = err
	return err
}

// flush sends what waits, on its own.
func (w *writeConn) flush() error {
	p := w.pipe
	if len(p.queued) == 0 {
		return nil
	}
	_, failed, err := p.conn.Exec(context.Background(), p.queued)
	return w.sent(failed, err)
}

// pipeQuery runs a query with what waits sent before it.
func (w *writeConn) pipeQuery(query string, args []any) (Rows, error) {
	p := w.pipe
	if p.failed != nil || p.broken != nil {
		return nil, errReplay
	}
	p.sending(query, false)
	rows, failed, err := p.conn.Query(context.Background(), p.queued, postgres.Stmt{SQL: p.rebind(query), Args: args})
	if serr := w.sent(failed, err); serr != nil {
		return nil, serr
	}
	if err != nil {
		return nil, w.noticed(err)
	}
	return rows, nil
}

// pipeExec runs a statement with what waits sent before it.
func (w *writeConn) pipeExec(query string, args []any) (sql.Result, error) {
	p := w.pipe
	if p.failed != nil || p.broken != nil {
		return nil, errReplay
	}
	p.sending(query, true)
	n := len(p.queued)
	rows, failed, err := p.conn.Exec(context.Background(), append(p.queued, postgres.Stmt{SQL: p.rebind(query), Args: args}))
	if serr := w.sent(failed, err); serr != nil {
		return nil, serr
	}
	if err != nil {
		return nil, w.noticed(err)
	}
	return postgres.Result{Rows: rows[n]}, nil
}

// errRow is a Row whose Scan reports err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// pipeRow is the one row of a query run through the pipe.
type pipeRow struct {
	rows Rows
	err  error
}

func (r pipeRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	return r.rows.Close()
}

// commitPipelined runs a batch of writes in one transaction, as commit does,
// with statements sent together (see above): first unguarded, and guarded
// only if a write needs undoing.
func (db *DB) commitPipelined(batch []*writeOp) {
	runs := make([]*opRun, len(batch))
	for i, op := range batch {
		runs[i] = &opRun{fn: op.fn, skipped: op.ctx.Err()}
	}
	mode, p := unguarded, db.writer.pipe
	if p.guardNext > 0 {
		p.guardNext--
		mode = guarded
	}
	db.commitPipelinedAs(batch, runs, mode)
}

// commitPipelinedAs runs the batch's writes, runs, in the given mode.
func (db *DB) commitPipelinedAs(batch []*writeOp, runs []*opRun, mode batchMode) {
	w := db.writer
	w.trouble = ""
	if db.engine.broken != nil && db.engine.broken(w.conn) {
		if err := db.reconnect(); err != nil {
			for _, op := range batch {
				db.answer(op, db.failed("unreachable"))
			}
			return
		}
		w = db.writer
	}
	p := w.pipe
	p.mode = mode
	p.clear()
	p.begun, p.broken = false, nil
	p.running, p.failed = nil, nil
	p.ahead.off()
	for _, r := range runs {
		// A run before this one may have left its outcome: it was lost.
		r.err, r.hooks, r.wrote = r.skipped, r.hooks[:0], false
	}
	p.control(db.engine.begin)
	db.lockLog()
	if mode != unguarded {
		p.control("SAVEPOINT op")
	} else if !db.readTargetsAhead(batch) {
		db.runAgain(batch, runs, 0, guarded)
		return
	}
	for i, r := range runs {
		if r.skipped != nil {
			continue // the caller gave up before its batch began; skip its work
		}
		if mode == unguarded {
			if !db.runUnguarded(r) {
				db.runAgain(batch, runs, i, guarded)
				return
			}
			continue
		}
		var tail []string
		if i < len(batch)-1 {
			tail = []string{"RELEASE op", "SAVEPOINT op"}
		}
		db.runPipelined(r, tail)
		if p.broken != nil {
			db.abortPipelined(batch, runs, i)
			return
		}
	}
	errs := make([]error, len(batch))
	var hooks []func()
	for i, r := range runs {
		errs[i] = r.err
		if r.err == nil {
			hooks = append(hooks, r.hooks...)
		}
	}
	// The last write's statements go with COMMIT. Should one fail, the
	// transaction is lost (PostgreSQL answers COMMIT with a rollback); the
	// batch then runs again, guarded with that write eager (or, if it was
	// guarded already, carefully): rare, and cheaper than a round trip of
	// its own for every batch.
	if after, upTo := db.seqs.reserved, db.seqs.last; upTo > after {
		if done := db.batchDone.Load(); done != nil {
			// After the events' own hooks, which published them.
			hooks = append(hooks, func() { (*done)(after, upTo) })
		}
	}
	commitStart := time.Now()
	if db.seqs.last != db.seqs.reserved {
		p.queue(postgres.Stmt{SQL: p.rebind("UPDATE event_log SET reserved = ?"), Args: []any{db.seqs.last}}, nil)
	}
	p.control("COMMIT")
	_, failed, err := p.conn.Exec(context.Background(), p.queued)
	db.stats.commitNS.Add(int64(time.Since(commitStart)))
	if err != nil && failed < len(p.queued)-1 && p.owners[failed] != nil && mode != careful {
		owner, next := p.owners[failed], careful
		if mode == unguarded {
			owner.eager, next = true, guarded
		}
		db.runAgain(batch, runs, slices.Index(runs, owner), next)
		return
	}
	p.clear()
	if err != nil {
		p.conn.Exec(context.Background(), []postgres.Stmt{{SQL: "ROLLBACK"}})
		db.commitFailed(batch, err)
		return
	}
	if mode == unguarded {
		p.guardRun = 0 // writes succeed again: the next failure guards one batch
	}
	db.committed(batch, errs, hooks)
}

// maxGuardRun bounds how many batches a run again guards, so a burst of
// failing writes costs the savepoints only for a while.
const maxGuardRun = 64

// guardMore guards the batches after one that ran again.
func (p *pipe) guardMore() {
	p.guardRun = min(max(2*p.guardRun, 1), maxGuardRun)
	p.guardNext = p.guardRun
}

// runUnguarded runs one write of an unguarded batch, leaving its
// statements to go with the next round trip. It reports false when the
// write needs undoing, which only rolling the whole batch back can do: it
// failed having changed something, or met storage trouble, or one of its
// statements failed in the server (the transaction then refuses every
// other), or a statement that an earlier write left waiting failed.
func (db *DB) runUnguarded(r *opRun) bool {
	w, p := db.writer, db.writer.pipe
	w.hooks, w.trouble = w.hooks[:0], ""
	p.running, p.deferring = r, true
	r.err = call(r.fn, w)
	if p.broken != nil {
		return false
	}
	if f := p.failed; f != nil {
		f.eager = true
		return false
	}
	if r.err != nil {
		// Nothing of it to undo: it left nothing waiting and only read.
		return !r.wrote && w.trouble == "" && !p.conn.Aborted()
	}
	r.hooks = append(r.hooks[:0], w.hooks...)
	return true
}

// runAgain rolls back a batch, in which the write at needs undoing, and
// runs it again in mode next (guarded after an unguarded run, which guards
// the next batches too; careful after a guarded one). Nothing of the lost
// run was committed or announced: its hooks and seqs are dropped with it.
func (db *DB) runAgain(batch []*writeOp, runs []*opRun, at int, next batchMode) {
	w, p := db.writer, db.writer.pipe
	w.rollbacks++
	if p.broken == nil {
		p.clear()
		if _, _, err := p.conn.Exec(context.Background(), []postgres.Stmt{{SQL: "ROLLBACK"}}); err != nil {
			p.broken = w.noticed(err)
		}
	}
	if p.broken != nil {
		// The transaction was lost with the connection, most likely: the
		// batch fails as a guarded one would have.
		db.abortPipelined(batch, runs, at)
		return
	}
	if next == guarded {
		p.guardMore()
	}
	db.commitPipelinedAs(batch, runs, next)
}

// lockLog queues the statements that take the cluster's write lock for the
// batch's transaction (postgres.WriteLock) and read where the event log's
// numbering stands; they go with the batch's first round trip. Every
// node's writer does so first, so nodes sharing the database commit one
// batch at a time, in the order they took the lock: a conversation's next message index, a unique rule,
// and the log's next seq are checked against every batch committed before,
// whichever node wrote it, as one writer would. And seqs are handed out in
// commit order, so when an event is published every event before it has
// committed: no client's cursor can pass one still committing on another
// node. The lock waits for a node that dies holding it only until
// PostgreSQL ends that node's session (its connection closes, or it sits
// idle in the transaction past idle_in_transaction_session_timeout).
func (db *DB) lockLog() {
	db.seqs = eventSeqs{locked: true}
	p := db.writer.pipe
	p.queue(postgres.Stmt{SQL: "SELECT pg_advisory_xact_lock($1)", Args: []any{int64(postgres.WriteLock)}}, nil)
	// A statement of its own, so that its snapshot, taken as it starts,
	// sees every batch committed before the lock was granted.
	p.queue(postgres.Stmt{SQL: "SELECT reserved FROM event_log", Row: []any{logRow{&db.seqs}}}, nil)
}

// logRow takes event_log.reserved as lockLog reads it.
type logRow struct{ s *eventSeqs }

func (r logRow) Scan(v any) error {
	n, ok := v.(int64)
	if !ok {
		return fmt.Errorf("store: event_log.reserved is a %T", v)
	}
	r.s.last, r.s.reserved, r.s.loaded = n, n, true
	return nil
}

// runPipelined runs one write of a batch inside its savepoint, leaving its
// statements and tail (the next write's savepoint statements) to go with
// the next round trip.
func (db *DB) runPipelined(r *opRun, tail []string) {
	w, p := db.writer, db.writer.pipe
	for {
		w.hooks, w.trouble = w.hooks[:0], ""
		p.running, p.deferring = r, p.mode != careful && !r.eager
		trips := p.trips
		r.err = call(r.fn, w)
		if p.broken != nil {
			return
		}
		if f := p.failed; f != nil && f != r {
			// A waiting statement of the write before failed: undo that
			// write and run it again, then start this one over, in a
			// savepoint of its own again.
			db.replay(f, []string{"RELEASE op", "SAVEPOINT op"})
			if p.broken != nil {
				return
			}
			continue
		}
		if p.failed == r {
			db.replay(r, tail)
			return
		}
		if r.err != nil {
			p.dropOwned(r)
			if p.trips != trips {
				// Some of it was sent: undo it.
				w.rollbackNow()
				p.control(tail...)
			}
			// Else nothing of it was sent, and the savepoint waiting for
			// it serves the next write.
			return
		}
		r.hooks = append(r.hooks[:0], w.hooks...)
		p.control(tail...)
		return
	}
}

// replay undoes the write r, whose waiting statement failed, and runs it
// again with every statement sent where it stands; then queues tail.
func (db *DB) replay(r *opRun, tail []string) {
	w, p := db.writer, db.writer.pipe
	p.failed = nil
	p.clear()
	if w.rollbackNow() != nil {
		return
	}
	w.hooks, w.trouble = w.hooks[:0], ""
	p.running, p.deferring = r, false
	r.err = call(r.fn, w)
	if p.broken != nil {
		return
	}
	if r.err != nil {
		w.rollbackNow()
	} else {
		r.hooks = append(r.hooks[:0], w.hooks...)
	}
	p.control(tail...)
}

// rollbackNow undoes the running write, back to its savepoint, at once: a
// statement that failed leaves the transaction refusing every other until
// then, so it cannot wait for the next round trip.
func (w *writeConn) rollbackNow() error {
	w.rollbacks++
	w.pipe.control("ROLLBACK TO op")
	return w.flush()
}

// dropOwned drops the statements r queued.
func (p *pipe) dropOwned(r *opRun) {
	n := 0
	for i, owner := range p.owners {
		if owner != r {
			p.queued[n], p.owners[n] = p.queued[i], owner
			n++
		}
	}
	p.queued, p.owners = p.queued[:n], p.owners[:n]
}

// abortPipelined ends a batch whose transaction was lost (a control
// statement failed: the connection, most likely).
func (db *DB) abortPipelined(batch []*writeOp, runs []*opRun, at int) {
	errs := make([]error, len(batch))
	for i, r := range runs {
		if r != nil {
			errs[i] = r.err
		}
	}
	p := db.writer.pipe
	p.clear()
	reason := db.engine.trouble(p.broken)
	switch {
	case reason != "":
		// The write met the trouble that lost the transaction (the
		// connection, say): it fails as unavailable, as the rest do.
		errs[at] = db.failed(reason)
	case errs[at] == nil:
		errs[at] = fmt.Errorf("write: %w", p.broken)
	}
	db.abort(batch, errs, at, reason)
}
