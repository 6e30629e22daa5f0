// Package store keeps Parley's data in SQLite (mattn/go-sqlite3) and
// implements the storage interfaces the domain packages define.
//
// SQLite allows one writer at a time. Instead of letting requests race for
// the write lock (and surface "database is locked"), every write goes to one
// writer goroutine that owns the only write connection. It commits queued
// writes in groups: one transaction and one fsync for many requests, each
// inside its own savepoint so one failing request does not undo another.
// Reads use a separate pool of read-only connections and run concurrently
// with writes (WAL mode).
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// maxBatch bounds how many queued writes share one transaction, so one
// commit never waits on an unbounded amount of work.
const maxBatch = 256

// DB is an open Parley database.
type DB struct {
	read  *sql.DB
	write *sql.DB

	ops     chan *writeOp
	stopped chan struct{}

	closeOnce sync.Once
	closeErr  error
	mu        sync.RWMutex // held for reading while queuing a write; Close takes it to stop queuing
	closed    bool
}

type writeOp struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	done chan error
}

// Options tune an opened database.
type Options struct {
	// Synchronous is SQLite's synchronous setting: "FULL" (the default)
	// makes every commit survive power loss; "NORMAL" only a process crash.
	Synchronous string
}

// Open opens (creating if needed) the database file at path and applies any
// migrations it has not seen.
func Open(path string, opts Options) (*DB, error) {
	if opts.Synchronous == "" {
		opts.Synchronous = "FULL"
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	// Foreign keys enforce cascades; the busy timeout only matters for
	// readers during a checkpoint, since writes never contend.
	common := "_foreign_keys=on&_busy_timeout=10000&_journal_mode=WAL"
	write, err := sql.Open("sqlite3", "file:"+escapePath(abs)+"?"+common+"&_synchronous="+opts.Synchronous+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	if err := write.Ping(); err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := migrate(write); err != nil {
		write.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	read, err := sql.Open("sqlite3", "file:"+escapePath(abs)+"?"+common+"&mode=ro")
	if err != nil {
		write.Close()
		return nil, err
	}
	n := 2 * runtime.GOMAXPROCS(0)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	db := &DB{read: read, write: write, ops: make(chan *writeOp, maxBatch), stopped: make(chan struct{})}
	go db.writer()
	return db, nil
}

func escapePath(p string) string {
	return (&url.URL{Path: p}).EscapedPath()
}

// ErrClosed is returned by writes attempted after Close.
var ErrClosed = errors.New("store: database is closed")

// Write runs fn in a write transaction on the writer goroutine and returns
// once the transaction holding it has committed (or fn failed, and its
// changes were rolled back).
func (db *DB) Write(ctx context.Context, fn func(*sql.Tx) error) error {
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
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

func (db *DB) writer() {
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
		db.commit(batch)
	}
}

// commit runs a batch of writes in one transaction.
func (db *DB) commit(batch []*writeOp) {
	errs := make([]error, len(batch))
	tx, err := db.write.Begin()
	if err != nil {
		for _, op := range batch {
			op.done <- fmt.Errorf("begin write: %w", err)
		}
		return
	}
	single := len(batch) == 1
	for i, op := range batch {
		if err := op.ctx.Err(); err != nil {
			errs[i] = err // the caller gave up before its turn; skip its work
			continue
		}
		if single {
			errs[i] = call(op.fn, tx)
			continue
		}
		errs[i] = inSavepoint(tx, op.fn)
	}
	if single && errs[0] != nil {
		tx.Rollback()
		batch[0].done <- errs[0]
		return
	}
	if err := tx.Commit(); err != nil {
		tx.Rollback()
		for _, op := range batch {
			op.done <- fmt.Errorf("commit: %w", err)
		}
		return
	}
	for i, op := range batch {
		op.done <- errs[i]
	}
}

func inSavepoint(tx *sql.Tx, fn func(*sql.Tx) error) error {
	if _, err := tx.Exec("SAVEPOINT op"); err != nil {
		return err
	}
	if err := call(fn, tx); err != nil {
		if _, rbErr := tx.Exec("ROLLBACK TO op"); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		tx.Exec("RELEASE op")
		return err
	}
	_, err := tx.Exec("RELEASE op")
	return err
}

// call runs fn, turning a panic into an error: one faulty write must not
// take the writer, and with it every later write, down.
func call(fn func(*sql.Tx) error, tx *sql.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write panicked: %v", r)
		}
	}()
	return fn(tx)
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
		_, cpErr := db.write.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		db.closeErr = errors.Join(cpErr, db.read.Close(), db.write.Close())
	})
	return db.closeErr
}

// Setting returns a stored setting, or "" if it was never set.
func (db *DB) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = ?", name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSettingIfUnset stores value under name unless a value is already there,
// and returns the value in force afterwards.
func (db *DB) SetSettingIfUnset(ctx context.Context, name, value string) (string, error) {
	var v string
	err := db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", name, value); err != nil {
			return err
		}
		return tx.QueryRow("SELECT value FROM settings WHERE name = ?", name).Scan(&v)
	})
	return v, err
}

func migrate(db *sql.DB) error {
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (datetime('now')))`); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		var n int
		if err := db.QueryRow("SELECT count(*) FROM schema_migrations WHERE name = ?", base).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("%s: %w", base, err)
		}
		if _, err := tx.Exec("INSERT INTO schema_migrations (name) VALUES (?)", base); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}
