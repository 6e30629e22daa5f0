// Package reports tells supervisors what the desk did, per day and queue:
// how many conversations (TaskRouter tasks) came in, how long customers
// waited, how soon and for how long agents answered, how many gave up, and
// how satisfied they said they were. Routing forgets a finished task five
// minutes after it ends, so a Recorder keeps the facts reports need from
// routing's events, and a Service reads them back and aggregates them. It
// knows nothing of HTTP or SQL.
package reports

import (
	"context"
	"time"
	// Reports bucket days in any IANA time zone a supervisor names; the
	// binary carries the zone database so that works on hosts without one
	// (scratch and distroless images).
	_ "time/tzdata"
)

// Fact is what reports keep about one task. A Fact made from one routing
// event holds what that event tells; the Store merges it into what it
// already keeps about the task (see Store.RecordFacts).
type Fact struct {
	TaskSID, WorkspaceSID string
	// QueueSID and QueueName are the queue the task is in (or was last in
	// before it ended).
	QueueSID, QueueName string
	// ConversationSID, Customer and ChannelType come from the task's
	// attributes (model.TaskAttributes) Flex Interactions set; Customer is
	// its CustomerAddress, the customer's identity or address.
	ConversationSID, Customer, ChannelType string
	// Outcome is the agent's disposition, the attributes'
	// Conversations.Outcome.
	Outcome string
	// CSAT is the customer's satisfaction score, the attributes'
	// Conversations.CSAT; nil when the task has none.
	CSAT *float64

	Created  time.Time
	Accepted time.Time // when a reservation was first accepted; zero if never
	Ended    time.Time // when it completed, was canceled or deleted; zero while open
	End      string    // EndCompleted, EndCanceled or EndDeleted; "" while open

	// FirstResponse is filled in by Store.Facts, never recorded: when the
	// first reply after acceptance was written; zero when there is none.
	FirstResponse time.Time
}

// How a task ended.
const (
	EndCompleted = "completed"
	EndCanceled  = "canceled" // by the API, the customer leaving, or its TTL running out
	EndDeleted   = "deleted"
)

// Filter chooses the facts of a report.
type Filter struct {
	From, To     time.Time // tasks created at or after From, before To
	WorkspaceSID string    // "" for every workspace
	QueueSID     string    // "" for every queue
}

// Store keeps facts.
//
// First responses are found when a report is read, from the messages the
// conversations store already keeps with their author and time, rather
// than recorded as facts when messages are written: that is one indexed
// lookup per accepted task at report time, against a hook on every message
// write (the busiest path) and a second copy that could disagree.
type Store interface {
	// RecordFacts merges facts into what is kept, in order, in one write.
	// For each task: a non-empty queue, conversation, customer, channel,
	// outcome, and a non-nil CSAT replace what is kept; Created, Accepted,
	// Ended and End keep the first value they were given.
	RecordFacts(ctx context.Context, facts []Fact) error
	// Facts returns the facts of the tasks f chooses, oldest first, each
	// with its FirstResponse: the earliest message in its conversation
	// written at or after Accepted (and not after Ended), whose author is
	// neither the task's Customer nor "system" (an API message without an
	// author), and whose attributes have no parley.kind (the widget's
	// welcome and bot messages).
	Facts(ctx context.Context, f Filter) ([]Fact, error)
}

// Service reads reports.
type Service struct {
	store Store
	// Now is the clock the default dates are taken from.
	Now func() time.Time
}

// NewService returns the reports over store.
func NewService(store Store) *Service {
	return &Service{store: store, Now: time.Now}
}

// Conversations reports the conversations p asks for, per day and queue.
func (s *Service) Conversations(ctx context.Context, p Params) (Report, error) {
	q, err := p.Query(s.Now())
	if err != nil {
		return Report{}, err
	}
	facts, err := s.store.Facts(ctx, Filter{From: q.Start, To: q.dayAfterEnd(), WorkspaceSID: q.WorkspaceSID, QueueSID: q.QueueSID})
	if err != nil {
		return Report{}, err
	}
	return Build(q, facts), nil
}
