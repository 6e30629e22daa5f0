package main

import (
	"encoding/json"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
	"parley/web/attach"
	"parley/web/desktop/desk"
)

// thread shows a chat's conversation: its notices (left while away, a
// failed load), messages and private notes in time order with the
// customer's read receipts, what is on its way, and the typing line. It
// re-renders when the chat changes (its Rev), not when the desk does.
type thread struct {
	app.Compo

	Ichat   desk.Chat
	Ime     string // the agent's identity: its messages are "You"
	Ityping bool

	ctx   app.Context
	links *attach.Links // set when first made: the desk's file links
}

func newThread() *thread { return &thread{} }

// Chat is the chat shown.
func (t *thread) Chat(c desk.Chat) *thread { t.Ichat = c; return t }

// Me is the agent's identity.
func (t *thread) Me(identity string) *thread { t.Ime = identity; return t }

// Typing shows that the customer is typing.
func (t *thread) Typing(v bool) *thread { t.Ityping = v; return t }

func (t *thread) linksFrom(l *attach.Links) *thread { t.links = l; return t }

// OnMount keeps the context the file links are fetched through; files
// wait for it, so a thread mounted with files renders once more.
func (t *thread) OnMount(ctx app.Context) {
	t.ctx = ctx
	for _, m := range t.Ichat.Msgs {
		if len(m.Media) > 0 {
			ctx.Update()
			return
		}
	}
}

// Render draws the thread.
func (t *thread) Render() app.UI {
	c := &t.Ichat
	lines := c.Timeline()
	return app.Div().Class("thread-view").Body(
		// A box that stays, so the list after it keeps its place.
		app.Div().Class("thread-notices").Body(
			awayNote(c.Attrs, time.Now()),
			app.If(!c.Loaded && c.LoadErr != "", func() app.UI {
				conv := c.Attrs.ConversationSID
				return app.P().ID("load-problem").Class("problem").Role("alert").Body(
					app.Text("This chat did not load: "+c.LoadErr+" "),
					app.Button().Type("button").Class("link").Text("Try again").
						OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(actRetryHistory, conv) }, app.EventScope(conv)),
				)
			}),
		),
		app.Ol().ID("messages").Class("messages").Body(
			app.Range(lines).Slice(func(i int) app.UI {
				if n := lines[i].Note; n != nil {
					return t.note(*n)
				}
				return t.message(*lines[i].Msg)
			}),
			app.Range(c.Pending).Slice(func(i int) app.UI {
				return app.Li().Class("msg", "mine", "pending").Body(app.P().Class("body").Text(c.Pending[i]),
					app.Span().Class("meta").Text("Sending…"))
			}),
		),
		app.Div().Class("typing-line").Body(
			app.If(t.Ityping, func() app.UI {
				return app.P().ID("typing").Class("typing").Role("status").Text(firstNonEmpty(c.Attrs.CustomerName, "The customer") + " is typing…")
			}),
		),
	)
}

func (t *thread) message(m model.Message) app.UI {
	c := &t.Ichat
	mine := m.Author == t.Ime
	var attrs struct {
		Parley struct {
			Kind string `json:"kind"`
			Name string `json:"name"` // a welcome message's deployment
		} `json:"parley"`
	}
	_ = json.Unmarshal([]byte(m.Attributes), &attrs)
	classes := []string{"msg"}
	author := firstNonEmpty(c.Names[m.Author], m.Author)
	switch {
	case mine:
		classes, author = append(classes, "mine"), "You"
	case attrs.Parley.Kind == "welcome":
		// Signed as the widget signs it: with the deployment's name
		// (older welcomes do not carry it; the task does).
		classes, author = append(classes, "bot"), firstNonEmpty(attrs.Parley.Name, c.Attrs.DeploymentName, author)
	case attrs.Parley.Kind != "":
		classes = append(classes, "bot")
	case m.Author == c.Attrs.CustomerAddress || c.Names[m.Author] == c.Attrs.CustomerName:
		classes = append(classes, "customer")
	}
	body := ""
	if m.Body != nil {
		body = *m.Body
	}
	status := ""
	if mine {
		status = "Sent"
		if m.Index <= c.CustomerRead {
			status = "Seen"
		}
	}
	return app.Li().Class(classes...).DataSet("index", m.Index).Body(
		app.Span().Class("author").Text(author),
		app.If(body != "", func() app.UI { return app.P().Class("body").Text(body) }),
		app.If(len(m.Media) > 0 && t.links != nil && t.ctx.Context != nil, func() app.UI {
			return attach.Files(t.ctx, t.links, m.Media, deskWords, func(src, name string) {
				t.ctx.NewActionWithValue(actViewFile, [2]string{src, name})
			})
		}),
		app.Span().Class("meta").Body(
			app.Time().DateTime(m.DateCreated.Time.Format(time.RFC3339)).Text(m.DateCreated.Time.Local().Format("15:04")),
			app.If(status != "", func() app.UI { return app.Span().Class("receipt").Text(" · " + status) }),
		),
	)
}

func (t *thread) note(n model.Note) app.UI {
	author := n.AuthorName
	if n.Author == t.Ime {
		author = "You"
	}
	return app.Li().Class("note").DataSet("sid", n.SID).Body(
		app.Span().Class("author").Text(author+" · private note"),
		app.P().Class("body").Text(n.Body),
		app.Span().Class("meta").Body(
			app.Time().DateTime(n.DateCreated.Time.Format(time.RFC3339)).Text(n.DateCreated.Time.Local().Format("15:04")),
		),
	)
}
