-- Durable work after a commit (webhooks, messages out over SMS/WhatsApp),
-- written in the same transaction as the change that raised it. Jobs with
-- the same key run in seq order; finished ones are kept for a while so an
-- operator can see what was delivered and what failed.
CREATE TABLE outbox (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	sid         TEXT NOT NULL UNIQUE,
	kind        TEXT NOT NULL,
	key         TEXT NOT NULL,
	payload     BLOB NOT NULL,
	state       TEXT NOT NULL DEFAULT 'pending',
	attempts    INTEGER NOT NULL DEFAULT 0,
	next_at     INTEGER NOT NULL,
	last_status INTEGER NOT NULL DEFAULT 0,
	last_error  TEXT NOT NULL DEFAULT '',
	created     INTEGER NOT NULL,
	finished    INTEGER
);
CREATE INDEX outbox_pending_by_key ON outbox (key, seq) WHERE state = 'pending';
CREATE INDEX outbox_pending_by_due ON outbox (next_at) WHERE state = 'pending';
CREATE INDEX outbox_finished ON outbox (finished) WHERE finished IS NOT NULL;

-- Conversation-scoped webhooks (Twilio's Conversations/{sid}/Webhooks).
CREATE TABLE conversation_webhooks (
	seq              INTEGER PRIMARY KEY AUTOINCREMENT,
	sid              TEXT NOT NULL UNIQUE,
	conversation_sid TEXT NOT NULL REFERENCES conversations (sid) ON DELETE CASCADE,
	target           TEXT NOT NULL,
	configuration    TEXT NOT NULL,
	date_created     INTEGER NOT NULL,
	date_updated     INTEGER NOT NULL
);
CREATE INDEX conversation_webhooks_by_conversation ON conversation_webhooks (conversation_sid, seq);

-- Which provider message is which message to which participant, so a
-- provider's status callback finds its receipt.
CREATE UNIQUE INDEX receipts_by_channel_message ON receipts (channel_message_sid) WHERE channel_message_sid != '';

-- Parley's own settings of an address: its adapter and routing (JSON,
-- channels.Channel).
ALTER TABLE addresses ADD COLUMN channel TEXT NOT NULL DEFAULT '{}';
