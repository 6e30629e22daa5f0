-- The event log: every change participants hear about, in commit order.
-- seq is the resume cursor a realtime client keeps. AUTOINCREMENT so a seq
-- is never reused, even after the newest events are pruned.
CREATE TABLE events (
	seq              INTEGER PRIMARY KEY AUTOINCREMENT,
	type             TEXT NOT NULL,
	conversation_sid TEXT NOT NULL,
	target           TEXT NOT NULL DEFAULT '', -- one identity, or '' for everyone in the conversation
	data             TEXT NOT NULL,            -- the changed resource, JSON
	created          INTEGER NOT NULL
);
CREATE INDEX events_by_conversation ON events (conversation_sid, seq);
CREATE INDEX events_by_target ON events (target, seq) WHERE target != '';
