package main

import (
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/web/desktop/desk"
)

// teamView is the supervisor's team: each agent's activity, for how long,
// and the chats it holds, each with Monitor (sent as actMonitor).
type teamView struct {
	app.Compo

	Iteam []desk.TeamRow
}

func newTeamView() *teamView { return &teamView{} }

// Team is the rows shown.
func (v *teamView) Team(rows []desk.TeamRow) *teamView { v.Iteam = rows; return v }

// Render draws the table.
func (v *teamView) Render() app.UI {
	rows := make([]app.UI, 0, len(v.Iteam))
	for _, r := range v.Iteam {
		chats := make([]app.UI, 0, len(r.Chats))
		for _, tc := range r.Chats {
			// Scoped by the chat: go-app keeps a handler made by the same code in place,
			// so a row reused for another chat would still act for the first.
			chats = append(chats, app.Li().Body(
				app.Span().Class("team-chat").Text(fmt.Sprintf("%s · %s · %s", firstNonEmpty(tc.Customer, "Customer"), tc.Status, since(tc.Since))),
				app.Button().Type("button").Class("link", "monitor").Text("Monitor").
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(actMonitor, tc) }, app.EventScope(tc.Conversation)),
			))
		}
		rows = append(rows, app.Tr().Class("team-row").Body(
			app.Td().Class("agent").Text(r.Name),
			app.Td().Class("activity-name").Text(r.Worker.ActivityName),
			app.Td().Text(since(r.Worker.DateStatusChanged.Time)),
			app.Td().Body(app.Ul().Class("team-chats").Body(chats...)),
		))
	}
	return app.Section().ID("team").Class("board").Body(
		app.H2().Text("Team"),
		app.Table().Body(
			app.THead().Body(app.Tr().Body(app.Th().Text("Agent"), app.Th().Text("Activity"), app.Th().Text("For"), app.Th().Text("Chats"))),
			app.TBody().Body(rows...),
		),
	)
}
