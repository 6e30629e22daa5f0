// Package store implements the storage interfaces the domain packages
// define, on SQLite (package store/sqlite, the default: one file, no server)
// or PostgreSQL (package store/postgres). Every store's SQL is written once,
// here, in the dialect both engines accept; the engines open the database,
// apply their own migrations and read their own errors.
//
// Every write goes to one writer goroutine that owns one write connection.
// It commits queued writes in groups: one transaction and one commit (one
// fsync) for many requests, each inside its own savepoint so one failing
// request does not undo another (on PostgreSQL, savepoints are taken only
// when a batch must run again because a write failed: see pipeline.go).
// On SQLite, which allows one writer at a
// time, this replaces a race for the write lock ("database is locked"); on
// both engines it keeps the semantics the domain relies on simple: writes
// apply one after another, in the order they were queued, so a
// conversation's message indexes are dense and unique rules are checked
// against every write before. Reads use a separate pool and run
// concurrently with writes.
//
// Several nodes may share one PostgreSQL database. Each node's writer then
// begins every batch by taking one advisory lock (lockLog), so batches
// commit one at a time across nodes and those semantics hold for them all.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"parley/server/store/postgres"
	"parley/server/store/sqlite"
)

// maxBatch bounds how many queued writes share one transaction, so one
// commit never waits on an unbounded amount of work.
const maxBatch = 256

// DB is an open Parley database.
type DB struct {
	engine *engine
	where  string // the database, for logs: a file's path, or user@host:port/db
	read   *sql.DB
	write  *sql.DB // the same pool as read on PostgreSQL
	// reads and writer run statements through caches of prepared statements:
	// preparing costs as much as running a short statement.
	reads  *stmtCache
	writer *writeConn

	ops     chan *writeOp
	stopped chan struct{}
	// batchDone hears, on the writer after a batch's hooks, the range of
	// seqs the batch took (PostgreSQL; see OnBatch).
	batchDone atomic.Pointer[func(after, upTo int64)]

	seqs     eventSeqs // the event log's sequence; the writer's alone
	maxPages int64     // SQLite's own max_page_count, restored by LimitPages; the writer's alone

	mediaGone func()                              // see OnMediaGone
	onEnqueue func()                              // see OnEnqueue
	written   atomic.Pointer[func(time.Duration)] // see OnWritten

	stats struct {
		batches, ops, busyNS, commitNS atomic.Int64
	}

	trouble  atomic.Pointer[string]   // see WriteTrouble: a TroubleReasons entry, nil while writes work
	failures map[string]*atomic.Int64 // see WriteFailures; its keys are fixed at Open

	closeOnce sync.Once
	closeErr  error
	mu        sync.RWMutex // held for reading while queuing a write; Close takes it to stop queuing
	closed    bool
}

type writeOp struct {
	ctx    context.Context
	fn     func(WriteTx) error
	done   chan error
	queued time.Time
	probe  bool // the store's own probe write (see probe), not a user's
	// target, if set, is what fn reads first: a send's MessageTarget,
	// which a batch may read ahead (readahead.go).
	target *sendTarget
}

// WriteTx is what a write runs against: statements inside the write
// transaction, and hooks for after it commits.
type WriteTx interface {
	Querier
	// AfterCommit runs fn on the writer after the transaction commits, in
	// commit order with every other write's hooks; never if it fails.
	AfterCommit(fn func())
	// Later queues a statement whose outcome the write does not need now,
	// to go with others in one round trip, and reports true; or reports
	// false, and the caller runs it now. If a statement queued fails, the
	// write runs again, every statement now (see pipeline.go).
	Later(query string, args ...any) bool
}

// Options tune an opened database.
type Options struct {
	// Synchronous is SQLite's synchronous setting: "FULL" (the default)
	// makes every commit survive power loss; "NORMAL" only a process crash.
	// PostgreSQL ignores it.
	Synchronous string
	// ProbeInterval is how often, while writes fail for want of storage, a
	// probe write checks whether they work again; zero means
	// DefaultProbeInterval.
	ProbeInterval time.Duration
}

// Open opens (creating if needed) the SQLite database file at path and
// applies any migrations it has not seen.
func Open(path string, opts Options) (*DB, error) {
	if opts.Synchronous == "" {
		opts.Synchronous = "FULL"
	}
	write, read, err := sqlite.Open(path, opts.Synchronous)
	if err != nil {
		return nil, err
	}
	db, err := start(sqliteEngine, write, read, opts)
	if db != nil {
		db.where = path
	}
	return db, err
}

