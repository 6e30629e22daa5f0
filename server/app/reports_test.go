package app

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"parley/server/reports"
	"parley/shared/client"
	"parley/shared/model"
)

// ---- helpers that read like a supervisor's day ----

const reportsPath = "/parley/v1/Reports/Conversations"

// reportAround asks for the report of yesterday to tomorrow (UTC), so a
// test running across midnight still finds today's chats in it.
func reportAround(now time.Time) url.Values {
	return url.Values{"StartDate": {now.AddDate(0, 0, -1).Format(time.DateOnly)}, "EndDate": {now.AddDate(0, 0, 1).Format(time.DateOnly)}}
}

// mustReadReport reads the report as the account.
func (s *testServer) mustReadReport(t *testing.T, q url.Values) model.ConversationReport {
	t.Helper()
	var rep model.ConversationReport
	if err := json2(s.get(t, reportsPath+"?"+q.Encode()), &rep); err != nil {
		t.Fatalf("read the report: %v", err)
	}
	return rep
}

// pauseUntil waits until at has passed: a human pause, so the durations
// the report measures are long enough to tell from zero. The report's
// figures are then checked against what the test measured, never against
// how fast the server was.
func pauseUntil(at time.Time) { time.Sleep(time.Until(at)) }

// within checks a duration the report gives in seconds (one decimal) lies
// between two durations the test measured around it.
func within(t *testing.T, name string, got *float64, least, most time.Duration) {
	t.Helper()
	if got == nil {
		t.Errorf("%s is null, want between %v and %v", name, least, most)
		return
	}
	const rounding = 0.05
	if *got < least.Seconds()-rounding || *got > most.Seconds()+rounding {
		t.Errorf("%s is %.1f s, want between %.2f and %.2f", name, *got, least.Seconds(), most.Seconds())
	}
}

