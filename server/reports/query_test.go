package reports

import (
	"context"
	"strings"
	"testing"
	"time"

	"parley/server/apperr"
)

func TestAReportCoversTheDaysAskedForInTheZoneAskedFor(t *testing.T) {
	// 01:00 UTC on 10 March is still 9 March in Los Angeles.
	now := time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name             string
		params           Params
		start, end, zone string
		days             int
	}{
		{"by default, the last seven days to today, in UTC", Params{}, "2026-03-04", "2026-03-10", "UTC", 7},
		{"today is the zone's today", Params{Timezone: "America/Los_Angeles"}, "2026-03-03", "2026-03-09", "America/Los_Angeles", 7},
		{"an end date alone ends the default week", Params{EndDate: "2026-02-02"}, "2026-01-27", "2026-02-02", "UTC", 7},
		{"one day", Params{StartDate: "2026-03-01", EndDate: "2026-03-01"}, "2026-03-01", "2026-03-01", "UTC", 1},
		{"a start date alone runs to today", Params{StartDate: "2026-03-01"}, "2026-03-01", "2026-03-10", "UTC", 10},
		{"a leap year, whole", Params{StartDate: "2024-01-01", EndDate: "2024-12-31"}, "2024-01-01", "2024-12-31", "UTC", 366},
		{"across the spring-forward night", Params{StartDate: "2026-03-29", EndDate: "2026-03-29", Timezone: "Europe/Paris"}, "2026-03-29", "2026-03-29", "Europe/Paris", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			q, err := c.params.Query(now)
			if err != nil {
				t.Fatal(err)
			}
			if got := [3]string{q.StartDate(), q.EndDate(), q.Timezone()}; got != [3]string{c.start, c.end, c.zone} {
				t.Errorf("covers %v, want %s to %s in %s", got, c.start, c.end, c.zone)
			}
			if d := Days(q.Start, q.End); d != c.days {
				t.Errorf("covers %d days, want %d", d, c.days)
			}
		})
	}
}

func TestTheDaysOfAReportAreWholeLocalDays(t *testing.T) {
	q, err := Params{StartDate: "2026-03-29", EndDate: "2026-03-29", Timezone: "Europe/Paris"}.Query(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Paris moves its clocks forward that night: the day lasts 23 hours.
	from, to := q.Start, q.dayAfterEnd()
	if got := to.Sub(from); got != 23*time.Hour {
		t.Errorf("29 March in Paris lasts %v, want 23h", got)
	}
	if want := time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC); !from.Equal(want) {
		t.Errorf("29 March starts at %v in UTC, want %v", from.UTC(), want)
	}
}

func TestBadReportParametersAreRefusedSayingWhatToSend(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name   string
		params Params
		want   string
	}{
		{"a date in another format", Params{StartDate: "03/01/2026"}, "StartDate must be a date as YYYY-MM-DD"},
		{"a date that does not exist", Params{EndDate: "2026-02-30"}, "EndDate must be a date as YYYY-MM-DD"},
		{"a start after the end", Params{StartDate: "2026-03-05", EndDate: "2026-03-01"}, "send a StartDate on or before the EndDate"},
		{"more than a year", Params{StartDate: "2025-01-01", EndDate: "2026-01-02"}, "at most 366"},
		{"an unknown zone", Params{Timezone: "Mars/Olympus_Mons"}, "not an IANA time zone name"},
		{"an offset instead of a zone", Params{Timezone: "+02:00"}, "such as Europe/Paris"},
		{"the server's own zone", Params{Timezone: "Local"}, "not an IANA time zone name"},
		{"a queue that is not a queue SID", Params{QueueSID: "Support"}, "not a task queue SID"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.params.Query(now)
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an invalid-request error saying %q", err, c.want)
			}
		})
	}
}

// filterLog is a Store that remembers the filter it was asked for.
type filterLog struct {
	factLog
	asked Filter
}

func (l *filterLog) Facts(_ context.Context, f Filter) ([]Fact, error) {
	l.asked = f
	return nil, nil
}

func TestAReportAsksForTheWholeDaysOfItsZone(t *testing.T) {
	store := &filterLog{}
	s := NewService(store)
	_, err := s.Conversations(context.Background(), Params{StartDate: "2026-03-01", EndDate: "2026-03-31",
		Timezone: "Europe/Paris", QueueSID: support, WorkspaceSID: "WS1"})
	if err != nil {
		t.Fatal(err)
	}
	// Paris is UTC+1 in winter and UTC+2 from 29 March.
	want := Filter{From: time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 31, 22, 0, 0, 0, time.UTC),
		WorkspaceSID: "WS1", QueueSID: support}
	got := store.asked
	if !got.From.Equal(want.From) || !got.To.Equal(want.To) || got.WorkspaceSID != want.WorkspaceSID || got.QueueSID != want.QueueSID {
		t.Errorf("asked the store for %+v, want %+v", got, want)
	}
}
