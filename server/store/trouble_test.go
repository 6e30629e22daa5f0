package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/server/apperr"
)

// These tests stay on SQLite: they make storage fail through SQLite's own
// means (max_page_count for a full disk, query_only, a read-only file),
// which PostgreSQL, a server that owns its files, has no counterpart of a
// test can set.

// mustOpenProbing is mustOpen with a quick probe, so recovery shows at once.
func mustOpenProbing(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "parley.db"), Options{ProbeInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func wantUnavailable(t *testing.T, err error, words string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Unavailable || e.Code != apperr.CodeServiceUnavailable || !strings.Contains(e.Message, words) {
		t.Fatalf("error %v; want Unavailable (20503) saying %q", err, words)
	}
}

func waitHealthy(t *testing.T, db *DB) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for db.WriteTrouble() != "" {
		if time.Now().After(deadline) {
			t.Fatalf("still %q 5 s after writes could work again", db.WriteTrouble())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A write that finds the disk full fails as unavailable, and its batch
// stays honest: SQLite undoes either the statement alone or the whole
// transaction, depending on the statement, and either way every write
// reported committed is in the database and no write reported failed is.
// (The writer used to run the rest of a batch SQLite had rolled back
// outside any transaction: those writes committed one by one while their
// callers were told they had failed.)
func TestFullDiskFailsAsUnavailableAndKeepsTheBatchHonest(t *testing.T) {
	for _, filler := range []string{
		"INSERT INTO filler (b) VALUES (zeroblob(1048576))",         // SQLite rolls the transaction back
		"INSERT INTO indexed (b) VALUES (zeroblob(1048576))",        // SQLite undoes the statement only
		"CREATE TABLE more_filler AS SELECT zeroblob(1048576) AS b", // SQLite undoes the statement only
	} {
		t.Run(filler, func(t *testing.T) {
			db := mustOpenProbing(t)
			createCounter(t, db)
			ctx := context.Background()
			exec := func(query string) func(WriteTx) error {
				return func(q WriteTx) error { _, err := q.ExecContext(ctx, query); return err }
			}
			for _, q := range []string{"CREATE TABLE filler (b BLOB)", "CREATE TABLE indexed (id INTEGER PRIMARY KEY, b BLOB UNIQUE)"} {
				if err := db.Write(ctx, exec(q)); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.LimitPages(ctx, 0); err != nil {
				t.Fatal(err)
			}

			// Hold the writer so that the next three writes share a batch.
			started, release := make(chan struct{}), make(chan struct{})
			held := db.Queue(func(WriteTx) error { close(started); <-release; return nil })
			<-started
			before := db.Queue(exec("INSERT INTO counter (id, n) VALUES (1, 1)"))
			big := db.Queue(exec(filler))
			after := db.Queue(exec("INSERT INTO counter (id, n) VALUES (2, 2)"))
			close(release)
			if err := held.Wait(); err != nil {
				t.Fatal(err)
			}
			wantUnavailable(t, big.Wait(), "disk full")
			failures := int64(1)
			for id, q := range map[int]*Queued{1: before, 2: after} {
				err := q.Wait()
				var n int
				stored := db.reads.QueryRowContext(ctx, "SELECT n FROM counter WHERE id = ?", id).Scan(&n) == nil
				if (err == nil) != stored {
					t.Errorf("write %d answered %v, but its row is stored: %v", id, err, stored)
				}
				if err != nil {
					wantUnavailable(t, err, "disk full")
					failures++
				}
			}
			if got := db.WriteTrouble(); got != "disk full" {
				t.Fatalf("WriteTrouble %q, want \"disk full\"", got)
			}
			// Still full: the probe cannot clear it.
			time.Sleep(100 * time.Millisecond)
			if db.WriteTrouble() == "" {
				t.Fatal("reported healthy while the disk is still full")
			}
			// The probe's own failed writes meanwhile are not users' writes:
			// the count is the batch's alone.
			if got := db.WriteFailures()["full"]; got != failures {
				t.Fatalf("%d failures counted as full, want %d", got, failures)
			}
			if err := db.LimitPages(ctx, -1); err != nil {
				t.Fatal(err)
			}
			waitHealthy(t, db)
			if err := db.Write(ctx, exec(filler)); err != nil {
				t.Fatalf("a write once there is room: %v", err)
			}
		})
	}
}

// A database that refuses writes (SQLite's query_only, which answers as a
// read-only database does: SQLITE_READONLY) fails writes as unavailable,
// saying it is read-only, and recovers once it accepts them.
func TestReadOnlyDatabaseFailsWritesAsUnavailable(t *testing.T) {
	db := mustOpenProbing(t)
	createCounter(t, db)
	ctx := context.Background()
	// The writer is idle between writes, so the test may use its
	// connection; a pragma cannot go through Write, whose BEGIN the
	// read-only connection refuses.
	setQueryOnly := func(on string) {
		if _, err := db.writer.conn.ExecContext(ctx, "PRAGMA query_only = "+on); err != nil {
			t.Fatal(err)
		}
	}
	setQueryOnly("ON")
	err := db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, "INSERT INTO counter (id, n) VALUES (1, 0)")
		return err
	})
	wantUnavailable(t, err, "read-only")
	if got := db.WriteTrouble(); got != "read-only" {
		t.Fatalf("WriteTrouble %q, want \"read-only\"", got)
	}
	if got := db.WriteFailures()["readonly"]; got != 1 {
		t.Fatalf("%d failures counted as readonly, want 1", got)
	}
	setQueryOnly("OFF")
	waitHealthy(t, db)
}

// A database file the server may not write (its mode changed, then the
// server restarted) is opened read-only by SQLite; writes fail as
// unavailable. Root writes whatever the mode, so the test needs another
// user.
func TestReadOnlyFileFailsWritesAsUnavailable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes read-only files; run the tests as another user")
	}
	path := filepath.Join(t.TempDir(), "parley.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	createCounter(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, Options{})
	if err != nil {
		t.Skipf("SQLite would not open a read-only file at all (%v): nothing to answer", err)
	}
	defer db.Close()
	err = db.Write(context.Background(), func(q WriteTx) error {
		_, err := q.ExecContext(context.Background(), "INSERT INTO counter (id, n) VALUES (1, 0)")
		return err
	})
	wantUnavailable(t, err, "read-only")
}

// A write that fails for its own reason in a batch where another found
// the disk full keeps its own error: a conflict is not the disk's fault.
func TestANeighboursOwnErrorIsNotBlamedOnTheDisk(t *testing.T) {
	db := mustOpenProbing(t)
	ctx := context.Background()
	if err := db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, "CREATE TABLE t (n INTEGER)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.LimitPages(ctx, 0); err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	held := db.Queue(func(WriteTx) error { close(started); <-release; return nil })
	<-started
	// SQLite undoes only this statement (it keeps a journal of its own):
	// the transaction goes on.
	full := db.Queue(func(q WriteTx) error {
		_, err := q.ExecContext(ctx, "CREATE TABLE filler AS SELECT zeroblob(1048576) AS b")
		return err
	})
	conflict := db.Queue(func(WriteTx) error { return apperr.Conflictf(50353, "that name is taken") })
	close(release)
	held.Wait()
	wantUnavailable(t, full.Wait(), "disk full")
	if err := conflict.Wait(); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("the neighbour's conflict answered %v; want its own conflict", err)
	}
}
