package main

import (
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/web/desktop/desk"
)

// chatList lists the agent's chats: the customer, the chat's state and
// its unread count. Choosing one sends actSelect.
type chatList struct {
	app.Compo

	Iitems  []chatItem
	Iactive string
}

// chatItem is what the list shows of a chat: only these, so a message
// arriving in the chat in front does not redraw the list.
type chatItem struct {
	Conversation, Name, Status string
	Unread                     int
}

func newChatList() *chatList { return &chatList{} }

// Chats are the chats listed.
func (l *chatList) Chats(chats []*desk.Chat) *chatList {
	l.Iitems = make([]chatItem, 0, len(chats))
	for _, c := range chats {
		l.Iitems = append(l.Iitems, chatItem{Conversation: c.Attrs.ConversationSID, Status: c.Status, Unread: c.Unread,
			Name: firstNonEmpty(c.Attrs.CustomerName, c.Attrs.CustomerAddress, "Customer")})
	}
	return l
}

// Active is the conversation in front.
func (l *chatList) Active(conv string) *chatList { l.Iactive = conv; return l }

// Render draws the list.
func (l *chatList) Render() app.UI {
	return app.Ul().Class("chat-list").Aria("label", "Your chats").Body(
		app.Range(l.Iitems).Slice(func(i int) app.UI {
			c := l.Iitems[i]
			return app.Li().Body(
				app.Button().Type("button").Class("chat-tab").Aria("current", c.Conversation == l.Iactive).
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(actSelect, c.Conversation) }).Body(
					app.Span().Class("tab-name").Text(c.Name),
					app.If(c.Status == desk.Wrapping, func() app.UI { return app.Span().Class("tag").Text("wrap-up") }),
					app.If(c.Status == desk.Monitor, func() app.UI { return app.Span().Class("tag").Text("monitoring") }),
					app.If(c.Unread > 0, func() app.UI {
						return app.Span().Class("unread").Aria("label", fmt.Sprintf("%d unread", c.Unread)).Text(fmt.Sprint(c.Unread))
					}),
				),
			)
		}))
}
