package main

import (
	"fmt"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/web/desktop/desk"
)

// Render lays out the desk from the model and its components. Every
// string from a person or the server goes through app.Text (a DOM text
// node), so markup in a message shows as text.
func (d *Desktop) Render() app.UI {
	d.syncKeys()
	if !d.signedIn {
		return newSignIn().Loading(d.loading).Busy(d.busy).Problem(d.problem)
	}
	// Notices come and go inside a box that stays: go-app matches children
	// by position, so a notice before the work area would make it (and the
	// text being typed) be rebuilt.
	return app.Div().ID("desk").Class("desk").Body(
		d.header(),
		app.Div().Class("notices").Body(
			app.P().ID("announce").Class("sr-only").Aria("live", "polite").Text(d.announce),
			app.If(!d.connected, func() app.UI {
				return app.Div().Class("banner").Role("status").Text("Reconnecting…")
			}),
			app.If(d.problem != "", func() app.UI {
				return app.Div().Class("problem").Role("alert").Body(
					app.Span().Text(d.problem),
					app.Button().Type("button").Class("link").Text("Dismiss").OnClick(func(app.Context, app.Event) { d.problem = "" }),
				)
			}),
		),
		app.Main().Class("main").Body(d.main()), // the page's one main landmark
		app.If(d.transfer != nil, func() app.UI { return newTransferDialog().Form(d.transfer) }),
		app.If(d.confirm != nil, func() app.UI { return newConfirmDialog().Text(d.confirm.text) }),
		app.If(d.outbound != nil, func() app.UI { return newOutboundDialog().Form(d.outbound) }),
		app.If(d.viewer[0] != "", func() app.UI { return newFileViewer().File(d.viewer[0], d.viewer[1]) }),
		app.If(d.keys.open, func() app.UI { return newShortcutsDialog() }),
	)
}

func (d *Desktop) header() app.UI {
	a, m := d.saved.Agent, d.m
	tabs := []app.UI{d.navButton(desk.ViewChats, fmt.Sprintf("Chats (%d)", len(m.Chats)))}
	if m.IsSupervisor() {
		tabs = append(tabs, d.navButton(desk.ViewTeam, "Team"), d.navButton(desk.ViewQueues, "Queues"), d.navButton(desk.ViewReports, "Reports"))
	}
	return app.Header().Class("top").Body(
		app.H1().Class("brand").Text("Parley desk"), // the page's one heading at level one, for screen readers' outline
		app.Nav().Class("tabs").Body(tabs...),
		app.Div().Class("me").Body(
			newActivityPicker().Activities(m.Activities).Current(m.Activity),
			app.Span().ID("me").Class("name").Text(a.DisplayName+" · "+a.Role),
			app.Button().Type("button").ID("keys-help").Class("link").Aria("keyshortcuts", "?").Text("Shortcuts").
				OnClick(func(ctx app.Context, e app.Event) { d.showShortcuts(ctx, true) }),
			app.Button().Type("button").ID("signout").Class("link").Text("Sign out").OnClick(d.signOut),
		),
	)
}

func (d *Desktop) navButton(view, label string) app.UI {
	return app.Button().Type("button").ID("nav-"+view).Class("tab").Aria("current", d.m.View == view).
		Text(label).OnClick(func(ctx app.Context, e app.Event) {
		d.m.SetView(view)
		if view == desk.ViewTeam || view == desk.ViewQueues {
			d.reloadSupervision(ctx)
		} // the reports ask for theirs as they show
	})
}

func (d *Desktop) main() app.UI {
	m := d.m
	switch m.View {
	case desk.ViewTeam:
		return newTeamView().Team(m.Team)
	case desk.ViewQueues:
		return newQueueView().Queues(m.Queues)
	case desk.ViewReports:
		return newReportsView().Report(m.Report, m.ReportBusy)
	}
	return app.Div().Class("work").Body(
		app.Aside().Class("side").Body(
			app.Button().Type("button").ID("new-text").Class("link").Text("Text a customer…").OnClick(d.openOutbound),
			app.If(len(m.Offers) > 0, func() app.UI {
				return app.Section().Class("offers").Aria("label", "Incoming chats").Body(
					app.Range(m.Offers).Slice(func(i int) app.UI { return newOfferCard().Offer(m.Offers[i]).within(d.ctx) }))
			}),
			newChatList().Chats(m.Chats, d.saved.Agent.Identity).Active(m.Active).Settings(m.Settings).within(d.ctx),
			app.If(len(m.Chats) == 0 && len(m.Offers) == 0, func() app.UI {
				return app.P().Class("hint").Text("No chats yet. Set yourself Available to receive them.")
			}),
		),
		d.chatView(),
	)
}

// chatView is the chat in front: its header with the chat's actions, its
// thread, the composer (or the wrap-up, or the monitor's bar) and the
// customer panel.
func (d *Desktop) chatView() app.UI {
	c := d.m.ActiveChat()
	if c == nil {
		return app.Section().Class("chat", "empty").Body(app.P().Class("hint").Text("Select a chat."))
	}
	class := []string{"chat"}
	if d.dragging {
		class = append(class, "dragging")
	}
	return app.Section().Class(class...).Aria("label", "Chat with "+customerName(c.Attrs)).Body(
		app.Div().Class("thread").Body(
			newChatHead().Chat(c),
			newThread().Chat(*c).Me(d.saved.Agent.Identity).Typing(c.TypingNow(time.Now())).linksFrom(&d.links),
			d.chatTools(c),
		),
		newCustomerPanel().Chat(c.Attrs.ConversationSID, c.Attrs).Past(c.Past, c.PastLoaded, c.PastFailed),
	)
}

// chatTools is what the chat in front shows under its thread: the
// composer, the wrap-up, or the monitor's bar (the chat's actions are in
// its header).
func (d *Desktop) chatTools(c *desk.Chat) app.UI {
	conv := c.Attrs.ConversationSID
	switch c.Status {
	case desk.Monitor:
		return newMonitorBar().Chat(c.TaskSID, conv)
	case desk.Wrapping:
		return newWrapUp().Chat(c.TaskSID, c.Attrs.CustomerName, c.CustomerLeft)
	}
	return app.Div().Class("compose").Body(
		newComposeBox().Chat(conv, c.Attrs.CustomerName).Agent(d.saved.Agent.DisplayName).
			Drafts(d.drafts[conv], d.attachErr).Canned(d.m.Canned).Unsent(d.unsent),
	)
}
