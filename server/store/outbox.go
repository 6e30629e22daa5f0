package store

import (
	"context"
	"database/sql"
	"errors"
	"hash/fnv"
	"sync"
	"time"

	"parley/server/outbox"
	"parley/server/paging"
)

// Outbox is the SQLite implementation of outbox.Store.
type Outbox struct{ db *DB }

// NewOutbox returns the outbox inside db.
func NewOutbox(db *DB) *Outbox { return &Outbox{db: db} }

var _ outbox.Store = (*Outbox)(nil)

// OnEnqueue sets what to call after a write that added outbox jobs (the
// runner's Wake). Set it before the first write.
func (db *DB) OnEnqueue(fn func()) { db.onEnqueue = fn }

// enqueueInWrite inserts jobs within a write that makes the change they
// follow, and wakes the runner once it commits.
func (db *DB) enqueueInWrite(ctx context.Context, q WriteTx, jobs []outbox.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	if err := enqueue(ctx, q, jobs); err != nil {
		return err
	}
	if db.onEnqueue != nil {
		q.AfterCommit(db.onEnqueue)
	}
	return nil
}

// enqueue inserts jobs within a write transaction.
func enqueue(ctx context.Context, q WriteTx, jobs []outbox.Job) error {
	const insert = `INSERT INTO outbox (sid, kind, key, payload, next_at, created) VALUES (?, ?, ?, ?, ?, ?)`
	for _, j := range jobs {
		next := j.Created // due now, unless the job is for later
		if j.NextAt.After(next) {
			next = j.NextAt
		}
		args := []any{j.SID, j.Kind, j.Key, j.Payload, next.UnixMilli(), j.Created.UnixMilli()}
		if q.Later(insert, args...) {
			continue
		}
		if _, err := q.ExecContext(ctx, insert, args...); err != nil {
			return err
		}
	}
	return nil
}

// Enqueue stores new jobs in a write of their own.
func (s *Outbox) Enqueue(ctx context.Context, jobs ...outbox.Job) error {
	return s.db.Write(ctx, func(q WriteTx) error { return enqueue(ctx, q, jobs) })
}

const jobCols = "seq, sid, kind, key, payload, state, attempts, next_at, last_status, last_error, created, finished"

func scanJob(row interface{ Scan(...any) error }) (outbox.Job, error) {
	var j outbox.Job
	var next, created int64
	var finished sql.NullInt64
	err := row.Scan(&j.Seq, &j.SID, &j.Kind, &j.Key, &j.Payload, &j.State, &j.Attempts, &next,
		&j.LastStatus, &j.LastError, &created, &finished)
	j.NextAt, j.Created, j.Finished = time.UnixMilli(next).UTC(), time.UnixMilli(created).UTC(), fromMS(finished)
	return j, err
}

// Due lists the lines of keys whose oldest pending job is due: the first
// perKey pending jobs of up to keys such keys, by key then seq. Each line
// is read through the (key, seq) index of pending jobs, so a long backlog
// behind a receiver that was down costs a line's worth per round.
func (s *Outbox) Due(ctx context.Context, now time.Time, keys, perKey int) ([]outbox.Job, error) {
	heads, err := s.db.reads.QueryContext(ctx, `SELECT key FROM outbox o WHERE state = 'pending' AND next_at <= ?
		AND seq = (SELECT min(seq) FROM outbox WHERE key = o.key AND state = 'pending')
		ORDER BY next_at LIMIT ?`, now.UnixMilli(), keys)
	if err != nil {
		return nil, err
	}
	var due []string
	for heads.Next() {
		var k string
		if err := heads.Scan(&k); err != nil {
			heads.Close()
			return nil, err
		}
		due = append(due, k)
	}
	heads.Close()
	if err := heads.Err(); err != nil {
		return nil, err
	}
	var jobs []outbox.Job
	for _, k := range due {
		line, err := s.line(ctx, k, perKey)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, line...)
	}
	return jobs, nil
}

// Line is one key's line, if its first job is due at now.
func (s *Outbox) Line(ctx context.Context, key string, now time.Time, perKey int) ([]outbox.Job, error) {
	line, err := s.line(ctx, key, perKey)
	if err != nil || len(line) == 0 || line[0].NextAt.After(now) {
		return nil, err
	}
	return line, nil
}

// line reads a key's first perKey pending jobs, oldest first.
func (s *Outbox) line(ctx context.Context, key string, perKey int) ([]outbox.Job, error) {
	rows, err := s.db.reads.QueryContext(ctx, "SELECT "+jobCols+` FROM outbox
		WHERE key = ? AND state = 'pending' ORDER BY seq LIMIT ?`, key, perKey)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var jobs []outbox.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, rows.Err()
}

// Claims returns the claims runners on several nodes take (see
// outbox.Claims); nil on SQLite, whose database one node alone uses.
func (s *Outbox) Claims() outbox.Claims {
	if !s.db.engine.network {
		return nil
	}
	return &claims{db: s.db}
}

