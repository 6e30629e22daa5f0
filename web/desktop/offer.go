package main

import (
	"fmt"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/web/desktop/desk"
)

// offerCard is an incoming chat: who, on which channel, from which
// queue, what they asked, the seconds left to answer, Accept and Reject
// (sent as actAnswer). Its countdown ticks on its own: only the card
// re-renders each second.
type offerCard struct {
	app.Compo

	Ioffer desk.Offer

	selfTicking
}

func newOfferCard() *offerCard { return &offerCard{} }

// Offer is the offer shown.
func (o *offerCard) Offer(v desk.Offer) *offerCard { o.Ioffer = v; return o }

func (o *offerCard) within(parent app.Context) *offerCard { o.parent = &parent; return o }

// OnMount starts the countdown, a re-render each second.
func (o *offerCard) OnMount(ctx app.Context) {
	o.tickEvery(ctx, func() time.Duration { return time.Second })
}

// Render draws the card.
func (o *offerCard) Render() app.UI {
	of := o.Ioffer
	a := of.Attrs
	left := int(time.Until(of.Expires).Seconds())
	fields := make([]app.UI, 0, len(a.PreEngagement))
	for _, k := range sortedKeys(a.PreEngagement) {
		if k != "friendlyName" && k != "question" { // shown above as the name and the first message
			fields = append(fields, app.Dt().Text(labelOf(a, k)), app.Dd().Text(a.PreEngagement[k]))
		}
	}
	// Scoped by the reservation: go-app keeps a handler made by the same
	// code in place, so a card that moved up to show the next offer would
	// otherwise still answer the one it showed first.
	send := func(status string) (app.EventHandler, app.EventOption) {
		return func(ctx app.Context, e app.Event) {
			ctx.NewActionWithValue(actAnswer, answer{Reservation: of.Res.SID, Status: status})
		}, app.EventScope(of.Res.SID)
	}
	return app.Article().Class("offer").Aria("live", "assertive").Body(
		app.Div().Class("offer-head").Body(
			app.Strong().Class("who").Text(customerName(a)),
			app.Span().Class("channel").Body(channelIcon(a.ChannelType), app.Text(" "+channelName(a.ChannelType))),
			app.If(!of.Expires.IsZero(), func() app.UI {
				return app.Span().Class("countdown").Title("Seconds left to answer").Text(fmt.Sprintf("%ds", max(left, 0)))
			}),
		),
		app.If(of.Task.TaskQueueFriendlyName != nil && *of.Task.TaskQueueFriendlyName != "", func() app.UI {
			return app.P().Class("offer-queue").Text("Queue: " + *of.Task.TaskQueueFriendlyName)
		}),
		awayNote(a, time.Now()),
		app.If(a.TransferType != "", func() app.UI {
			return app.P().Class("hint").Text("Transferred to you (" + a.TransferType + ")")
		}),
		app.If(a.PreEngagement["question"] != "", func() app.UI {
			return app.P().Class("first").Text(a.PreEngagement["question"])
		}),
		app.Dl().Class("answers").Body(fields...),
		app.Div().Class("offer-actions").Body(
			app.Button().Type("button").Class("primary", "accept").Text("Accept").OnClick(send("accepted")),
			app.Button().Type("button").Class("reject").Text("Reject").OnClick(send("rejected")),
		),
	)
}
