-- The idempotency index leads with the key. Parley's clients make keys that
-- begin with the time (sid.Key), so sends to different conversations write
-- their entries side by side at the index's end, a page shared by a whole
-- commit, instead of into a leaf of each conversation's own.
DROP INDEX messages_by_idempotency_key;
CREATE UNIQUE INDEX messages_by_idempotency_key ON messages (idempotency_key, conversation_seq)
	WHERE idempotency_key IS NOT NULL;
