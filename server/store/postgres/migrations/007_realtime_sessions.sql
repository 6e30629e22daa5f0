-- Realtime sessions counted across a cluster's nodes, so that the caps
-- per identity and per client address hold for the cluster, not per
-- node (store.SessionCounts). A node heartbeats its row in cluster_nodes;
-- the counts of a node not seen for a while (it died) are dropped.
CREATE TABLE cluster_nodes (
	node TEXT COLLATE "C" PRIMARY KEY,
	seen BIGINT NOT NULL -- unix ms
);

CREATE TABLE realtime_sessions (
	node     TEXT COLLATE "C" NOT NULL,
	identity TEXT COLLATE "C" NOT NULL,
	address  TEXT COLLATE "C" NOT NULL,
	n        INTEGER NOT NULL,
	PRIMARY KEY (node, identity, address)
);
CREATE INDEX realtime_sessions_identity ON realtime_sessions (identity);
CREATE INDEX realtime_sessions_address ON realtime_sessions (address);
