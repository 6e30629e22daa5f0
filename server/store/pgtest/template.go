package pgtest

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// templateLock is the advisory lock (in the server's maintenance database)
// under which templates are checked and prepared, so test binaries starting
// at once prepare each template once.
const templateLock = 0x70617231 // "par1"

// templates remembers, per process, the templates already known ready.
var templates struct {
	sync.Mutex
	ready map[string]bool
}

// Template returns the name of a template database on the server
// PARLEY_TEST_DATABASE names, made by prepare (given its URL: run the
// migrations there) the first time any test binary asks for key. The name
// carries key, so a key that changes with what prepare does (a hash of
// the migrations) gets a new template rather than a stale one. Templates
// stay on the server for later runs; a throwaway cluster takes them with
// it. prepare must close its connections before it returns: a database
// cannot be copied while anyone is connected to it. Without
// PARLEY_TEST_DATABASE the test is skipped.
func Template(tb testing.TB, key string, prepare func(url string) error) string {
	tb.Helper()
	server := os.Getenv(EnvVar)
	if server == "" {
		tb.Skipf("pgtest: %s is not set, so there is no PostgreSQL for this test; run `make test`, or `scripts/with-postgres go test ./...`", EnvVar)
	}
	name := templateName(key)
	templates.Lock()
	defer templates.Unlock()
	if templates.ready[name] {
		return name
	}
	pool, err := adminPool(server)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		tb.Fatalf("pgtest: preparing template %s: %v", name, err)
	}
	defer conn.Release()
	// A session lock, held on this one connection until the template is
	// ready; unlocked explicitly, since the connection goes back to the pool.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		tb.Fatalf("pgtest: preparing template %s: %v", name, err)
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", templateLock)

	var exists, done bool
	if err := conn.QueryRow(ctx, `SELECT count(*) > 0, coalesce(bool_or(datistemplate), false)
		FROM pg_database WHERE datname = $1`, name).Scan(&exists, &done); err != nil {
		tb.Fatalf("pgtest: preparing template %s: %v", name, err)
	}
	if !done {
		ident := pgx.Identifier{name}.Sanitize()
		if exists {
			// Left half-prepared by a run that failed or was killed.
			if _, err := conn.Exec(ctx, "DROP DATABASE "+ident+" WITH (FORCE)"); err != nil {
				tb.Fatalf("pgtest: dropping the unfinished template %s: %v", name, err)
			}
		}
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
			tb.Fatalf("pgtest: creating template %s: %v", name, err)
		}
		u, err := withDatabase(server, name)
		if err != nil {
			tb.Fatal(err)
		}
		if err := prepare(u); err != nil {
			tb.Fatalf("pgtest: preparing template %s: %v", name, err)
		}
		// IS_TEMPLATE marks it finished for other binaries; refusing
		// connections keeps a stray one from making every copy fail.
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
			tb.Fatalf("pgtest: marking template %s ready: %v", name, err)
		}
	}
	if templates.ready == nil {
		templates.ready = map[string]bool{}
	}
	templates.ready[name] = true
	return name
}

// templateName makes key an identifier under PostgreSQL's 63 bytes.
func templateName(key string) string {
	var b strings.Builder
	b.WriteString("parley_template_")
	for _, r := range strings.ToLower(key) {
		switch {
		case b.Len() >= 63:
			return b.String()
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