// OpenPostgres connects to the PostgreSQL database at url
// (postgres://user:pass@host:port/db?sslmode=...) and applies any
// migrations it has not seen, under an advisory lock so nodes starting
// together do not race. opts.Synchronous does not apply: PostgreSQL's
// synchronous_commit is the server's (or the URL's) to set.
func OpenPostgres(ctx context.Context, url string, opts Options) (*DB, error) {
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	db, err := start(postgresEngine, pool, pool, opts)
	if db != nil {
		db.where = postgres.Where(url)
	}
	return db, err
}

// start takes the writer's connection and starts the writer.
func start(e *engine, write, read *sql.DB, opts Options) (*DB, error) {
	closeAll := func() {
		read.Close()
		if write != read {
			write.Close()
		}
	}
	// The writer keeps one write connection for itself, so it can prepare
	// statements on it at any time.
	conn, err := write.Conn(context.Background())
	if err != nil {
		closeAll()
		return nil, err
	}
	w, err := newWriteConn(e, conn)
	if err != nil {
		conn.Close()
		closeAll()
		return nil, err
	}
	db := &DB{
		engine: e, read: read, write: write,
		reads:  newStmtCache(e, read.PrepareContext, read),
		writer: w,
		ops:    make(chan *writeOp, maxBatch), stopped: make(chan struct{}),
		failures: map[string]*atomic.Int64{},
	}
	for _, r := range TroubleReasons {
		db.failures[r] = new(atomic.Int64)
	}
	if opts.ProbeInterval <= 0 {
		opts.ProbeInterval = DefaultProbeInterval
	}
	go db.run()
	go db.probe(opts.ProbeInterval)
	return db, nil
}

// Engine names the database engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.engine.name }

// Where names the database for logs: a file's path, or user@host:port/db
// (never a password).
func (db *DB) Where() string { return db.where }

// ErrClosed is returned by writes attempted after Close.
var ErrClosed = errors.New("store: database is closed")

// Querier runs statements: on the read pool, or inside a write transaction.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Rows are a query's rows, as database/sql's *sql.Rows give them; the
// pipelined writer gives them from pgx (see pipeline.go).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Close() error
	Err() error
}

// Row is the one row of a query, as *sql.Row gives it: Scan reports
// sql.ErrNoRows when there is none, and the query's error if it failed.
type Row interface {
	Scan(dest ...any) error
}

// column runs a query of one column and returns its values, in order.
func column[T any](ctx context.Context, q Querier, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Write runs fn in a write transaction on the writer goroutine and returns
// once the transaction holding it has committed (or fn failed, and its
// changes were rolled back).
func (db *DB) Write(ctx context.Context, fn func(WriteTx) error) error {
	return db.queueWrite(ctx, &writeOp{fn: fn})
}

// queueWrite is Write, of an op that has its fn and may have a target or
// be a probe.
func (db *DB) queueWrite(ctx context.Context, op *writeOp) error {
	op.ctx, op.done, op.queued = ctx, make(chan error, 1), time.Now()
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return ErrClosed
	}
	select {
	case db.ops <- op:
		db.mu.RUnlock()
	case <-ctx.Done():
		db.mu.RUnlock()
		return ctx.Err()
	}
	// Once queued, the write is carried out even if ctx ends meanwhile: the
	// caller must learn whether it committed, so wait for the answer.
	return <-op.done
}

// Queued is a write waiting its turn; Wait blocks until it has committed
// or failed, and may be called any number of times, from any goroutine.
type Queued struct {
	op   *writeOp
	once sync.Once
	err  error
}

// Wait returns the write's outcome once it is known.
func (q *Queued) Wait() error {
	q.once.Do(func() {
		if q.op != nil {
			q.err = <-q.op.done
		}
	})
	return q.err
}

// Queue puts fn behind every write already queued and returns at once,
// without waiting for it to commit. A caller that orders its own state
// under a lock queues while holding it, so writes commit in that order,
// and waits after letting go, so writes from many callers share one commit.
func (db *DB) Queue(fn func(WriteTx) error) *Queued {
	op := &writeOp{ctx: context.Background(), fn: fn, done: make(chan error, 1), queued: time.Now()}
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return &Queued{err: ErrClosed}
	}
	db.ops <- op
	return &Queued{op: op}
}

func (db *DB) run() {
	defer close(db.stopped)
	batch := make([]*writeOp, 0, maxBatch)
	for op := range db.ops {
		batch = append(batch[:0], op)
	drain:
		for len(batch) < maxBatch {
			select {
			case next, ok := <-db.ops:
				if !ok {
					break drain
				}
				batch = append(batch, next)
			default:
				break drain
			}
		}
		start := time.Now()
		db.commit(batch)
		db.stats.busyNS.Add(int64(time.Since(start)))
		db.stats.batches.Add(1)
		db.stats.ops.Add(int64(len(batch)))
	}
}

