package hours

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests' zones, whatever the machine has
)

func mustParse(t *testing.T, raw string) *Schedule {
	t.Helper()
	s, err := Parse([]byte(raw))
	if err != nil {
		t.Fatalf("Parse(%s): %v", raw, err)
	}
	return s
}

// at is an instant given as the wall clock of zone ("2026-03-06 18:00").
func at(t *testing.T, zone, wall string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", wall, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const officeNY = `{"time_zone": "America/New_York", "weekly": {
	"monday": ["09:00-12:30", "13:30-17:30"], "tuesday": ["09:00-17:30"], "wednesday": ["09:00-17:30"],
	"thursday": ["09:00-17:30"], "friday": ["09:00-17:00"]},
	"holidays": [{"date": "2026-12-25"}, {"date": "2026-12-24", "hours": ["09:00-12:00"]}]}`

func TestOpenAndNextOpen(t *testing.T) {
	ny := mustParse(t, officeNY)
	// Clocks in Paris go forward on Sunday 29 March 2026 at 02:00 (to
	// 03:00) and back on Sunday 25 October 2026 at 03:00 (to 02:00).
	paris := func(sunday ...string) *Schedule {
		b, _ := json.Marshal(Spec{TimeZone: "Europe/Paris", Weekly: map[string][]string{"sunday": sunday, "monday": {"09:00-17:00"}}})
		return mustParse(t, string(b))
	}
	cases := []struct {
		name   string
		s      *Schedule
		t      time.Time
		open   bool
		next   time.Time // zero: never
		nextOK bool
	}{
		{"a weekday's morning", ny, at(t, "America/New_York", "2026-03-03 10:00"), true, at(t, "America/New_York", "2026-03-03 10:00"), true},
		{"lunch, between two ranges", ny, at(t, "America/New_York", "2026-03-02 12:45"), false, at(t, "America/New_York", "2026-03-02 13:30"), true},
		{"a range's end is closed", ny, at(t, "America/New_York", "2026-03-03 17:30"), false, at(t, "America/New_York", "2026-03-04 09:00"), true},
		{"a range's start is open", ny, at(t, "America/New_York", "2026-03-03 09:00"), true, at(t, "America/New_York", "2026-03-03 09:00"), true},
		// Friday evening to Monday morning across the night New York's
		// clocks go forward (8 March 2026): 09:00 is 13:00 UTC, not 14:00.
		{"a weekend across spring-forward", ny, at(t, "America/New_York", "2026-03-06 18:00"), false, utc(t, "2026-03-09T13:00:00Z"), true},
		// ... and back (1 November 2026): 09:00 is 14:00 UTC again.
		{"a weekend across fall-back", ny, at(t, "America/New_York", "2026-10-30 18:00"), false, utc(t, "2026-11-02T14:00:00Z"), true},
		{"a holiday is closed all day", ny, at(t, "America/New_York", "2026-12-25 10:00"), false, at(t, "America/New_York", "2026-12-28 09:00"), true},
		{"a holiday's own hours", ny, at(t, "America/New_York", "2026-12-24 11:00"), true, at(t, "America/New_York", "2026-12-24 11:00"), true},
		{"after a holiday's own hours", ny, at(t, "America/New_York", "2026-12-24 13:00"), false, at(t, "America/New_York", "2026-12-28 09:00"), true},
		{"the instant is read in the schedule's zone", ny, utc(t, "2026-03-03T14:30:00Z"), true, utc(t, "2026-03-03T14:30:00Z"), true},

		// Spring forward in Paris: 01:00-05:00 is three hours long.
		{"spring-forward: before the jump", paris("01:00-05:00"), utc(t, "2026-03-29T00:30:00Z"), true, utc(t, "2026-03-29T00:30:00Z"), true},
		{"spring-forward: after the jump", paris("01:00-05:00"), utc(t, "2026-03-29T02:30:00Z"), true, utc(t, "2026-03-29T02:30:00Z"), true},
		{"spring-forward: the end", paris("01:00-05:00"), utc(t, "2026-03-29T03:00:00Z"), false, utc(t, "2026-03-30T07:00:00Z"), true},
		// A 02:30 opening never shows on the wall: the team opens at the
		// jump, 03:00 CEST (01:00 UTC).
		{"spring-forward: an opening in the skipped hour", paris("02:30-06:00"), utc(t, "2026-03-28T20:00:00Z"), false, utc(t, "2026-03-29T01:00:00Z"), true},
		// A range wholly in the skipped hour does not happen that day.
		{"spring-forward: a range in the skipped hour", paris("02:10-02:50"), utc(t, "2026-03-29T00:30:00Z"), false, utc(t, "2026-03-30T07:00:00Z"), true},

		// Fall back in Paris: 02:00-03:00 shows twice, so it is open for two
		// hours, 00:00 to 02:00 UTC.
		{"fall-back: the first 02:30", paris("02:00-03:00"), utc(t, "2026-10-25T00:30:00Z"), true, utc(t, "2026-10-25T00:30:00Z"), true},
		{"fall-back: the second 02:30", paris("02:00-03:00"), utc(t, "2026-10-25T01:30:00Z"), true, utc(t, "2026-10-25T01:30:00Z"), true},
		{"fall-back: after", paris("02:00-03:00"), utc(t, "2026-10-25T02:00:00Z"), false, utc(t, "2026-10-26T08:00:00Z"), true},
		// Closed at 02:20 CEST (past 01:30-02:15); the clocks go back to
		// 02:00 CET at 01:00 UTC, inside the range again.
		{"fall-back: the clocks go back into a range", paris("01:30-02:15"), utc(t, "2026-10-25T00:20:00Z"), false, utc(t, "2026-10-25T01:00:00Z"), true},
		// 02:10 shows twice: at 02:50 CEST (00:50 UTC) the first showing
		// is over, and the second (02:10 CET, 01:10 UTC) is next.
		{"fall-back: the second showing of an opening", paris("02:10-02:40"), utc(t, "2026-10-25T00:50:00Z"), false, utc(t, "2026-10-25T01:10:00Z"), true},

		{"a night shift over midnight", mustParse(t, `{"time_zone": "UTC", "weekly": {"monday": ["22:00-24:00"], "tuesday": ["00:00-02:00"]}}`),
			utc(t, "2026-03-03T00:30:00Z"), true, utc(t, "2026-03-03T00:30:00Z"), true},
		{"never open", mustParse(t, `{"time_zone": "UTC"}`), utc(t, "2026-03-03T00:30:00Z"), false, time.Time{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.Open(tc.t); got != tc.open {
				t.Errorf("Open(%s) = %v, want %v", tc.t.UTC(), got, tc.open)
			}
			next, ok := tc.s.NextOpen(tc.t)
			if ok != tc.nextOK || !next.Equal(tc.next) {
				t.Errorf("NextOpen(%s) = %s, %v; want %s, %v", tc.t.UTC(), next.UTC(), ok, tc.next.UTC(), tc.nextOK)
			}
			if ok && !tc.s.Open(next) {
				t.Errorf("NextOpen(%s) = %s, which is not open", tc.t.UTC(), next.UTC())
			}
		})
	}
}

// Two ranges meeting at midnight are open without a break: no instant of
// the night is closed.
func TestANightShiftHasNoGapAtMidnight(t *testing.T) {
	s := mustParse(t, `{"time_zone": "Europe/Paris", "weekly": {"friday": ["22:00-24:00"], "saturday": ["00:00-06:00"]}}`)
	for m := at(t, "Europe/Paris", "2026-03-06 22:00"); m.Before(at(t, "Europe/Paris", "2026-03-07 06:00")); m = m.Add(time.Minute) {
		if !s.Open(m) {
			t.Fatalf("closed at %s", m)
		}
	}
}

func TestSchedulesThatCannotBe(t *testing.T) {
	cases := []struct{ name, raw, field, says string }{
		{"no zone", `{"weekly": {}}`, "time_zone", "is required"},
		{"an unknown zone", `{"time_zone": "Mars/Olympus_Mons"}`, "time_zone", `"Mars/Olympus_Mons" is not an IANA time zone`},
		{"the machine's zone", `{"time_zone": "Local"}`, "time_zone", "Local"},
		{"a zone that is not a string", `{"time_zone": 2}`, "time_zone", "must be a string"},
		{"an unknown day", `{"time_zone": "UTC", "weekly": {"mon": ["09:00-17:00"]}}`, "weekly.mon", "is not a day"},
		{"a malformed range", `{"time_zone": "UTC", "weekly": {"monday": ["9:00"]}}`, "weekly.monday[0]", `"9:00" is not a range`},
		{"a malformed end", `{"time_zone": "UTC", "weekly": {"monday": ["9-5"]}}`, "weekly.monday[0]", `"9-5": "9" is not a time as HH:MM`},
		{"a malformed time", `{"time_zone": "UTC", "weekly": {"monday": ["09:00-5pm"]}}`, "weekly.monday[0]", `"5pm" is not a time as HH:MM`},
		{"an hour past 24", `{"time_zone": "UTC", "weekly": {"tuesday": ["09:00-25:00"]}}`, "weekly.tuesday[0]", "25:00 is not a time of day"},
		{"minutes past 59", `{"time_zone": "UTC", "weekly": {"tuesday": ["09:60-12:00"]}}`, "weekly.tuesday[0]", "09:60 is not a time of day"},
		{"past 24:00", `{"time_zone": "UTC", "weekly": {"tuesday": ["09:00-24:30"]}}`, "weekly.tuesday[0]", "24:30 is not a time of day"},
		{"an end before the start", `{"time_zone": "UTC", "weekly": {"friday": ["22:00-02:00"]}}`, "weekly.friday[0]", "ends before it starts"},
		{"an empty range", `{"time_zone": "UTC", "weekly": {"friday": ["09:00-09:00"]}}`, "weekly.friday[0]", "is empty"},
		{"overlapping ranges", `{"time_zone": "UTC", "weekly": {"monday": ["09:00-12:30", "12:00-17:00"]}}`, "weekly.monday[1]", "12:00-17:00 overlaps 09:00-12:30 (weekly.monday[0])"},
		{"a range inside another", `{"time_zone": "UTC", "weekly": {"monday": ["09:00-17:00", "10:00-11:00"]}}`, "weekly.monday[1]", "overlaps"},
		{"ranges not a list", `{"time_zone": "UTC", "weekly": {"monday": "09:00-17:00"}}`, "weekly", "each a list of ranges"},
		{"a bad date", `{"time_zone": "UTC", "holidays": [{"date": "2026-02-30"}]}`, "holidays[0].date", `"2026-02-30" is not a date`},
		{"a date in another form", `{"time_zone": "UTC", "holidays": [{"date": "25/12/2026"}]}`, "holidays[0].date", "YYYY-MM-DD"},
		{"a date twice", `{"time_zone": "UTC", "holidays": [{"date": "2026-12-25"}, {"date": "2026-12-25"}]}`, "holidays[1].date", "listed twice"},
		{"a holiday's overlapping hours", `{"time_zone": "UTC", "holidays": [{"date": "2026-12-24", "hours": ["09:00-12:00", "11:00-13:00"]}]}`, "holidays[0].hours[1]", "overlaps"},
		{"an unknown field", `{"time_zone": "UTC", "timezone": "UTC"}`, "timezone", "is not a field of opening hours"},
		{"not an object", `["09:00-17:00"]`, "(document)", "JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.raw))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse(%s) = %v, want a FieldError", tc.raw, err)
			}
			if fe.Field != tc.field || !strings.Contains(fe.Problem, tc.says) {
				t.Errorf("Parse(%s) = %q; want field %s saying %q", tc.raw, err, tc.field, tc.says)
			}
		})
	}
}

// A schedule written back is the schedule read: what the API shows and
// what storage keeps round-trip.
func TestASpecRoundTrips(t *testing.T) {
	s := mustParse(t, officeNY)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var again Schedule
	if err := json.Unmarshal(b, &again); err != nil {
		t.Fatalf("reading back %s: %v", b, err)
	}
	b2, _ := json.Marshal(&again)
	if string(b) != string(b2) {
		t.Errorf("round trip changed it:\n%s\n%s", b, b2)
	}
	for _, want := range []string{`"time_zone":"America/New_York"`, `"monday":["09:00-12:30","13:30-17:30"]`, `"sunday":[]`,
		`{"date":"2026-12-25"}`, `{"date":"2026-12-24","hours":["09:00-12:00"]}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
}
