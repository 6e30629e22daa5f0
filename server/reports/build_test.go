package reports

import (
	"testing"
	"time"
)

// ---- helpers that tell a task's story ----

const (
	support = "WQ00000000000000000000000000000001"
	sales   = "WQ00000000000000000000000000000002"
)

// story is a task's fact, told step by step.
type story Fact

// aTask is a task created at created (RFC 3339) in queue.
func aTask(queue, created string) story {
	t, err := time.Parse(time.RFC3339, created)
	if err != nil {
		panic(err)
	}
	names := map[string]string{support: "Support", sales: "Sales"}
	return story{TaskSID: "WT" + created, QueueSID: queue, QueueName: names[queue], Created: t}
}

func (s story) acceptedAfter(d time.Duration) story { s.Accepted = s.Created.Add(d); return s }
func (s story) answeredAfter(d time.Duration) story { s.FirstResponse = s.Accepted.Add(d); return s }
func (s story) completedAfter(d time.Duration) story {
	s.Ended, s.End = s.Accepted.Add(d), EndCompleted
	return s
}
func (s story) canceledAfter(d time.Duration) story {
	s.Ended, s.End = s.Created.Add(d), EndCanceled
	return s
}
func (s story) deletedAfter(d time.Duration) story {
	s.Ended, s.End = s.Created.Add(d), EndDeleted
	return s
}
func (s story) rated(score float64) story { s.CSAT = &score; return s }

func facts(stories ...story) []Fact {
	out := make([]Fact, len(stories))
	for i, s := range stories {
		out[i] = Fact(s)
	}
	return out
}

// reportIn is the report of the first days of March 2026, in zone.
func reportIn(t *testing.T, zone string, stories ...story) Report {
	t.Helper()
	q, err := Params{StartDate: "2026-03-01", EndDate: "2026-03-07", Timezone: zone}.Query(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return Build(q, facts(stories...))
}

func rowOf(t *testing.T, r Report, date, queue string) Row {
	t.Helper()
	for _, row := range r.Rows {
		if row.Date == date && row.QueueSID == queue {
			return row
		}
	}
	t.Fatalf("no row for %s %s in %+v", date, queue, r.Rows)
	return Row{}
}

func secs(n float64) time.Duration { return time.Duration(n * float64(time.Second)) }

// ---- tests ----

func TestNearestRankIsAlwaysOneOfTheValues(t *testing.T) {
	for _, c := range []struct {
		name   string
		values []time.Duration
		p      int
		want   time.Duration
	}{
		{"one value", []time.Duration{7}, 90, 7},
		{"two values", []time.Duration{1, 2}, 90, 2},
		{"ten values: the ninth", []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9},
		{"eleven values: the tenth", []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 90, 10},
		{"twenty values: the eighteenth", []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 90, 18},
		{"the median of four", []time.Duration{1, 2, 3, 4}, 50, 2},
		{"the 100th is the largest", []time.Duration{1, 2, 3}, 100, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := NearestRank(c.values, c.p); got != c.want {
				t.Errorf("p%d of %v = %v, want %v", c.p, c.values, got, c.want)
			}
		})
	}
}

func TestAReportCountsEachQueueOnEachDay(t *testing.T) {
	r := reportIn(t, "UTC",
		aTask(support, "2026-03-02T09:00:00Z").acceptedAfter(secs(10)).answeredAfter(secs(5)).completedAfter(secs(300)).rated(5),
		aTask(support, "2026-03-02T10:00:00Z").acceptedAfter(secs(30)).answeredAfter(secs(15)).completedAfter(secs(600)).rated(3),
		aTask(support, "2026-03-02T11:00:00Z").canceledAfter(secs(45)),
		aTask(support, "2026-03-02T12:00:00Z").acceptedAfter(secs(20)), // still being worked
		aTask(sales, "2026-03-02T09:30:00Z").deletedAfter(secs(5)),
		aTask(support, "2026-03-03T08:00:00Z").acceptedAfter(secs(4)).completedAfter(secs(60)),
	)
	for _, c := range []struct {
		name string
		got  any
		want any
	}{
		{"rows", len(r.Rows), 3},
		{"first row is the earliest day, Sales before Support", [3]string{r.Rows[0].Date, r.Rows[0].QueueName, r.Rows[1].QueueName}, [3]string{"2026-03-02", "Sales", "Support"}},
		{"support conversations on the 2nd", rowOf(t, r, "2026-03-02", support).Conversations, 4},
		{"support accepted on the 2nd", rowOf(t, r, "2026-03-02", support).Accepted, 3},
		{"support abandoned on the 2nd", rowOf(t, r, "2026-03-02", support).Abandoned, 1},
		{"support waits on the 2nd", rowOf(t, r, "2026-03-02", support).Wait, Spread{Count: 3, Avg: secs(20), P90: secs(30)}},
		{"support first responses on the 2nd", rowOf(t, r, "2026-03-02", support).FirstResponse, Spread{Count: 2, Avg: secs(10), P90: secs(15)}},
		{"support handle times on the 2nd: completed tasks only", rowOf(t, r, "2026-03-02", support).Handle, Spread{Count: 2, Avg: secs(450), P90: secs(600)}},
		{"support CSAT on the 2nd", [2]any{rowOf(t, r, "2026-03-02", support).CSAT, rowOf(t, r, "2026-03-02", support).CSATCount}, [2]any{4.0, 2}},
		{"a deleted task never accepted is abandoned", rowOf(t, r, "2026-03-02", sales).Abandoned, 1},
		{"no CSAT when nobody rated", rowOf(t, r, "2026-03-03", support).CSATCount, 0},
		{"totals count every conversation", [3]int{r.Totals.Conversations, r.Totals.Accepted, r.Totals.Abandoned}, [3]int{6, 4, 2}},
		{"totals take the p90 of every wait, not of the rows'", r.Totals.Wait, Spread{Count: 4, Avg: secs(16), P90: secs(30)}},
		{"totals' CSAT", [2]any{r.Totals.CSAT, r.Totals.CSATCount}, [2]any{4.0, 2}},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, c.got, c.want)
		}
	}
}

