package store

import (
	"context"

	"parley/server/routing"
)

// Routing is the SQLite implementation of routing.Store.
type Routing struct{ db *DB }

// NewRouting returns the routing store inside db.
func NewRouting(db *DB) *Routing { return &Routing{db: db} }

var _ routing.Store = (*Routing)(nil)

// LoadRouting reads every routing object in creation order.
func (s *Routing) LoadRouting(ctx context.Context) ([]routing.Record, error) {
	rows, err := s.db.reads.QueryContext(ctx, "SELECT kind, sid, workspace_sid, body FROM routing_objects ORDER BY seq")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []routing.Record
	for rows.Next() {
		var r routing.Record
		var body string
		if err := rows.Scan(&r.Kind, &r.SID, &r.WorkspaceSID, &body); err != nil {
			return nil, err
		}
		r.Body = []byte(body)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SaveRouting writes puts (new objects go last in creation order; known
// ones keep their place) and removes deletes, in one transaction.
func (s *Routing) SaveRouting(ctx context.Context, puts []routing.Record, deletes []string) error {
	return s.db.Write(ctx, func(q WriteTx) error { return saveRouting(ctx, q, puts, deletes) })
}

// QueueRouting queues the same write as SaveRouting behind every write
// queued before it, and returns without waiting for it.
func (s *Routing) QueueRouting(puts []routing.Record, deletes []string) routing.Pending {
	return s.db.Queue(func(q WriteTx) error { return saveRouting(context.Background(), q, puts, deletes) })
}

func saveRouting(ctx context.Context, q WriteTx, puts []routing.Record, deletes []string) error {
	for _, r := range puts {
		if _, err := q.ExecContext(ctx, `INSERT INTO routing_objects (sid, kind, workspace_sid, body) VALUES (?, ?, ?, ?)
			ON CONFLICT (sid) DO UPDATE SET body = excluded.body`, r.SID, r.Kind, r.WorkspaceSID, string(r.Body)); err != nil {
			return err
		}
	}
	for _, sid := range deletes {
		if _, err := q.ExecContext(ctx, "DELETE FROM routing_objects WHERE sid = ?", sid); err != nil {
			return err
		}
	}
	return nil
}
