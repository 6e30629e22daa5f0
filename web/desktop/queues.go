package main

import (
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/web/desktop/desk"
)

// queueView is the supervisor's queues: tasks waiting, the longest wait
// and the agents available of those eligible.
type queueView struct {
	app.Compo

	Iqueues []desk.QueueRow
}

func newQueueView() *queueView { return &queueView{} }

// Queues is the rows shown.
func (v *queueView) Queues(rows []desk.QueueRow) *queueView { v.Iqueues = rows; return v }

// Render draws the table.
func (v *queueView) Render() app.UI {
	rows := make([]app.UI, 0, len(v.Iqueues))
	for _, q := range v.Iqueues {
		rows = append(rows, app.Tr().Class("queue-row").Body(
			app.Td().Text(q.Queue.FriendlyName),
			app.Td().Class("waiting").Text(fmt.Sprint(q.Waiting)),
			app.Td().Text(seconds(q.LongestWait)),
			app.Td().Text(fmt.Sprintf("%d of %d", q.Available, q.Eligible)),
		))
	}
	return app.Section().ID("queues").Class("board").Body(
		app.H2().Text("Queues"),
		app.Table().Body(
			app.THead().Body(app.Tr().Body(app.Th().Text("Queue"), app.Th().Text("Waiting"), app.Th().Text("Longest wait"), app.Th().Text("Available agents"))),
			app.TBody().Body(rows...),
		),
	)
}
