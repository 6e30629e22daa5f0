package store

import (
	"context"
	"database/sql"
	"fmt"

	"parley/server/store/postgres"
	"parley/server/store/sqlite"
)

// engine is what the store needs to know of the database under it. The
// store's SQL is written in the dialect both engines accept (with ?
// placeholders, which rebind turns into PostgreSQL's $N); what differs is
// here.
type engine struct {
	name string
	// begin starts the writer's transaction. SQLite's IMMEDIATE takes the
	// write lock at once rather than at the first write.
	begin string
	// rebind rewrites a query's placeholders for the engine; nil keeps them.
	rebind func(string) string
	// trouble names the storage trouble behind an error (TroubleReasons).
	trouble func(error) string
	// unique reports a unique constraint's refusal.
	unique func(error) bool
	// inTransaction reports whether the writer's transaction survived an
	// error: SQLite rolls it all back by itself after some. (The pipelined
	// writer learns it from its round trips.)
	inTransaction func(*sql.Conn) bool
	// broken reports a writer connection that must be replaced; nil for an
	// engine whose connection cannot break (a file).
	broken func(*sql.Conn) bool
	// probe writes ? bytes into the setting 'write_probe'.
	probe string
	// driverCaches says the driver keeps prepared statements itself, so
	// the store's statement cache stays out of the way. pgx does, per
	// connection; and a statement PostgreSQL fails to prepare inside a
	// transaction aborts it, so preparing ahead would hide a statement's
	// own error behind "current transaction is aborted".
	driverCaches bool
	// network says the database is a server across a network, which can
	// go away while nobody writes (see probe).
	network bool
	// pipelines says the writer sends statements several to a round trip
	// (pipeline.go): for an engine across a network, where round trips
	// are what writes cost.
	pipelines bool
}

var sqliteEngine = &engine{
	name:          "sqlite",
	begin:         "BEGIN IMMEDIATE",
	trouble:       sqlite.Trouble,
	unique:        sqlite.UniqueViolation,
	inTransaction: sqlite.InTransaction,
	probe:         "INSERT INTO settings (name, value) VALUES ('write_probe', zeroblob(?)) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
}

var postgresEngine = &engine{
	name:         "postgres",
	begin:        "BEGIN",
	rebind:       postgres.Rebind,
	trouble:      postgres.Trouble,
	unique:       postgres.UniqueViolation,
	broken:       postgres.Broken,
	driverCaches: true,
	pipelines:    true,
	network:      true,
	probe:        "INSERT INTO settings (name, value) VALUES ('write_probe', repeat('x', ?)) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
}

// reconnect gives the writer a new connection after its own broke (the
// server restarted, the network failed): the pool dials a new one.
func (db *DB) reconnect() error {
	old := db.writer
	old.close()
	old.conn.Close()
	conn, err := db.write.Conn(context.Background())
	if err != nil {
		return fmt.Errorf("reconnect the writer: %w", err)
	}
	w, err := newWriteConn(db.engine, conn)
	if err != nil {
		conn.Close()
		return err
	}
	db.writer = w
	return nil
}
