// Package hours is a team's opening hours: a weekly schedule of wall-clock
// ranges in an IANA time zone, with holiday dates that close a day or give
// it hours of its own. It answers whether the team is open at an instant
// and when it next opens, across daylight-saving changes. It knows nothing
// of deployments, HTTP or storage.
//
// Times are wall-clock times in the schedule's zone: "09:00-17:30" is open
// whenever a clock on the team's wall shows a time from 09:00 up to (not
// including) 17:30. On the day clocks go forward a range in the skipped
// hour opens when the clocks jump (03:00 for a 02:30 opening in Paris);
// on the day they go back, the repeated hour is open both times if the
// range covers it.
//
// A range never passes midnight: its end comes after its start on the
// same day, and 24:00 is the end of the day. A night shift is written as
// two ranges, 22:00-24:00 on one day and 00:00-02:00 on the next, which
// meet at midnight and are open without a break.
package hours

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Limits of a schedule.
const (
	MaxRangesPerDay = 12
	MaxHolidays     = 400
	// horizon is how far ahead NextOpen looks: a year of holidays and a
	// little more.
	horizon = 400
)

// Days are the weekly schedule's keys, in time.Weekday order.
var Days = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// Range is a part of a day, in minutes after midnight: open from Start up
// to End. 0 ≤ Start < End ≤ 1440.
type Range struct{ Start, End int }

// String writes r as the API does: "09:00-17:30".
func (r Range) String() string { return clock(r.Start) + "-" + clock(r.End) }

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// Date is a day of the calendar, in no zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// String writes d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

func dateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Holiday is a date the weekly schedule does not apply to: closed all
// day, or open only during Hours.
type Holiday struct {
	Date  Date
	Hours []Range
}

// Schedule is a team's opening hours. The zero Schedule is not valid: make
// one with Parse or New.
type Schedule struct {
	zone     string
	loc      *time.Location
	weekly   [7][]Range // by time.Weekday, sorted, not overlapping
	holidays map[Date][]Range
	order    []Date // the holidays in the order given, for Spec
}

// Spec is a schedule as JSON carries it (the deployments API, storage):
//
//	{"time_zone": "Europe/Paris",
//	 "weekly": {"monday": ["09:00-12:30", "13:30-17:30"], ...},
//	 "holidays": [{"date": "2026-12-25"}, {"date": "2026-12-24", "hours": ["09:00-12:00"]}]}
//
// A day missing from weekly, or with no ranges, is closed.
type Spec struct {
	TimeZone string              `json:"time_zone"`
	Weekly   map[string][]string `json:"weekly"`
	Holidays []HolidaySpec       `json:"holidays"`
}

// HolidaySpec is a holiday as JSON carries it: its date, and its hours if
// it is not closed all day.
type HolidaySpec struct {
	Date  string   `json:"date"`
	Hours []string `json:"hours,omitempty"`
}

// FieldError is a schedule that cannot be: Field names the bad part as
// the JSON spells it ("time_zone", "weekly.monday[1]", "holidays[0].date").
type FieldError struct {
	Field, Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// Parse reads a schedule's JSON (a Spec) and checks it. Its errors are
// *FieldError.
func Parse(raw []byte) (*Schedule, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var spec Spec
	if err := dec.Decode(&spec); err != nil {
		if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return nil, fieldErr(strings.Trim(field, `"`), "is not a field of opening hours; they are time_zone, weekly and holidays (each holiday: date, hours)")
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return nil, fieldErr(typeErr.Field, "must be %s", describe(typeErr.Field))
		}
		return nil, fieldErr("(document)", `must be a JSON object such as {"time_zone": "Europe/Paris", "weekly": {"monday": ["09:00-17:30"]}}: %v`, err)
	}
	if dec.More() {
		return nil, fieldErr("(document)", "must be one JSON object")
	}
	return New(spec)
}

// describe is what a JSON field of a Spec holds, for errors.
func describe(field string) string {
	switch {
	case field == "time_zone":
		return "a string, an IANA time zone such as Europe/Paris"
	case field == "weekly":
		return `an object of days, each a list of ranges: {"monday": ["09:00-12:30", "13:30-17:30"]}`
	case strings.HasPrefix(field, "weekly."):
		return `a list of ranges such as ["09:00-12:30", "13:30-17:30"]`
	case field == "holidays":
		return `a list of holidays, [{"date": "2026-12-25"}]`
	case strings.HasSuffix(field, ".hours"):
		return `a list of ranges such as ["09:00-12:00"]`
	default:
		return "a string"
	}
}

