package reports

import (
	"cmp"
	"slices"
	"time"
)

// Report is the conversations of some days, per day and queue.
type Report struct {
	Query
	// Rows are the days and queues with at least one conversation, by
	// date, then queue name.
	Rows []Row
	// Totals are over every conversation of the report, not sums of the
	// rows' figures: a p90 of all the waits, not of the rows' p90s.
	Totals Figures
}

// Row is one queue on one day.
type Row struct {
	Date      string // YYYY-MM-DD, in the report's time zone
	QueueSID  string // "" for tasks that never entered a queue
	QueueName string
	Figures
}

// Figures describe a set of conversations. A conversation is a task; it
// belongs to the day it was created on and the queue it was in.
type Figures struct {
	Conversations int // tasks created
	Accepted      int // of which an agent accepted
	// Abandoned ended (canceled, timed out or deleted) before any agent
	// accepted them.
	Abandoned int

	Wait          Spread // created to accepted, of accepted tasks
	FirstResponse Spread // accepted to the agent's first reply, of tasks that got one
	Handle        Spread // accepted to completed, of completed tasks

	// CSAT is the mean satisfaction score of the CSATCount tasks that have
	// one; meaningless when CSATCount is 0.
	CSAT      float64
	CSATCount int
	// Ended counts the conversations that ended (completed, canceled or
	// deleted, or rated: a customer rates a chat that is over, though its
	// agent may still be wrapping up), and CSATRate is the share of them rated (0 to 1): how many
	// customers answered the survey. A rating lands on a conversation's
	// newest task, so a transferred chat counts once rated and twice
	// ended. Meaningless when Ended is 0.
	Ended    int
	CSATRate float64
}

// Spread summarises durations: how many, their mean and their 90th
// percentile (nearest rank). Avg and P90 are meaningless when Count is 0.
type Spread struct {
	Count    int
	Avg, P90 time.Duration
}

// Day is the date t falls on in loc, YYYY-MM-DD: the day a report counts
// a task on.
func Day(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(time.DateOnly)
}

// Build aggregates facts into q's report.
func Build(q Query, facts []Fact) Report {
	type key struct{ date, queue string }
	groups := map[key]*tally{}
	names := map[string]string{} // queue SID to its latest name
	var all tally
	for _, f := range facts {
		k := key{Day(f.Created, q.Location), f.QueueSID}
		g := groups[k]
		if g == nil {
			g = &tally{}
			groups[k] = g
		}
		g.add(f)
		all.add(f)
		if f.QueueName != "" {
			names[f.QueueSID] = f.QueueName
		}
	}
	r := Report{Query: q, Rows: make([]Row, 0, len(groups)), Totals: all.figures()}
	for k, g := range groups {
		r.Rows = append(r.Rows, Row{Date: k.date, QueueSID: k.queue, QueueName: names[k.queue], Figures: g.figures()})
	}
	slices.SortFunc(r.Rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.QueueName, b.QueueName), cmp.Compare(a.QueueSID, b.QueueSID))
	})
	return r
}

// tally collects one set's samples.
type tally struct {
	conversations, accepted, abandoned int
	wait, first, handle                []time.Duration
	csatSum                            float64
	csatCount                          int
	ended, endedRated                  int
}

func (t *tally) add(f Fact) {
	t.conversations++
	accepted := !f.Accepted.IsZero()
	if accepted {
		t.accepted++
		t.wait = append(t.wait, between(f.Created, f.Accepted))
	}
	if !accepted && (f.End == EndCanceled || f.End == EndDeleted) {
		t.abandoned++
	}
	if accepted && !f.FirstResponse.IsZero() {
		t.first = append(t.first, between(f.Accepted, f.FirstResponse))
	}
	if accepted && f.End == EndCompleted && !f.Ended.IsZero() {
		t.handle = append(t.handle, between(f.Accepted, f.Ended))
	}
	if f.CSAT != nil {
		t.csatSum += *f.CSAT
		t.csatCount++
	}
	if f.End != "" || f.CSAT != nil { // a rated chat is over, even while its agent wraps up
		t.ended++
		if f.CSAT != nil {
			t.endedRated++
		}
	}
}

func (t *tally) figures() Figures {
	out := Figures{Conversations: t.conversations, Accepted: t.accepted, Abandoned: t.abandoned,
		Wait: spread(t.wait), FirstResponse: spread(t.first), Handle: spread(t.handle), CSATCount: t.csatCount}
	if t.csatCount > 0 {
		out.CSAT = t.csatSum / float64(t.csatCount)
	}
	out.Ended = t.ended
	if t.ended > 0 {
		out.CSATRate = float64(t.endedRated) / float64(t.ended)
	}
	return out
}

// between is the time from a to b; never negative, should the wall clock
// have stepped back between the two.
func between(a, b time.Time) time.Duration {
	return max(b.Sub(a), 0)
}

// spread summarises ds, sorting it.
func spread(ds []time.Duration) Spread {
	if len(ds) == 0 {
		return Spread{}
	}
	slices.Sort(ds)
	// Summed in float seconds: a year of hour-long chats would overflow a
	// Duration's nanoseconds.
	var sum float64
	for _, d := range ds {
		sum += d.Seconds()
	}
	return Spread{Count: len(ds), Avg: time.Duration(sum / float64(len(ds)) * float64(time.Second)), P90: NearestRank(ds, 90)}
}

// NearestRank is the p-th percentile of sorted (ascending, not empty) by
// the nearest-rank method: the smallest value at least p% of the values
// are at or below, always one of them.
func NearestRank(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 × n), 1-based
	return sorted[max(rank, 1)-1]
}
