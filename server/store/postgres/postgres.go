// Package postgres is the PostgreSQL engine under Parley's store: it opens
// a pgx pool from a postgres:// URL, applies PostgreSQL's migrations under
// an advisory lock, and reads PostgreSQL's errors. The store's SQL itself
// lives in package store, written once for every engine.
//
// PostgreSQL is for installs that outgrow one SQLite file: a database that
// replicates, backs up online, is watched with the usual tools and can be
// shared by several Parley nodes.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"parley/server/store/schema"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key migrations run under, so two
// nodes starting at once apply each migration once: the second waits,
// then finds nothing left to do. ("parley" in ASCII.)
const migrationLock = 0x7061726c6579

// WriteLock is the advisory lock key every node's writer holds through each
// batch, so nodes sharing the database commit one batch at a time (see the
// store's lockLog). An advisory lock, not a row lock: taking it writes
// nothing, so a batch that changes nothing still commits without a flush
// of the write-ahead log. ("parley w".)
const WriteLock = 0x7061726c65792077

// RoutingLease is the advisory lock key of the routing lease: the one node
// of a cluster that holds it, a session lock on a connection of its own
// (Lease), runs the routing engine; the others forward their calls to it.
// One key for every workspace: Parley runs one account. ("parley r".)
const RoutingLease = 0x7061726c65792072

// defaultMaxConns sizes the pool when the URL does not (pool_max_conns):
// the writer holds one connection, reads share the rest.
const defaultMaxConns = 16

// IsURL reports whether s names a PostgreSQL database rather than a path.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// idleInTransaction is the setting that ends a session idle inside a
// transaction; a URL may set its own, as a run-time parameter
// (...?idle_in_transaction_session_timeout=30s).
const idleInTransaction = "idle_in_transaction_session_timeout"

// Open connects to the database at url (postgres://user:pass@host:port/db?sslmode=...),
// applies any migrations it has not seen and returns a database/sql handle
// over pgx's pool.
func Open(ctx context.Context, url string) (*sql.DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password and all.
		return nil, fmt.Errorf("the database URL is not a valid postgres:// URL (postgres://user:pass@host:port/db?sslmode=disable)")
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	if _, set := cfg.ConnConfig.RuntimeParams[idleInTransaction]; !set {
		// The writer holds the cluster's write lock through each batch
		// (WriteLock, store.lockLog); a node that vanishes holding it, its socket left
		// open, would stop every node's writes until TCP gave up, hours
		// later. A writer never sits idle in a transaction for longer
		// than a round trip.
		cfg.ConnConfig.RuntimeParams[idleInTransaction] = "10s"
	}
	where := Describe(cfg.ConnConfig)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL at %s: %w", where, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %w; check that it runs and that the URL's host, port, user and password are right", where, err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate PostgreSQL at %s: %w", where, err)
	}
	return stdlib.OpenDBFromPool(pool), nil
}

// Where names the database a URL points at, without its password: what
// logs say.
func Where(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "postgres"
	}
	return Describe(cfg)
}

// Describe names a database for messages and logs, without its password.
func Describe(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s/%s", c.User, net.JoinHostPort(c.Host, fmt.Sprint(c.Port)), c.Database)
}

func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	// A session lock, held across the migrations' own transactions.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLock)); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT COLLATE "C" PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return err
	}
	all, err := schema.Migrations(migrations)
	if err != nil {
		return err
	}
	for _, m := range all {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM schema_migrations WHERE name = $1", m.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// No arguments: the simple protocol, which runs every statement
			// of the file.
			if _, err := tx.Exec(ctx, m.SQL, pgx.QueryExecModeSimpleProtocol); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (name) VALUES ($1)", m.Name)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Trouble names the storage trouble behind err, one of the store's trouble
// reasons ("full", "readonly", "io", "unreachable"), or "" if err is not one.
func Trouble(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "53100": // disk_full
			return "full"
		case pe.Code == "25006": // read_only_sql_transaction: a standby, or default_transaction_read_only
			return "readonly"
		case pe.Code == "58030" || strings.HasPrefix(pe.Code, "XX"): // io_error, internal errors and corruption
			return "io"
		case strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P"): // connection, shutdown
			return "unreachable"
		}
		return ""
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, pgconn.ErrConnClosed) {
		return "unreachable"
	}
	return ""
}

// UniqueViolation reports whether err is a unique constraint's refusal.
func UniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// Broken reports whether conn's connection to the server is gone, so the
// writer must take another from the pool.
func Broken(conn *sql.Conn) bool {
	broken := true
	conn.Raw(func(dc any) error {
		if c, ok := dc.(*stdlib.Conn); ok {
			broken = c.Conn().PgConn().IsClosed()
		}
		return nil
	})
	return broken
}