func TestAnEmptyReportHasNoRowsAndNoSamples(t *testing.T) {
	r := reportIn(t, "UTC")
	if len(r.Rows) != 0 || r.Totals != (Figures{}) {
		t.Errorf("an empty report has rows %+v and totals %+v", r.Rows, r.Totals)
	}
	if r.Rows == nil {
		t.Errorf("rows are nil: the JSON would say null, not []")
	}
}

func TestATaskCountsOnTheDayItWasCreatedInTheReportsTimeZone(t *testing.T) {
	for _, c := range []struct {
		name, zone, created, day string
	}{
		{"UTC late evening", "UTC", "2026-03-02T23:30:00Z", "2026-03-02"},
		{"Paris is already the next day", "Europe/Paris", "2026-03-02T23:30:00Z", "2026-03-03"},
		{"New York is still the day before", "America/New_York", "2026-03-03T03:00:00Z", "2026-03-02"},
		{"Tokyo's morning is UTC's night", "Asia/Tokyo", "2026-03-02T16:00:00Z", "2026-03-03"},
		{"the night New York springs forward", "America/New_York", "2026-03-08T06:59:00Z", "2026-03-08"},
		{"just before New York's midnight in summer time", "America/New_York", "2026-03-09T03:59:00Z", "2026-03-08"},
		{"Kolkata's half-hour offset", "Asia/Kolkata", "2026-03-01T18:29:00Z", "2026-03-01"},
		{"Kolkata's midnight", "Asia/Kolkata", "2026-03-01T18:30:00Z", "2026-03-02"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := reportIn(t, c.zone, aTask(support, c.created))
			if len(r.Rows) != 1 || r.Rows[0].Date != c.day {
				t.Errorf("a task created at %s counts on %+v in %s, want %s", c.created, r.Rows, c.zone, c.day)
			}
		})
	}
}

func TestDurationsAreNeverNegative(t *testing.T) {
	// The wall clock stepped back between creation and acceptance.
	r := reportIn(t, "UTC", aTask(support, "2026-03-02T09:00:00Z").acceptedAfter(-secs(2)))
	if r.Totals.Wait.Avg != 0 {
		t.Errorf("wait %v, want 0 rather than a negative wait", r.Totals.Wait.Avg)
	}
}

// The survey's response rate is the share of ended conversations rated:
// a chat still going counts in neither.
func TestTheCSATResponseRateIsRatedOverEndedConversations(t *testing.T) {
	r := reportIn(t, "UTC",
		aTask(support, "2026-03-02T09:00:00Z").acceptedAfter(secs(10)).completedAfter(secs(300)).rated(5),
		aTask(support, "2026-03-02T10:00:00Z").acceptedAfter(secs(10)).completedAfter(secs(300)),
		aTask(support, "2026-03-02T11:00:00Z").canceledAfter(secs(30)),
		aTask(support, "2026-03-02T12:00:00Z").acceptedAfter(secs(10)).completedAfter(secs(300)).rated(2),
		aTask(support, "2026-03-02T13:00:00Z").acceptedAfter(secs(10)), // still going
	)
	row := rowOf(t, r, "2026-03-02", support)
	if row.Ended != 4 || row.CSATCount != 2 || row.CSATRate != 0.5 || row.CSAT != 3.5 {
		t.Errorf("ended %d, rated %d, rate %v, avg %v; want 4 ended, 2 rated, rate 0.5, avg 3.5", row.Ended, row.CSATCount, row.CSATRate, row.CSAT)
	}
	if empty := reportIn(t, "UTC"); empty.Totals.Ended != 0 || empty.Totals.CSATRate != 0 {
		t.Errorf("an empty report has a rate: %+v", empty.Totals)
	}
}
