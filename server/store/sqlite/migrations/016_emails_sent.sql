-- Emails Parley sent a web visitor (server/followup): the replies they
-- left unread, the transcripts they asked for. The key names the letter
-- (which conversation, which messages), so none is sent twice, across
-- retries and restarts; through_index is the last message a letter held.
CREATE TABLE emails_sent (
	key              TEXT PRIMARY KEY,
	conversation_sid TEXT NOT NULL REFERENCES conversations (sid) ON DELETE CASCADE,
	kind             TEXT NOT NULL,
	through_index    INTEGER NOT NULL,
	date_created     INTEGER NOT NULL
);
CREATE INDEX emails_sent_by_conversation ON emails_sent (conversation_sid, kind, through_index);
