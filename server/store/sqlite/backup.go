package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// ErrNoDatabase is returned by Backup when there is no database to copy:
// no file, or an empty one.
var ErrNoDatabase = errors.New("no SQLite database")

// BackupOptions tune Backup.
type BackupOptions struct {
	// Replace lets the backup replace an existing file at its destination.
	Replace bool
}

// BackupInfo describes a finished backup.
type BackupInfo struct {
	Bytes  int64         // the copy's size
	Pages  int           // the database pages copied
	Tables int           // the tables in the copy, SQLite's own not counted
	Copy   time.Duration // how long copying took
	Check  time.Duration // how long checking the copy took
}

// backupChunk is how many pages one backup step copies (4 MiB at SQLite's
// default page size): small enough that a cancelled backup stops quickly.
const backupChunk = 1024

// Backup copies the database at dbPath, which a server may be writing, to
// the new file dest with SQLite's online backup API, and checks the copy.
//
// The copy is one snapshot: every step reads inside one read transaction
// held on the source for the whole copy. In WAL mode a reader never blocks
// the writer, so the server goes on committing meanwhile; the cost is that
// its checkpoints cannot move past the snapshot, so its write-ahead log
// grows by what it writes during the copy, and shrinks back at the next
// checkpoint after. (Without the held transaction, SQLite restarts a
// stepped backup whenever another connection writes between two steps:
// under a steady stream of writes it would never finish.)
//
// The copy is written to a temporary file beside dest, checked with
// PRAGMA integrity_check, synced and only then renamed to dest, so dest is
// either a whole, checked backup or absent. It is one self-contained file
// (rollback journal mode, no -wal beside it) that a server opens as its
// database as it is. Backup refuses to replace an existing dest (an error
// wrapping fs.ErrExist) unless opts.Replace, and never replaces dbPath.
func Backup(ctx context.Context, dbPath, dest string, opts BackupOptions) (BackupInfo, error) {
	var info BackupInfo
	src, err := filepath.Abs(dbPath)
	if err != nil {
		return info, err
	}
	dst, err := filepath.Abs(dest)
	if err != nil {
		return info, err
	}
	srcStat, err := os.Stat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return info, fmt.Errorf("%w at %s", ErrNoDatabase, src)
	}
	if err != nil {
		return info, err
	}
	if !srcStat.Mode().IsRegular() {
		return info, fmt.Errorf("%w at %s: it is not a file", ErrNoDatabase, src)
	}
	if dstStat, err := os.Stat(dst); err == nil {
		if os.SameFile(srcStat, dstStat) {
			return info, fmt.Errorf("back up %s onto itself: give another destination", src)
		}
		if dstStat.IsDir() {
			return info, fmt.Errorf("%s is a directory: give the backup's file name", dst)
		}
		if !opts.Replace {
			return info, fmt.Errorf("%s: %w", dst, fs.ErrExist)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return info, err
	}

	// The temporary name starts with a dot and says what it is, so nobody
	// takes a half-written copy for a backup.
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".partial-*")
	if err != nil {
		return info, fmt.Errorf("create the backup beside %s: %w", dst, err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	kept := false
	defer func() {
		if !kept {
			for _, side := range []string{"", "-journal", "-wal", "-shm"} {
				os.Remove(tmpPath + side)
			}
		}
	}()

	start := time.Now()
	if info.Pages, err = copyDatabase(ctx, src, tmpPath); err != nil {
		return info, err
	}
	info.Copy = time.Since(start)
	start = time.Now()
	if info.Tables, err = checkCopy(ctx, tmpPath); err != nil {
		return info, err
	}
	info.Check = time.Since(start)

	if err := fsyncPath(tmpPath); err != nil {
		return info, err
	}
	if opts.Replace {
		err = os.Rename(tmpPath, dst)
	} else if err = os.Link(tmpPath, dst); err == nil {
		// A link, unlike a rename, fails if dest appeared meanwhile.
		os.Remove(tmpPath)
	} else if !errors.Is(err, fs.ErrExist) {
		// A file system without hard links: rename, having looked again.
		if _, statErr := os.Lstat(dst); errors.Is(statErr, fs.ErrNotExist) {
			err = os.Rename(tmpPath, dst)
		}
	}
	if err != nil {
		return info, fmt.Errorf("put the backup at %s: %w", dst, err)
	}
	kept = true
	// The new name is only durable once its directory is.
	if err := fsyncPath(filepath.Dir(dst)); err != nil {
		return info, err
	}
	st, err := os.Stat(dst)
	if err != nil {
		return info, err
	}
	info.Bytes = st.Size()
	return info, nil
}

// copyDatabase copies the database at src into the empty database file
// dest and returns the number of pages copied.
func copyDatabase(ctx context.Context, src, dest string) (pages int, err error) {
	// mode=rw, not rwc: a backup never creates a database where there was
	// none. Not ro either, though it only reads: of a stopped install, the
	// last connection to close is the backup's, and only a connection that
	// may write removes the -wal and -shm files opening the database made.
	// Left there, owned by whoever ran the backup (root, say), they could
	// keep the server from opening its database.
	srcDB, err := sql.Open("sqlite3", "file:"+escapePath(src)+"?mode=rw&_busy_timeout=10000")
	if err != nil {
		return 0, err
	}
	defer srcDB.Close()
	destDB, err := sql.Open("sqlite3", "file:"+escapePath(dest))
	if err != nil {
		return 0, err
	}
	defer destDB.Close()
	srcConn, err := srcDB.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", src, err)
	}
	defer srcConn.Close()
	destConn, err := destDB.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", dest, err)
	}
	defer destConn.Close()

	// BEGIN is deferred: the first read starts the transaction that pins
	// the snapshot. That read also tells a database from another file.
	if _, err := srcConn.ExecContext(ctx, "BEGIN"); err != nil {
		return 0, fmt.Errorf("read %s: %w", src, err)
	}
	defer srcConn.ExecContext(context.Background(), "ROLLBACK")
	var tables int
	if err := srcConn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'").Scan(&tables); err != nil {
		return 0, fmt.Errorf("read %s: %w", src, err)
	}
	if tables == 0 {
		return 0, fmt.Errorf("%w at %s: the file holds no tables", ErrNoDatabase, src)
	}

	err = destConn.Raw(func(d any) error {
		return srcConn.Raw(func(s any) error {
			b, err := d.(*sqlite3.SQLiteConn).Backup("main", s.(*sqlite3.SQLiteConn), "main")
			if err != nil {
				return err
			}
			for done := false; !done; {
				if err := ctx.Err(); err != nil {
					b.Finish()
					return err
				}
				left := b.Remaining()
				if done, err = b.Step(backupChunk); err != nil {
					b.Finish()
					return err
				}
				// Step reports a busy or locked database as not done, having
				// copied nothing: give the lock holder a moment.
				if !done && b.Remaining() == left && left > 0 {
					time.Sleep(10 * time.Millisecond)
				}
			}
			pages = b.PageCount()
			return b.Finish()
		})
	})
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", src, err)
	}
	// The copy carries the source's WAL mode in its header; a backup is one
	// file, so it goes back to a rollback journal. A server opening it
	// switches it to WAL again.
	var mode string
	if err := destConn.QueryRowContext(ctx, "PRAGMA journal_mode = DELETE").Scan(&mode); err != nil || mode != "delete" {
		return 0, fmt.Errorf("make the copy one self-contained file: journal mode %q, %v", mode, err)
	}
	return pages, nil
}

// checkCopy runs SQLite's integrity check on the copy and returns its
// number of tables.
func checkCopy(ctx context.Context, path string) (tables int, err error) {
	db, err := sql.Open("sqlite3", "file:"+escapePath(path)+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check(20)")
	if err != nil {
		return 0, fmt.Errorf("check the copy: %w", err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return 0, fmt.Errorf("check the copy: %w", err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("check the copy: %w", err)
	}
	if len(problems) > 0 {
		return 0, fmt.Errorf("the copy fails SQLite's integrity check (the source may be damaged: run PRAGMA integrity_check on it): %s", strings.Join(problems, "; "))
	}
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").Scan(&tables)
	return tables, err
}

// fsyncPath flushes a file or directory to stable storage.
func fsyncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}
