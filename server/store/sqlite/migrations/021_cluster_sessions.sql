-- PostgreSQL's cluster_nodes and realtime_sessions (store.SessionCounts,
-- which count a cluster's realtime sessions against their caps): a node on
-- SQLite is alone and counts in memory, so here they stay empty; they
-- exist so that both engines have one schema, which `parley migrate`
-- checks before copying an install to PostgreSQL.
CREATE TABLE cluster_nodes (
	node TEXT PRIMARY KEY,
	seen INTEGER NOT NULL
);
CREATE TABLE realtime_sessions (
	node     TEXT NOT NULL,
	identity TEXT NOT NULL,
	address  TEXT NOT NULL,
	n        INTEGER NOT NULL,
	PRIMARY KEY (node, identity, address)
);
