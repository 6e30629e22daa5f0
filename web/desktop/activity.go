package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
)

// activityPicker chooses the agent's activity (Available, Break,
// Offline ...); a choice goes out as actActivity.
type activityPicker struct {
	app.Compo

	Iactivities []model.Activity
	Icurrent    string
}

func newActivityPicker() *activityPicker { return &activityPicker{} }

// Activities are the workspace's activities.
func (p *activityPicker) Activities(v []model.Activity) *activityPicker { p.Iactivities = v; return p }

// Current is the worker's activity SID.
func (p *activityPicker) Current(v string) *activityPicker { p.Icurrent = v; return p }

// Render draws the select with its label.
func (p *activityPicker) Render() app.UI {
	opts := make([]app.UI, 0, len(p.Iactivities))
	for _, act := range p.Iactivities {
		opts = append(opts, app.Option().Value(act.SID).Selected(act.SID == p.Icurrent).Text(act.FriendlyName))
	}
	return app.Span().Class("activity-picker").Body(
		app.Label().For("activity").Class("sr-only").Text("Activity"),
		app.Select().ID("activity").Class("activity").OnChange(func(ctx app.Context, e app.Event) {
			ctx.NewActionWithValue(actActivity, ctx.JSSrc().Get("value").String())
		}).Body(opts...),
	)
}
