package store

import (
	"context"
	"database/sql"

	"parley/server/webchat"
)

// Chats left outside business hours (webchat.HeldStore), on the deployment
// store: few rows, read every few seconds by one goroutine, each deleted
// once its chat is routed.

var _ webchat.HeldStore = (*Channels)(nil)

// Hold keeps a chat until its deployment opens.
func (s *Channels) Hold(ctx context.Context, h webchat.Held) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, "INSERT INTO webchat_held (deployment_key, conversation_sid, date_created) VALUES (?, ?, ?)",
			h.DeploymentKey, h.ConversationSID, ms(h.Created))
		return err
	})
}

// HeldDeployments lists the deployments with held chats: an index scan
// that reads nothing while none is held.
func (s *Channels) HeldDeployments(ctx context.Context) ([]string, error) {
	rows, err := s.db.reads.QueryContext(ctx, "SELECT DISTINCT deployment_key FROM webchat_held ORDER BY deployment_key")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// HeldOf lists a deployment's held chats, oldest first.
func (s *Channels) HeldOf(ctx context.Context, key string, limit int) ([]webchat.Held, error) {
	rows, err := s.db.reads.QueryContext(ctx, `SELECT seq, deployment_key, conversation_sid, date_created FROM webchat_held
		WHERE deployment_key = ? ORDER BY seq LIMIT ?`, key, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webchat.Held
	for rows.Next() {
		var h webchat.Held
		var created sql.NullInt64
		if err := rows.Scan(&h.Seq, &h.DeploymentKey, &h.ConversationSID, &created); err != nil {
			return nil, err
		}
		h.Created = fromMS(created)
		out = append(out, h)
	}
	return out, rows.Err()
}

// Release forgets a held chat once it is routed.
func (s *Channels) Release(ctx context.Context, seq int64) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, "DELETE FROM webchat_held WHERE seq = ?", seq)
		return err
	})
}
