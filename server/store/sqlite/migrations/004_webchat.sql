-- Address configurations: where customers write from outside (a phone
-- number, a WhatsApp sender, a webchat deployment).
CREATE TABLE addresses (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	sid           TEXT NOT NULL UNIQUE,
	type          TEXT NOT NULL,
	address       TEXT NOT NULL,
	friendly_name TEXT NOT NULL DEFAULT '',
	country       TEXT NOT NULL DEFAULT '',
	auto_creation TEXT NOT NULL DEFAULT '{}', -- JSON, channels.AutoCreation
	date_created  INTEGER NOT NULL,
	date_updated  INTEGER NOT NULL,
	UNIQUE (type, address)
);

-- Webchat deployments. Their settings are one JSON document: they are read
-- and written whole, never queried by field.
CREATE TABLE webchat_deployments (
	seq             INTEGER PRIMARY KEY AUTOINCREMENT,
	key             TEXT NOT NULL UNIQUE,
	address_sid     TEXT NOT NULL UNIQUE REFERENCES addresses (sid),
	settings        TEXT NOT NULL,
	identity_secret TEXT NOT NULL,
	date_created    INTEGER NOT NULL,
	date_updated    INTEGER NOT NULL
);
