-- A customer's rating arrives after its chat ended, often long after
-- routing forgot the task: it is put on the conversation's newest task
-- found here (store.Reports.ScoreConversation), one indexed lookup.
CREATE INDEX report_tasks_by_conversation ON report_tasks (conversation_sid, created_ms) WHERE conversation_sid <> '';
