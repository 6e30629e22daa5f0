package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"parley/server/store/postgres"
	"parley/server/store/sqlite"
)

const backupUsage = `Usage: parley backup --to FILE [--data DIR] [--force]

Copy the SQLite database of a Parley install, running or stopped, into FILE:
one consistent snapshot, taken with SQLite's online backup API while the
server goes on writing, checked with PRAGMA integrity_check. FILE appears
only once the copy is whole and checked; an existing FILE is kept unless
--force. To restore: stop the server, copy FILE to DATA/parley.db, start it.
The uploads in DATA/media are not in FILE: copy them after the backup
(docs/OPERATIONS.md says why in that order).

A PostgreSQL install (--database or PARLEY_DATABASE_URL) is backed up with
pg_dump instead; see docs/OPERATIONS.md.

Flags:
`

func backupCmd(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("backup", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() { fmt.Fprint(stderr, backupUsage); flags.PrintDefaults() }
	dataDir := flags.String("data", "./data", "the install's data `DIR`, where the server keeps parley.db")
	to := flags.String("to", "", "the backup's `FILE` (required)")
	force := flags.Bool("force", false, "replace FILE if it exists")
	database := flags.String("database", os.Getenv("PARLEY_DATABASE_URL"), "the server's database `URL`, if not SQLite (default $PARLEY_DATABASE_URL)")
	if err := flags.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("backup takes no arguments (got %q): name the file with --to", flags.Args())
	}
	if *database != "" {
		if postgres.IsURL(*database) {
			return errors.New("parley backup copies a SQLite install; this one keeps its data in PostgreSQL: " +
				"back it up with pg_dump -Fc (or WAL archiving), as docs/OPERATIONS.md describes")
		}
		return fmt.Errorf("--database %q is not a PostgreSQL URL; for a SQLite install leave it (and PARLEY_DATABASE_URL) unset and give --data", *database)
	}
	if *to == "" {
		return errors.New("backup needs --to FILE, the file to write the backup to")
	}

	// Ctrl-C stops the copy and removes the partial file.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dbPath := filepath.Join(*dataDir, "parley.db")
	info, err := sqlite.Backup(ctx, dbPath, *to, sqlite.BackupOptions{Replace: *force})
	switch {
	case errors.Is(err, sqlite.ErrNoDatabase):
		return fmt.Errorf("no Parley database in %s (%v): give the server's data directory with --data", *dataDir, err)
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%s already exists: choose another file, or pass --force to replace it", *to)
	case err != nil:
		return fmt.Errorf("backup of %s: %w", dbPath, err)
	}
	fmt.Fprintf(stdout, "backed up %s to %s: %s, %d tables, integrity ok; copied in %s, checked in %s\n",
		dbPath, *to, byteSize(info.Bytes), info.Tables, info.Copy.Round(time.Millisecond), info.Check.Round(time.Millisecond))
	return nil
}

// byteSize writes n bytes the way people read sizes: 1.5 MB, 812 KB.
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGT"[exp])
}
