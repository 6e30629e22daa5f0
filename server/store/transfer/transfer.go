// Package transfer moves a Parley install from SQLite to PostgreSQL
// (parley migrate): it copies every table of a stopped SQLite install into
// an empty PostgreSQL database, in one transaction, and checks each table's
// row count and checksum on both sides before it commits.
//
// Tables and columns come from the two schemas themselves, not from a list
// kept here: a table or column of one engine with no place in the other
// stops the copy before it starts, so nothing is silently left behind.
package transfer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"parley/server/store/postgres"
)

// Errors a migration can end with, besides the engines' own; each comes
// wrapped in a message saying what to do.
var (
	// ErrNotEmpty: the target holds rows or tables already.
	ErrNotEmpty = errors.New("the target database is not empty")
	// ErrSchema: a table or column of one engine has no place in the other.
	ErrSchema = errors.New("the SQLite and PostgreSQL schemas differ")
	// ErrMismatch: a table's count or checksum differs between the engines
	// after the copy; the copy was rolled back.
	ErrMismatch = errors.New("the copy does not match the original")
)

// DefaultProgressEvery is how many rows of a table are copied between two
// progress reports.
const DefaultProgressEvery = 100_000

// Options tune a migration.
type Options struct {
	// Progress, if set, hears how many of a table's rows are copied: every
	// ProgressEvery rows of it, and once when it is done.
	Progress func(table string, copied, total int64)
	// ProgressEvery is zero for DefaultProgressEvery.
	ProgressEvery int64

	// beforeCheck runs in the target's transaction between the copy and
	// the check; tests spoil the copy with it.
	beforeCheck func(context.Context, pgx.Tx) error
}

// Table is what the check found of one table.
type Table struct {
	Name                   string
	SourceRows, TargetRows int64
	SourceSum, TargetSum   string // SHA-256 of the table's normalised rows, in key order, in hex
}

// OK reports whether both sides hold the same rows.
func (t Table) OK() bool { return t.SourceRows == t.TargetRows && t.SourceSum == t.TargetSum }

// Result is the outcome of a migration.
type Result struct {
	Source, Target string // the SQLite file and the PostgreSQL database (without password)
	Tables         []Table
	Rows           int64 // rows copied, over every table
	Elapsed        time.Duration
}

// OK reports whether every table matched.
func (r Result) OK() bool {
	for _, t := range r.Tables {
		if !t.OK() {
			return false
		}
	}
	return len(r.Tables) > 0
}

// seeds are the rows PostgreSQL's migrations put into a fresh schema: a
// target that holds only these is empty, and the copy replaces them with
// the install's own. The event log's one row is the install's: its
// reserved keeps every cursor a client holds valid on the new engine.
var seeds = map[string]string{
	"event_log": "id = 1 AND reserved = 0 AND pruned = 0",
}

