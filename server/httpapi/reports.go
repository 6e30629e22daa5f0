package httpapi

import (
	"bytes"
	"context"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parley/server/agents"
	"parley/server/reports"
	"parley/shared/model"
)

// Reports are Parley's own resource, under /parley/v1/Reports. The account
// reads every workspace's; supervisors and admins read their desk's.

const reportsPath = "/parley/v1/Reports/Conversations"

func (a *API) routeReports() {
	if a.reports == nil {
		return
	}
	a.route("GET", reportsPath, func(w http.ResponseWriter, r *http.Request) error {
		p, err := parseForm(r)
		if err != nil {
			return err
		}
		asCSV, err := wantsCSV(p, r.Header.Get("Accept"))
		if err != nil {
			return err
		}
		q := reports.Params{StartDate: p.value("StartDate"), EndDate: p.value("EndDate"),
			Timezone: p.value("Timezone"), QueueSID: p.value("QueueSid")}
		if c := callerOf(r); c.desk != nil {
			q.WorkspaceSID = c.desk.WorkspaceSID // a supervisor's report is of its own desk
		}
		rep, err := a.reports.Conversations(r.Context(), q)
		if err != nil {
			return err
		}
		if !asCSV {
			writeJSON(w, http.StatusOK, reportJSON(rep))
			return nil
		}
		var buf bytes.Buffer
		if err := reports.WriteCSV(&buf, rep); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+reports.CSVFilename(rep)+`"`)
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		w.WriteHeader(http.StatusOK)
		w.Write(buf.Bytes())
		return nil
	})
}

// wantsCSV reads the format asked for: Format=csv or json, else an Accept
// header naming text/csv.
func wantsCSV(p *params, accept string) (bool, error) {
	switch f := strings.ToLower(strings.TrimSpace(p.value("Format"))); f {
	case "csv":
		return true, nil
	case "json":
		return false, nil
	case "":
	default:
		return false, badParam("Format must be csv or json (the default), got %q", p.value("Format"))
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || mt != "text/csv" {
			continue
		}
		if q, err := strconv.ParseFloat(params["q"], 64); err == nil && q == 0 {
			continue // "text/csv;q=0": anything but CSV
		}
		return true, nil
	}
	return false, nil
}

// reportsRule: supervisors and admins read their desk's reports; agents
// and customers do not.
func (a *API) reportsRule(ctx context.Context, r *http.Request, c caller) error {
	if c.desk != nil && agents.AtLeast(c.desk.Role, agents.RoleSupervisor) {
		return nil
	}
	if c.desk != nil {
		return forbidden("Only supervisors and admins read reports; %s has role %s: ask an admin for the supervisor role", c.identity, c.desk.Role)
	}
	return forbidden("Reports are for the desk's supervisors: an access token for %s cannot read them", c.identity)
}

func reportJSON(rep reports.Report) model.ConversationReport {
	out := model.ConversationReport{StartDate: rep.StartDate(), EndDate: rep.EndDate(), Timezone: rep.Timezone(),
		Rows: make([]model.ReportRow, 0, len(rep.Rows)), Totals: figuresJSON(rep.Totals)}
	for _, row := range rep.Rows {
		out.Rows = append(out.Rows, model.ReportRow{Date: row.Date, QueueSID: row.QueueSID, QueueName: row.QueueName,
			ReportFigures: figuresJSON(row.Figures)})
	}
	return out
}

func figuresJSON(f reports.Figures) model.ReportFigures {
	out := model.ReportFigures{Conversations: f.Conversations, Accepted: f.Accepted, Abandoned: f.Abandoned,
		AvgWait: seconds(f.Wait, f.Wait.Avg), P90Wait: seconds(f.Wait, f.Wait.P90),
		AvgFirstResponse: seconds(f.FirstResponse, f.FirstResponse.Avg), P90FirstResponse: seconds(f.FirstResponse, f.FirstResponse.P90),
		AvgHandle: seconds(f.Handle, f.Handle.Avg), P90Handle: seconds(f.Handle, f.Handle.P90), CSATCount: f.CSATCount}
	if f.CSATCount > 0 {
		v := math.Round(f.CSAT*100) / 100
		out.CSATAvg = &v
	}
	out.Ended = f.Ended
	if f.Ended > 0 {
		v := math.Round(f.CSATRate*1000) / 1000
		out.CSATResponseRate = &v
	}
	return out
}

// seconds is d in seconds with one decimal, or nil when s has no samples.
func seconds(s reports.Spread, d time.Duration) *float64 {
	if s.Count == 0 {
		return nil
	}
	v := math.Round(d.Seconds()*10) / 10
	return &v
}
