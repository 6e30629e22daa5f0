package pgtest

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// connect opens one connection to url, closed when the test ends.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connecting to %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// tables lists the tables a database's users made (none in a fresh one).
func tables(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(),
		`SELECT table_schema || '.' || table_name FROM information_schema.tables
		 WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// exists reports whether the server holds a database of that name.
func exists(t *testing.T, name string) bool {
	t.Helper()
	var found bool
	conn := connect(t, os.Getenv(EnvVar))
	if err := conn.QueryRow(context.Background(),
		`SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&found); err != nil {
		t.Fatal(err)
	}
	return found
}

func currentDatabase(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	var name string
	if err := conn.QueryRow(context.Background(), `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestTwoDatabasesAreDistinctAndEmpty(t *testing.T) {
	a, b := connect(t, Database(t)), connect(t, Database(t))
	nameA, nameB := currentDatabase(t, a), currentDatabase(t, b)
	if nameA == nameB {
		t.Fatalf("both databases are %s", nameA)
	}
	for _, name := range []string{nameA, nameB} {
		if !strings.HasPrefix(name, "parley_testtwodatabasesaredistinctandemp") {
			t.Errorf("database %s does not start with the test's name", name)
		}
	}
	if got := tables(t, a); len(got) != 0 {
		t.Fatalf("a fresh database holds tables %v", got)
	}
	if _, err := a.Exec(context.Background(), `CREATE TABLE notes (body text)`); err != nil {
		t.Fatal(err)
	}
	if got := tables(t, a); len(got) != 1 || got[0] != "public.notes" {
		t.Fatalf("after CREATE TABLE the first database holds %v, want [public.notes]", got)
	}
	if got := tables(t, b); len(got) != 0 {
		t.Fatalf("a table made in %s shows in %s: %v", nameA, nameB, got)
	}
}

func TestDatabaseIsDroppedWhenTheTestEnds(t *testing.T) {
	if !Available() {
		t.Skipf("%s is not set", EnvVar)
	}
	var name string
	t.Run("uses a database and leaves a connection open", func(t *testing.T) {
		url := Database(t)
		// Opened with no Cleanup of its own: the drop must end it.
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		name = currentDatabase(t, conn)
		if !exists(t, name) {
			t.Fatalf("database %s is not in pg_database while its test runs", name)
		}
	})
	if name == "" {
		t.Fatal("the subtest did not get a database")
	}
	if exists(t, name) {
		t.Fatalf("database %s is still there after its test ended", name)
	}
}

func TestDatabaseSkipsWithoutAServer(t *testing.T) {
	t.Setenv(EnvVar, "")
	if Available() {
		t.Fatalf("Available with %s empty", EnvVar)
	}
	var inner *testing.T
	t.Run("needs PostgreSQL", func(t *testing.T) {
		inner = t
		Database(t)
		t.Error("Database returned without a server")
	})
	if !inner.Skipped() {
		t.Fatal("the test was not skipped")
	}
}

func TestWithDatabaseKeepsTheRestOfTheConnectionString(t *testing.T) {
	for _, c := range []struct{ server, want string }{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "postgres://postgres@127.0.0.1:5432/parley_x?sslmode=disable"},
		{"postgresql://u:p%40ss@db.example:6543/?sslmode=require", "postgresql://u:p%40ss@db.example:6543/parley_x?sslmode=require"},
		{"postgres://postgres@127.0.0.1:5432", "postgres://postgres@127.0.0.1:5432/parley_x"},
		{"host=127.0.0.1 port=5432 user=postgres dbname=postgres", "host=127.0.0.1 port=5432 user=postgres dbname=postgres dbname=parley_x"},
	} {
		got, err := withDatabase(c.server, "parley_x")
		if err != nil || got != c.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", c.server, got, err, c.want)
		}
	}
}

func TestDatabaseNamesAreShortUniqueIdentifiers(t *testing.T) {
	long := strings.Repeat("TestSomethingVeryLong/with subtests-and.dots", 4)
	a, b := databaseName(long), databaseName(long)
	if a == b {
		t.Fatalf("two names are both %s", a)
	}
	if len(a) > 63 {
		t.Fatalf("%s is %d bytes; PostgreSQL cuts identifiers at 63", a, len(a))
	}
	for _, r := range a {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			t.Fatalf("%s holds %q, which would need quoting in psql", a, r)
		}
	}
}
