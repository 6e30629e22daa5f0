package desk

import (
	"time"

	"parley/shared/model"
)

// LastWeek is the range a report covers to start with: the seven days
// ending today, as the date inputs write them.
func LastWeek(today time.Time) (start, end string) {
	return today.AddDate(0, 0, -6).Format(time.DateOnly), today.Format(time.DateOnly)
}

// Reporting marks a report as being read.
func (m *Model) Reporting() { m.ReportBusy = true }

// Reported keeps the report read; a failed read (nil) keeps the last one.
func (m *Model) Reported(r *model.ConversationReport) {
	m.ReportBusy = false
	if r != nil {
		m.Report = r
	}
}
