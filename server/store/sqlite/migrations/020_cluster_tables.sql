-- The tables a cluster's nodes share in PostgreSQL: uploads' bytes
-- (store.Blobs) and rate limits and sign-in throttles (store.Limits). A
-- node on SQLite is alone and keeps these on disk and in memory, so here
-- they stay empty; they exist so that both engines have one schema, which
-- `parley migrate` checks before copying an install to PostgreSQL.
CREATE TABLE media_chunks (
	upload     TEXT NOT NULL,
	n          INTEGER NOT NULL,
	data       BLOB NOT NULL,
	written_ms INTEGER NOT NULL,
	PRIMARY KEY (upload, n)
);
CREATE TABLE media_blobs (
	hash   TEXT PRIMARY KEY,
	upload TEXT NOT NULL,
	size   INTEGER NOT NULL
);
CREATE TABLE rate_buckets (
	key     TEXT PRIMARY KEY,
	tokens  REAL NOT NULL,
	at_ms   INTEGER NOT NULL,
	full_ms INTEGER NOT NULL,
	ok      INTEGER NOT NULL
);
CREATE TABLE signin_failures (
	id    INTEGER PRIMARY KEY,
	kind  TEXT NOT NULL,
	key   TEXT NOT NULL,
	at_ms INTEGER NOT NULL
);
CREATE TABLE signin_known (
	email   TEXT NOT NULL,
	address TEXT NOT NULL,
	last_ms INTEGER NOT NULL,
	PRIMARY KEY (email, address)
);
