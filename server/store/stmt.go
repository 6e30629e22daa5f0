package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"parley/server/apperr"
)

// maxCachedStmts bounds a statement cache. Queries are built from a fixed
// set of shapes, so the bound is only a guard against a shape that varies.
const maxCachedStmts = 1024

// stmtCache runs queries through prepared statements it keeps by query
// text. It is a Querier.
type stmtCache struct {
	rebind   func(string) string // the engine's, applied to queries before they run; nil keeps them
	prepare  func(ctx context.Context, query string) (*sql.Stmt, error)
	fallback sqlQuerier // runs queries the cache cannot hold
	stmts    sync.Map
	n        int
	mu       sync.Mutex
}

// sqlQuerier is what database/sql's *sql.DB and *sql.Conn run queries with.
type sqlQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func newStmtCache(e *engine, prepare func(ctx context.Context, query string) (*sql.Stmt, error), fallback sqlQuerier) *stmtCache {
	if e.driverCaches {
		prepare = nil
	}
	return &stmtCache{rebind: e.rebind, prepare: prepare, fallback: fallback}
}

// bound is query as the engine takes it.
func (c *stmtCache) bound(query string) string {
	if c.rebind == nil {
		return query
	}
	return c.rebind(query)
}

func (c *stmtCache) stmt(ctx context.Context, query string) *sql.Stmt {
	if c.prepare == nil {
		return nil
	}
	if s, ok := c.stmts.Load(query); ok {
		return s.(*sql.Stmt)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts.Load(query); ok {
		return s.(*sql.Stmt)
	}
	if c.n >= maxCachedStmts {
		return nil
	}
	s, err := c.prepare(ctx, c.bound(query))
	if err != nil {
		return nil // the fallback reports the error when it runs the query
	}
	c.stmts.Store(query, s)
	c.n++
	return s
}

// QueryContext runs a query that returns rows.
func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (Rows, error) {
	var rows *sql.Rows
	var err error
	if s := c.stmt(ctx, query); s != nil {
		rows, err = s.QueryContext(ctx, args...)
	} else {
		rows, err = c.fallback.QueryContext(ctx, c.bound(query), args...)
	}
	if err != nil {
		return nil, err // not a nil *sql.Rows in a non-nil Rows
	}
	return rows, nil
}

// QueryRowContext runs a query that returns at most one row.
func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) Row {
	if s := c.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return c.fallback.QueryRowContext(ctx, c.bound(query), args...)
}

// ExecContext runs a statement that returns no rows.
func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := c.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return c.fallback.ExecContext(ctx, c.bound(query), args...)
}

func (c *stmtCache) close() {
	c.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		c.stmts.Delete(k)
		return true
	})
}

// writeConn is the writer's own connection with its statement cache. Only
// the writer goroutine uses it.
type writeConn struct {
	conn *sql.Conn
	stmtCache
	classify func(error) string // the engine's: names the storage trouble behind an error
	hooks    []func()           // AfterCommit hooks of the write now running
	// rollbacks counts the writes (and batches) rolled back, so state kept
	// beside the database can tell that a change it made may be undone.
	rollbacks int
	// pipe holds the statements waiting to go in one round trip, on an
	// engine that pipelines (see pipeline.go); nil on one that does not.
	pipe *pipe
	// trouble is the storage trouble a statement of the write now running
	// met (see engine.trouble), even if the write wrapped or dropped its error.
	trouble string
	// refused is the error of a statement of the write now running that
	// was not run (see unstorable); the write fails with it, whatever it
	// made of the statement's error.
	refused error
}

func newWriteConn(e *engine, conn *sql.Conn) (*writeConn, error) {
	w := &writeConn{conn: conn, stmtCache: *newStmtCache(e, conn.PrepareContext, conn), classify: e.trouble}
	if e.pipelines {
		// An engine that pipelines has no other writer: the plain one
		// knows neither its transactions nor the cluster's write lock.
		var err error
		if w.pipe, err = newPipe(e, conn); err != nil {
			return nil, fmt.Errorf("the writer's connection: %w", err)
		}
	}
	return w, nil
}

// noticed records the storage trouble behind a statement's error.
func (w *writeConn) noticed(err error) error {
	if err != nil && w.trouble == "" {
		w.trouble = w.classify(err)
	}
	return err
}

// AfterCommit queues fn to run once the current write's transaction commits.
func (w *writeConn) AfterCommit(fn func()) { w.hooks = append(w.hooks, fn) }

// A write's statements run without its caller's cancellation. The write
// commits with its batch or not at all, so stopping one statement halfway
// gains nothing; and mattn/go-sqlite3 runs every statement and every row
// of a cancellable context on a goroutine of its own, which the writer then
// waits for: under load, a sixth of the writer's time went to that wait.

// QueryContext runs a query that returns rows.
func (w *writeConn) QueryContext(ctx context.Context, query string, args ...any) (Rows, error) {
	if err := w.refuse(args); err != nil {
		return nil, err
	}
	if w.pipe != nil {
		return w.pipeQuery(query, args)
	}
	rows, err := w.stmtCache.QueryContext(context.WithoutCancel(ctx), query, args...)
	return rows, w.noticed(err)
}

// QueryRowContext runs a query that returns at most one row.
func (w *writeConn) QueryRowContext(ctx context.Context, query string, args ...any) Row {
	if err := w.refuse(args); err != nil {
		return errRow{err}
	}
	if w.pipe != nil {
		rows, err := w.pipeQuery(query, args)
		return pipeRow{rows, err}
	}
	return w.stmtCache.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}

// ExecContext runs a statement that returns no rows.
func (w *writeConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := w.refuse(args); err != nil {
		return nil, err
	}
	if w.pipe != nil {
		return w.pipeExec(query, args)
	}
	res, err := w.stmtCache.ExecContext(context.WithoutCancel(ctx), query, args...)
	return res, w.noticed(err)
}

// refuse records, and returns, the refusal of a statement whose arguments
// hold text no engine can keep alike (see unstorable).
func (w *writeConn) refuse(args []any) error {
	err := unstorable(args)
	if err != nil && w.refused == nil {
		w.refused = err
	}
	return err
}

// unstorable refuses text arguments holding a NUL character or bytes that
// are not UTF-8. PostgreSQL cannot keep them in text (it fails the
// statement, SQLSTATE 22021) where SQLite would keep them as they are: so
// that both engines answer alike, neither is asked, and the caller hears
// of its mistake rather than of an internal error. The form decoder already
// refuses text that is not UTF-8; a NUL, or text from elsewhere (a header,
// a JSON frame's \u0000), ends here.
func unstorable(args []any) error {
	for _, a := range args {
		s, ok := a.(string)
		if !ok {
			continue
		}
		if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
			return apperr.Invalidf(apperr.CodeBadRequest,
				"Text holding a NUL character or bytes that are not UTF-8 cannot be stored: remove them and send it again (nothing was stored)")
		}
	}
	return nil
}
