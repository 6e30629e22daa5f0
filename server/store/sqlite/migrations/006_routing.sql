-- TaskRouter objects. Routing keeps them all in memory and writes each
-- change through as whole JSON documents, so one table serves every kind;
-- seq keeps creation order for loading (a workspace before its parts).
CREATE TABLE routing_objects (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	sid           TEXT NOT NULL UNIQUE,
	kind          TEXT NOT NULL,
	workspace_sid TEXT NOT NULL DEFAULT '',
	body          TEXT NOT NULL
);
