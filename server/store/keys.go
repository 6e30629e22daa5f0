package store

import (
	"context"
	"database/sql"
	"errors"

	"parley/server/auth"
	"parley/server/paging"
)

// Keys is the SQLite implementation of auth.Store.
type Keys struct{ db *DB }

// NewKeys returns the API key store inside db.
func NewKeys(db *DB) *Keys { return &Keys{db: db} }

var _ auth.Store = (*Keys)(nil)

const keyCols = "k.seq, k.sid, k.friendly_name, k.secret, k.date_created, k.date_updated"

func scanKey(row interface{ Scan(...any) error }) (auth.Key, error) {
	var k auth.Key
	var created, updated sql.NullInt64
	err := row.Scan(&k.Key, &k.SID, &k.FriendlyName, &k.Secret, &created, &updated)
	k.Created, k.Updated = fromMS(created), fromMS(updated)
	return k, err
}

// InsertKey stores a new key.
func (s *Keys) InsertKey(ctx context.Context, k auth.Key) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, `INSERT INTO api_keys (sid, friendly_name, secret, date_created, date_updated)
			VALUES (?, ?, ?, ?, ?)`, k.SID, k.FriendlyName, k.Secret, ms(k.Created), ms(k.Updated))
		return err
	})
}

// UpdateKey changes a key's friendly name.
func (s *Keys) UpdateKey(ctx context.Context, k auth.Key) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, "UPDATE api_keys SET friendly_name = ?, date_updated = ? WHERE sid = ?",
			k.FriendlyName, ms(k.Updated), k.SID)
		return err
	})
}

// DeleteKey removes a key.
func (s *Keys) DeleteKey(ctx context.Context, sid string) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, "DELETE FROM api_keys WHERE sid = ?", sid)
		return err
	})
}

// Key fetches a key with its secret.
func (s *Keys) Key(ctx context.Context, sid string) (auth.Key, error) {
	k, err := scanKey(s.db.reads.QueryRowContext(ctx, "SELECT "+keyCols+" FROM api_keys k WHERE k.sid = ?", sid))
	if errors.Is(err, sql.ErrNoRows) {
		return k, notFound("Key", sid)
	}
	return k, err
}

// Keys lists keys in the order they were made.
func (s *Keys) Keys(ctx context.Context, p paging.Request) (paging.Page[auth.Key], error) {
	return listPage(ctx, s.db.reads, "SELECT "+keyCols+" FROM api_keys k", nil, nil, "k.seq", false, p, scanKey)
}
