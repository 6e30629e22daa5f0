package reports

import (
	"strings"
	"time"

	"parley/server/apperr"
	"parley/shared/sid"
)

// DefaultDays is how many days a report covers when no StartDate is
// given: the last week, today included. MaxDays is the most one report
// covers: a year, leap day included.
const (
	DefaultDays = 7
	MaxDays     = 366
)

// Params ask for a report, as the API takes them; "" means the default.
type Params struct {
	StartDate, EndDate string // YYYY-MM-DD, both included; default the last DefaultDays days
	Timezone           string // an IANA name (Europe/Paris); default UTC
	QueueSID           string // one queue; default every queue
	WorkspaceSID       string // one workspace; default every workspace
}

// Query is what a report covers, checked and with its defaults resolved.
type Query struct {
	Start, End   time.Time // midnight at the start of the first and of the last day, in Location
	Location     *time.Location
	QueueSID     string
	WorkspaceSID string
}

// StartDate is the report's first day, YYYY-MM-DD.
func (q Query) StartDate() string { return q.Start.Format(time.DateOnly) }

// EndDate is the report's last day, YYYY-MM-DD.
func (q Query) EndDate() string { return q.End.Format(time.DateOnly) }

// Timezone is the name of the zone the report's days are in.
func (q Query) Timezone() string { return q.Location.String() }

// dayAfterEnd is the midnight ending the last day. time.Date normalises the
// day after, so this holds across month ends and daylight saving changes.
func (q Query) dayAfterEnd() time.Time {
	return time.Date(q.End.Year(), q.End.Month(), q.End.Day()+1, 0, 0, 0, 0, q.Location)
}

// Query checks p and resolves its defaults; today is the day now falls on
// in the report's time zone.
func (p Params) Query(now time.Time) (Query, error) {
	tz := strings.TrimSpace(p.Timezone)
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" { // "Local" is the server's zone, whatever it is: not a name a caller can rely on
		return Query{}, invalid("Timezone %q is not an IANA time zone name: send one such as Europe/Paris or America/New_York, or none for UTC", p.Timezone)
	}
	q := Query{Location: loc, QueueSID: strings.TrimSpace(p.QueueSID), WorkspaceSID: p.WorkspaceSID}
	if q.QueueSID != "" && !sid.Is(sid.TaskQueue, q.QueueSID) {
		return Query{}, invalid("QueueSid %q is not a task queue SID: send WQ followed by 32 hex digits, or none for every queue", p.QueueSID)
	}
	y, m, d := now.In(loc).Date()
	q.End = time.Date(y, m, d, 0, 0, 0, 0, loc)
	if p.EndDate != "" {
		if q.End, err = parseDate("EndDate", p.EndDate, loc); err != nil {
			return Query{}, err
		}
	}
	q.Start = time.Date(q.End.Year(), q.End.Month(), q.End.Day()-(DefaultDays-1), 0, 0, 0, 0, loc)
	if p.StartDate != "" {
		if q.Start, err = parseDate("StartDate", p.StartDate, loc); err != nil {
			return Query{}, err
		}
	}
	switch days := Days(q.Start, q.End); {
	case days < 1:
		return Query{}, invalid("StartDate %s is after EndDate %s: send a StartDate on or before the EndDate", q.StartDate(), q.EndDate())
	case days > MaxDays:
		return Query{}, invalid("StartDate %s to EndDate %s is %d days; a report covers at most %d: send a shorter range, or ask for several reports",
			q.StartDate(), q.EndDate(), days, MaxDays)
	}
	return q, nil
}

// Days counts the calendar days from the day of start to the day of end,
// both included (0 or less when end comes first). It counts dates, not
// 24-hour spans, so a day with a daylight saving change counts once.
func Days(start, end time.Time) int {
	sy, sm, sd := start.Date()
	ey, em, ed := end.Date()
	a := time.Date(sy, sm, sd, 0, 0, 0, 0, time.UTC)
	b := time.Date(ey, em, ed, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a)/(24*time.Hour)) + 1
}

func parseDate(name, value string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(value), loc)
	if err != nil {
		return time.Time{}, invalid("%s must be a date as YYYY-MM-DD, such as 2026-03-01; got %q", name, value)
	}
	return t, nil
}

func invalid(format string, args ...any) error {
	return apperr.Invalidf(apperr.CodeBadRequest, format, args...)
}
