package postgres_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"

	"parley/server/store/pgtest"
	"parley/server/store/postgres"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// Nodes of a cluster start together against one empty database: each
// migration must be applied once, and every node must start.
func TestNodesStartingAtOnceApplyEachMigrationOnce(t *testing.T) {
	dbURL := pgtest.Database(t)
	ctx := context.Background()
	const nodes = 6
	var wg sync.WaitGroup
	errs := make([]error, nodes)
	dbs := make([]*sql.DB, nodes)
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = postgres.Open(ctx, dbURL)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d did not start: %v", i, err)
		}
		defer dbs[i].Close()
	}
	var applied, distinct int
	if err := dbs[0].QueryRow("SELECT count(*), count(DISTINCT name) FROM schema_migrations").Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied != distinct || applied == 0 {
		t.Fatalf("schema_migrations has %d rows for %d migrations", applied, distinct)
	}
	var eventLogRows int
	if err := dbs[0].QueryRow("SELECT count(*) FROM event_log").Scan(&eventLogRows); err != nil {
		t.Fatal(err)
	}
	if eventLogRows != 1 {
		t.Fatalf("event_log has %d rows, want 1", eventLogRows)
	}
}

func TestAWrongURLSaysWhatToCheckWithoutThePassword(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://parley:s3cret-pw@127.0.0.1:1/parley?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("opened a database on port 1")
	}
	msg := err.Error()
	for _, want := range []string{"cannot reach PostgreSQL", "127.0.0.1:1", "check"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "s3cret-pw") {
		t.Errorf("error %q shows the password", msg)
	}
}

func TestRebindTurnsPlaceholdersIntoDollarNumbers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"seq > ?1 AND seq <= ?2 AND target = ?1", "seq > $1 AND seq <= $2 AND target = $1"},
		{"x = '?' AND y = ?", "x = '?' AND y = $1"},
		{`"we?rd" = ?`, `"we?rd" = $1`},
		{"x = 'it''s ?' AND y = ?", "x = 'it''s ?' AND y = $1"},
	} {
		if got := postgres.Rebind(tc.in); got != tc.want {
			t.Errorf("Rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