// Migrate copies the SQLite install in dir (its parley.db) into the empty
// PostgreSQL database at url, making the schema there first. It refuses
// an install that is in use (ErrInUse), a target that is not empty
// (ErrNotEmpty) and schemas that differ (ErrSchema). The copy and its
// check run in one PostgreSQL transaction: on any failure, a mismatch
// (ErrMismatch) included, the target is left as empty as it was.
func Migrate(ctx context.Context, dir, url string, opts Options) (Result, error) {
	start := time.Now()
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = DefaultProgressEvery
	}
	src, err := openSource(ctx, dir)
	if err != nil {
		return Result{}, err
	}
	defer src.close()
	res := Result{Source: src.path}

	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password and all.
		return res, errors.New("--to is not a valid postgres:// URL (postgres://user:pass@host:port/db?sslmode=disable)")
	}
	res.Target = postgres.Describe(cfg)
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return res, fmt.Errorf("cannot reach PostgreSQL at %s: %w", res.Target, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := refuseForeign(ctx, conn, res.Target); err != nil {
		return res, err
	}
	// The target's schema is made (or brought up to date) the way serve
	// makes it, so the copy fills exactly the schema Parley will run on.
	// Opening migrates; no store (its writer, its probes) need run.
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return res, err
	}
	if err := db.Close(); err != nil {
		return res, err
	}

	tx, err := conn.Begin(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	names, tables, err := matchSchemas(ctx, src, tx)
	if err != nil {
		return res, err
	}
	if err := claimEmpty(ctx, tx, names, res.Target); err != nil {
		return res, err
	}
	order, err := copyOrder(ctx, tx, names)
	if err != nil {
		return res, err
	}

	checks := make([]Table, len(order))
	for i, name := range order {
		checks[i], err = copyTable(ctx, src, tx, tables[name], opts)
		if err != nil {
			return res, fmt.Errorf("copy %s: %w; nothing was kept in the target", name, err)
		}
		res.Rows += checks[i].SourceRows
	}
	if opts.beforeCheck != nil {
		if err := opts.beforeCheck(ctx, tx); err != nil {
			return res, err
		}
	}
	for i, name := range order {
		checks[i].TargetRows, checks[i].TargetSum, err = targetSum(ctx, tx, tables[name])
		if err != nil {
			return res, fmt.Errorf("check %s: %w; nothing was kept in the target", name, err)
		}
	}
	res.Tables = checks
	if !res.OK() {
		var bad []string
		for _, c := range checks {
			if !c.OK() {
				bad = append(bad, c.Name)
			}
		}
		res.Elapsed = time.Since(start)
		return res, fmt.Errorf("%w in %s; the copy was rolled back and the target left empty", ErrMismatch, strings.Join(bad, ", "))
	}
	if err := setSequences(ctx, src, tx, tables, order); err != nil {
		return res, err
	}
	if err := tx.Commit(ctx); err != nil {
		return res, fmt.Errorf("commit the copy: %w", err)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// refuseForeign refuses a target that holds tables before Parley's schema
// is made in it: tables of another application, or outside the schema
// Parley would use. A database where Parley made its schema (a
// schema_migrations table) goes on to the row-by-row check.
func refuseForeign(ctx context.Context, conn *pgx.Conn, where string) error {
	rows, err := conn.Query(ctx, `SELECT relname FROM pg_class
		WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p') ORDER BY relname`)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	if len(names) > 0 && !slices.Contains(names, "schema_migrations") {
		return fmt.Errorf("%w: %s holds tables that are not Parley's (%s); migrate into a new, empty database (createdb NAME)",
			ErrNotEmpty, where, strings.Join(names, ", "))
	}
	others, err := foreignTables(ctx, conn)
	if err != nil {
		return err
	}
	if len(others) > 0 {
		return fmt.Errorf("%w: %s holds tables outside Parley's schema (%s); migrate into a new, empty database (createdb NAME)",
			ErrNotEmpty, where, strings.Join(others, ", "))
	}
	return nil
}

// matchSchemas reads both schemas and checks that every table and column
// of each has its place in the other; it returns the tables to copy.
func matchSchemas(ctx context.Context, src *source, tx pgx.Tx) ([]string, map[string]*table, error) {
	from, err := src.tables(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read the SQLite schema: %w", err)
	}
	to, err := targetSchema(ctx, tx)
	if err != nil {
		return nil, nil, fmt.Errorf("read the PostgreSQL schema: %w", err)
	}
	var names, onlySQLite, onlyPostgres []string
	for _, name := range sortedKeys(from) {
		t := to[name]
		if t == nil {
			onlySQLite = append(onlySQLite, "table "+name)
			continue
		}
		names = append(names, name)
		for _, col := range from[name] {
			if !slices.Contains(t.colNames(), col) {
				onlySQLite = append(onlySQLite, "column "+name+"."+col)
			}
		}
	}
	for _, name := range sortedKeys(to) {
		if skipped(name) {
			continue
		}
		cols, ok := from[name]
		if !ok {
			onlyPostgres = append(onlyPostgres, "table "+name)
			continue
		}
		for _, col := range to[name].cols {
			if !slices.Contains(cols, col.name) {
				onlyPostgres = append(onlyPostgres, "column "+name+"."+col.name)
			}
		}
	}
	if len(onlySQLite) > 0 {
		return nil, nil, fmt.Errorf("%w: the SQLite install has %s, for which this Parley's PostgreSQL schema has no place, so nothing was copied; "+
			"the install was upgraded by a newer Parley than this one: run that version's parley migrate", ErrSchema, strings.Join(onlySQLite, ", "))
	}
	if len(onlyPostgres) > 0 {
		return nil, nil, fmt.Errorf("%w: the PostgreSQL database has %s, which the SQLite install lacks, so nothing was copied; "+
			"either the install was last run by an older Parley (start this version on it once, with parley serve --data DIR, "+
			"so its migrations bring it up to date; stop it; run migrate again) or the database holds tables that are not Parley's "+
			"(migrate into a new, empty database)", ErrSchema, strings.Join(onlyPostgres, ", "))
	}
	return names, to, nil
}

// claimEmpty locks the target's tables for the rest of the transaction
// and checks that they hold no rows but their seeds, which it removes.
func claimEmpty(ctx context.Context, tx pgx.Tx, names []string, where string) error {
	// A Parley started on the target meanwhile waits for the copy instead
	// of writing into it; one already busy there makes the lock time out.
	if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '10s'"); err != nil {
		return err
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = quote(n)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE "+strings.Join(quoted, ", ")+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		return fmt.Errorf("lock the target's tables: %w; is a Parley running on %s? Stop it first", err, where)
	}
	var full []string
	for _, name := range names {
		cond := "true"
		if seed, ok := seeds[name]; ok {
			cond = "NOT (" + seed + ")"
		}
		var has bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+quote(name)+" WHERE "+cond+")").Scan(&has); err != nil {
			return err
		}
		if has {
			full = append(full, name)
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("%w: %s has rows in %s; migrate only into a new, empty database (createdb NAME), never over data",
			ErrNotEmpty, where, strings.Join(full, ", "))
	}
	for name := range seeds {
		if slices.Contains(names, name) {
			if _, err := tx.Exec(ctx, "DELETE FROM "+quote(name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyTable streams one table from SQLite into PostgreSQL, hashing the
// rows as they go by.
//
// It uses PostgreSQL's COPY protocol (pgx's CopyFrom) rather than INSERTs:
// rows go out as one continuous binary stream, with no statement to parse,
// plan or acknowledge per row (or per batch of rows), which makes it
// several times faster on a table of millions of messages.
func copyTable(ctx context.Context, src *source, tx pgx.Tx, t *table, opts Options) (Table, error) {
	check := Table{Name: t.name}
	if err := src.conn.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(t.name)).Scan(&check.SourceRows); err != nil {
		return check, err
	}
	rows, err := src.conn.QueryContext(ctx, "SELECT "+quoteAll(t.colNames())+" FROM "+quote(t.name)+" ORDER BY "+quoteAll(t.key))
	if err != nil {
		return check, err
	}
	defer rows.Close()
	rs := newRowSource(rows, t)
	rs.tick = func(n int64) {
		if opts.Progress != nil && n%opts.ProgressEvery == 0 {
			opts.Progress(t.name, n, check.SourceRows)
		}
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.colNames(), rs)
	if err != nil {
		return check, err
	}
	if opts.Progress != nil && (n == 0 || n%opts.ProgressEvery != 0) {
		opts.Progress(t.name, n, check.SourceRows) // unless the last tick said it
	}
	if rs.n != check.SourceRows {
		// Read in one snapshot under an exclusive lock, this cannot
		// happen; if it does, the check must not pass.
		check.SourceRows = -1
	}
	check.SourceSum = rs.sum.sum()
	return check, nil
}

// rowSource feeds SQLite's rows to CopyFrom, normalised to the target's
// column kinds, and hashes them.
type rowSource struct {
	rows  *sql.Rows
	t     *table
	kinds []kind
	raw   []any
	ptrs  []any
	vals  []any
	sum   *checksum
	n     int64
	tick  func(int64)
	err   error
}

func newRowSource(rows *sql.Rows, t *table) *rowSource {
	s := &rowSource{rows: rows, t: t, kinds: t.kinds(), sum: newChecksum()}
	s.raw = make([]any, len(t.cols))
	s.ptrs = make([]any, len(t.cols))
	s.vals = make([]any, len(t.cols))
	for i := range s.raw {
		s.ptrs[i] = &s.raw[i]
	}
	return s
}

// Next reads the next row; CopyFrom calls it.
func (s *rowSource) Next() bool {
	if s.err != nil || !s.rows.Next() {
		return false
	}
	if err := s.rows.Scan(s.ptrs...); err != nil {
		s.err = err
		return false
	}
	for i, v := range s.raw {
		nv, err := normalise(v, s.kinds[i])
		if err != nil {
			s.err = fmt.Errorf("column %s of the row whose %s is %v: %w", s.t.cols[i].name, s.t.key[0], s.keyValue(), err)
			return false
		}
		s.vals[i] = nv
	}
	s.sum.add(s.vals)
	s.n++
	s.tick(s.n)
	return true
}

func (s *rowSource) keyValue() any {
	for i, c := range s.t.cols {
		if c.name == s.t.key[0] {
			if b, ok := s.raw[i].([]byte); ok {
				return string(b)
			}
			return s.raw[i]
		}
	}
	return nil
}

// Values is the row Next read; CopyFrom calls it.
func (s *rowSource) Values() ([]any, error) { return s.vals, nil }

// Err is what stopped Next early, if anything; CopyFrom calls it.
func (s *rowSource) Err() error { return errors.Join(s.err, s.rows.Err()) }

// targetSum counts and hashes a table's rows as the target holds them, in
// the same order and with the same normalisation as the source's.
func targetSum(ctx context.Context, tx pgx.Tx, t *table) (int64, string, error) {
	var count int64
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+quote(t.name)).Scan(&count); err != nil {
		return 0, "", err
	}
	// Text keys order byte by byte, as SQLite's BINARY collation does,
	// whatever the column's own collation.
	order := make([]string, len(t.key))
	for i, k := range t.key {
		order[i] = quote(k)
		if c := slices.IndexFunc(t.cols, func(c column) bool { return c.name == k }); c >= 0 && t.cols[c].kind == kindText {
			order[i] += ` COLLATE "C"`
		}
	}
	rows, err := tx.Query(ctx, "SELECT "+quoteAll(t.colNames())+" FROM "+quote(t.name)+" ORDER BY "+strings.Join(order, ", "))
	if err != nil {
		return 0, "", err
	}
	defer rows.Close()
	sum := newChecksum()
	kinds := t.kinds()
	vals := make([]any, len(kinds))
	for rows.Next() {
		raw, err := rows.Values()
		if err != nil {
			return 0, "", err
		}
		for i, v := range raw {
			if vals[i], err = normalise(v, kinds[i]); err != nil {
				return 0, "", fmt.Errorf("column %s: %w", t.cols[i].name, err)
			}
		}
		sum.add(vals)
	}
	if err := rows.Err(); err != nil {
		return 0, "", err
	}
	return count, sum.sum(), nil
}

// setSequences moves each identity column's sequence past the keys the
// copy wrote (which COPY gave explicitly, so the sequences never moved),
// and past the highest key SQLite ever handed out (sqlite_sequence), so
// new rows take keys that neither collide nor reuse a deleted row's.
// setval is not undone by a rollback, so it runs last, just before the
// commit: a copy that fails earlier leaves the sequences as they were.
func setSequences(ctx context.Context, src *source, tx pgx.Tx, tables map[string]*table, order []string) error {
	used, err := src.sequences(ctx)
	if err != nil {
		return fmt.Errorf("read sqlite_sequence: %w", err)
	}
	for _, name := range order {
		for _, col := range tables[name].identity {
			var high sql.NullInt64
			if err := tx.QueryRow(ctx, "SELECT max("+quote(col)+") FROM "+quote(name)).Scan(&high); err != nil {
				return err
			}
			last := max(high.Int64, used[name])
			// setval(seq, 1, false): the next value is 1, as in a fresh table.
			next, called := last, true
			if last < 1 {
				next, called = 1, false
			}
			if _, err := tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence($1, $2), $3, $4)", quote(name), col, next, called); err != nil {
				return fmt.Errorf("set the sequence of %s.%s: %w", name, col, err)
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
