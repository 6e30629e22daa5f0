-- Uploaded files. The bytes live on disk, named by their SHA-256 (hash), so
-- two uploads of the same file share one blob.
CREATE TABLE media (
	seq              INTEGER PRIMARY KEY AUTOINCREMENT,
	sid              TEXT NOT NULL UNIQUE,
	hash             TEXT NOT NULL,
	size             INTEGER NOT NULL,
	content_type     TEXT NOT NULL,
	filename         TEXT NOT NULL DEFAULT '',
	author           TEXT NOT NULL,
	conversation_sid TEXT, -- set with message_sid when the media is attached
	message_sid      TEXT,
	date_created     INTEGER NOT NULL,
	date_updated     INTEGER NOT NULL
);
CREATE INDEX media_by_hash ON media (hash);
CREATE INDEX media_by_message ON media (message_sid) WHERE message_sid IS NOT NULL;

-- A message lists its media as JSON ([{sid, content_type, filename, size}])
-- so message lists need no join.
ALTER TABLE messages ADD COLUMN media TEXT;

-- Hashes whose media rows went away. The media collector removes each blob
-- nothing references any more, after the deleting transaction commits; a
-- crash in between leaves the row here for the next start.
CREATE TABLE media_orphans (hash TEXT PRIMARY KEY) WITHOUT ROWID;

CREATE TRIGGER media_orphaned AFTER DELETE ON media BEGIN
	INSERT OR IGNORE INTO media_orphans (hash) VALUES (OLD.hash);
END;

-- A message takes its media with it, also when its conversation is deleted
-- (foreign key cascades fire delete triggers).
CREATE TRIGGER message_media_deleted AFTER DELETE ON messages WHEN OLD.media IS NOT NULL BEGIN
	DELETE FROM media WHERE message_sid = OLD.sid;
END;
