-- A message's "added" event is kept in the message's own row (event_seq)
-- instead of as a second copy in the events table: a send then writes no
-- event row and no entry in the per-conversation event index, half of the
-- pages it dirtied. Messages stored before this keep their events in the
-- events table, and their event_seq stays NULL.
ALTER TABLE messages ADD COLUMN event_seq INTEGER;

-- With message events outside the events table, its AUTOINCREMENT counter
-- no longer covers every seq. event_log keeps the log's own: reserved is a
-- bound on every seq handed out (the writer reserves blocks ahead, so a
-- restart never hands out one a client may hold as its cursor), pruned the
-- highest seq pruning removed (a cursor below it must resync).
CREATE TABLE event_log (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	reserved INTEGER NOT NULL,
	pruned   INTEGER NOT NULL
);
INSERT INTO event_log (id, reserved, pruned) VALUES (1,
	COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0),
	COALESCE((SELECT min(seq) FROM events), (SELECT seq + 1 FROM sqlite_sequence WHERE name = 'events'), 1) - 1);
