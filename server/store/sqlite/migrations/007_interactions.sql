-- Flex Interactions: interactions, their channels, and the channels'
-- participants, invites and transfers, as JSON documents. parent_sid is
-- the interaction of a channel, and the channel of everything else.
CREATE TABLE interaction_objects (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	sid        TEXT NOT NULL UNIQUE,
	kind       TEXT NOT NULL,
	parent_sid TEXT NOT NULL DEFAULT '',
	body       TEXT NOT NULL
);
CREATE INDEX interaction_objects_by_parent ON interaction_objects (parent_sid, kind, seq);
