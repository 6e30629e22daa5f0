-- Agents of the desktop. password_hash is an Argon2id PHC string;
-- generation counts sign-outs and password changes, which end tokens.
CREATE TABLE agents (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	sid           TEXT NOT NULL UNIQUE,
	email         TEXT NOT NULL UNIQUE,
	display_name  TEXT NOT NULL,
	role          TEXT NOT NULL,
	identity      TEXT NOT NULL UNIQUE,
	workspace_sid TEXT NOT NULL,
	worker_sid    TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	generation    INTEGER NOT NULL DEFAULT 0,
	date_created  INTEGER NOT NULL,
	date_updated  INTEGER NOT NULL
);
