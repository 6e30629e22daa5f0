// Package sqlite is the SQLite engine under Parley's store: it opens the
// database file with the settings the store relies on, applies SQLite's
// migrations, and reads SQLite's errors. The store's SQL itself lives in
// package store, written once for every engine.
//
// SQLite is the zero-setup default: one file in the data directory, no
// server to run. It allows one writer at a time, which the store's single
// writer goroutine matches.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"

	"github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"parley/server/store/schema"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens (creating if needed) the database file at path, applies any
// migrations it has not seen, and returns a pool of one write connection
// and a pool of read-only ones. synchronous is SQLite's synchronous
// setting: "FULL" makes every commit survive power loss, "NORMAL" only a
// process crash.
func Open(path, synchronous string) (write, read *sql.DB, err error) {
	switch synchronous {
	case "FULL", "NORMAL":
	default:
		return nil, nil, fmt.Errorf("synchronous mode %q is not FULL or NORMAL", synchronous)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, err
	}
	// Foreign keys enforce cascades; the busy timeout only matters for
	// readers during a checkpoint, since writes never contend.
	common := "_foreign_keys=on&_busy_timeout=10000&_journal_mode=WAL"
	write, err = sql.Open("sqlite3", "file:"+escapePath(abs)+"?"+common+"&_synchronous="+synchronous+"&_txlock=immediate"+
		// A large page cache keeps the writer's index pages in memory; each
		// reader gets a smaller one.
		"&_cache_size=-32768")
	if err != nil {
		return nil, nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	if err := write.Ping(); err != nil {
		write.Close()
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := migrate(write); err != nil {
		write.Close()
		return nil, nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	read, err = sql.Open("sqlite3", "file:"+escapePath(abs)+"?"+common+"&mode=ro&_cache_size=-8192")
	if err != nil {
		write.Close()
		return nil, nil, err
	}
	n := 2 * runtime.GOMAXPROCS(0)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	return write, read, nil
}

func escapePath(p string) string {
	return (&url.URL{Path: p}).EscapedPath()
}

func migrate(db *sql.DB) error {
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (datetime('now')))`); err != nil {
		return err
	}
	all, err := schema.Migrations(migrations)
	if err != nil {
		return err
	}
	for _, m := range all {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM schema_migrations WHERE name = ?", m.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(m.SQL); err != nil {
			tx.Rollback()
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		if _, err := tx.Exec("INSERT INTO schema_migrations (name) VALUES (?)", m.Name); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// Trouble names the storage trouble behind err, one of the store's
// trouble reasons ("full", "readonly", "io", "cantopen"), or "" if err is
// not one.
func Trouble(err error) string {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return ""
	}
	switch se.Code {
	case sqlite3.ErrFull:
		return "full"
	case sqlite3.ErrReadonly:
		return "readonly"
	case sqlite3.ErrIoErr:
		return "io"
	case sqlite3.ErrCantOpen:
		return "cantopen"
	}
	return ""
}

// UniqueViolation reports whether err is a unique constraint's refusal.
func UniqueViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

// InTransaction reports whether conn's transaction is still open. SQLite
// rolls the whole transaction back by itself after some errors (a full
// disk, an I/O error), savepoints and all.
func InTransaction(conn *sql.Conn) bool {
	open := true
	conn.Raw(func(dc any) error {
		if c, ok := dc.(*sqlite3.SQLiteConn); ok {
			open = !c.AutoCommit()
		}
		return nil
	})
	return open
}

// Checkpoint folds the write-ahead log into the main file, so a closed
// database is one file.
func Checkpoint(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}
