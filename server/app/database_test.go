package app

import (
	"os"
	"sync"
	"testing"

	"parley/server/store/pgtest"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// The end-to-end suite runs on SQLite by default, and on PostgreSQL when
// PARLEY_TEST_ENGINE=postgres, in databases it creates on the server
// PARLEY_TEST_DATABASE names (make test starts one, and runs the suite on
// both engines). A test that restarts a server on the same data directory
// gets the same database back.
var (
	testDatabasesMu sync.Mutex
	testDatabases   = map[string]string{} // data directory → database URL
)

// testDatabase is the database URL for a server on dataDir: "" for SQLite.
func testDatabase(t testing.TB, dataDir string) string {
	switch os.Getenv("PARLEY_TEST_ENGINE") {
	case "", "sqlite":
		return ""
	case "postgres":
	default:
		t.Fatalf("PARLEY_TEST_ENGINE=%q: want sqlite or postgres", os.Getenv("PARLEY_TEST_ENGINE"))
	}
	admin := os.Getenv("PARLEY_TEST_DATABASE")
	if admin == "" {
		t.Fatal("PARLEY_TEST_ENGINE=postgres needs PARLEY_TEST_DATABASE, the URL of a server where tests may create databases (scripts/with-postgres starts one)")
	}
	testDatabasesMu.Lock()
	defer testDatabasesMu.Unlock()
	if u, ok := testDatabases[dataDir]; ok {
		return u
	}
	u := pgtest.Database(t)
	testDatabases[dataDir] = u
	return u
}
