-- API keys sign access tokens. The secret is an HMAC key, so it is kept as
-- given: protect the data directory as you would the auth token.
CREATE TABLE api_keys (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	sid           TEXT NOT NULL UNIQUE,
	friendly_name TEXT NOT NULL DEFAULT '',
	secret        TEXT NOT NULL,
	date_created  INTEGER NOT NULL,
	date_updated  INTEGER NOT NULL
);
