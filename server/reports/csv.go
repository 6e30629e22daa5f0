package reports

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// CSVHeader names the CSV export's columns, as the JSON names its fields.
var CSVHeader = []string{"date", "queue_sid", "queue_name", "conversations", "accepted", "abandoned",
	"avg_wait_s", "p90_wait_s", "avg_first_response_s", "p90_first_response_s", "avg_handle_s", "p90_handle_s",
	"csat_avg", "csat_count", "ended", "csat_response_rate"}

// TotalLabel is the date column of the CSV's last row, the report's totals.
const TotalLabel = "Total"

// WriteCSV writes r as CSV: a header row, a row per day and queue, then
// the totals. Durations are in seconds with one decimal; a figure without
// samples is an empty cell. It begins with a UTF-8 byte order mark and
// ends lines with CRLF, which is what spreadsheets need to read queue
// names in any script the same way on every platform.
func WriteCSV(w io.Writer, r Report) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, row := range r.Rows {
		if err := cw.Write(csvRecord(row.Date, row.QueueSID, row.QueueName, row.Figures)); err != nil {
			return err
		}
	}
	if err := cw.Write(csvRecord(TotalLabel, "", "", r.Totals)); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// CSVFilename names a report's CSV export: parley-report-START-END.csv.
func CSVFilename(r Report) string {
	return "parley-report-" + r.StartDate() + "-" + r.EndDate() + ".csv"
}

func csvRecord(date, queueSID, queueName string, f Figures) []string {
	out := []string{date, plain(queueSID), plain(queueName),
		strconv.Itoa(f.Conversations), strconv.Itoa(f.Accepted), strconv.Itoa(f.Abandoned)}
	for _, s := range []Spread{f.Wait, f.FirstResponse, f.Handle} {
		out = append(out, seconds(s.Count, s.Avg), seconds(s.Count, s.P90))
	}
	csat := ""
	if f.CSATCount > 0 {
		csat = strconv.FormatFloat(f.CSAT, 'f', 2, 64)
	}
	rate := ""
	if f.Ended > 0 {
		rate = strconv.FormatFloat(f.CSATRate, 'f', 3, 64)
	}
	return append(out, csat, strconv.Itoa(f.CSATCount), strconv.Itoa(f.Ended), rate)
}

// seconds writes d in seconds with one decimal, or "" without samples.
func seconds(count int, d time.Duration) string {
	if count == 0 {
		return ""
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 1, 64)
}

// plain defuses a cell a spreadsheet would run as a formula (a queue named
// "=HYPERLINK(...)"): a leading apostrophe makes it plain text.
func plain(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