// WriterStats are totals of the writer's work since Open.
type WriterStats struct {
	Batches, Ops int64         // transactions committed, writes in them
	Busy, Commit time.Duration // time spent running batches, of which committing
}

// Stats reports the writer's totals, for metrics.
func (db *DB) Stats() WriterStats {
	return WriterStats{Batches: db.stats.batches.Load(), Ops: db.stats.ops.Load(),
		Busy: time.Duration(db.stats.busyNS.Load()), Commit: time.Duration(db.stats.commitNS.Load())}
}

// commit runs a batch of writes in one transaction.
func (db *DB) commit(batch []*writeOp) {
	if db.writer.pipe != nil {
		db.commitPipelined(batch)
		return
	}
	w := db.writer
	ctx := context.Background()
	// BEGIN, COMMIT and ROLLBACK go through the statement cache too: parsed
	// anew for every batch, they cost about a tenth of the time per message
	// when batches are small (BenchmarkSendMessage, 8 senders).
	w.trouble = ""
	if _, err := w.ExecContext(ctx, db.engine.begin); err != nil {
		if reason := db.engine.trouble(err); reason != "" {
			err = db.failed(reason)
		} else {
			err = fmt.Errorf("begin write: %w", err)
		}
		for _, op := range batch {
			db.answer(op, err)
		}
		return
	}
	errs := make([]error, len(batch))
	single := len(batch) == 1
	var hooks []func()
	for i, op := range batch {
		if err := op.ctx.Err(); err != nil {
			errs[i] = err // the caller gave up before its turn; skip its work
			continue
		}
		w.hooks, w.trouble = w.hooks[:0], ""
		if single {
			errs[i] = call(op.fn, w)
		} else {
			errs[i] = inSavepoint(w, op.fn)
		}
		if errs[i] == nil {
			hooks = append(hooks, w.hooks...)
			continue
		}
		reason := w.trouble
		if reason == "" {
			reason = db.engine.trouble(errs[i])
		}
		if reason != "" {
			errs[i] = db.failed(reason)
		}
		if !db.engine.inTransaction(w.conn) {
			db.abort(batch, errs, i, reason)
			return
		}
	}
	if single && errs[0] != nil {
		w.rollbacks++
		w.ExecContext(ctx, "ROLLBACK")
		db.answer(batch[0], errs[0])
		return
	}
	commitStart := time.Now()
	_, err := w.ExecContext(ctx, "COMMIT")
	db.stats.commitNS.Add(int64(time.Since(commitStart)))
	if err != nil {
		w.ExecContext(ctx, "ROLLBACK")
		db.commitFailed(batch, err)
		return
	}
	db.committed(batch, errs, hooks)
}

// commitFailed answers every write of a batch whose COMMIT failed (and
// was rolled back).
func (db *DB) commitFailed(batch []*writeOp, err error) {
	db.writer.rollbacks++
	if reason := db.engine.trouble(err); reason != "" {
		err = db.failed(reason)
	} else {
		err = fmt.Errorf("commit: %w", err)
	}
	for _, op := range batch {
		db.answer(op, err)
	}
}

// committed runs a committed batch's hooks and answers its writes.
func (db *DB) committed(batch []*writeOp, errs []error, hooks []func()) {
	committed, written := time.Now(), db.written.Load()
	// Hooks run before any caller hears of the commit, so whatever they
	// publish is out before an acknowledgement could overtake it.
	for _, h := range hooks {
		h()
	}
	for i, op := range batch {
		db.answer(op, errs[i])
		if errs[i] == nil && written != nil {
			(*written)(committed.Sub(op.queued))
		}
	}
}

// abort ends a batch whose write at failed lost the whole transaction:
// SQLite rolls everything back by itself after some errors (a full disk
// when the statement kept no journal of its own, an I/O error). Every
// write of the batch is undone, so none may be reported as committed, and
// those after failed must not run: outside a transaction each would commit
// on its own while its caller heard of a failure. Writes that had failed
// on their own keep their own errors.
func (db *DB) abort(batch []*writeOp, errs []error, failed int, reason string) {
	w := db.writer
	w.rollbacks++
	if p := w.pipe; p != nil {
		// What waits to be sent belongs to the lost transaction.
		p.clear()
		p.conn.Exec(context.Background(), []postgres.Stmt{{SQL: "ROLLBACK"}})
	} else {
		// Harmless if SQLite already rolled back; needed if it did not.
		w.ExecContext(context.Background(), "ROLLBACK")
	}
	var lost error
	if reason != "" {
		lost = db.failed(reason)
	} else {
		// Not errs[failed] itself: an application error (a conflict, say)
		// is its write's own, and would tell the others something false.
		lost = fmt.Errorf("rolled back with its batch after another write failed: %v", errs[failed])
	}
	for i, op := range batch {
		if i <= failed && errs[i] != nil {
			db.answer(op, errs[i])
		} else {
			db.answer(op, lost)
		}
	}
}

