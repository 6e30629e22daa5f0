-- Private notes agents write on a conversation. They are not messages:
-- kept apart so no customer, webhook or channel ever reads them, and
-- deleted with their conversation.
CREATE TABLE notes (
	seq              INTEGER PRIMARY KEY AUTOINCREMENT,
	sid              TEXT NOT NULL UNIQUE,
	conversation_seq INTEGER NOT NULL REFERENCES conversations (seq) ON DELETE CASCADE,
	author           TEXT NOT NULL,
	author_name      TEXT NOT NULL,
	body             TEXT NOT NULL,
	date_created     INTEGER NOT NULL
);
CREATE INDEX notes_by_conversation ON notes (conversation_seq, seq);
