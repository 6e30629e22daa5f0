-- Web chats left outside their deployment's business hours: held, not
-- routed, until the team opens (webchat.Service.RouteHeld), each
-- deployment's in the order they were left (seq). A row goes once its
-- chat is routed; with its conversation if that is deleted first.
CREATE TABLE webchat_held (
	seq              INTEGER PRIMARY KEY AUTOINCREMENT,
	deployment_key   TEXT NOT NULL,
	conversation_sid TEXT NOT NULL UNIQUE REFERENCES conversations (sid) ON DELETE CASCADE,
	date_created     INTEGER NOT NULL
);
CREATE INDEX webchat_held_deployment ON webchat_held (deployment_key, seq);
