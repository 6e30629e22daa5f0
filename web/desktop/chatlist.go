package main

import (
	"fmt"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
	"parley/web/desktop/desk"
)

// chatList lists the agent's chats in the model's order (who waits
// longest first): per chat the customer, the channel, the last message on
// one line, how long the customer has awaited a reply (amber, then red,
// past the server's thresholds) and the unread count. Choosing one sends
// actSelect. The wait ticks on its own: only the list re-renders.
type chatList struct {
	app.Compo

	Iitems    []chatItem
	Iactive   string
	Isettings model.DeskSettings

	selfTicking
}

// chatItem is what the list shows of a chat: only these, so a message
// arriving in the chat in front redraws the list only when its line
// changes.
type chatItem struct {
	Conversation, Name, Channel, Status string
	Unread                              int
	Preview                             desk.Preview
	// Waiting is since when the customer awaits a reply; zero if not.
	Waiting time.Time
}

func newChatList() *chatList { return &chatList{} }

// Chats are the chats listed, in order, as seen by the agent me.
func (l *chatList) Chats(chats []*desk.Chat, me string) *chatList {
	l.Iitems = make([]chatItem, 0, len(chats))
	for _, c := range chats {
		l.Iitems = append(l.Iitems, chatItem{Conversation: c.Attrs.ConversationSID, Status: c.Status, Unread: c.Unread,
			Name: customerName(c.Attrs), Channel: c.Attrs.ChannelType,
			Preview: c.Preview(me), Waiting: c.AwaitingSince(me)})
	}
	return l
}

// Active is the conversation in front.
func (l *chatList) Active(conv string) *chatList { l.Iactive = conv; return l }

// Settings are the desk's, for the wait's thresholds.
func (l *chatList) Settings(s model.DeskSettings) *chatList { l.Isettings = s; return l }

func (l *chatList) within(parent app.Context) *chatList { l.parent = &parent; return l }

// OnMount starts the waits' ticking: often enough that a wait turns
// amber near its threshold, a quarter of it, between a second and 15.
func (l *chatList) OnMount(ctx app.Context) {
	l.tickEvery(ctx, func() time.Duration {
		every := time.Duration(l.Isettings.WithDefaults().WaitAmberSeconds) * time.Second / 4
		return min(max(every, time.Second), 15*time.Second)
	})
}

// Render draws the list.
func (l *chatList) Render() app.UI {
	now := time.Now()
	return app.Ul().Class("chat-list").Aria("label", "Your chats").Body(
		app.Range(l.Iitems).Slice(func(i int) app.UI {
			c := l.Iitems[i]
			wait := desk.WaitState(c.Waiting, now, l.Isettings)
			preview := c.Preview.Text
			if c.Preview.Mine && preview != "" {
				preview = "You: " + preview
			}
			return app.Li().Body(
				app.Button().Type("button").Class("chat-tab").Aria("current", c.Conversation == l.Iactive).
					DataSet("wait", wait).DataSet("conversation", c.Conversation).
					// Scoped by the conversation: go-app keeps a handler made by
					// the same code in place, so a line that now shows another
					// chat would otherwise still choose the one it showed first.
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(actSelect, c.Conversation) },
						app.EventScope(c.Conversation)).Body(
					app.Span().Class("tab-line").Body(
						channelIcon(c.Channel),
						app.Span().Class("tab-name").Text(c.Name),
						app.If(c.Status == desk.Wrapping, func() app.UI { return app.Span().Class("tag").Text("wrap-up") }),
						app.If(c.Status == desk.Monitor, func() app.UI { return app.Span().Class("tag").Text("monitoring") }),
						app.If(wait != desk.WaitNone, func() app.UI {
							text := desk.WaitText(now.Sub(c.Waiting))
							return app.Span().Class("wait", "wait-"+wait).Title("Waiting for a reply").Body(
								app.Span().Class("sr-only").Text("Waiting "), app.Text(text))
						}),
						app.If(c.Unread > 0, func() app.UI {
							return app.Span().Class("unread").Aria("label", fmt.Sprintf("%d unread", c.Unread)).Text(fmt.Sprint(c.Unread))
						}),
					),
					app.Span().Class("tab-preview").Text(preview),
				),
			)
		}))
}
