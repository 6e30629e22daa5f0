package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// testKey is a template key no other run has used, and the template is
// dropped when the test ends, so a long-lived server is left as it was.
func testKey(t *testing.T) string {
	t.Helper()
	if !Available() {
		t.Skipf("%s is not set", EnvVar)
	}
	var b [6]byte
	rand.Read(b[:])
	key := "test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		conn := connect(t, os.Getenv(EnvVar))
		ident := pgx.Identifier{templateName(key)}.Sanitize()
		conn.Exec(context.Background(), "ALTER DATABASE "+ident+" WITH IS_TEMPLATE false")
		if _, err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping the test's template: %v", err)
		}
	})
	return key
}

// migrateNotes is a prepare that makes one table holding one row.
func migrateNotes(calls *int) func(string) error {
	return func(url string) error {
		*calls++
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(context.Background(), `CREATE TABLE notes (body text); INSERT INTO notes VALUES ('from the template')`)
		return err
	}
}

func notes(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT body FROM notes ORDER BY body`)
	if err != nil {
		t.Fatal(err)
	}
	bodies, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return bodies
}

func TestTemplateIsPreparedOnceAndEachCopyIsItsOwn(t *testing.T) {
	key := testKey(t)
	calls := 0
	first := Template(t, key, migrateNotes(&calls))
	again := Template(t, key, migrateNotes(&calls))
	if first != again || calls != 1 {
		t.Fatalf("two Template calls gave %s and %s and prepared %d times; want one template prepared once", first, again, calls)
	}
	a, b := connect(t, DatabaseFrom(t, first)), connect(t, DatabaseFrom(t, first))
	if currentDatabase(t, a) == currentDatabase(t, b) || currentDatabase(t, a) == first {
		t.Fatalf("copies %s and %s of %s are not distinct", currentDatabase(t, a), currentDatabase(t, b), first)
	}
	if _, err := a.Exec(context.Background(), `INSERT INTO notes VALUES ('only in a')`); err != nil {
		t.Fatal(err)
	}
	if got := notes(t, a); len(got) != 2 {
		t.Fatalf("copy a holds %v, want the template's row and its own", got)
	}
	if got := notes(t, b); len(got) != 1 || got[0] != "from the template" {
		t.Fatalf("copy b holds %v, want only the template's row", got)
	}
}

func TestTemplateLeftUnfinishedIsPreparedAgain(t *testing.T) {
	key := testKey(t)
	// A run killed while preparing leaves the database without IS_TEMPLATE.
	admin := connect(t, os.Getenv(EnvVar))
	if _, err := admin.Exec(context.Background(), "CREATE DATABASE "+templateName(key)); err != nil {
		t.Fatal(err)
	}
	calls := 0
	template := Template(t, key, migrateNotes(&calls))
	if calls != 1 {
		t.Fatalf("prepare ran %d times over an unfinished template, want 1", calls)
	}
	if got := notes(t, connect(t, DatabaseFrom(t, template))); len(got) != 1 {
		t.Fatalf("a copy holds %v, want the template's row", got)
	}
}
