package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// mustOpen opens a fresh database in a temporary directory and closes it
// when the test ends.
func mustOpen(tb testing.TB) (*DB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "parley.db")
	db, err := Open(path, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, path
}

func createCounter(t *testing.T, db *DB) {
	t.Helper()
	err := db.Write(context.Background(), func(q WriteTx) error {
		_, err := q.ExecContext(context.Background(), "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentWritesAllCommitWithoutLockErrors(t *testing.T) {
	db, _ := mustOpen(t)
	createCounter(t, db)
	ctx := context.Background()
	const writers, each = 50, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				errs <- db.Write(ctx, func(q WriteTx) error {
					_, err := q.ExecContext(ctx, "INSERT INTO counter (n) VALUES (1)")
					return err
				})
			}
		}()
	}
	// Readers run at the same time and must never be refused either.
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				var n int
				if err := db.reads.QueryRowContext(ctx, "SELECT count(*) FROM counter").Scan(&n); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a write or read failed: %v", err)
		}
	}
	var n int
	db.reads.QueryRowContext(ctx, "SELECT count(*) FROM counter").Scan(&n)
	if n != writers*each {
		t.Errorf("%d rows committed, want %d", n, writers*each)
	}
}

func TestFailedWriteUndoesOnlyItsOwnChanges(t *testing.T) {
	db, _ := mustOpen(t)
	createCounter(t, db)
	ctx := context.Background()
	boom := errors.New("boom")
	// Many concurrent writes share transactions; the failing ones must
	// leave no trace and must not take their neighbours down with them.
	var wg sync.WaitGroup
	results := make([]error, 200)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = db.Write(ctx, func(q WriteTx) error {
				if _, err := q.ExecContext(ctx, "INSERT INTO counter (id, n) VALUES (?, 1)", i+1); err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					return boom
				case 2:
					panic("a bug in a write")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range results {
		var want string
		switch i % 4 {
		case 1:
			want = "boom"
		case 2:
			want = "write panicked: a bug in a write"
		}
		if got := fmt.Sprint(err); (err == nil) != (want == "") || (want != "" && got != want) {
			t.Errorf("write %d returned %v, want %q", i, err, want)
		}
		var n int
		db.reads.QueryRowContext(ctx, "SELECT count(*) FROM counter WHERE id = ?", i+1).Scan(&n)
		if kept := n == 1; kept != (want == "") {
			t.Errorf("write %d: row kept = %v, but the write returned %v", i, kept, err)
		}
	}
}

func TestDataSurvivesCloseAndReopen(t *testing.T) {
	db, path := mustOpen(t)
	ctx := context.Background()
	if _, err := db.SetSettingIfUnset(ctx, "greeting", "hello"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := db.Write(ctx, func(WriteTx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close returned %v, want ErrClosed", err)
	}
	again, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen (migrations must be idempotent): %v", err)
	}
	defer again.Close()
	got, _ := again.Setting(ctx, "greeting")
	if got != "hello" {
		t.Errorf("setting after reopen = %q, want hello", got)
	}
	if v, _ := again.SetSettingIfUnset(ctx, "greeting", "other"); v != "hello" {
		t.Errorf("SetSettingIfUnset replaced a set value: got %q", v)
	}
}

func TestEveryCommittedWriteReportsItsTimeInTheStore(t *testing.T) {
	db, _ := mustOpen(t)
	var mu sync.Mutex
	var heard []time.Duration
	db.OnWritten(func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, d)
	})
	// The first write holds the writer while two more queue behind it and
	// share a batch: one commits, one fails.
	release := make(chan struct{})
	first := db.Queue(func(WriteTx) error { <-release; return nil })
	ok := db.Queue(func(WriteTx) error { return nil })
	failed := db.Queue(func(WriteTx) error { return errors.New("boom") })
	const waited = 20 * time.Millisecond
	time.Sleep(waited)
	close(release)
	if err := errors.Join(first.Wait(), ok.Wait()); err != nil {
		t.Fatal(err)
	}
	if failed.Wait() == nil {
		t.Fatal("the failing write succeeded")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(heard) != 2 || min(heard[0], heard[1]) < waited {
		t.Errorf("heard %v, want two times of at least %v: the committed writes', waiting included, and not the failed one's", heard, waited)
	}
}