// New checks spec and makes its schedule. Its errors are *FieldError.
func New(spec Spec) (*Schedule, error) {
	s := &Schedule{zone: spec.TimeZone, holidays: map[Date][]Range{}}
	switch spec.TimeZone {
	case "":
		return nil, fieldErr("time_zone", "is required: an IANA time zone such as Europe/Paris or America/New_York")
	case "Local":
		// The server's own zone is not the team's, and moves with the machine.
		return nil, fieldErr("time_zone", `"Local" is not a zone a schedule can keep; name the team's, such as Europe/Paris`)
	}
	loc, err := time.LoadLocation(spec.TimeZone)
	if err != nil {
		return nil, fieldErr("time_zone", "%q is not an IANA time zone (such as Europe/Paris or America/New_York)", spec.TimeZone)
	}
	s.loc = loc
	days := make([]string, 0, len(spec.Weekly))
	for day := range spec.Weekly {
		days = append(days, day)
	}
	slices.Sort(days) // the first error found is always the same one
	for _, day := range days {
		wd := slices.Index(Days[:], day)
		if wd < 0 {
			return nil, fieldErr("weekly."+day, "is not a day; the days are %s", strings.Join(Days[1:], ", ")+", sunday")
		}
		if s.weekly[wd], err = ranges("weekly."+day, spec.Weekly[day]); err != nil {
			return nil, err
		}
	}
	if len(spec.Holidays) > MaxHolidays {
		return nil, fieldErr("holidays", "has %d dates; the limit is %d", len(spec.Holidays), MaxHolidays)
	}
	for i, h := range spec.Holidays {
		field := fmt.Sprintf("holidays[%d]", i)
		t, err := time.Parse(time.DateOnly, h.Date)
		if err != nil {
			return nil, fieldErr(field+".date", "%q is not a date as YYYY-MM-DD", h.Date)
		}
		d := dateOf(t)
		if _, dup := s.holidays[d]; dup {
			return nil, fieldErr(field+".date", "%s is listed twice", d)
		}
		if s.holidays[d], err = ranges(field+".hours", h.Hours); err != nil {
			return nil, err
		}
		s.order = append(s.order, d)
	}
	return s, nil
}

// ranges reads a day's ranges: each well formed, and none overlapping
// another.
func ranges(field string, in []string) ([]Range, error) {
	if len(in) > MaxRangesPerDay {
		return nil, fieldErr(field, "has %d ranges; the limit is %d", len(in), MaxRangesPerDay)
	}
	out := make([]Range, 0, len(in))
	for i, text := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		r, err := parseRange(f, text)
		if err != nil {
			return nil, err
		}
		for j, o := range out {
			if r.Start < o.End && o.Start < r.End {
				return nil, fieldErr(f, "%s overlaps %s (%s[%d])", r, o, field, j)
			}
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Range) int { return a.Start - b.Start })
	return out, nil
}

func parseRange(field, text string) (Range, error) {
	from, to, ok := strings.Cut(strings.TrimSpace(text), "-")
	if !ok {
		return Range{}, fieldErr(field, "%q is not a range as HH:MM-HH:MM, such as 09:00-17:30", text)
	}
	start, err := parseClock(field, text, from)
	if err != nil {
		return Range{}, err
	}
	end, err := parseClock(field, text, to)
	if err != nil {
		return Range{}, err
	}
	switch {
	case start == 24*60:
		return Range{}, fieldErr(field, "%q starts at 24:00, the end of the day; start the next day at 00:00", text)
	case end == start:
		return Range{}, fieldErr(field, "%q is empty: it ends when it starts", text)
	case end < start:
		return Range{}, fieldErr(field, "%q ends before it starts; a range does not pass midnight: write 22:00-24:00 on one day and 00:00-02:00 on the next", text)
	}
	return Range{start, end}, nil
}

// parseClock reads HH:MM, 00:00 to 24:00, one end of range r.
func parseClock(field, r, text string) (int, error) {
	text = strings.TrimSpace(text)
	if len(text) != 5 || text[2] != ':' || !digits(text[:2]) || !digits(text[3:]) {
		return 0, fieldErr(field, "%q: %q is not a time as HH:MM (24-hour, such as 09:00 or 17:30)", r, text)
	}
	h, m := int(text[0]-'0')*10+int(text[1]-'0'), int(text[3]-'0')*10+int(text[4]-'0')
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fieldErr(field, "%q: %s is not a time of day (00:00 to 24:00)", r, text)
	}
	return h*60 + m, nil
}

