package main

import (
	"context"
	"fmt"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
)

// Reports, for supervisors: conversations per day and queue over a date
// range, in the supervisor's time zone, and the same as a CSV file.

// reportRange is what the report covers, from the date inputs; the last
// seven days to start with.
func reportRange() (start, end string) {
	start, end = valueOf("report-start"), valueOf("report-end")
	if start == "" || end == "" {
		today := time.Now()
		start, end = today.AddDate(0, 0, -6).Format(time.DateOnly), today.Format(time.DateOnly)
	}
	return start, end
}

func timezone() string {
	if tz := app.Window().Get("Intl").Call("DateTimeFormat").Call("resolvedOptions").Get("timeZone"); tz.Truthy() {
		return tz.String()
	}
	return "UTC"
}

// loadReport reads the report for the chosen range.
func (d *Desktop) loadReport(ctx app.Context) {
	start, end := reportRange()
	d.reportBusy = true
	d.ctx.Async(func() {
		cx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r, err := d.rest.Report(cx, start, end, timezone())
		d.ctx.Dispatch(func(ctx app.Context) {
			d.reportBusy = false
			if err != nil {
				d.failed(ctx, "Cannot load the report: ", err)
				return
			}
			d.report = &r
		})
	})
}

// downloadReport saves the server's CSV of the chosen range.
func (d *Desktop) downloadReport(ctx app.Context, e app.Event) {
	start, end := reportRange()
	d.ctx.Async(func() {
		cx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		csv, err := d.rest.ReportCSV(cx, start, end, timezone())
		d.ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				d.failed(ctx, "Cannot export the report: ", err)
				return
			}
			saveFile(fmt.Sprintf("parley-report-%s-%s.csv", start, end), "text/csv", csv)
		})
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

func (d *Desktop) reportsView() app.UI {
	start, end := reportRange()
	var rows []app.UI
	if r := d.report; r != nil {
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
		app.Form().Class("report-range").OnSubmit(func(ctx app.Context, e app.Event) { e.PreventDefault(); d.loadReport(ctx) }).Body(
			app.Label().For("report-start").Text("From"),
			app.Input().Type("date").ID("report-start").Value(start),
			app.Label().For("report-end").Text("To"),
			app.Input().Type("date").ID("report-end").Value(end),
			app.Button().Type("submit").ID("report-run").Class("primary").Disabled(d.reportBusy).Text("Show"),
			app.Button().Type("button").ID("report-csv").Text("Download CSV").OnClick(d.downloadReport),
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