// OnWritten sets fn to hear, for every write that commits, how long it took
// from being queued to being committed: the store's part of a request's
// latency, waiting its turn included. fn runs on the writer, so it must be
// quick.
func (db *DB) OnWritten(fn func(time.Duration)) { db.written.Store(&fn) }

func inSavepoint(w *writeConn, fn func(WriteTx) error) error {
	ctx := context.Background()
	if _, err := w.ExecContext(ctx, "SAVEPOINT op"); err != nil {
		return err
	}
	if err := call(fn, w); err != nil {
		w.rollbacks++
		if _, rbErr := w.ExecContext(ctx, "ROLLBACK TO op"); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		w.ExecContext(ctx, "RELEASE op")
		return err
	}
	_, err := w.ExecContext(ctx, "RELEASE op")
	return err
}

// call runs fn, turning a panic into an error: one faulty write must not
// take the writer, and with it every later write, down. A write one of
// whose statements was refused fails with that refusal, whatever it made
// of the statement's error.
func call(fn func(WriteTx) error, w *writeConn) (err error) {
	w.refused = nil
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write panicked: %v", r)
		}
		if w.refused != nil {
			err = w.refused
		}
	}()
	return fn(w)
}

// Close stops accepting writes, finishes the queued ones, checkpoints the
// write-ahead log into the main file and closes every connection.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.mu.Lock()
		db.closed = true
		close(db.ops)
		db.mu.Unlock()
		<-db.stopped
		db.reads.close()
		db.writer.close()
		var cpErr error
		if db.engine.name == "sqlite" {
			cpErr = sqlite.Checkpoint(context.Background(), db.writer.conn)
		}
		closeWrite := error(nil)
		if db.write != db.read {
			closeWrite = db.write.Close()
		}
		db.closeErr = errors.Join(cpErr, db.writer.conn.Close(), db.read.Close(), closeWrite)
	})
	return db.closeErr
}

// Setting returns a stored setting, or "" if it was never set.
func (db *DB) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := db.reads.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = ?", name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting stores value under name, replacing any value there.
func (db *DB) SetSetting(ctx context.Context, name, value string) error {
	return db.Write(ctx, func(q WriteTx) error { return putSetting(ctx, q, name, value) })
}

// putSetting stores value under name within a write.
func putSetting(ctx context.Context, q WriteTx, name, value string) error {
	_, err := q.ExecContext(ctx, "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", name, value)
	return err
}

// OnBatch sets fn to hear, on the writer, after each committed batch's
// AfterCommit hooks have run, the seqs it took: those after after and up
// to upTo. On PostgreSQL consecutive batches, whichever node commits them,
// take consecutive ranges, which is what lets a cluster's nodes put every
// node's events back in order (cluster.Stream). SQLite never calls it.
func (db *DB) OnBatch(fn func(after, upTo int64)) { db.batchDone.Store(&fn) }

// SetSettingIfUnset stores value under name unless a value is already there,
// and returns the value in force afterwards.
func (db *DB) SetSettingIfUnset(ctx context.Context, name, value string) (string, error) {
	var v string
	err := db.Write(ctx, func(q WriteTx) error {
		if _, err := q.ExecContext(ctx, "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", name, value); err != nil {
			return err
		}
		return q.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = ?", name).Scan(&v)
	})
	return v, err
}

// LimitPages caps the database at its current size plus extra pages, with
// SQLite's own max_page_count on the write connection: past the cap every
// write that needs a new page fails with SQLITE_FULL ("database or disk is
// full"), exactly as on a full disk. extra < 0 lifts the cap. It lets tests
// fill the disk for real.
func (db *DB) LimitPages(ctx context.Context, extra int64) error {
	if db.engine.name != "sqlite" {
		return errors.New("store: LimitPages needs SQLite's max_page_count")
	}
	return db.Write(ctx, func(q WriteTx) error {
		if db.maxPages == 0 {
			if err := q.QueryRowContext(ctx, "PRAGMA max_page_count").Scan(&db.maxPages); err != nil {
				return err
			}
		}
		n := db.maxPages
		if extra >= 0 {
			if err := q.QueryRowContext(ctx, "PRAGMA page_count").Scan(&n); err != nil {
				return err
			}
			n += extra
		}
		var got int64
		return q.QueryRowContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", n)).Scan(&got)
	})
}
