// Package pgtest gives each test its own empty PostgreSQL database on the
// server PARLEY_TEST_DATABASE names, and drops it when the test ends.
//
// scripts/with-postgres starts a throwaway server and sets the variable
// (make test uses it); without the variable the tests that need PostgreSQL
// skip. It is an ordinary package, not a _test file, so every package's
// tests can import it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvVar is the environment variable naming a PostgreSQL server, as a URL,
// on which tests may create and drop databases.
const EnvVar = "PARLEY_TEST_DATABASE"

// adminTimeout bounds one CREATE or DROP DATABASE; a busy machine running
// many test binaries at once can take seconds, never minutes.
const adminTimeout = 2 * time.Minute

// admin is the process's one pool of connections to the server's
// maintenance database, shared by every test that creates a database.
var admin struct {
	once sync.Once
	pool *pgxpool.Pool
	err  error
}

// Available reports whether PARLEY_TEST_DATABASE names a server, that is
// whether Database gives a database rather than skipping the test.
func Available() bool { return os.Getenv(EnvVar) != "" }

// Database creates a fresh, empty database with a unique name on the server
// PARLEY_TEST_DATABASE names and returns its URL; the database is dropped
// when the test and its subtests end, connections still open to it
// included. Without PARLEY_TEST_DATABASE the test is skipped.
//
// It is a copy of template1 made with PostgreSQL's default WAL_LOG
// strategy, which does not checkpoint (FILE_COPY checkpoints twice, making
// every other test's dirty pages hit the disk). A copy costs what creating
// its ~300 catalog files costs: about 150 ms on this machine's disk, 15 ms
// on tmpfs (see BenchmarkCreateDatabase). Copying a migrated template
// instead is five times cheaper than migrating on tmpfs but costs about
// the same on a disk, so tests migrate their own empty database.
func Database(tb testing.TB) string {
	tb.Helper()
	server := os.Getenv(EnvVar)
	if server == "" {
		tb.Skipf("pgtest: %s is not set, so there is no PostgreSQL for this test; run `make test`, or `scripts/with-postgres go test ./...`", EnvVar)
	}
	pool, err := adminPool(server)
	if err != nil {
		tb.Fatal(err)
	}
	name := databaseName(tb.Name())
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	if _, err := pool.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("pgtest: creating database %s on %s: %v", name, redacted(server), err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
		defer cancel()
		// FORCE ends the connections a test left open (a pool not yet
		// closed, a server still running), which would otherwise make
		// the drop fail.
		if _, err := pool.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: dropping database %s on %s: %v", name, redacted(server), err)
		}
	})
	u, err := withDatabase(server, name)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// adminPool connects once per process to the server's URL as given, whose
// database (usually postgres) is the one CREATE and DROP DATABASE run from.
func adminPool(server string) (*pgxpool.Pool, error) {
	admin.once.Do(func() {
		cfg, err := pgxpool.ParseConfig(server)
		if err != nil {
			admin.err = fmt.Errorf("pgtest: %s is not a PostgreSQL URL (%v); set it like postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", EnvVar, err)
			return
		}
		// Creating a database copies files; more than a few at once only
		// queue on the disk, and every test binary has its own pool.
		cfg.MaxConns = 4
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err == nil {
			err = pool.Ping(ctx)
		}
		if err != nil {
			if pool != nil {
				pool.Close()
			}
			admin.err = fmt.Errorf("pgtest: cannot reach the PostgreSQL server %s names (%s): %v; start it, or unset %s and run the tests under scripts/with-postgres", EnvVar, redacted(server), err, EnvVar)
			return
		}
		admin.pool = pool
	})
	return admin.pool, admin.err
}

// databaseName is unique across every test binary sharing the server (a
// random suffix), and starts with the test's name so a database left
// behind by a crashed run says whose it was. PostgreSQL cuts identifiers
// at 63 bytes.
func databaseName(test string) string {
	var b strings.Builder
	b.WriteString("parley_")
	for _, r := range strings.ToLower(test) {
		if b.Len() >= 40 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	var random [6]byte
	rand.Read(random[:])
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(random[:]))
	return b.String()
}

// withDatabase returns the server's connection string naming database
// instead, in the form it was given (a URL, or keyword=value pairs).
func withDatabase(server, database string) (string, error) {
	if strings.HasPrefix(server, "postgres://") || strings.HasPrefix(server, "postgresql://") {
		u, err := url.Parse(server)
		if err != nil {
			return "", fmt.Errorf("pgtest: %s is not a valid URL: %v", EnvVar, err)
		}
		u.Path = "/" + database
		u.RawPath = ""
		return u.String(), nil
	}
	// A later keyword overrides an earlier one.
	return server + " dbname=" + database, nil
}

// redacted hides a password in a server URL printed in a message.
func redacted(server string) string {
	if u, err := url.Parse(server); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return EnvVar
}
