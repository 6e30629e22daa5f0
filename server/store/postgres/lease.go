package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Lease is a session advisory lock held on a connection of its own, which
// makes one node of a cluster the one that does something (runs the
// routing engine, RoutingLease). PostgreSQL frees the lock when the
// session ends: when its holder releases it, and when the holder dies,
// as soon as its socket closes (a killed process) or, for a machine that
// vanished, when the server's keepalives give up on it (about 8 s, set
// on the session).
type Lease struct {
	cfg  *pgx.ConnConfig
	key  int64
	conn *pgx.Conn // nil until a try; the session holding the lock while held
	held bool
}

// NewLease returns the lease of key in the database at url, not yet taken.
func NewLease(url string, key int64) (*Lease, error) {
	// Parsed as the pool parses it: a URL may carry the pool's settings
	// (pool_max_conns), which a plain connection would send to the server.
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, errors.New("the database URL is not a valid postgres:// URL")
	}
	cfg := pc.ConnConfig
	cfg.RuntimeParams["application_name"] = "parley lease"
	// A holder whose machine vanished must lose the lease within seconds,
	// not when the kernel's keepalives give up, hours later.
	cfg.RuntimeParams["tcp_keepalives_idle"] = "5"
	cfg.RuntimeParams["tcp_keepalives_interval"] = "1"
	cfg.RuntimeParams["tcp_keepalives_count"] = "3"
	return &Lease{cfg: cfg, key: key}, nil
}

// Try takes the lease if no session holds it, and reports whether this
// one now does.
func (l *Lease) Try(ctx context.Context) (bool, error) {
	if l.held {
		return true, nil
	}
	if l.conn == nil || l.conn.IsClosed() {
		c, err := pgx.ConnectConfig(ctx, l.cfg)
		if err != nil {
			return false, err
		}
		l.conn = c
	}
	var ok bool
	if err := l.conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", l.key).Scan(&ok); err != nil {
		l.drop()
		return false, err
	}
	l.held = ok
	return ok, nil
}

// Check reports whether the lease is still held: its session answers.
// When it does not, the lease is given up (the connection closed) and the
// holder must stop at once: another node may take it.
func (l *Lease) Check(ctx context.Context) error {
	if !l.held {
		return errors.New("the lease is not held")
	}
	if err := l.conn.Ping(ctx); err != nil {
		l.drop()
		return err
	}
	return nil
}

// Release gives the lease up, closing its session.
func (l *Lease) Release() { l.drop() }

func (l *Lease) drop() {
	l.held = false
	if l.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), timeoutClose)
		defer cancel()
		l.conn.Close(ctx)
		l.conn = nil
	}
}

// timeoutClose bounds the goodbye to a server that may be gone.
const timeoutClose = 2 * time.Second
