-- Rate limits and sign-in throttles a cluster's nodes share (store.Limits),
-- so spreading requests over the nodes gains an attacker nothing. A node
-- alone keeps them in memory instead.

-- A token bucket per limit and client: ok is whether the last take got a
-- token (the statement that takes one says so in RETURNING). full_ms is
-- when the bucket is full again; a full bucket carries no state, and goes.
CREATE TABLE rate_buckets (
	key     TEXT COLLATE "C" PRIMARY KEY, -- limit name, a space, the client
	tokens  DOUBLE PRECISION NOT NULL,
	at_ms   BIGINT NOT NULL,
	full_ms BIGINT NOT NULL,
	ok      BOOLEAN NOT NULL
);
CREATE INDEX rate_buckets_by_full ON rate_buckets (full_ms);

-- Sign-in failures within the window, counted per (email, address), per
-- address, and per email from addresses not known for it
-- (ratelimit.SignInLimits).
CREATE TABLE signin_failures (
	id    BIGSERIAL PRIMARY KEY,
	kind  TEXT COLLATE "C" NOT NULL, -- 'pair', 'address' or 'email'
	key   TEXT COLLATE "C" NOT NULL,
	at_ms BIGINT NOT NULL
);
CREATE INDEX signin_failures_by_key ON signin_failures (kind, key, at_ms);

-- Addresses known for an email: they signed in to it.
CREATE TABLE signin_known (
	email   TEXT COLLATE "C" NOT NULL,
	address TEXT COLLATE "C" NOT NULL,
	last_ms BIGINT NOT NULL,
	PRIMARY KEY (email, address)
);