// answer sends a message into a conversation as the agent, over its
// realtime session, as the desktop does.
func (d *deskAgent) answer(t *testing.T, baseURL, conversation, body string) {
	t.Helper()
	sess, err := client.Dial(context.Background(), client.SessionOptions{URL: baseURL,
		Token: func(context.Context) (string, error) { return d.token, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if _, err := sess.Send(context.Background(), conversation, body, ""); err != nil {
		t.Fatalf("%s answers in %s: %v", d.Email, conversation, err)
	}
}

// ---- tests ----

func TestTheDaysReportCountsAnsweredAndAbandonedChatsPerQueue(t *testing.T) {
	s := startServer(t)
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	sue := s.mustSignIn(t, s.mustCreateAgent(t, "sue@example.com", "supervisor"))
	ana.goAvailable(t)
	ws := "/taskrouter/v1/Workspaces/" + ana.WorkspaceSID
	pause := 200 * time.Millisecond

	// Ada's chat waits a moment, then Ana accepts it.
	beforeChat := time.Now()
	ada := s.visitorChats(t, "Ada", "Where is order 1234?")
	chatStarted := time.Now()
	offer := ana.waitForOffer(t)
	pauseUntil(chatStarted.Add(pause))
	beforeAccept := time.Now()
	ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	accepted := time.Now()
	eventually(t, func() bool {
		_, err := ana.call("GET", "/conversations/v1/Conversations/"+ada+"/Messages", nil, nil)
		return err == nil
	}, func() string { return "Ana never joined the chat she accepted" })

	// She answers after a moment; a survey records Ada's score (the
	// integration, with the account's credentials); Ana completes the task
	// with its outcome, as the desktop does.
	pauseUntil(accepted.Add(pause))
	beforeAnswer := time.Now()
	ana.answer(t, s.baseURL, ada, "Hello Ada, it ships today.")
	answered := time.Now()
	var task model.Task
	ana.mustCall(t, "GET", ws+"/Tasks/"+offer.TaskSID, nil, &task)
	attrs := map[string]any{}
	if err := json.Unmarshal([]byte(task.Attributes), &attrs); err != nil {
		t.Fatal(err)
	}
	attrs["conversations"] = map[string]any{"csat": 4}
	b, _ := json.Marshal(attrs)
	if r := s.postForm(t, ws+"/Tasks/"+offer.TaskSID, url.Values{"Attributes": {string(b)}}); r.status != http.StatusOK {
		t.Fatalf("the survey's score: %d %s", r.status, r.text)
	}
	pauseUntil(accepted.Add(2 * pause))
	beforeComplete := time.Now()
	ana.mustCall(t, "POST", "/parley/v1/Desktop/Tasks/"+offer.TaskSID+"/Complete", url.Values{"Outcome": {"resolved"}}, nil)
	completed := time.Now()

	// Bob gives up before anyone accepts his chat.
	s.visitorChats(t, "Bob", "Anyone there?")
	unanswered := ana.waitForOffer(t)
	if r := s.postForm(t, ws+"/Tasks/"+unanswered.TaskSID, url.Values{"AssignmentStatus": {"canceled"}, "Reason": {"The customer left"}}); r.status != http.StatusOK {
		t.Fatalf("cancel Bob's task: %d %s", r.status, r.text)
	}

	// The facts are written behind routing's back: the report has them
	// soon, not at once.
	q := reportAround(time.Now().UTC())
	var rep model.ConversationReport
	eventually(t, func() bool {
		rep = s.mustReadReport(t, q)
		return rep.Totals.Conversations == 2 && rep.Totals.Abandoned == 1 && rep.Totals.AvgHandle != nil &&
			rep.Totals.AvgFirstResponse != nil && rep.Totals.CSATCount == 1
	}, func() string { return fmt.Sprintf("the report never showed both chats: %+v", rep.Totals) })

	if len(rep.Rows) != 1 {
		t.Fatalf("rows %+v, want one: today, the desk's queue", rep.Rows)
	}
	row := rep.Rows[0]
	today := map[string]bool{beforeChat.UTC().Format(time.DateOnly): true, time.Now().UTC().Format(time.DateOnly): true}
	if row.QueueName != "Everyone" || !strings.HasPrefix(row.QueueSID, "WQ") || !today[row.Date] {
		t.Errorf("the row is %s in %s (%s), want today in the desk's queue Everyone", row.Date, row.QueueName, row.QueueSID)
	}
	if row.Conversations != 2 || row.Accepted != 1 || row.Abandoned != 1 {
		t.Errorf("conversations %d, accepted %d, abandoned %d; want 2, 1, 1", row.Conversations, row.Accepted, row.Abandoned)
	}
	within(t, "the wait", row.AvgWait, beforeAccept.Sub(chatStarted), accepted.Sub(beforeChat))
	within(t, "the p90 wait (of one)", row.P90Wait, beforeAccept.Sub(chatStarted), accepted.Sub(beforeChat))
	within(t, "the first response", row.AvgFirstResponse, beforeAnswer.Sub(accepted), answered.Sub(beforeAccept))
	within(t, "the handle time", row.AvgHandle, beforeComplete.Sub(accepted), completed.Sub(beforeAccept))
	if row.CSATAvg == nil || *row.CSATAvg != 4 || row.CSATCount != 1 {
		t.Errorf("CSAT %v over %d tasks, want 4 over 1", row.CSATAvg, row.CSATCount)
	}
	if rep.Timezone != "UTC" || rep.StartDate != q.Get("StartDate") || rep.EndDate != q.Get("EndDate") {
		t.Errorf("the report covers %s to %s in %s, want %s to %s in UTC", rep.StartDate, rep.EndDate, rep.Timezone, q.Get("StartDate"), q.Get("EndDate"))
	}

	// The CSV export says the same, for a spreadsheet.
	for _, ask := range []rawRequest{
		{method: http.MethodGet, path: reportsPath + "?Format=csv&" + q.Encode()},
		{method: http.MethodGet, path: reportsPath + "?" + q.Encode(), header: map[string]string{"Accept": "text/csv"}},
	} {
		r := s.do(t, ask)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV: %d %s %.200s", r.status, r.header.Get("Content-Type"), r.text)
		}
		want := fmt.Sprintf(`attachment; filename="parley-report-%s-%s.csv"`, q.Get("StartDate"), q.Get("EndDate"))
		if got := r.header.Get("Content-Disposition"); got != want {
			t.Errorf("Content-Disposition %q, want %q", got, want)
		}
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.text, "\uFEFF"))).ReadAll()
		if err != nil || len(records) != 3 {
			t.Fatalf("the CSV reads as %d records (%v), want a header, today's row and the totals:\n%s", len(records), err, r.text)
		}
		if strings.Join(records[0], ",") != strings.Join(reports.CSVHeader, ",") {
			t.Errorf("header %q", records[0])
		}
		if got := records[1][:6]; strings.Join(got, ",") != strings.Join([]string{row.Date, row.QueueSID, "Everyone", "2", "1", "1"}, ",") {
			t.Errorf("row %q", records[1])
		}
		if records[2][0] != reports.TotalLabel || records[2][3] != "2" {
			t.Errorf("totals %q", records[2])
		}
	}

	// Supervisors read their desk's report; agents do not.
	var theirs model.ConversationReport
	sue.mustCall(t, "GET", reportsPath+"?"+q.Encode(), nil, &theirs)
	if theirs.Totals.Conversations != 2 {
		t.Errorf("the supervisor's report counts %d conversations, want 2", theirs.Totals.Conversations)
	}
	ana.wantRefused(t, http.StatusForbidden, "GET", reportsPath, nil)
	if r := s.do(t, rawRequest{method: http.MethodGet, path: reportsPath, noAuth: true}); r.status != http.StatusUnauthorized {
		t.Errorf("without credentials: %d, want 401", r.status)
	}
}

func TestBadReportRequestsAreRefusedSayingWhy(t *testing.T) {
	s := startServer(t)
	for _, c := range []struct {
		name, query, want string
	}{
		{"a date in another format", "StartDate=01/03/2026", "YYYY-MM-DD"},
		{"the end before the start", "StartDate=2026-03-05&EndDate=2026-03-01", "on or before the EndDate"},
		{"more than a year", "StartDate=2024-01-01&EndDate=2026-01-01", "at most 366"},
		{"an unknown time zone", "Timezone=Mars/Olympus", "IANA time zone"},
		{"a queue name instead of its SID", "QueueSid=Everyone", "task queue SID"},
		{"an unknown format", "Format=xlsx", "Format must be csv or json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := s.get(t, reportsPath+"?"+c.query)
			wantTwilioErrorShape(t, r, http.StatusBadRequest, 20400)
			if msg, _ := r.json["message"].(string); !strings.Contains(msg, c.want) {
				t.Errorf("message %q, want it to say %q", msg, c.want)
			}
		})
	}
	// A customer's token reads no report.
	guest := s.aCustomer(t)
	guest.wantRefused(t, http.StatusForbidden, "GET", reportsPath, nil)
}
