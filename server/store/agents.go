package store

import (
	"context"
	"database/sql"

	"parley/server/agents"
)

// Agents is the SQLite implementation of agents.Store.
type Agents struct{ db *DB }

// NewAgents returns the agent store inside db.
func NewAgents(db *DB) *Agents { return &Agents{db: db} }

var _ agents.Store = (*Agents)(nil)

// InsertAgent stores a new agent and returns its storage order.
func (s *Agents) InsertAgent(ctx context.Context, a agents.Agent) (int64, error) {
	var seq int64
	err := s.db.Write(ctx, func(q WriteTx) error {
		return q.QueryRowContext(ctx, `INSERT INTO agents (sid, email, display_name, role, identity, workspace_sid,
			worker_sid, password_hash, generation, date_created, date_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			a.SID, a.Email, a.DisplayName, a.Role, a.Identity, a.WorkspaceSID, a.WorkerSID, a.PasswordHash,
			a.Generation, ms(a.Created), ms(a.Updated)).Scan(&seq)
	})
	return seq, err
}

// UpdateAgent changes an agent's fields.
func (s *Agents) UpdateAgent(ctx context.Context, a agents.Agent) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, `UPDATE agents SET email = ?, display_name = ?, role = ?, password_hash = ?,
			generation = ?, date_updated = ? WHERE sid = ?`,
			a.Email, a.DisplayName, a.Role, a.PasswordHash, a.Generation, ms(a.Updated), a.SID)
		return err
	})
}

// DeleteAgent removes an agent.
func (s *Agents) DeleteAgent(ctx context.Context, sid string) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, "DELETE FROM agents WHERE sid = ?", sid)
		return err
	})
}

// Agents returns every agent, in the order they were made.
func (s *Agents) Agents(ctx context.Context) ([]agents.Agent, error) {
	rows, err := s.db.reads.QueryContext(ctx, `SELECT seq, sid, email, display_name, role, identity, workspace_sid,
		worker_sid, password_hash, generation, date_created, date_updated FROM agents ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []agents.Agent
	for rows.Next() {
		var a agents.Agent
		var created, updated sql.NullInt64
		if err := rows.Scan(&a.Seq, &a.SID, &a.Email, &a.DisplayName, &a.Role, &a.Identity, &a.WorkspaceSID,
			&a.WorkerSID, &a.PasswordHash, &a.Generation, &created, &updated); err != nil {
			return nil, err
		}
		a.Created, a.Updated = fromMS(created), fromMS(updated)
		out = append(out, a)
	}
	return out, rows.Err()
}
