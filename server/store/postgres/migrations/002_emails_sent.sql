-- Emails Parley sent a web visitor (server/followup): the replies they
-- left unread, the transcripts they asked for. The key names the letter
-- (which conversation, which messages), so none is sent twice, across
-- retries and restarts; through_index is the last message a letter held.
CREATE TABLE emails_sent (
	key              TEXT COLLATE "C" PRIMARY KEY,
	conversation_sid TEXT COLLATE "C" NOT NULL REFERENCES conversations (sid) ON DELETE CASCADE,
	kind             TEXT NOT NULL,
	through_index    BIGINT NOT NULL,
	date_created     BIGINT NOT NULL
);
CREATE INDEX emails_sent_by_conversation ON emails_sent (conversation_sid, kind, through_index);
