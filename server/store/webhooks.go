package store

import (
	"context"
	"encoding/json"
	"time"

	"parley/server/webhooks"
)

// Webhooks is the SQLite implementation of webhooks.Store.
type Webhooks struct{ db *DB }

// NewWebhooks returns the webhook configuration store inside db.
func NewWebhooks(db *DB) *Webhooks { return &Webhooks{db: db} }

var _ webhooks.Store = (*Webhooks)(nil)

const webhookConfigSetting = "conversations_webhook_config"

// Config reads the service-level configuration; ok is false before the
// first save.
func (s *Webhooks) Config(ctx context.Context) (webhooks.Config, bool, error) {
	var c webhooks.Config
	v, err := s.db.Setting(ctx, webhookConfigSetting)
	if err != nil || v == "" {
		return c, false, err
	}
	return c, true, json.Unmarshal([]byte(v), &c)
}

// SaveConfig writes the service-level configuration.
func (s *Webhooks) SaveConfig(ctx context.Context, c webhooks.Config) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return s.db.SetSetting(ctx, webhookConfigSetting, string(b))
}

// InsertHook stores a conversation-scoped webhook.
func (s *Webhooks) InsertHook(ctx context.Context, h webhooks.Hook) (int64, error) {
	cfg, err := json.Marshal(h.HookConfig)
	if err != nil {
		return 0, err
	}
	var seq int64
	err = s.db.Write(ctx, func(q WriteTx) error {
		return q.QueryRowContext(ctx, `INSERT INTO conversation_webhooks (sid, conversation_sid, target, configuration,
			date_created, date_updated) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq`, h.SID, h.ConversationSID, h.Target, string(cfg),
			ms(h.Created), ms(h.Updated)).Scan(&seq)
	})
	return seq, err
}

// UpdateHook changes a webhook's configuration.
func (s *Webhooks) UpdateHook(ctx context.Context, h webhooks.Hook) error {
	cfg, err := json.Marshal(h.HookConfig)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, `UPDATE conversation_webhooks SET configuration = ?, date_updated = ? WHERE sid = ?`,
			string(cfg), ms(h.Updated), h.SID)
		return err
	})
}

// DeleteHook removes a webhook.
func (s *Webhooks) DeleteHook(ctx context.Context, sid string) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, "DELETE FROM conversation_webhooks WHERE sid = ?", sid)
		return err
	})
}

// AllHooks lists every conversation-scoped webhook.
func (s *Webhooks) AllHooks(ctx context.Context) ([]webhooks.Hook, error) {
	rows, err := s.db.reads.QueryContext(ctx, `SELECT seq, sid, conversation_sid, target, configuration,
		date_created, date_updated FROM conversation_webhooks ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webhooks.Hook
	for rows.Next() {
		var h webhooks.Hook
		var cfg string
		var created, updated int64
		if err := rows.Scan(&h.Key, &h.SID, &h.ConversationSID, &h.Target, &cfg, &created, &updated); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(cfg), &h.HookConfig); err != nil {
			return nil, err
		}
		h.Created, h.Updated = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
		out = append(out, h)
	}
	return out, rows.Err()
}
