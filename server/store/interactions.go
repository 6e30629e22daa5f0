package store

import (
	"context"
	"database/sql"
	"errors"

	"parley/server/interactions"
)

// Interactions is the SQLite implementation of interactions.Store.
type Interactions struct{ db *DB }

// NewInteractions returns the interactions store inside db.
func NewInteractions(db *DB) *Interactions { return &Interactions{db: db} }

var _ interactions.Store = (*Interactions)(nil)

// Get reads one object's body by SID; found is false when there is none
// of that kind.
func (s *Interactions) Get(ctx context.Context, kind, sid string) ([]byte, bool, error) {
	var body string
	err := s.db.reads.QueryRowContext(ctx, "SELECT body FROM interaction_objects WHERE sid = ? AND kind = ?", sid, kind).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return []byte(body), err == nil, err
}

// Children reads the bodies of a parent's objects of a kind, oldest first.
func (s *Interactions) Children(ctx context.Context, parentSID, kind string) ([][]byte, error) {
	return column[[]byte](ctx, s.db.reads, "SELECT body FROM interaction_objects WHERE parent_sid = ? AND kind = ? ORDER BY seq", parentSID, kind)
}

// Put writes objects in one transaction, replacing those already there.
func (s *Interactions) Put(ctx context.Context, objs ...interactions.Object) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		for _, o := range objs {
			if _, err := q.ExecContext(ctx, `INSERT INTO interaction_objects (sid, kind, parent_sid, body) VALUES (?, ?, ?, ?)
				ON CONFLICT (sid) DO UPDATE SET body = excluded.body`, o.SID, o.Kind, o.Parent, string(o.Body)); err != nil {
				return err
			}
		}
		return nil
	})
}
