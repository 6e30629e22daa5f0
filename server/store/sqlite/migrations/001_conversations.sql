-- Conversations, participants, messages, receipts and users.
-- Times are Unix milliseconds (UTC). Each table has an integer key that
-- orders it for keyset paging; SIDs are the public names.

CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE conversations (
	seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
	sid                   TEXT NOT NULL UNIQUE,
	account_sid           TEXT NOT NULL,
	service_sid           TEXT NOT NULL,
	messaging_service_sid TEXT NOT NULL DEFAULT '',
	unique_name           TEXT,
	friendly_name         TEXT NOT NULL DEFAULT '',
	attributes            TEXT NOT NULL DEFAULT '{}',
	state                 TEXT NOT NULL,
	timer_inactive_ms     INTEGER NOT NULL DEFAULT 0,
	timer_closed_ms       INTEGER NOT NULL DEFAULT 0,
	date_inactive         INTEGER,
	date_closed           INTEGER,
	last_message_index    INTEGER NOT NULL DEFAULT -1,
	date_created          INTEGER NOT NULL,
	date_updated          INTEGER NOT NULL,
	UNIQUE (service_sid, unique_name)
);
CREATE INDEX conversations_by_created ON conversations (date_created, seq);
CREATE INDEX conversations_inactive_due ON conversations (date_inactive) WHERE date_inactive IS NOT NULL;
CREATE INDEX conversations_closed_due ON conversations (date_closed) WHERE date_closed IS NOT NULL;

CREATE TABLE participants (
	seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
	sid                  TEXT NOT NULL UNIQUE,
	conversation_seq     INTEGER NOT NULL REFERENCES conversations (seq) ON DELETE CASCADE,
	identity             TEXT,
	binding_type         TEXT,
	binding_address      TEXT,
	binding_proxy        TEXT,
	binding_projected    TEXT,
	attributes           TEXT NOT NULL DEFAULT '{}',
	role_sid             TEXT NOT NULL DEFAULT '',
	last_read_index      INTEGER,
	last_read_at         INTEGER,
	date_created         INTEGER NOT NULL,
	date_updated         INTEGER NOT NULL,
	UNIQUE (conversation_seq, identity),
	UNIQUE (conversation_seq, binding_address, binding_proxy)
);
CREATE INDEX participants_by_identity ON participants (identity, seq) WHERE identity IS NOT NULL;
CREATE INDEX participants_by_address ON participants (binding_address, seq) WHERE binding_address IS NOT NULL;

-- Messages are found by (conversation, index): listing a page deep in a long
-- conversation is an index range scan, never an OFFSET. Rows are stored in
-- arrival order (rowid) so a busy server appends them instead of writing
-- into a page per conversation; only the small index entries scatter.
CREATE TABLE messages (
	rowid            INTEGER PRIMARY KEY,
	conversation_seq INTEGER NOT NULL REFERENCES conversations (seq) ON DELETE CASCADE,
	idx              INTEGER NOT NULL,
	sid              TEXT NOT NULL UNIQUE,
	author           TEXT NOT NULL,
	body             TEXT NOT NULL DEFAULT '',
	attributes       TEXT NOT NULL DEFAULT '{}',
	participant_sid  TEXT NOT NULL DEFAULT '',
	idempotency_key  TEXT,
	date_created     INTEGER NOT NULL,
	date_updated     INTEGER NOT NULL,
	UNIQUE (conversation_seq, idx)
);
CREATE UNIQUE INDEX messages_by_idempotency_key ON messages (conversation_seq, idempotency_key)
	WHERE idempotency_key IS NOT NULL;

CREATE TABLE receipts (
	seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
	sid                 TEXT NOT NULL UNIQUE,
	conversation_seq    INTEGER NOT NULL REFERENCES conversations (seq) ON DELETE CASCADE,
	message_sid         TEXT NOT NULL REFERENCES messages (sid) ON DELETE CASCADE,
	participant_sid     TEXT NOT NULL,
	channel_message_sid TEXT NOT NULL DEFAULT '',
	status              TEXT NOT NULL,
	error_code          INTEGER NOT NULL DEFAULT 0,
	date_created        INTEGER NOT NULL,
	date_updated        INTEGER NOT NULL
);
CREATE INDEX receipts_by_message ON receipts (message_sid, seq);

CREATE TABLE users (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	sid           TEXT NOT NULL UNIQUE,
	account_sid   TEXT NOT NULL,
	service_sid   TEXT NOT NULL,
	identity      TEXT NOT NULL,
	friendly_name TEXT NOT NULL DEFAULT '',
	attributes    TEXT NOT NULL DEFAULT '{}',
	role_sid      TEXT NOT NULL DEFAULT '',
	date_created  INTEGER NOT NULL,
	date_updated  INTEGER NOT NULL,
	UNIQUE (service_sid, identity)
);
