package transfer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// ErrInUse is returned when the SQLite install is open in a running Parley
// (or any other program): copying a database that is being written would
// lose whatever it commits after the copy began.
var ErrInUse = errors.New("the SQLite database is in use")

// source is a SQLite install opened for the copy, held exclusively.
type source struct {
	path string
	db   *sql.DB
	conn *sql.Conn
}

// openSource opens DIR/parley.db, takes it for itself and folds its
// write-ahead log into the main file.
func openSource(ctx context.Context, dir string) (*source, error) {
	path := filepath.Join(dir, "parley.db")
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no Parley database at %s: give --from sqlite:DIR the data directory of the install (serve's --data)", path)
		}
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	// mode=rw: never create a file that is not there. A short busy
	// timeout: a lock held by someone else means the install is in use,
	// and waiting will not change that.
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: abs}).EscapedPath()+"?mode=rw&_busy_timeout=200")
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &source{path: path, db: db, conn: conn}
	if err := s.lock(ctx); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// lock makes sure no one else has the database open, and keeps it so.
//
// A plain BEGIN EXCLUSIVE is not enough: in WAL mode it only excludes
// other writers, and an idle Parley holds no write lock, so it would pass
// while Parley runs. In locking_mode=EXCLUSIVE, SQLite must take an
// exclusive lock on the file itself, which fails while any other
// connection, in any process, has the database open in WAL mode; once
// taken, the lock is kept until this connection closes, so no Parley can
// start on the install during the copy either.
func (s *source) lock(ctx context.Context) error {
	if _, err := s.conn.ExecContext(ctx, "PRAGMA locking_mode = EXCLUSIVE"); err != nil {
		return fmt.Errorf("lock %s: %w", s.path, err)
	}
	if _, err := s.conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		var se sqlite3.Error
		if errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
			return fmt.Errorf("%w: %s is open in another program; stop Parley (and anything else using the file) first, then run migrate again", ErrInUse, s.path)
		}
		return fmt.Errorf("lock %s: %w", s.path, err)
	}
	if _, err := s.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	// Everything committed is then in the main file, and the copy reads
	// one file rather than a file and a log.
	var busy, logPages, done int
	if err := s.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &done); err != nil {
		return fmt.Errorf("checkpoint %s: %w", s.path, err)
	}
	if busy != 0 {
		return fmt.Errorf("%w: the checkpoint of %s could not finish; stop Parley first, then run migrate again", ErrInUse, s.path)
	}
	// One read transaction over the whole copy and check: one snapshot.
	_, err := s.conn.ExecContext(ctx, "BEGIN")
	return err
}

func (s *source) close() error {
	s.conn.ExecContext(context.Background(), "ROLLBACK")
	return errors.Join(s.conn.Close(), s.db.Close())
}

// tables lists the install's tables and their columns, in declaration
// order, leaving out those that stay behind (see skipped).
func (s *source) tables(ctx context.Context) (map[string][]string, error) {
	names, err := textColumn(ctx, s.conn, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, name := range names {
		if skipped(name) {
			continue
		}
		cols, err := textColumn(ctx, s.conn, "SELECT name FROM pragma_table_info(?) ORDER BY cid", name)
		if err != nil {
			return nil, err
		}
		out[name] = cols
	}
	return out, nil
}

// sequences reads sqlite_sequence: the highest key each AUTOINCREMENT
// table ever handed out, which may be above the highest left in it.
func (s *source) sequences(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	var n int
	if err := s.conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'").Scan(&n); err != nil || n == 0 {
		return out, err
	}
	rows, err := s.conn.QueryContext(ctx, "SELECT name, seq FROM sqlite_sequence")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var seq int64
		if err := rows.Scan(&name, &seq); err != nil {
			return nil, err
		}
		out[name] = seq
	}
	return out, rows.Err()
}

// skipped reports the tables that are not copied:
//   - schema_migrations records which of SQLite's migrations ran; the
//     target has its own, of PostgreSQL's migrations, written when its
//     schema was made.
//   - sqlite_sequence and SQLite's other internal tables (sqlite_stat1...)
//     belong to the engine. sqlite_sequence's counters are not lost: they
//     become the PostgreSQL sequences' positions (see setSequences).
func skipped(table string) bool {
	return table == "schema_migrations" || strings.HasPrefix(table, "sqlite_")
}

// textColumn runs a query of one text column and returns its values.
func textColumn(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
