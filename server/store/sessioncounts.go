package store

import (
	"context"
	"fmt"
	"time"
)

// SessionCounts counts the realtime sessions of a cluster's nodes in the
// database they share, so that the caps per identity and per client
// address hold across the cluster (realtime.Server.Shared). A check and
// its count are one write: the cluster's writes run one at a time, so two
// nodes admitting the same identity at once cannot both pass a full cap.
// PostgreSQL only: SQLite has no cluster.
type SessionCounts struct {
	db   *DB
	node string
	now  func() time.Time
}

// Liveness of a node's counts: it heartbeats every HeartbeatEvery, and
// its counts stop counting once it has not for NodeExpiry (it died).
var (
	HeartbeatEvery = 5 * time.Second
	NodeExpiry     = 20 * time.Second
)

// NewSessionCounts counts node's sessions in db.
func NewSessionCounts(db *DB, node string) *SessionCounts {
	return &SessionCounts{db: db, node: node, now: time.Now}
}

// Reserve counts a session of identity from address, unless the cluster
// already holds perIdentity sessions of the identity or perAddress from
// the address (zero or less: no cap); then full says which cap is.
func (c *SessionCounts) Reserve(ctx context.Context, identity, address string, perIdentity, perAddress int) (full string, err error) {
	err = c.db.Write(ctx, func(q WriteTx) error {
		full = "" // a write that runs again starts over
		var byIdentity, byAddress int
		err := q.QueryRowContext(ctx, `SELECT
				COALESCE(SUM(CASE WHEN s.identity = ? THEN s.n ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN s.address = ? THEN s.n ELSE 0 END), 0)
			FROM realtime_sessions s JOIN cluster_nodes c ON c.node = s.node
			WHERE (s.identity = ? OR s.address = ?) AND c.seen >= ?`,
			identity, address, identity, address, ms(c.now().Add(-NodeExpiry))).Scan(&byIdentity, &byAddress)
		if err != nil {
			return err
		}
		switch {
		case perIdentity > 0 && byIdentity >= perIdentity:
			full = fmt.Sprintf("%s already has %d realtime sessions, the most allowed: close one first", identity, perIdentity)
			return nil
		case perAddress > 0 && byAddress >= perAddress:
			full = fmt.Sprintf("your address already has %d realtime sessions, the most allowed: close one first", perAddress)
			return nil
		}
		_, err = q.ExecContext(ctx, `INSERT INTO realtime_sessions (node, identity, address, n) VALUES (?, ?, ?, 1)
			ON CONFLICT (node, identity, address) DO UPDATE SET n = realtime_sessions.n + 1`, c.node, identity, address)
		return err
	})
	if err != nil {
		return "", err
	}
	return full, nil
}

// Release uncounts a session Reserve counted.
func (c *SessionCounts) Release(ctx context.Context, identity, address string) error {
	return c.db.Write(ctx, func(q WriteTx) error {
		if _, err := q.ExecContext(ctx, `UPDATE realtime_sessions SET n = n - 1 WHERE node = ? AND identity = ? AND address = ?`,
			c.node, identity, address); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `DELETE FROM realtime_sessions WHERE node = ? AND identity = ? AND address = ? AND n <= 0`,
			c.node, identity, address)
		return err
	})
}

// Heartbeat says this node is alive, and drops the counts of nodes that
// are not.
func (c *SessionCounts) Heartbeat(ctx context.Context) error {
	now := c.now()
	dead := ms(now.Add(-NodeExpiry))
	return c.db.Write(ctx, func(q WriteTx) error {
		if _, err := q.ExecContext(ctx, `INSERT INTO cluster_nodes (node, seen) VALUES (?, ?)
			ON CONFLICT (node) DO UPDATE SET seen = excluded.seen`, c.node, ms(now)); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM realtime_sessions WHERE node IN (SELECT node FROM cluster_nodes WHERE seen < ?)`, dead); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `DELETE FROM cluster_nodes WHERE seen < ?`, dead)
		return err
	})
}

// Leave drops this node's counts, as it stops.
func (c *SessionCounts) Leave(ctx context.Context) error {
	return c.db.Write(ctx, func(q WriteTx) error {
		if _, err := q.ExecContext(ctx, `DELETE FROM realtime_sessions WHERE node = ?`, c.node); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `DELETE FROM cluster_nodes WHERE node = ?`, c.node)
		return err
	})
}
