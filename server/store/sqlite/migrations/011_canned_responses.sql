-- Canned responses the desk shares. Titles are unique whatever their
-- case: title_key is the title lower-cased by Go (SQLite's lower() folds
-- ASCII only, so "ÉTÉ" and "été" would both pass an index on it). The
-- store checks first, to say which response has the title; the index
-- holds whatever happens.
CREATE TABLE canned_responses (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	sid          TEXT NOT NULL UNIQUE,
	title        TEXT NOT NULL,
	title_key    TEXT NOT NULL,
	body         TEXT NOT NULL,
	tags         TEXT NOT NULL DEFAULT '[]', -- a JSON array of strings
	created_by   TEXT NOT NULL DEFAULT '',   -- an agent's identity; empty for the account
	date_created INTEGER NOT NULL,
	date_updated INTEGER NOT NULL
);
CREATE UNIQUE INDEX canned_responses_by_title ON canned_responses (title_key);
