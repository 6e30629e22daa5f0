-- Report facts: one row per TaskRouter task, merged from routing's events
-- (routing forgets a finished task five minutes after it ends; reports
-- look back a year). Keyed by task SID, which begins with its creation
-- time, so new rows go at the end of the table. Times are Unix ms; an
-- accepted_ms or ended_ms is NULL until it happens.
CREATE TABLE report_tasks (
	task_sid         TEXT PRIMARY KEY,
	workspace_sid    TEXT NOT NULL,
	queue_sid        TEXT NOT NULL DEFAULT '',
	queue_name       TEXT NOT NULL DEFAULT '',
	conversation_sid TEXT NOT NULL DEFAULT '',
	customer         TEXT NOT NULL DEFAULT '', -- attribute customerAddress: the customer's identity or address
	channel_type     TEXT NOT NULL DEFAULT '',
	outcome          TEXT NOT NULL DEFAULT '', -- attribute conversations.outcome
	csat             REAL,                     -- attribute conversations.csat
	created_ms       INTEGER NOT NULL,
	accepted_ms      INTEGER,
	ended_ms         INTEGER,
	end_status       TEXT NOT NULL DEFAULT ''  -- completed, canceled, deleted; '' while open
) WITHOUT ROWID;
CREATE INDEX report_tasks_by_created ON report_tasks (created_ms);
