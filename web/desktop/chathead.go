package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/web/desktop/desk"
)

// chatHead heads the chat in front: the customer's name, the channel,
// where the chat is (active, customer left, wrap-up, monitoring) and, while
// it is being worked, its actions: Transfer, Invite and End chat (sent as
// actOpenTransfer, actOpenInvite and actEnd with the conversation).
type chatHead struct {
	app.Compo

	Iconv, Iname, Ichannel, Istatus string
	IcustomerLeft, Iending          bool
}

func newChatHead() *chatHead { return &chatHead{} }

// Chat is the chat headed.
func (h *chatHead) Chat(c *desk.Chat) *chatHead {
	h.Iconv, h.Istatus, h.Ichannel = c.Attrs.ConversationSID, c.Status, c.Attrs.ChannelType
	h.Iname = customerName(c.Attrs)
	h.IcustomerLeft, h.Iending = c.CustomerLeft, c.AgentEnded && c.Status == desk.Accepted
	return h
}

// state names where the chat is, and the class that colours it.
func (h *chatHead) state() (label, class string) {
	switch {
	case h.Istatus == desk.Monitor:
		return "Monitoring", "monitoring"
	case h.Istatus == desk.Wrapping && h.IcustomerLeft:
		return "Customer left", "left"
	case h.Istatus == desk.Wrapping:
		return "Wrap-up", "wrapup"
	case h.Iending:
		return "Ending…", "wrapup"
	}
	return "Active", "active"
}

// Render draws the header.
func (h *chatHead) Render() app.UI {
	conv := h.Iconv
	label, class := h.state()
	send := func(action string) (app.EventHandler, app.EventOption) {
		// Scoped by the conversation: go-app keeps a handler made by the
		// same code in place, which would act on the chat headed first.
		return func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(action, conv) }, app.EventScope(conv)
	}
	return app.Header().ID("chat-head").Class("chat-head").Body(
		app.Div().Class("chat-who").Body(
			app.H2().Class("chat-name").Text(h.Iname),
			app.Span().Class("chat-channel").Body(channelIcon(h.Ichannel), app.Span().Text(channelName(h.Ichannel))),
			app.Span().ID("chat-state").Class("chat-state", "state-"+class).Text(label),
		),
		// The actions hide rather than leave, so the header's children
		// keep their places (go-app matches them by position).
		app.Div().Class("chat-actions").Hidden(h.Istatus != desk.Accepted).Body(
			app.Button().Type("button").ID("transfer").Text("Transfer").OnClick(send(actOpenTransfer)),
			app.Button().Type("button").ID("invite").Text("Invite").OnClick(send(actOpenInvite)),
			app.Button().Type("button").ID("end").Class("danger").Text("End chat").Disabled(h.Iending).OnClick(send(actEnd)),
		),
	)
}
