package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"

	"parley/server/store/postgres"
	"parley/server/store/transfer"
)

const migrateUsage = `Usage: parley migrate --from sqlite:DIR --to postgres://USER:PASS@HOST:PORT/DB?sslmode=disable

Move an install from SQLite to PostgreSQL: copy every table of the stopped
install in DIR (DIR/parley.db, serve's --data) into an empty PostgreSQL
database, then check each table's row count and checksum on both sides.

Stop Parley first: migrate refuses an install in use. Make the target with
createdb: migrate refuses a database holding any row or any other table.
The copy is one transaction: if anything fails, a check included, the
target is left empty. The SQLite install is left as it was (its
write-ahead log folded into the file).

Afterwards start Parley with --database URL and the same --data DIR,
which keeps the uploads (DIR/media) and credentials.

Flags:
`

func migrateCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, migrateUsage); fs.PrintDefaults() }
	from := fs.String("from", "", "the SQLite install: sqlite:`DIR`, its data directory")
	to := fs.String("to", "", "the empty PostgreSQL database: postgres://`URL`")
	every := fs.Int64("progress", transfer.DefaultProgressEvery, "report a big table's progress every `N` rows")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	dir, ok := strings.CutPrefix(*from, "sqlite:")
	if !ok || dir == "" {
		fs.Usage()
		return fmt.Errorf("--from must name the SQLite install's data directory as sqlite:DIR")
	}
	if !postgres.IsURL(*to) {
		fs.Usage()
		return fmt.Errorf("--to must be a postgres:// URL of an empty database")
	}
	// Ctrl-C cancels the copy, whose transaction then rolls back.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fmt.Fprintf(stdout, "Copying the SQLite install in %s into PostgreSQL.\n", dir)
	res, err := transfer.Migrate(ctx, dir, *to, transfer.Options{
		ProgressEvery: *every,
		Progress: func(table string, copied, total int64) {
			if total >= *every {
				fmt.Fprintf(stdout, "  %s: %d of %d rows\n", table, copied, total)
			}
		},
	})
	if len(res.Tables) > 0 {
		printChecks(stdout, res)
	}
	if err != nil {
		return err
	}
	secs := res.Elapsed.Seconds()
	fmt.Fprintf(stdout, "Copied %d rows of %d tables to %s in %.1fs (%.0f rows/s); every count and checksum matches.\n",
		res.Rows, len(res.Tables), res.Target, secs, float64(res.Rows)/max(secs, 1e-3))
	fmt.Fprintf(stdout, "Start Parley on it with: parley serve --database URL --data %s\n", dir)
	return nil
}

// printChecks prints each table's count and checksum, and whether both
// sides agree.
func printChecks(w io.Writer, res transfer.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tROWS\tCHECKSUM\tCHECK")
	for _, t := range res.Tables {
		check := "OK"
		if !t.OK() {
			check = fmt.Sprintf("MISMATCH: PostgreSQL has %d rows, checksum %.16s", t.TargetRows, t.TargetSum)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.16s\t%s\n", t.Name, t.SourceRows, t.SourceSum, check)
	}
	tw.Flush()
}
