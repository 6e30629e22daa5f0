-- When each SMS or WhatsApp customer was last texted their place in line
-- (channels.QueueTexts): one row per conversation, moved forward when a
-- text is claimed, so the address's limit holds across restarts. Goes
-- with its conversation.
CREATE TABLE queue_texts (
	conversation_sid TEXT COLLATE "C" PRIMARY KEY REFERENCES conversations (sid) ON DELETE CASCADE,
	date_sent        BIGINT NOT NULL
);
