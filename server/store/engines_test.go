package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"parley/server/store/pgtest"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to create and drop test databases
)

// The store's tests run on every engine: the domain relies on the same
// semantics from both, so one suite, written once, checks both. A test
// that is about one engine's nature (SQLite's files, its migrations from
// older builds) says so and uses mustOpen instead.

// testEngine is an engine the suite runs on.
type testEngine struct {
	name string
	// fresh returns where a new, empty database of this engine is: a file
	// path or a postgres:// URL. It is removed when the test ends.
	fresh func(tb testing.TB) string
}

var testEngines = []testEngine{
	{"sqlite", func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "parley.db") }},
	{"postgres", postgresURL},
}

// forEachEngine runs test as a subtest per engine (…/sqlite, …/postgres).
// open opens a fresh database, closed when the test ends, and returns it
// with its location, for reopen.
func forEachEngine(t *testing.T, test func(t *testing.T, open func(tb testing.TB) (*DB, string))) {
	t.Helper()
	for _, e := range testEngines {
		t.Run(e.name, func(t *testing.T) {
			test(t, func(tb testing.TB) (*DB, string) {
				tb.Helper()
				loc := e.fresh(tb)
				return reopen(tb, loc), loc
			})
		})
	}
}

// reopen opens the database at loc (as a server restart does) and closes
// it when the test ends.
func reopen(tb testing.TB, loc string) *DB {
	tb.Helper()
	// By the engine's own opener: a PostgreSQL DSN not written as a URL
	// must not be taken for a file's path.
	var db *DB
	var err error
	if strings.HasSuffix(loc, ".db") {
		db, err = Open(loc, Options{})
	} else {
		db, err = OpenPostgres(context.Background(), loc, Options{})
	}
	if err != nil {
		tb.Fatalf("open %s: %v", filepath.Base(loc), err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// postgresURL returns the URL of a new, empty PostgreSQL database on the
// server PARLEY_TEST_DATABASE names, dropped when the test ends; it skips
// the test when PARLEY_TEST_DATABASE is not set.
func postgresURL(tb testing.TB) string {
	tb.Helper()
	return pgtest.Database(tb)
}
