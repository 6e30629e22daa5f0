package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"parley/server/ratelimit"
)

// Limits keeps rate limits and sign-in throttles in the database
// (PostgreSQL) so that they hold across every node sharing it: an attacker
// alternating nodes gets no more than against one. Each check is one
// statement (a sign-in two, in one transaction) through the read pool,
// never the writer: the endpoints limited are low-rate, and a flood of
// them must not slow anyone's messages.
//
// Its statements are PostgreSQL's own ($n placeholders, ON CONFLICT over
// arithmetic, advisory locks); a node alone on SQLite counts in memory.
type Limits struct {
	db *DB
	// Now is the clock; nil means time.Now. Nodes' clocks may differ a
	// little: a bucket's time never goes back, so a lagging node only
	// refills later, never sooner.
	Now func() time.Time

	pruned atomic.Int64 // unix ms of the last prune by this node
}

var _ ratelimit.Shared = (*Limits)(nil)

// limitsPrune is how often a node removes full buckets and expired
// failures, so the tables hold only state that still decides something.
const limitsPrune = 10 * time.Minute

// signInLock is the advisory lock key sign-in checks take, so parallel
// guesses on several nodes are counted one after another and cannot all
// pass before any is counted. ("parley s".)
const signInLock = 0x7061726c65792073

// NewLimits returns the shared limits inside db, which must be PostgreSQL.
func NewLimits(db *DB) (*Limits, error) {
	if db.Engine() != "postgres" {
		return nil, errors.New("limits shared by a cluster need PostgreSQL")
	}
	return &Limits{db: db}, nil
}

func (l *Limits) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// sharedBucket is one named limit.
type sharedBucket struct {
	l         *Limits
	name      string
	burst     float64
	ratePerMS float64
}

// Bucket is a token bucket in rate_buckets.
func (l *Limits) Bucket(name string, burst, perMinute int) ratelimit.Bucket {
	return &sharedBucket{l: l, name: name, burst: float64(burst), ratePerMS: float64(perMinute) / 60_000}
}

// Take refills key's bucket for the time since it was last taken from and
// takes a token if there is one, in one statement: the row's lock orders
// takes from every node.
func (b *sharedBucket) Take(ctx context.Context, key string) (bool, time.Duration, error) {
	now := b.l.now().UnixMilli()
	b.l.prune(now)
	var ok bool
	var tokens float64
	// $1 key, $2 burst, $3 now, $4 tokens per ms.
	err := b.l.db.read.QueryRowContext(ctx, `
		INSERT INTO rate_buckets AS b (key, tokens, at_ms, full_ms, ok)
		VALUES ($1, $2::float8 - 1, $3, $3 + CEIL(1 / $4::float8)::bigint, ($2::float8 >= 1)::int)
		ON CONFLICT (key) DO UPDATE SET (ok, tokens, at_ms, full_ms) = (
			-- t: the tokens after refilling for the time since the last take;
			-- one is taken if there is one.
			SELECT (f.t >= 1)::int, f.t - f.took, f.at, f.at + CEIL(($2 - (f.t - f.took)) / $4)::bigint
			FROM (SELECT r.t, CASE WHEN r.t >= 1 THEN 1 ELSE 0 END AS took, r.at
				FROM (SELECT LEAST($2, b.tokens + GREATEST(0, $3 - b.at_ms) * $4) AS t, GREATEST(b.at_ms, $3) AS at) r) f)
		RETURNING ok = 1, tokens`, b.name+" "+key, b.burst, now, b.ratePerMS).Scan(&ok, &tokens)
	if err != nil {
		return false, 0, fmt.Errorf("check a rate limit: %w", err)
	}
	if ok {
		return true, 0, nil
	}
	return false, time.Duration((1 - tokens) / b.ratePerMS * float64(time.Millisecond)), nil
}

// prune removes, now and then, rows that decide nothing any more.
func (l *Limits) prune(now int64) {
	last := l.pruned.Load()
	if now-last < limitsPrune.Milliseconds() || !l.pruned.CompareAndSwap(last, now) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		l.db.read.ExecContext(ctx, `DELETE FROM rate_buckets WHERE full_ms < $1`, now)
		// Failures older than the longest window in use: Parley's is the
		// default, 15 minutes; a day is far past any.
		l.db.read.ExecContext(ctx, `DELETE FROM signin_failures WHERE at_ms < $1`, now-(24*time.Hour).Milliseconds())
	}()
}

// sharedSignIns is ratelimit.SignIns' policy over signin_failures and
// signin_known.
type sharedSignIns struct {
	l      *Limits
	limits ratelimit.SignInLimits
}

// SignIns is a sign-in throttle counting in the database.
func (l *Limits) SignIns(limits ratelimit.SignInLimits) ratelimit.SignInThrottle {
	limits = limits.WithDefaults()
	return &sharedSignIns{l: l, limits: limits}
}