// claims are PostgreSQL session advisory locks, one per key, all held on
// one connection of the node's own: a node that dies (or loses the
// database) loses its connection, and PostgreSQL lets its claims go at
// once, with no lease to wait out.
type claims struct {
	db   *DB
	mu   sync.Mutex
	conn *sql.Conn
	// taken are the keys claimed on conn: emptied when conn goes, as its
	// claims go with it.
	taken map[string]bool
}

// Held is how many keys this node's claims hold now.
func (c *claims) Held() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return int64(len(c.taken))
}

// claimSpace is the first half of the two-number advisory locks claims
// take ("obx1"): locks keyed by two numbers never meet those keyed by one
// (the writer's, the migrations'). The second half is a hash of the key;
// two keys of one hash merely take turns.
const claimSpace = 0x6f627831

func claimKey(key string) int32 {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int32(h.Sum32())
}

func (c *claims) Claim(ctx context.Context, key string) (bool, error) {
	var ok bool
	err := c.run(ctx, func(conn *sql.Conn) error {
		err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1, $2)", int32(claimSpace), claimKey(key)).Scan(&ok)
		if ok && err == nil {
			c.taken[key] = true
		}
		return err
	})
	return ok && err == nil, err
}

// Holds asks the claims' connection for an answer: a claim is held until
// released or until the session that took it ends, which the question
// finds out.
func (c *claims) Holds(ctx context.Context, key string) (bool, error) {
	var held bool
	err := c.run(ctx, func(conn *sql.Conn) error {
		if !c.taken[key] {
			return nil
		}
		if err := conn.PingContext(ctx); err != nil {
			return err
		}
		held = true
		return nil
	})
	return held, err
}

func (c *claims) Release(ctx context.Context, key string) error {
	return c.run(ctx, func(conn *sql.Conn) error {
		if !c.taken[key] {
			return nil // it went with its connection
		}
		delete(c.taken, key)
		_, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1, $2)", int32(claimSpace), claimKey(key))
		return err
	})
}

// run runs fn on the claims' connection, under their lock, taking a
// connection from the pool the first time and after the last one failed:
// its claims went with it.
func (c *claims) run(ctx context.Context, fn func(*sql.Conn) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		conn, err := c.db.write.Conn(ctx)
		if err != nil {
			return err
		}
		c.conn, c.taken = conn, map[string]bool{}
	}
	err := fn(c.conn)
	if err != nil && c.db.engine.broken != nil && c.db.engine.broken(c.conn) {
		c.conn.Close()
		c.conn, c.taken = nil, nil
	}
	return err
}

// NextDue is when the soonest pending job is due.
func (s *Outbox) NextDue(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	err := s.db.reads.QueryRowContext(ctx, "SELECT min(next_at) FROM outbox WHERE state = 'pending'").Scan(&next)
	return fromMS(next), next.Valid, err
}

// Save writes jobs' progress in one write.
func (s *Outbox) Save(ctx context.Context, jobs ...outbox.Job) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		for _, j := range jobs {
			_, err := q.ExecContext(ctx, `UPDATE outbox SET state = ?, attempts = ?, next_at = ?, last_status = ?,
				last_error = ?, created = ?, finished = ? WHERE seq = ?`, j.State, j.Attempts, j.NextAt.UnixMilli(),
				j.LastStatus, j.LastError, j.Created.UnixMilli(), ms(j.Finished), j.Seq)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Record stores finished jobs as they are, in a write of their own.
func (s *Outbox) Record(ctx context.Context, jobs ...outbox.Job) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		for _, j := range jobs {
			_, err := q.ExecContext(ctx, `INSERT INTO outbox (sid, kind, key, payload, state, attempts, next_at,
				last_status, last_error, created, finished) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				j.SID, j.Kind, j.Key, j.Payload, j.State, j.Attempts, j.Created.UnixMilli(), j.LastStatus, j.LastError,
				j.Created.UnixMilli(), ms(j.Finished))
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Job finds a job by SID.
func (s *Outbox) Job(ctx context.Context, sid string) (outbox.Job, error) {
	j, err := scanJob(s.db.reads.QueryRowContext(ctx, "SELECT "+jobCols+" FROM outbox WHERE sid = ?", sid))
	if errors.Is(err, sql.ErrNoRows) {
		return j, notFound("Delivery", sid)
	}
	return j, err
}

// Jobs lists jobs, newest first.
func (s *Outbox) Jobs(ctx context.Context, f outbox.Filter, p paging.Request) (paging.Page[outbox.Job], error) {
	var where []string
	var args []any
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	return listPage(ctx, s.db.reads, "SELECT "+jobCols+" FROM outbox", where, args, "seq", true, p, scanJob)
}

// Prune drops jobs that finished before the given time.
func (s *Outbox) Prune(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(q WriteTx) error {
		res, err := q.ExecContext(ctx, "DELETE FROM outbox WHERE finished IS NOT NULL AND finished < ?", before.UnixMilli())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// Pending counts jobs not yet delivered nor given up.
func (s *Outbox) Pending(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.reads.QueryRowContext(ctx, "SELECT count(*) FROM outbox WHERE state = 'pending'").Scan(&n)
	return n, err
}
