package store

import (
	"context"
	"database/sql"
	"errors"

	"parley/server/media"
)

// Media is the SQLite implementation of media.Store.
type Media struct{ db *DB }

// NewMedia returns the media store inside db.
func NewMedia(db *DB) *Media { return &Media{db: db} }

var _ media.Store = (*Media)(nil)

// OnMediaGone sets what to call after a write that deleted media (with a
// message or a conversation), so blobs are collected promptly. Set it
// before the first write.
func (db *DB) OnMediaGone(fn func()) { db.mediaGone = fn }

// mediaMayBeGone schedules the media-gone call after the write commits.
func (db *DB) mediaMayBeGone(w WriteTx) {
	if db.mediaGone != nil {
		w.AfterCommit(db.mediaGone)
	}
}

const mediaCols = `sid, hash, size, content_type, filename, author, conversation_sid, message_sid, date_created, date_updated`

func scanMedia(row interface{ Scan(...any) error }) (media.Media, error) {
	var m media.Media
	var conv, msg sql.NullString
	var created, updated sql.NullInt64
	err := row.Scan(&m.SID, &m.Hash, &m.Size, &m.ContentType, &m.Filename, &m.Author, &conv, &msg, &created, &updated)
	m.ConversationSID, m.MessageSID = conv.String, msg.String
	m.Created, m.Updated = fromMS(created), fromMS(updated)
	return m, err
}

// InsertMedia records m and places its blob in one write. The record goes
// first: on PostgreSQL that statement's round trip takes the cluster's
// write lock (lockLog), so a blob kept in the database (Blobs) lands while
// no other node's collector can judge it unused.
func (s *Media) InsertMedia(ctx context.Context, m media.Media, place func() error) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, `INSERT INTO media (sid, hash, size, content_type, filename, author,
			date_created, date_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			m.SID, m.Hash, m.Size, m.ContentType, m.Filename, m.Author, ms(m.Created), ms(m.Updated))
		if err != nil {
			return err
		}
		return place()
	})
}

// Media finds a media record by SID.
func (s *Media) Media(ctx context.Context, sid string) (media.Media, error) {
	m, err := scanMedia(s.db.reads.QueryRowContext(ctx, "SELECT "+mediaCols+" FROM media WHERE sid = ?", sid))
	if errors.Is(err, sql.ErrNoRows) {
		return m, notFound("Media", sid)
	}
	return m, err
}

// DeleteMedia removes an unattached media record.
func (s *Media) DeleteMedia(ctx context.Context, sid string) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, "DELETE FROM media WHERE sid = ? AND message_sid IS NULL", sid)
		return err
	})
}

// CollectOrphans hands each unreferenced orphaned hash to remove after the
// write commits. The hook checks again then: an upload of the same bytes
// in the same batch may have claimed the blob since.
func (s *Media) CollectOrphans(ctx context.Context, remove func(hash string)) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		rows, err := q.QueryContext(ctx, `SELECT hash FROM media_orphans
			WHERE NOT EXISTS (SELECT 1 FROM media WHERE media.hash = media_orphans.hash)`)
		if err != nil {
			return err
		}
		var hashes []string
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return err
			}
			hashes = append(hashes, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, "DELETE FROM media_orphans"); err != nil {
			return err
		}
		q.AfterCommit(func() {
			for _, h := range hashes {
				var one int
				err := s.db.reads.QueryRowContext(context.Background(), "SELECT 1 FROM media WHERE hash = ?", h).Scan(&one)
				if errors.Is(err, sql.ErrNoRows) {
					remove(h)
				}
			}
		})
		return nil
	})
}

// Hashes lists every hash in use.
func (s *Media) Hashes(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.reads.QueryContext(ctx, "SELECT DISTINCT hash FROM media")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	used := map[string]bool{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		used[h] = true
	}
	return used, rows.Err()
}

// Participates reports whether identity takes part in the conversation.
func (s *Media) Participates(ctx context.Context, identity, conversationSID string) (bool, error) {
	var one int
	err := s.db.reads.QueryRowContext(ctx, `SELECT 1 FROM participants p JOIN conversations c ON c.seq = p.conversation_seq
		WHERE c.sid = ? AND p.identity = ?`, conversationSID, identity).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
