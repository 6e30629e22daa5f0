package model

// ConversationReport is the desk's conversations per day and queue
// (Parley's own, GET /parley/v1/Reports/Conversations). Durations are
// seconds with one decimal; a figure without samples is null.
type ConversationReport struct {
	StartDate string        `json:"start_date"` // YYYY-MM-DD, included
	EndDate   string        `json:"end_date"`   // YYYY-MM-DD, included
	Timezone  string        `json:"timezone"`   // the IANA zone the days are in
	Rows      []ReportRow   `json:"rows"`       // days and queues with conversations, by date then queue name
	Totals    ReportFigures `json:"totals"`     // over every conversation of the report
}

// ReportRow is one queue on one day.
type ReportRow struct {
	Date      string `json:"date"`
	QueueSID  string `json:"queue_sid"`
	QueueName string `json:"queue_name"`
	ReportFigures
}

// ReportFigures describe a set of conversations (tasks).
type ReportFigures struct {
	Conversations    int      `json:"conversations"`
	Accepted         int      `json:"accepted"`
	Abandoned        int      `json:"abandoned"`
	AvgWait          *float64 `json:"avg_wait_s"`
	P90Wait          *float64 `json:"p90_wait_s"`
	AvgFirstResponse *float64 `json:"avg_first_response_s"`
	P90FirstResponse *float64 `json:"p90_first_response_s"`
	AvgHandle        *float64 `json:"avg_handle_s"`
	P90Handle        *float64 `json:"p90_handle_s"`
	CSATAvg          *float64 `json:"csat_avg"` // two decimals
	CSATCount        int      `json:"csat_count"`
	// Ended conversations, and the share of them the customer rated (0
	// to 1, three decimals): the survey's response rate.
	Ended            int      `json:"ended"`
	CSATResponseRate *float64 `json:"csat_response_rate"`
}
