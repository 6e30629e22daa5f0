package pgtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// BenchmarkCreateDatabase measures what one test pays for its database:
// CREATE DATABASE, then DROP DATABASE at its end, from an empty template
// (template1, as Database does) and from one holding a schema the size of
// Parley's (as a migrated template would), with PostgreSQL's two copy
// strategies. WAL_LOG (PostgreSQL 15's default) writes the template's pages
// into the WAL; FILE_COPY copies the files and checkpoints before and
// after. ms-ready is the time until the test could start: the copy, plus
// the migration when the database starts empty.
func BenchmarkCreateDatabase(b *testing.B) {
	server := os.Getenv(EnvVar)
	if server == "" {
		b.Skipf("%s is not set; run scripts/with-postgres go test -bench CreateDatabase ./server/store/pgtest/", EnvVar)
	}
	pool, err := adminPool(server)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	schema := "parley_bench_schema_" + databaseName("")[len("parley__"):]
	if _, err := pool.Exec(ctx, "CREATE DATABASE "+schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pool.Exec(ctx, "DROP DATABASE "+schema+" WITH (FORCE)") })
	// About what Parley's migrations make: 40 tables, each with a key,
	// a unique pair and an index.
	var ddl strings.Builder
	for i := range 40 {
		fmt.Fprintf(&ddl, "CREATE TABLE t%d (id bigserial PRIMARY KEY, a text NOT NULL, b bigint, c jsonb, UNIQUE (a, b)); CREATE INDEX ON t%d (b);", i, i)
	}
	migrate := func(name string) error {
		u, err := withDatabase(server, name)
		if err != nil {
			return err
		}
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, ddl.String())
		return err
	}
	if err := migrate(schema); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name, clause string
		migrate      bool
	}{
		{"template1/WAL_LOG", "", false},
		{"template1/FILE_COPY", "STRATEGY FILE_COPY", false},
		{"template1/WAL_LOG+migrate", "", true},
		{"migrated/WAL_LOG", "TEMPLATE " + schema, false},
		{"migrated/FILE_COPY", "TEMPLATE " + schema + " STRATEGY FILE_COPY", false},
	} {
		for _, parallel := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/parallel=%d", c.name, parallel), func(b *testing.B) {
				var mu sync.Mutex
				var create, drop time.Duration
				next := make(chan struct{})
				go func() {
					for range b.N {
						next <- struct{}{}
					}
					close(next)
				}()
				var wg sync.WaitGroup
				for range parallel {
					wg.Go(func() {
						for range next {
							name := databaseName("bench")
							start := time.Now()
							if _, err := pool.Exec(ctx, "CREATE DATABASE "+name+" "+c.clause); err != nil {
								b.Error(err)
								return
							}
							if c.migrate {
								if err := migrate(name); err != nil {
									b.Error(err)
									return
								}
							}
							made := time.Now()
							if _, err := pool.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
								b.Error(err)
								return
							}
							mu.Lock()
							create += made.Sub(start)
							drop += time.Since(made)
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				b.ReportMetric(float64(create.Milliseconds())/float64(b.N), "ms-ready/op")
				b.ReportMetric(float64(drop.Milliseconds())/float64(b.N), "ms-drop/op")
			})
		}
	}
}
