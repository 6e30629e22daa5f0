package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// openLive opens a database the way the server does (WAL, its own
// connection) and gives it a table whose rows are numbered 1, 2, 3...
// without gaps, and a counter that always names the last of them: a copy
// that is not one consistent snapshot shows a gap or a counter that
// disagrees with the rows.
func openLive(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	for _, s := range []string{
		"CREATE TABLE events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)",
		"CREATE TABLE counter (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL)",
		"INSERT INTO counter VALUES (1, 0)",
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// appendEvents adds n rows in one transaction and moves the counter.
func appendEvents(db *sql.DB, n int) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var last int
	if err := tx.QueryRow("SELECT last FROM counter").Scan(&last); err != nil {
		return err
	}
	for i := 1; i <= n; i++ {
		if _, err := tx.Exec("INSERT INTO events (seq, body) VALUES (?, ?)", last+i, strings.Repeat("x", 200)); err != nil {
			return err
		}
	}
	if _, err := tx.Exec("UPDATE counter SET last = ?", last+n); err != nil {
		return err
	}
	return tx.Commit()
}

// readSnapshot opens a backup on its own and says what is wrong with it.
func readSnapshot(t *testing.T, path string) (last int) {
	t.Helper()
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + side); err == nil {
			t.Errorf("the backup has a %s file beside it: it should be one self-contained file", side)
		}
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check on the backup: %q %v", ok, err)
	}
	var n, max int
	if err := db.QueryRow("SELECT count(*), coalesce(max(seq), 0) FROM events").Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("SELECT last FROM counter").Scan(&last); err != nil {
		t.Fatal(err)
	}
	if n != max || last != max {
		t.Fatalf("the backup is not one snapshot: %d rows, highest seq %d, counter %d", n, max, last)
	}
	return last
}

func TestBackupOfADatabaseBeingWrittenIsOneConsistentSnapshot(t *testing.T) {
	dir := t.TempDir()
	live := openLive(t, filepath.Join(dir, "parley.db"))
	if err := appendEvents(live, 50000); err != nil { // ~13 MB: a copy takes several steps
		t.Fatal(err)
	}

	var written atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var once sync.Once
	halt := func() { once.Do(func() { close(stop) }); wg.Wait() }
	t.Cleanup(halt) // before the database closes, even when a check fails
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := appendEvents(live, 10); err != nil {
				t.Errorf("the writer failed during a backup: %v", err)
				return
			}
			written.Add(10)
		}
	}()

	prev := 0
	for i := 0; i < 5; i++ {
		dest := filepath.Join(t.TempDir(), "copy.db")
		before := written.Load()
		// A stepped backup that SQLite restarts at every write never ends.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		got, err := Backup(ctx, filepath.Join(dir, "parley.db"), dest, BackupOptions{})
		cancel()
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		last := readSnapshot(t, dest)
		if last < 50000+int(before) || last < prev {
			t.Errorf("backup %d holds events up to %d; at least %d had been committed when it started", i, last, 50000+before)
		}
		prev = last
		if got.Tables != 2 || got.Bytes <= 0 || got.Pages <= 0 || got.Copy <= 0 {
			t.Errorf("backup %d reported %+v", i, got)
		}
	}
	halt()
	if written.Load() == 0 {
		t.Fatal("the writer wrote nothing while the backups ran")
	}
	t.Logf("5 backups while %d rows were written beside them", written.Load())
}

func TestBackupRefusesToReplaceAFileUnlessAskedAndNeverLeavesHalfACopy(t *testing.T) {
	dir := t.TempDir()
	live := openLive(t, filepath.Join(dir, "parley.db"))
	if err := appendEvents(live, 1000); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "parley.db")
	out := t.TempDir()
	dest := filepath.Join(out, "copy.db")
	os.WriteFile(dest, []byte("an older backup"), 0o600)

	_, err := Backup(context.Background(), src, dest, BackupOptions{})
	if !errors.Is(err, os.ErrExist) {
		t.Fatalf("backup onto an existing file: %v, want an error wrapping os.ErrExist", err)
	}
	if b, _ := os.ReadFile(dest); string(b) != "an older backup" {
		t.Fatal("a refused backup changed the existing file")
	}
	if _, err := Backup(context.Background(), src, dest, BackupOptions{Replace: true}); err != nil {
		t.Fatalf("backup with Replace: %v", err)
	}
	if last := readSnapshot(t, dest); last != 1000 {
		t.Errorf("the replacing backup holds %d events, want 1000", last)
	}

	// The live database itself is never a destination, even with Replace.
	if _, err := Backup(context.Background(), src, src, BackupOptions{Replace: true}); err == nil || !strings.Contains(err.Error(), "itself") {
		t.Errorf("backup onto the database itself: %v", err)
	}

	// A cancelled backup leaves nothing behind: no final file, no temp file.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cancelled := filepath.Join(out, "cancelled.db")
	if _, err := Backup(ctx, src, cancelled, BackupOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled backup: %v", err)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if e.Name() != "copy.db" {
			t.Errorf("left behind in the destination directory: %s", e.Name())
		}
	}
}

func TestBackupSaysWhenThereIsNoDatabase(t *testing.T) {
	dir := t.TempDir()
	_, err := Backup(context.Background(), filepath.Join(dir, "parley.db"), filepath.Join(dir, "copy.db"), BackupOptions{})
	if !errors.Is(err, ErrNoDatabase) || !strings.Contains(err.Error(), filepath.Join(dir, "parley.db")) {
		t.Errorf("backup of a missing database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "parley.db")); !errors.Is(err, os.ErrNotExist) {
		t.Error("backing up a missing database created it")
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a database, but long enough to look like one might be here......"), 0o600)
	if _, err := Backup(context.Background(), filepath.Join(dir, "notes.txt"), filepath.Join(dir, "copy.db"), BackupOptions{}); err == nil {
		t.Error("backup of a file that is not a database succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "copy.db")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a failed backup left its destination file")
	}
}

func TestBackupOfAStoppedInstallLeavesNothingBesideItsDatabase(t *testing.T) {
	dir := t.TempDir()
	live := openLive(t, filepath.Join(dir, "parley.db"))
	if err := appendEvents(live, 100); err != nil {
		t.Fatal(err)
	}
	live.Close() // the last connection: SQLite folds the WAL in and removes -wal and -shm

	// A backup run by another user (root, say) must not leave files the
	// server would then find it cannot open.
	dest := filepath.Join(t.TempDir(), "copy.db")
	if _, err := Backup(context.Background(), filepath.Join(dir, "parley.db"), dest, BackupOptions{}); err != nil {
		t.Fatal(err)
	}
	if last := readSnapshot(t, dest); last != 100 {
		t.Errorf("the backup holds %d events, want 100", last)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "parley.db" {
			t.Errorf("the backup left %s in the data directory", e.Name())
		}
	}
}