// Rebind turns a query's ? placeholders (and SQLite's numbered ?N) into
// PostgreSQL's $N, leaving quoted text and identifiers alone.
func Rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch c {
		case '\'', '"':
			j := strings.IndexByte(query[i+1:], c)
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+2])
			i += j + 1
		case '?':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(query[i+1 : j])
			} else {
				n++
				fmt.Fprint(&b, n)
			}
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Stmt is a statement of a pipeline: its SQL, already in PostgreSQL's
// placeholders, and its arguments.
type Stmt struct {
	SQL  string
	Args []any
	// Row, if set, takes the one row the statement returns, scanned when
	// the round trip carrying it comes back.
	Row []any
}

// Pipe runs statements on one connection, several to a round trip: pgx's
// batch (PostgreSQL's extended protocol, pipelined, one Sync). The store's
// writer uses it to send what waits together with the statement it needs
// an answer from.
type Pipe struct{ c *pgx.Conn }

// NewPipe takes the pgx connection under conn, a connection the caller
// holds for itself (the writer's) and never uses through database/sql
// while the pipe does.
func NewPipe(conn *sql.Conn) (*Pipe, error) {
	var c *pgx.Conn
	err := conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: a %T is not a pgx connection", dc)
		}
		c = sc.Conn()
		return nil
	})
	return &Pipe{c: c}, err
}

// Aborted reports that the connection's transaction has failed: a
// statement in it failed, and the server refuses every other until it is
// rolled back (to a savepoint, or whole).
func (p *Pipe) Aborted() bool { return p.c.PgConn().TxStatus() == 'E' }

// Exec sends stmts in one round trip and returns the rows each affected;
// on the first failure, its index and error (the statements after it did
// not run: the transaction is aborted).
func (p *Pipe) Exec(ctx context.Context, stmts []Stmt) (rows []int64, failed int, err error) {
	br := p.send(ctx, stmts, nil)
	rows, failed, err = execAll(br, stmts)
	if cerr := br.Close(); err == nil && cerr != nil {
		return rows, len(stmts) - 1, cerr
	}
	return rows, failed, err
}

// Query sends stmts and then q in one round trip and returns q's rows,
// which must be closed before the pipe runs anything else. If a statement
// before q fails, failed is its index, err its error, and q did not run.
func (p *Pipe) Query(ctx context.Context, stmts []Stmt, q Stmt) (rows *Rows, failed int, err error) {
	br := p.send(ctx, stmts, &q)
	if _, failed, err = execAll(br, stmts); err != nil {
		br.Close()
		return nil, failed, err
	}
	r, err := br.Query()
	if err != nil {
		br.Close()
		return nil, len(stmts), err
	}
	return &Rows{r: r, br: br}, -1, nil
}

func (p *Pipe) send(ctx context.Context, stmts []Stmt, q *Stmt) pgx.BatchResults {
	b := &pgx.Batch{}
	for _, s := range stmts {
		b.Queue(s.SQL, s.Args...)
	}
	if q != nil {
		b.Queue(q.SQL, q.Args...)
	}
	return p.c.SendBatch(ctx, b)
}

func execAll(br pgx.BatchResults, stmts []Stmt) (rows []int64, failed int, err error) {
	rows = make([]int64, 0, len(stmts))
	for i, s := range stmts {
		if s.Row != nil {
			if err := br.QueryRow().Scan(s.Row...); err != nil {
				return rows, i, err
			}
			rows = append(rows, 1)
			continue
		}
		tag, err := br.Exec()
		if err != nil {
			return rows, i, err
		}
		rows = append(rows, tag.RowsAffected())
	}
	return rows, -1, nil
}

// Rows are a query's rows from a pipe, read as database/sql's are.
type Rows struct {
	r      pgx.Rows
	br     pgx.BatchResults
	closed bool
	err    error
}

// Next prepares the next row for Scan.
func (r *Rows) Next() bool {
	if r.closed {
		return false
	}
	if r.r.Next() {
		return true
	}
	r.Close()
	return false
}

// Scan copies the current row's columns into dest.
func (r *Rows) Scan(dest ...any) error { return r.r.Scan(dest...) }

// Err is the error that ended the rows, if any.
func (r *Rows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.r.Err()
}

// Close ends the rows and the round trip they came in.
func (r *Rows) Close() error {
	if r.closed {
		return r.err
	}
	r.closed = true
	r.r.Close()
	r.err = r.r.Err()
	if err := r.br.Close(); r.err == nil {
		r.err = err
	}
	return r.err
}

// Result is what an Exec through a pipe changed.
type Result struct{ Rows int64 }

// LastInsertId is not something PostgreSQL reports: use RETURNING.
func (Result) LastInsertId() (int64, error) {
	return 0, errors.New("postgres: no LastInsertId; use RETURNING")
}

// RowsAffected is how many rows the statement changed.
func (r Result) RowsAffected() (int64, error) { return r.Rows, nil }
