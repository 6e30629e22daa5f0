package store

import (
	"context"
	"database/sql"
	"errors"

	"parley/server/reports"
)

// Reports is the SQLite implementation of reports.Store.
type Reports struct{ db *DB }

// NewReports returns the report facts store inside db.
func NewReports(db *DB) *Reports { return &Reports{db: db} }

var _ reports.Store = (*Reports)(nil)

// recordFact merges one fact into its task's row: text fields and the
// score take the newest value given, times and the end keep the first.
const recordFact = `INSERT INTO report_tasks (task_sid, workspace_sid, queue_sid, queue_name, conversation_sid, customer,
	channel_type, outcome, csat, created_ms, accepted_ms, ended_ms, end_status)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (task_sid) DO UPDATE SET
		queue_sid        = CASE WHEN excluded.queue_sid <> '' THEN excluded.queue_sid ELSE report_tasks.queue_sid END,
		queue_name       = CASE WHEN excluded.queue_sid <> '' THEN excluded.queue_name ELSE report_tasks.queue_name END,
		conversation_sid = CASE WHEN excluded.conversation_sid <> '' THEN excluded.conversation_sid ELSE report_tasks.conversation_sid END,
		customer         = CASE WHEN excluded.customer <> '' THEN excluded.customer ELSE report_tasks.customer END,
		channel_type     = CASE WHEN excluded.channel_type <> '' THEN excluded.channel_type ELSE report_tasks.channel_type END,
		outcome          = CASE WHEN excluded.outcome <> '' THEN excluded.outcome ELSE report_tasks.outcome END,
		csat             = coalesce(excluded.csat, report_tasks.csat),
		accepted_ms      = coalesce(report_tasks.accepted_ms, excluded.accepted_ms),
		ended_ms         = coalesce(report_tasks.ended_ms, excluded.ended_ms),
		end_status       = CASE WHEN report_tasks.end_status = '' THEN excluded.end_status ELSE report_tasks.end_status END`

// RecordFacts merges facts into their tasks' rows, in one write.
func (s *Reports) RecordFacts(ctx context.Context, facts []reports.Fact) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		for _, f := range facts {
			var csat any
			if f.CSAT != nil {
				csat = *f.CSAT
			}
			if _, err := q.ExecContext(ctx, recordFact, f.TaskSID, f.WorkspaceSID, f.QueueSID, f.QueueName,
				f.ConversationSID, f.Customer, f.ChannelType, f.Outcome, csat, f.Created.UnixMilli(),
				ms(f.Accepted), ms(f.Ended), f.End); err != nil {
				return err
			}
		}
		return nil
	})
}

// readFacts finds each task's first response in the messages table (see
// reports.Store): the conversation by its SID, then its messages through
// the (conversation, index) index. The CASE keeps json_extract away from
// attributes that are not JSON, which would fail the whole query.
const readFacts = `SELECT t.task_sid, t.workspace_sid, t.queue_sid, t.queue_name, t.conversation_sid, t.customer,
	t.channel_type, t.outcome, t.csat, t.created_ms, t.accepted_ms, t.ended_ms, t.end_status,
	CASE WHEN t.accepted_ms IS NOT NULL AND t.conversation_sid <> '' THEN (
		SELECT min(m.date_created) FROM conversations c JOIN messages m ON m.conversation_seq = c.seq
		WHERE c.sid = t.conversation_sid
			AND m.date_created >= t.accepted_ms
			AND (t.ended_ms IS NULL OR m.date_created <= t.ended_ms)
			AND m.author NOT IN (t.customer, 'system')
			AND CASE WHEN json_valid(m.attributes) THEN json_extract(m.attributes, '$.parley.kind') END IS NULL
	) END
	FROM report_tasks t
	WHERE t.created_ms >= ? AND t.created_ms < ?
		AND (? = '' OR t.workspace_sid = ?) AND (? = '' OR t.queue_sid = ?)
	ORDER BY t.created_ms, t.task_sid`

// Facts reads the facts of the tasks f chooses, oldest first.
func (s *Reports) Facts(ctx context.Context, f reports.Filter) ([]reports.Fact, error) {
	rows, err := s.db.reads.QueryContext(ctx, readFacts, f.From.UnixMilli(), f.To.UnixMilli(),
		f.WorkspaceSID, f.WorkspaceSID, f.QueueSID, f.QueueSID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []reports.Fact
	for rows.Next() {
		var t reports.Fact
		var csat sql.NullFloat64
		var created int64
		var accepted, ended, first sql.NullInt64
		if err := rows.Scan(&t.TaskSID, &t.WorkspaceSID, &t.QueueSID, &t.QueueName, &t.ConversationSID, &t.Customer,
			&t.ChannelType, &t.Outcome, &csat, &created, &accepted, &ended, &t.End, &first); err != nil {
			return nil, err
		}
		if csat.Valid {
			t.CSAT = &csat.Float64
		}
		t.Created = fromMS(sql.NullInt64{Int64: created, Valid: true})
		t.Accepted, t.Ended, t.FirstResponse = fromMS(accepted), fromMS(ended), fromMS(first)
		out = append(out, t)
	}
	return out, rows.Err()
}

// scoreConversation puts a score on a conversation's newest task (through
// report_tasks_by_conversation), returning the task.
const scoreConversation = `UPDATE report_tasks SET csat = ?
	WHERE task_sid = (SELECT task_sid FROM report_tasks WHERE conversation_sid = ? ORDER BY created_ms DESC, task_sid DESC LIMIT 1)
	RETURNING task_sid, workspace_sid`

// ScoreConversation records a customer's rating of a conversation on the
// newest task that routed it, as reports keep it (the task's
// conversations.csat). It reports ok false when no task routed the
// conversation (it never reached routing).
func (s *Reports) ScoreConversation(ctx context.Context, conversationSID string, score float64) (taskSID, workspaceSID string, ok bool, err error) {
	err = s.db.Write(ctx, func(q WriteTx) error {
		err := q.QueryRowContext(ctx, scoreConversation, score, conversationSID).Scan(&taskSID, &workspaceSID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		ok = err == nil
		return err
	})
	return taskSID, workspaceSID, ok, err
}