// sharedPass is an attempt let through: its failures' rows, taken back if
// it succeeds.
type sharedPass struct {
	s              *sharedSignIns
	email, address string
	ids            []int64 // its address's and (when not known) its email's failure
}

// Try is ratelimit.SignIns.Begin's decision, under a lock every node's
// checks take, so that parallel guesses are counted one after another.
func (s *sharedSignIns) Try(ctx context.Context, email, address string) (ratelimit.SignInPass, time.Duration, error) {
	address = ratelimit.ClientNetwork(address)
	l := s.limits
	now := l.Now().UnixMilli()
	s.l.prune(now) // by the clock the decision reads
	tx, err := s.l.db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("check sign-in attempts: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(signInLock)); err != nil {
		return nil, 0, fmt.Errorf("check sign-in attempts: %w", err)
	}
	pair := email + "\n" + address
	window := l.Window.Milliseconds()
	// The limit-th newest failure within the window, per count: while there
	// is one, the count is full until it leaves the window.
	var known bool
	var pairAt, addrAt, emailAt sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM signin_known WHERE email = $1 AND address = $2 AND last_ms > $3::bigint - $4::bigint),
		(SELECT at_ms FROM signin_failures WHERE kind = 'pair' AND key = $5 AND at_ms > $3 - $6::bigint ORDER BY at_ms DESC OFFSET $7 LIMIT 1),
		(SELECT at_ms FROM signin_failures WHERE kind = 'address' AND key = $2 AND at_ms > $3 - $6 ORDER BY at_ms DESC OFFSET $8 LIMIT 1),
		(SELECT at_ms FROM signin_failures WHERE kind = 'email' AND key = $1 AND at_ms > $3 - $6 ORDER BY at_ms DESC OFFSET $9 LIMIT 1)`,
		email, address, now, l.KnownFor.Milliseconds(), pair, window,
		l.PerEmailAddress-1, l.PerAddress-1, l.PerEmail-1).Scan(&known, &pairAt, &addrAt, &emailAt)
	if err != nil {
		return nil, 0, fmt.Errorf("check sign-in attempts: %w", err)
	}
	wait := func(at sql.NullInt64) time.Duration {
		if !at.Valid {
			return 0
		}
		return max(0, time.Duration(at.Int64+window-now)*time.Millisecond)
	}
	w := wait(pairAt)
	if !known {
		// As in memory: an address known for the email is judged by its
		// own failures only.
		w = max(w, wait(addrAt), wait(emailAt))
	}
	if w > 0 {
		return nil, w, nil // a refused attempt is not counted
	}
	rows, err := tx.QueryContext(ctx, `INSERT INTO signin_failures (kind, key, at_ms)
		SELECT v.kind, v.key, $4::bigint FROM (VALUES ('pair', $1), ('address', $2), ('email', $3)) AS v (kind, key)
		WHERE v.kind <> 'email' OR NOT $5::boolean
		RETURNING id, kind`, pair, address, email, now, known)
	if err != nil {
		return nil, 0, fmt.Errorf("count a sign-in attempt: %w", err)
	}
	p := &sharedPass{s: s, email: email, address: address}
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			rows.Close()
			return nil, 0, err
		}
		if kind != "pair" {
			p.ids = append(p.ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, fmt.Errorf("count a sign-in attempt: %w", err)
	}
	return p, 0, nil
}

// Succeeded takes the attempt's failures back, forgets the pair's, and
// makes the address known for the email, keeping the most recent
// KnownAddresses. Should it fail, the owner only waits as if they had
// mistyped: it is logged nowhere and changes nothing else.
func (p *sharedPass) Succeeded() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, l := p.s.l.db.read, p.s.limits
	now := l.Now().UnixMilli()
	ids := append(p.ids, -1, -1)
	db.ExecContext(ctx, `DELETE FROM signin_failures WHERE (kind = 'pair' AND key = $1) OR id IN ($2, $3)`,
		p.email+"\n"+p.address, ids[0], ids[1])
	db.ExecContext(ctx, `INSERT INTO signin_known (email, address, last_ms) VALUES ($1, $2, $3)
		ON CONFLICT (email, address) DO UPDATE SET last_ms = GREATEST(signin_known.last_ms, EXCLUDED.last_ms)`,
		p.email, p.address, now)
	db.ExecContext(ctx, `DELETE FROM signin_known WHERE email = $1 AND (last_ms <= $2 OR address NOT IN
		(SELECT address FROM signin_known WHERE email = $1 ORDER BY last_ms DESC LIMIT $3))`,
		p.email, now-l.KnownFor.Milliseconds(), l.KnownAddresses)
}
