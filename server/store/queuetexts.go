package store

import (
	"context"
	"time"

	"parley/server/channels"
	"parley/server/outbox"
)

// When customers were last texted their place in line
// (channels.QueueTexts), on the address store: a row per conversation
// that ever had one.

var _ channels.QueueTexts = (*Channels)(nil)

// ClaimQueueText records the text and queues its job in one write, unless
// the customer was texted after since. The upsert's condition decides, so
// two messages claiming at once cannot both win: the writer runs them one
// after the other and the second sees the first's row. One statement, and
// the job's INSERT when it wins.
func (s *Channels) ClaimQueueText(ctx context.Context, conversationSID string, at, since time.Time, job outbox.Job) (bool, error) {
	claimed := false
	err := s.db.Write(ctx, func(q WriteTx) error {
		claimed = false // a write that runs again starts over
		res, err := q.ExecContext(ctx, `INSERT INTO queue_texts (conversation_sid, date_sent) VALUES (?, ?)
			ON CONFLICT (conversation_sid) DO UPDATE SET date_sent = excluded.date_sent WHERE queue_texts.date_sent <= ?`,
			conversationSID, ms(at), ms(since))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		if err := s.db.enqueueInWrite(ctx, q, []outbox.Job{job}); err != nil {
			return err
		}
		claimed = true
		return nil
	})
	return claimed && err == nil, err
}
