package reports

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// csvOf writes r as CSV and reads it back as a spreadsheet would.
func csvOf(t *testing.T, r Report) (raw string, records [][]string) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	raw = buf.String()
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not read back: %v\n%s", err, raw)
	}
	return raw, records
}

func TestTheCSVExportHasAHeaderARowPerDayAndQueueAndTotals(t *testing.T) {
	r := reportIn(t, "UTC",
		aTask(support, "2026-03-02T09:00:00Z").acceptedAfter(secs(12.34)).answeredAfter(secs(5)).completedAfter(secs(300)).rated(4),
		aTask(sales, "2026-03-02T09:30:00Z").canceledAfter(secs(5)),
	)
	raw, records := csvOf(t, r)
	if !strings.HasPrefix(raw, "\uFEFF") || !strings.Contains(raw, "\r\n") {
		t.Errorf("the CSV should start with a UTF-8 byte order mark and end lines with CRLF, for spreadsheets: %q", raw)
	}
	want := [][]string{
		CSVHeader,
		{"2026-03-02", sales, "Sales", "1", "0", "1", "", "", "", "", "", "", "", "0", "1", "0.000"},
		{"2026-03-02", support, "Support", "1", "1", "0", "12.3", "12.3", "5.0", "5.0", "300.0", "300.0", "4.00", "1", "1", "1.000"},
		{TotalLabel, "", "", "2", "1", "1", "12.3", "12.3", "5.0", "5.0", "300.0", "300.0", "4.00", "1", "2", "0.500"},
	}
	if len(records) != len(want) {
		t.Fatalf("%d records, want %d:\n%s", len(records), len(want), raw)
	}
	for i := range want {
		if strings.Join(records[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("record %d:\n got %q\nwant %q", i, records[i], want[i])
		}
	}
	if got := CSVFilename(r); got != "parley-report-2026-03-01-2026-03-07.csv" {
		t.Errorf("filename %q", got)
	}
}

func TestTheCSVExportKeepsQueueNamesAsText(t *testing.T) {
	for _, c := range []struct{ name, cell string }{
		{"Support, Europe", "Support, Europe"},      // a comma is quoted, not a new column
		{`The "VIP" line`, `The "VIP" line`},        // quotes survive
		{"Équipe été", "Équipe été"},                // any script
		{"=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"}, // never a formula
		{"-1+1", "'-1+1"},
		{"@SUM(A1)", "'@SUM(A1)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := aTask(support, "2026-03-02T09:00:00Z")
			s.QueueName = c.name
			_, records := csvOf(t, reportIn(t, "UTC", s))
			if got := records[1][2]; got != c.cell {
				t.Errorf("queue %q reads back as %q, want %q", c.name, got, c.cell)
			}
		})
	}
}
