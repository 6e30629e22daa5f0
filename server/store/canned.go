package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"parley/server/canned"
	"parley/server/paging"
)

// Canned is the SQLite implementation of canned.Store.
type Canned struct{ db *DB }

// NewCanned returns the canned response store inside db.
func NewCanned(db *DB) *Canned { return &Canned{db: db} }

var _ canned.Store = (*Canned)(nil)

const cannedCols = "seq, sid, title, body, tags, created_by, date_created, date_updated"

// InsertResponse stores a new response, at most max in all, with a title
// no other has whatever its case.
func (s *Canned) InsertResponse(ctx context.Context, r canned.Response, max int) (int64, error) {
	tags, err := json.Marshal(r.Tags)
	if err != nil {
		return 0, err
	}
	var seq int64
	err = s.db.Write(ctx, func(q WriteTx) error {
		var n int
		if err := q.QueryRowContext(ctx, "SELECT count(*) FROM canned_responses").Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return canned.Full(n)
		}
		if err := titleFree(ctx, q, r); err != nil {
			return err
		}
		return q.QueryRowContext(ctx, `INSERT INTO canned_responses (sid, title, title_key, body, tags, created_by,
			date_created, date_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			r.SID, r.Title, canned.TitleKey(r.Title), r.Body, string(tags), r.CreatedBy, ms(r.DateCreated), ms(r.DateUpdated)).Scan(&seq)
	})
	return seq, err
}

// UpdateResponse reads a response, lets change amend it and stores it,
// in one write.
func (s *Canned) UpdateResponse(ctx context.Context, sid string, change func(*canned.Response) error) (canned.Response, error) {
	var r canned.Response
	err := s.db.Write(ctx, func(q WriteTx) error {
		var err error
		if r, err = readResponse(ctx, q, sid); err != nil {
			return err
		}
		if err := change(&r); err != nil {
			return err
		}
		if err := titleFree(ctx, q, r); err != nil {
			return err
		}
		tags, err := json.Marshal(r.Tags)
		if err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `UPDATE canned_responses SET title = ?, title_key = ?, body = ?, tags = ?,
			date_updated = ? WHERE seq = ?`, r.Title, canned.TitleKey(r.Title), r.Body, string(tags), ms(r.DateUpdated), r.Seq)
		return err
	})
	if err != nil {
		return canned.Response{}, err
	}
	return r, nil
}

// DeleteResponse removes a response.
func (s *Canned) DeleteResponse(ctx context.Context, sid string) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		res, err := q.ExecContext(ctx, "DELETE FROM canned_responses WHERE sid = ?", sid)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return canned.NotFound(sid)
		}
		return err
	})
}

// Response reads one response.
func (s *Canned) Response(ctx context.Context, sid string) (canned.Response, error) {
	return readResponse(ctx, s.db.reads, sid)
}

// Responses returns a page of the responses, oldest first.
func (s *Canned) Responses(ctx context.Context, p paging.Request) (paging.Page[canned.Response], error) {
	return listPage(ctx, s.db.reads, "SELECT "+cannedCols+" FROM canned_responses", nil, nil, "seq", false, p, scanResponse)
}

// titleFree checks no response but r has r's title, whatever its case.
func titleFree(ctx context.Context, q Querier, r canned.Response) error {
	var otherSID, other string
	err := q.QueryRowContext(ctx, "SELECT sid, title FROM canned_responses WHERE title_key = ? AND sid <> ?",
		canned.TitleKey(r.Title), r.SID).Scan(&otherSID, &other)
	switch err {
	case sql.ErrNoRows:
		return nil
	case nil:
		return canned.TitleTaken(other, otherSID)
	}
	return err
}

func readResponse(ctx context.Context, q Querier, sid string) (canned.Response, error) {
	r, err := scanResponse(q.QueryRowContext(ctx, "SELECT "+cannedCols+" FROM canned_responses WHERE sid = ?", sid))
	if err == sql.ErrNoRows {
		return canned.Response{}, canned.NotFound(sid)
	}
	return r, err
}

func scanResponse(row interface{ Scan(...any) error }) (canned.Response, error) {
	var r canned.Response
	var tags string
	var created, updated sql.NullInt64
	if err := row.Scan(&r.Seq, &r.SID, &r.Title, &r.Body, &tags, &r.CreatedBy, &created, &updated); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(tags), &r.Tags); err != nil {
		return r, err
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	r.DateCreated, r.DateUpdated = fromMS(created), fromMS(updated)
	return r, nil
}
