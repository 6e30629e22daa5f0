package main

import (
	"context"
	"fmt"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
	"parley/web/desktop/desk"
)

// Reports, for supervisors: conversations per day and queue over a date
// range, in the supervisor's time zone, and the same as a CSV file.

func timezone() string {
	if tz := app.Window().Get("Intl").Call("DateTimeFormat").Call("resolvedOptions").Get("timeZone"); tz.Truthy() {
		return tz.String()
	}
	return "UTC"
}

// loadReport reads the report for a range.
func (d *Desktop) loadReport(r reportRange) {
	m := d.m
	m.Reporting()
	d.ctx.Async(func() {
		cx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		report, err := d.rest.Report(cx, r.Start, r.End, timezone())
		d.ctx.Dispatch(func(ctx app.Context) {
			if d.m != m {
				return // signed out meanwhile
			}
			if err != nil {
				m.Reported(nil)
				d.failed(ctx, "Cannot load the report: ", err)
				return
			}
			m.Reported(&report)
		})
	})
}

// downloadReport saves the server's CSV of the chosen range.
func (d *Desktop) downloadReport(r reportRange) {
	var csv []byte
	d.call("Cannot export the report: ", func(cx context.Context) (err error) {
		cx, cancel := context.WithTimeout(cx, 60*time.Second)
		defer cancel()
		csv, err = d.rest.ReportCSV(cx, r.Start, r.End, timezone())
		return err
	}, func(app.Context, *desk.Model) {
		saveFile(fmt.Sprintf("parley-report-%s-%s.csv", r.Start, r.End), "text/csv", csv)
	})
}

// saveFile hands bytes to the browser as a download.
func saveFile(name, contentType string, b []byte) {
	win := app.Window()
	blob := win.Get("Blob").New(app.ValueOf([]any{string(b)}), map[string]any{"type": contentType})
	u := win.Get("URL").Call("createObjectURL", blob)
	a := win.Get("document").Call("createElement", "a")
	a.Set("href", u)
	a.Set("download", name)
	win.Get("document").Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	win.Get("URL").Call("revokeObjectURL", u)
}

// reportsView is the supervisor's report: it holds the range chosen
// (the last seven days to start with) and asks for the report as it
// mounts and on Show (actReport), or for its CSV (actReportCSV).
type reportsView struct {
	app.Compo

	Ireport *model.ConversationReport
	Ibusy   bool

	span reportRange
}

func newReportsView() *reportsView { return &reportsView{} }

// Report is the report read, if any, and whether one is being read.
func (v *reportsView) Report(r *model.ConversationReport, busy bool) *reportsView {
	v.Ireport, v.Ibusy = r, busy
	return v
}

// OnInit starts from the last seven days.
func (v *reportsView) OnInit() { v.span.Start, v.span.End = desk.LastWeek(time.Now()) }

// OnMount asks for the range's report.
func (v *reportsView) OnMount(ctx app.Context) { ctx.NewActionWithValue(actReport, v.span) }

// Render draws the range and the table.
func (v *reportsView) Render() app.UI {
	var rows []app.UI
	if r := v.Ireport; r != nil {
		for _, row := range r.Rows {
			rows = append(rows, reportLine(row.ReportFigures, row.Date, row.QueueName, "report-row"))
		}
		if len(r.Rows) == 0 {
			rows = append(rows, app.Tr().Body(app.Td().ColSpan(11).Class("hint").Text("No conversations in these days.")))
		}
		rows = append(rows, reportLine(r.Totals, "All days", "All queues", "report-total"))
	}
	return app.Section().ID("reports").Class("board").Body(
		app.H2().Text("Reports"),
		app.Form().Class("report-range").OnSubmit(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			ctx.NewActionWithValue(actReport, v.span)
		}).Body(
			app.Label().For("report-start").Text("From"),
			app.Input().Type("date").ID("report-start").Value(v.span.Start).OnChange(v.ValueTo(&v.span.Start)),
			app.Label().For("report-end").Text("To"),
			app.Input().Type("date").ID("report-end").Value(v.span.End).OnChange(v.ValueTo(&v.span.End)),
			app.Button().Type("submit").ID("report-run").Class("primary").Disabled(v.Ibusy).Text("Show"),
			app.Button().Type("button").ID("report-csv").Text("Download CSV").
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(actReportCSV, v.span) }),
		),
		app.Table().Body(
			app.THead().Body(app.Tr().Body(
				app.Th().Text("Day"), app.Th().Text("Queue"), app.Th().Text("Conversations"), app.Th().Text("Abandoned"),
				app.Th().Text("Avg wait"), app.Th().Text("p90 wait"), app.Th().Text("Avg first response"),
				app.Th().Text("p90 first response"), app.Th().Text("Avg handle"), app.Th().Text("p90 handle"), app.Th().Text("CSAT"),
				app.Th().Text("CSAT responses"),
			)),
			app.TBody().Body(rows...),
		),
	)
}

func reportLine(r model.ReportFigures, day, queue, class string) app.UI {
	csat := "—"
	if r.CSATAvg != nil {
		csat = fmt.Sprintf("%.1f (%d)", *r.CSATAvg, r.CSATCount)
	}
	return app.Tr().Class(class).Body(
		app.Td().Text(day), app.Td().Text(queue),
		app.Td().Class("conversations").Text(fmt.Sprint(r.Conversations)), app.Td().Class("abandoned").Text(fmt.Sprint(r.Abandoned)),
		app.Td().Text(secondsOf(r.AvgWait)), app.Td().Text(secondsOf(r.P90Wait)),
		app.Td().Text(secondsOf(r.AvgFirstResponse)), app.Td().Text(secondsOf(r.P90FirstResponse)),
		app.Td().Text(secondsOf(r.AvgHandle)), app.Td().Text(secondsOf(r.P90Handle)),
		app.Td().Text(csat),
		app.Td().Class("csat-rate").Text(responseRate(r)),
	)
}

// responseRate shows the share of ended conversations the customers
// rated, with the count it is of, or a dash when none ended.
func responseRate(r model.ReportFigures) string {
	if r.CSATResponseRate == nil {
		return "—"
	}
	return fmt.Sprintf("%.0f%% of %d", *r.CSATResponseRate*100, r.Ended)
}

// secondsOf shows a duration in seconds, or a dash when nothing was
// measured.
func secondsOf(v *float64) string {
	if v == nil {
		return "—"
	}
	if *v < 60 {
		return fmt.Sprintf("%.1fs", *v)
	}
	return seconds(int(*v + 0.5))
}