func digits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Spec is s as JSON carries it: every day of the week (a closed one with
// no ranges), the holidays in the order given.
func (s *Schedule) Spec() Spec {
	spec := Spec{TimeZone: s.zone, Weekly: map[string][]string{}, Holidays: []HolidaySpec{}}
	for wd, rs := range s.weekly {
		spec.Weekly[Days[wd]] = texts(rs)
	}
	for _, d := range s.order {
		h := HolidaySpec{Date: d.String()}
		if rs := s.holidays[d]; len(rs) > 0 {
			h.Hours = texts(rs)
		}
		spec.Holidays = append(spec.Holidays, h)
	}
	return spec
}

func texts(rs []Range) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

// MarshalJSON writes s as its Spec.
func (s *Schedule) MarshalJSON() ([]byte, error) { return json.Marshal(s.Spec()) }

// UnmarshalJSON reads and checks a Spec.
func (s *Schedule) UnmarshalJSON(b []byte) error {
	parsed, err := Parse(b)
	if err != nil {
		return err
	}
	*s = *parsed
	return nil
}

// Zone is the schedule's IANA time zone's name.
func (s *Schedule) Zone() string { return s.zone }

// Location is the schedule's time zone: the wall the team's clock hangs on.
func (s *Schedule) Location() *time.Location { return s.loc }

// Day is the ranges date d is open: its holiday's, or its weekday's.
func (s *Schedule) Day(d Date) []Range {
	if rs, ok := s.holidays[d]; ok {
		return rs
	}
	return s.weekly[time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()]
}

// Open reports whether the team is open at t: the wall clock in the
// schedule's zone is inside one of that date's ranges.
func (s *Schedule) Open(t time.Time) bool {
	l := t.In(s.loc)
	sec := l.Hour()*3600 + l.Minute()*60 + l.Second()
	for _, r := range s.Day(dateOf(l)) {
		if r.Start*60 <= sec && sec < r.End*60 {
			return true
		}
	}
	return false
}

// NextOpen is the first instant from t on at which the team is open: t
// itself while it is open. ok is false when the schedule does not open in
// the next 400 days.
func (s *Schedule) NextOpen(t time.Time) (at time.Time, ok bool) {
	if s.Open(t) {
		return t, true
	}
	l := t.In(s.loc)
	limit := time.Date(l.Year(), l.Month(), l.Day()+horizon, 0, 0, 0, 0, s.loc)
	// The team opens when a range starts, or when the clocks change into
	// a range (forward past a start that never shows on the wall, back
	// into a range already left).
	for day := 0; day <= horizon && !ok; day++ {
		noon := time.Date(l.Year(), l.Month(), l.Day()+day, 12, 0, 0, 0, s.loc)
		d := dateOf(noon)
		for _, r := range s.Day(d) {
			for _, o := range s.occurrences(d, r.Start) {
				if o.After(t) && (!ok || o.Before(at)) {
					at, ok = o, true
				}
			}
		}
	}
	if ok {
		limit = at
	}
	for c := t; ; {
		_, end := c.In(s.loc).ZoneBounds()
		if end.IsZero() || !end.Before(limit) {
			break
		}
		if s.Open(end) {
			return end, true
		}
		c = end
	}
	return at, ok
}

// occurrences are the instants whose wall clock shows minute m of date d:
// none in the hour clocks skip, two in the hour they repeat.
func (s *Schedule) occurrences(d Date, m int) []time.Time {
	if m == 24*60 {
		return nil
	}
	c := time.Date(d.Year, d.Month, d.Day, m/60, m%60, 0, 0, s.loc)
	if dateOf(c) != d || c.Hour()*60+c.Minute() != m {
		return nil // skipped: the clocks jumped over it
	}
	out := []time.Time{c}
	_, off := c.Zone()
	start, end := c.ZoneBounds()
	var neighbours []time.Time // an instant of the zone before c's, and of the one after
	if !start.IsZero() {
		neighbours = append(neighbours, start.Add(-time.Second))
	}
	if !end.IsZero() {
		neighbours = append(neighbours, end)
	}
	for _, neighbour := range neighbours {
		_, other := neighbour.Zone()
		o := c.Add(time.Duration(off-other) * time.Second)
		if other != off && o.In(s.loc).Format(time.DateTime) == c.Format(time.DateTime) {
			out = append(out, o)
		}
	}
	return out
}
