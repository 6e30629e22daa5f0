package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/model"
	"parley/shared/realtime"
	"parley/shared/sid"
	"parley/web/attach"
	"parley/web/composer"
)

// Desktop is the agent's whole working day: signing in, the activity,
// incoming offers, the chats being worked, and for supervisors the team
// and queue views. Its fields change on the UI goroutine only; blocking
// work runs in Async and comes back through Dispatch on d.ctx.
type Desktop struct {
	app.Compo

	ctx     app.Context
	origin  string
	rest    *client.REST
	tokenMu sync.Mutex
	saved   Saved

	signedIn  bool
	loading   bool
	problem   string // shown at the top until the next action
	busy      bool   // a sign-in is on its way
	connected bool
	sess      *client.Session
	stop      context.CancelFunc

	activities []model.Activity
	activity   string // the worker's activity SID
	offers     []*Offer
	chats      []*Chat
	active     string // the conversation shown
	view       string // "chats", "team", "queues" or "reports"

	// supervisor views
	team       []TeamRow
	queues     []QueueRow
	reloading  bool
	report     *model.ConversationReport
	reportBusy bool

	// dialogs
	transfer *transferForm
	confirm  *confirmation
	outbound *outboundForm

	// firstMessages wait for the chats agents started, by interaction.
	firstMessages map[string]firstMessage
	// accepting are the reservations this desk is accepting: their chat
	// opens when the accept answers (the agent is then on the
	// conversation), not on the socket's earlier word of it.
	accepting map[string]bool

	titleFlash bool
	lastTyping time.Time

	// the composer
	noteMode  bool // the composer writes private notes, not replies
	links     attach.Links
	attachErr string
	dragging  bool
	// stopCatching ends the listening for dropped and pasted files.
	stopCatching func()
	viewer       string // the picture shown over the desk, if any
	viewerName   string

	// canned responses, and those matching the composer's "/" search
	canned      []model.CannedResponse
	suggestions []model.CannedResponse // nil when the list is closed
	suggested   int
}

// Saved is the sign-in kept in sessionStorage: a reload keeps working,
// while another tab (or another agent sharing the computer) signs in anew.
type Saved struct {
	Token   string      `json:"token"`
	Expires time.Time   `json:"expires"`
	Agent   model.Agent `json:"agent"`
}

const storageKey = "parley:desk"

// Offer is a reservation waiting for the agent's answer.
type Offer struct {
	Res     model.Reservation
	Task    model.Task
	Attrs   model.TaskAttributes
	Expires time.Time
}

// attrsOf is what a chat's task says about it (set by Interactions).
func attrsOf(t model.Task) model.TaskAttributes { return model.TaskAttributesOf(t.Attributes) }

// Chat is a conversation the agent works (or a supervisor watches).
type Chat struct {
	TaskSID, ResSID string
	Attrs           model.TaskAttributes
	Status          string // accepted, wrapping; "monitor" for a supervisor watching
	Msgs            []model.Message
	Pending         []string // bodies sent, not yet acknowledged
	Unread          int
	CustomerRead    int // the customer's read horizon
	OwnRead         int
	Typing          time.Time // until when someone else is typing
	Names           map[string]string
	Disposition     string
	Notes           []model.Note
	Drafts          []*attach.Draft // files for the next message
	Past            []Past          // the customer's earlier conversations
	PastLoaded      bool
	PastFailed      bool // the earlier conversations could not be listed: choosing the chat again retries
	// Loaded is set once the thread's history has come; LoadErr says why
	// it has not (the desk retries a few times, then the agent can).
	Loaded  bool
	LoadErr string
	loadTry int
	// CustomerLeft is set when the conversation closed under the agent:
	// the customer ended the chat (or a timer or the API closed it).
	// AgentEnded is set when the agent ended it.
	CustomerLeft, AgentEnded bool
}

func (c *Chat) add(m model.Message) bool {
	i := sort.Search(len(c.Msgs), func(i int) bool { return c.Msgs[i].Index >= m.Index })
	if i < len(c.Msgs) && c.Msgs[i].Index == m.Index {
		c.Msgs[i] = m
		return false
	}
	c.Msgs = slices.Insert(c.Msgs, i, m)
	return true
}

func (c *Chat) lastIndex() int {
	if len(c.Msgs) == 0 {
		return -1
	}
	return c.Msgs[len(c.Msgs)-1].Index
}

// OnMount starts the desktop in the browser.
func (d *Desktop) OnMount(ctx app.Context) {
	d.ctx = ctx
	d.view = "chats"
	d.origin = app.Window().Get("location").Get("origin").String()
	if boot := app.Window().GetElementByID("boot"); boot.Truthy() {
		boot.Call("remove")
	}
	d.rest = client.NewREST(d.origin, client.TokenAuth(func(context.Context) (string, error) { return d.token(), nil }), nil)
	d.links.REST = d.rest
	d.stopCatching = attach.Catch(ctx, ".chat", "#composer", d.pickFiles, func(on bool) { d.dragging = on })
	composer.KeepEnterForSending()
	// Coming back to the tab reads the chat in front of the agent.
	app.Window().Get("document").Call("addEventListener", "visibilitychange", app.FuncOf(func(app.Value, []app.Value) any {
		d.ctx.Dispatch(func(ctx app.Context) {
			if c := d.chat(d.active); c != nil && d.visible() {
				d.markRead(c)
			}
		})
		return nil
	}))
	var saved Saved
	ctx.SessionStorage().Get(storageKey, &saved)
	if saved.Token != "" && time.Until(saved.Expires) > 10*time.Second {
		d.saved = saved
		d.loading = true
		d.refresh(ctx) // checks the token is still good, then starts work
	}
}

// OnDismount stops the realtime session.
func (d *Desktop) OnDismount() {
	if d.stop != nil {
		d.stop()
	}
	if d.stopCatching != nil {
		d.stopCatching()
	}
}

func (d *Desktop) token() string {
	d.tokenMu.Lock()
	defer d.tokenMu.Unlock()
	return d.saved.Token
}

func (d *Desktop) setLogin(ctx app.Context, l model.DeskLogin) {
	d.tokenMu.Lock()
	d.saved = Saved{Token: l.Token, Expires: l.ExpiresAt.Time, Agent: l.Agent}
	d.tokenMu.Unlock()
	ctx.SessionStorage().Set(storageKey, d.saved)
	// Refresh at four fifths of the token's life.
	life := time.Until(l.ExpiresAt.Time)
	d.ctx.After(max(life*4/5, 5*time.Second), func(ctx app.Context) {
		if d.signedIn && d.token() == l.Token {
			d.refresh(ctx)
		}
	})
}

func (d *Desktop) isSupervisor() bool {
	r := d.saved.Agent.Role
	return r == "supervisor" || r == "admin"
}

// ---- signing in and out ----

func (d *Desktop) signIn(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if d.busy {
		return
	}
	email := strings.TrimSpace(valueOf("email"))
	password := valueOf("password")
	if email == "" || password == "" {
		d.problem = "Enter your email and password."
		return
	}
	d.busy, d.problem = true, ""
	askNotificationPermission()
	d.ctx.Async(func() {
		l, err := client.NewREST(d.origin, nil, nil).DeskSignIn(context.Background(), email, password)
		d.ctx.Dispatch(func(ctx app.Context) {
			d.busy = false
			if err != nil {
				d.problem = client.Explain(err)
				return
			}
			d.setLogin(ctx, l)
			d.start(ctx)
		})
	})
}

func (d *Desktop) refresh(ctx app.Context) {
	d.ctx.Async(func() {
		l, err := d.rest.DeskRefresh(context.Background())
		d.ctx.Dispatch(func(ctx app.Context) {
			d.loading = false
			var apiErr *client.APIError
			switch {
			case errors.As(err, &apiErr) && apiErr.Status == 401:
				d.signedOut(ctx, "Your session ended; sign in again.")
			case err != nil:
				// Offline: try again shortly, keeping the token while it lasts.
				d.problem = "Cannot reach the server: " + client.Explain(err)
				d.ctx.After(5*time.Second, func(ctx app.Context) { d.refresh(ctx) })
			default:
				first := !d.signedIn
				d.setLogin(ctx, l)
				if d.sess != nil {
					sess := d.sess
					d.ctx.Async(func() { sess.UpdateToken(context.Background(), l.Token) })
				}
				if first {
					d.start(ctx)
				}
			}
		})
	})
}

func (d *Desktop) signOut(ctx app.Context, e app.Event) {
	if len(d.chats) > 0 {
		d.confirm = &confirmation{text: "You have chats open. Sign out anyway? They stay with you until you complete them.",
			yes: func(ctx app.Context) { d.doSignOut(ctx) }}
		return
	}
	d.doSignOut(ctx)
}

func (d *Desktop) doSignOut(ctx app.Context) {
	rest := d.rest
	d.ctx.Async(func() {
		_ = rest.DeskSignOut(context.Background())
		d.ctx.Dispatch(func(ctx app.Context) { d.signedOut(ctx, "") })
	})
}

// failed shows what a call that went out while signed in came to, after
// what (what it was for). A
// refused token means the session ended meanwhile (the laptop slept past
// its expiry): the agent is signed out, once, and told so; a desk already
// signed out ignores answers arriving late, which would otherwise replace
// that reason with the raw refusal.
func (d *Desktop) failed(ctx app.Context, what string, err error) {
	if !d.signedIn {
		return
	}
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.Status == 401 {
		d.signedOut(ctx, "Your session ended; sign in again.")
		return
	}
	d.problem = what + client.Explain(err)
}

func (d *Desktop) signedOut(ctx app.Context, why string) {
	if d.stop != nil {
		d.stop()
	}
	ctx.SessionStorage().Del(storageKey)
	*d = Desktop{Compo: d.Compo, ctx: d.ctx, origin: d.origin, rest: d.rest, links: attach.Links{REST: d.rest},
		stopCatching: d.stopCatching, view: "chats", problem: why}
}

// ---- working ----

// start opens the realtime session, then loads the activities, the
// reservations and chats the agent already has (after a reload).
func (d *Desktop) start(ctx app.Context) {
	d.signedIn = true
	d.connect(ctx)
}

// connect opens the realtime session, trying until the server answers;
// the session is left (and closed) by d.stop.
func (d *Desktop) connect(ctx app.Context) {
	bg, stop := context.WithCancel(context.Background())
	if d.stop != nil {
		d.stop()
	}
	d.stop = stop
	d.ctx.Async(func() {
		sess, err := client.Connect(bg, client.SessionOptions{
			URL:   d.origin,
			Token: func(context.Context) (string, error) { return d.token(), nil },
			OnEvent: func(f realtime.ServerFrame) {
				d.ctx.Dispatch(func(ctx app.Context) { d.onEvent(ctx, f) })
			},
			OnResync: func() { d.ctx.Dispatch(func(ctx app.Context) { d.load(ctx) }) },
			OnState: func(st client.State) {
				d.ctx.Dispatch(func(ctx app.Context) { d.connected = st == client.Connected })
			},
			// The token expired while the laptop slept, or the agent
			// signed out elsewhere.
			OnRefused: func(*client.TokenRefusedError) {
				d.ctx.Dispatch(func(ctx app.Context) {
					if bg.Err() == nil { // not a session the desk already left
						d.signedOut(ctx, "Your session ended; sign in again.")
					}
				})
			},
		}, func(error, time.Duration) { // offline, or the server is away
			d.ctx.Dispatch(func(ctx app.Context) { d.connected = false })
		})
		d.ctx.Dispatch(func(ctx app.Context) {
			if bg.Err() != nil {
				return // the desk left (signed out) while connecting
			}
			if err != nil { // refused: the token expired or was revoked
				d.signedOut(ctx, "Your session ended; sign in again.")
				return
			}
			d.sess, d.connected = sess, true
			d.load(ctx)
			if d.canned == nil {
				d.loadCanned()
			}
		})
	})
}

// load reads what the agent has now: activities, its worker, its live
// reservations and their tasks.
func (d *Desktop) load(ctx app.Context) {
	a := d.saved.Agent
	ws := d.rest.Workspace(a.WorkspaceSID)
	d.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		acts, err1 := ws.Activities(c)
		worker, err2 := ws.Worker(c, a.WorkerSID)
		res, err3 := ws.Reservations(c, a.WorkerSID, 50)
		err := errors.Join(err1, err2, err3)
		tasks := map[string]model.Task{}
		for _, r := range res {
			switch r.ReservationStatus {
			case "pending", "accepted", "wrapping":
				if t, err := ws.Task(c, r.TaskSID); err == nil {
					tasks[r.TaskSID] = t
				}
			}
		}
		d.ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				d.failed(ctx, "", err)
				return
			}
			d.activities, d.activity = acts, worker.ActivitySID
			for _, r := range res {
				t, ok := tasks[r.TaskSID]
				if !ok {
					continue
				}
				switch r.ReservationStatus {
				case "pending":
					d.addOffer(r, t)
				case "accepted", "wrapping":
					d.openChat(ctx, r, t)
				}
			}
			if d.isSupervisor() {
				d.reloadSupervision(ctx)
			}
		})
	})
}

// onEvent applies a realtime event.
func (d *Desktop) onEvent(ctx app.Context, f realtime.ServerFrame) {
	switch f.Event {
	case realtime.ReservationCreated, realtime.ReservationAccepted, realtime.ReservationRejected,
		realtime.ReservationTimeout, realtime.ReservationCanceled, realtime.ReservationRescinded,
		realtime.ReservationWrapup, realtime.ReservationCompleted, realtime.TaskUpdated, realtime.WorkerUpdated:
		var e model.RoutingEvent
		if json.Unmarshal(f.Data, &e) != nil {
			return
		}
		d.onRouting(ctx, f.Event, e)
	case realtime.MessageAdded, realtime.MessageUpdated:
		var m model.Message
		if json.Unmarshal(f.Data, &m) != nil {
			return
		}
		c := d.chat(m.ConversationSID)
		if c == nil {
			return
		}
		if c.add(m) && m.Author != d.saved.Agent.Identity {
			c.Typing = time.Time{}
			if d.active != m.ConversationSID || !d.visible() {
				c.Unread++
				d.flashTitle()
			}
		}
		if m.Author == d.saved.Agent.Identity && len(c.Pending) > 0 {
			c.Pending = c.Pending[1:]
		}
		d.markRead(c)
		d.scrollToEnd(m.ConversationSID)
	case realtime.ConversationUpdated:
		var conv model.Conversation
		if json.Unmarshal(f.Data, &conv) != nil {
			return
		}
		if c := d.chat(conv.SID); c != nil && conv.State == "closed" {
			d.customerLeft(c)
		}
	case realtime.ParticipantAdded, realtime.ParticipantUpdated:
		var p model.Participant
		if json.Unmarshal(f.Data, &p) != nil {
			return
		}
		if c := d.chat(p.ConversationSID); c != nil {
			d.notePerson(c, p)
		}
	case realtime.TypingStarted:
		var t realtime.Typing
		if json.Unmarshal(f.Data, &t) != nil || t.Identity == d.saved.Agent.Identity {
			return
		}
		if c := d.chat(f.ConversationSID); c != nil {
			ttl := time.Duration(max(t.ExpiresInMS, 1000)) * time.Millisecond
			c.Typing = time.Now().Add(ttl)
			d.ctx.After(ttl+100*time.Millisecond, func(app.Context) {}) // re-render when it lapses
		}
	case realtime.TypingEnded:
		if c := d.chat(f.ConversationSID); c != nil {
			c.Typing = time.Time{}
		}
	case realtime.NoteAdded:
		var n model.Note
		if json.Unmarshal(f.Data, &n) != nil {
			return
		}
		if c := d.chat(n.ConversationSID); c != nil {
			c.addNote(n)
			d.scrollToEnd(n.ConversationSID)
		}
	}
}

func (d *Desktop) onRouting(ctx app.Context, name string, e model.RoutingEvent) {
	mine := e.Reservation != nil && e.Reservation.WorkerSID == d.saved.Agent.WorkerSID
	if mine {
		switch name {
		case realtime.ReservationCreated:
			d.addOffer(*e.Reservation, e.Task)
			d.ring()
		case realtime.ReservationAccepted:
			d.dropOffer(e.Reservation.SID)
			if !d.accepting[e.Reservation.SID] {
				d.openChat(ctx, *e.Reservation, e.Task)
			}
		case realtime.ReservationRejected, realtime.ReservationTimeout, realtime.ReservationCanceled, realtime.ReservationRescinded:
			d.dropOffer(e.Reservation.SID)
			if name == realtime.ReservationTimeout {
				d.problem = "You missed a chat: the offer timed out, and you were set Offline."
				d.activity = ""
				d.load(ctx)
			}
		case realtime.ReservationWrapup:
			if c := d.chatByTask(e.Task.SID); c != nil {
				c.Status = "wrapping"
				if left(e.Task) {
					d.customerLeft(c)
				}
			}
		case realtime.ReservationCompleted:
			d.closeChat(e.Task.SID)
		}
	}
	if name == realtime.WorkerUpdated && e.Worker != nil && e.Worker.SID == d.saved.Agent.WorkerSID {
		d.activity = e.Worker.ActivitySID
	}
	if d.isSupervisor() {
		d.reloadSupervisionSoon(ctx)
	}
}

func (d *Desktop) addOffer(r model.Reservation, t model.Task) {
	for _, o := range d.offers {
		if o.Res.SID == r.SID {
			return
		}
	}
	o := &Offer{Res: r, Task: t, Attrs: attrsOf(t)}
	if r.DateExpires != nil {
		o.Expires = r.DateExpires.Time
	}
	d.offers = append(d.offers, o)
	if len(d.offers) == 1 { // one ticker serves every offer
		d.tick()
	}
}

// tick re-renders every second while an offer counts down.
func (d *Desktop) tick() {
	d.ctx.After(time.Second, func(app.Context) {
		if len(d.offers) > 0 {
			d.tick()
		}
	})
}

func (d *Desktop) dropOffer(resSID string) {
	d.offers = slices.DeleteFunc(d.offers, func(o *Offer) bool { return o.Res.SID == resSID })
	if len(d.offers) == 0 {
		d.titleFlash = false
	}
}

func (d *Desktop) answer(ctx app.Context, o *Offer, status string) {
	ws := d.rest.Workspace(o.Res.WorkspaceSID)
	if status == "accepted" {
		if d.accepting == nil {
			d.accepting = map[string]bool{}
		}
		d.accepting[o.Res.SID] = true
	}
	d.ctx.Async(func() {
		r, err := ws.AnswerReservation(context.Background(), o.Res.WorkerSID, o.Res.SID, status)
		d.ctx.Dispatch(func(ctx app.Context) {
			delete(d.accepting, o.Res.SID)
			if err != nil {
				d.failed(ctx, "", err)
				d.dropOffer(o.Res.SID)
				return
			}
			d.dropOffer(o.Res.SID)
			if status == "accepted" {
				d.openChat(ctx, r, o.Task)
				// The Accept button is gone with its offer: the focus goes
				// on to the composer rather than back to the page's top.
				ctx.Defer(func(app.Context) {
					if box := app.Window().GetElementByID("composer"); box.Truthy() {
						box.Call("focus")
					}
				})
			}
		})
	})
}

func (d *Desktop) chat(conversation string) *Chat {
	for _, c := range d.chats {
		if c.Attrs.ConversationSID == conversation {
			return c
		}
	}
	return nil
}

func (d *Desktop) chatByTask(task string) *Chat {
	for _, c := range d.chats {
		if c.TaskSID == task {
			return c
		}
	}
	return nil
}

// openChat shows an accepted task's conversation and loads its history.
func (d *Desktop) openChat(ctx app.Context, r model.Reservation, t model.Task) {
	attrs := attrsOf(t)
	if attrs.ConversationSID == "" {
		return
	}
	c := d.chat(attrs.ConversationSID)
	if c == nil {
		c = &Chat{TaskSID: t.SID, Attrs: attrs, CustomerRead: -1, OwnRead: -1, Names: map[string]string{}}
		d.chats = append(d.chats, c)
	}
	c.TaskSID, c.ResSID, c.Status = t.SID, r.SID, r.ReservationStatus
	if c.Status == "wrapping" && left(t) {
		d.customerLeft(c)
	}
	if d.active == "" || d.chat(d.active) == nil {
		d.active = attrs.ConversationSID
	}
	d.loadHistory(ctx, c)
	d.loadNotes(c)
	if !c.PastLoaded {
		d.loadPast(c)
	}
	d.sendFirstMessage(attrs.InteractionSID)
}

// loadHistory reads a chat's thread. A failed load is shown in the thread
// and tried again after 1, 2 and 4 seconds; then choosing the chat again
// (or its "Try again") does.
func (d *Desktop) loadHistory(ctx app.Context, c *Chat) {
	conv := c.Attrs.ConversationSID
	c.LoadErr = ""
	d.ctx.Async(func() {
		cx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		about, err1 := d.rest.Conversation(cx, conv)
		msgs, err2 := d.rest.MessagesPage(cx, conv, true, 50, "")
		parts, err3 := d.rest.Participants(cx, conv)
		err := errors.Join(err1, err2, err3)
		d.ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				c.LoadErr = client.Explain(err)
				// A chat in wrap-up may be one the agent has left: no
				// use insisting.
				if c.loadTry < 3 && d.chat(conv) == c && c.Status != "wrapping" {
					wait := time.Second << c.loadTry
					c.loadTry++
					d.ctx.After(wait, func(ctx app.Context) {
						if d.chat(conv) == c && !c.Loaded {
							d.loadHistory(ctx, c)
						}
					})
				}
				return
			}
			c.Loaded, c.loadTry = true, 0
			if c.PastFailed { // refused for the same reason, most likely
				d.loadPast(c)
			}
			if about.State == "closed" && c.Status != "monitor" {
				d.customerLeft(c)
			}
			if about.ChatServiceSID != "" {
				d.links.ServiceSID = about.ChatServiceSID // files are uploaded to it too
			}
			for _, m := range msgs.Messages {
				c.add(m)
			}
			for _, p := range parts {
				d.notePerson(c, p)
			}
			d.markRead(c)
			d.scrollToEnd(conv)
		})
	})
}

// notePerson keeps a participant's name and, for others, their read
// horizon.
func (d *Desktop) notePerson(c *Chat, p model.Participant) {
	if p.Identity == nil {
		return
	}
	var attrs struct {
		FriendlyName string `json:"friendlyName"`
	}
	_ = json.Unmarshal([]byte(p.Attributes), &attrs)
	if attrs.FriendlyName != "" {
		c.Names[*p.Identity] = attrs.FriendlyName
	}
	if *p.Identity != d.saved.Agent.Identity && p.LastReadMessageIndex != nil {
		c.CustomerRead = max(c.CustomerRead, *p.LastReadMessageIndex)
	}
}

// markRead moves the agent's read horizon to the newest message of the
// chat in front of it.
func (d *Desktop) markRead(c *Chat) {
	if c.Status == "monitor" || d.active != c.Attrs.ConversationSID || !d.visible() {
		return
	}
	c.Unread = 0
	last := c.lastIndex()
	if last <= c.OwnRead || d.sess == nil {
		return
	}
	c.OwnRead = last
	sess, conv := d.sess, c.Attrs.ConversationSID
	d.ctx.Async(func() { _ = sess.Read(context.Background(), conv, last) })
}

func (d *Desktop) closeChat(task string) {
	d.chats = slices.DeleteFunc(d.chats, func(c *Chat) bool { return c.TaskSID == task })
	if d.chat(d.active) == nil {
		d.active = ""
		if len(d.chats) > 0 {
			d.active = d.chats[0].Attrs.ConversationSID
		}
	}
}

func (d *Desktop) selectChat(ctx app.Context, conv string) {
	d.active, d.view = conv, "chats"
	if c := d.chat(conv); c != nil {
		d.retryLoads(ctx, c)
		d.markRead(c)
		d.scrollToEnd(conv)
	}
}

// retryLoads loads again what of a chat failed to load.
func (d *Desktop) retryLoads(ctx app.Context, c *Chat) {
	if !c.Loaded && c.LoadErr != "" {
		c.loadTry = 0
		d.loadHistory(ctx, c)
	}
	if c.PastFailed {
		d.loadPast(c)
	}
}

// customerLeft shows that the conversation closed under the agent: the
// composer gives way to the wrap-up, as when the agent ends the chat.
// Interactions moves the task to wrapping too; the desk does not wait for
// that word to take the composer away.
func (d *Desktop) customerLeft(c *Chat) {
	if c.Status == "monitor" {
		return
	}
	c.CustomerLeft = !c.AgentEnded
	c.Status, c.Pending, c.Typing = "wrapping", nil, time.Time{}
}

// left reports whether a task went to wrap-up because its conversation
// closed under the agent. Its word comes apart from the conversation's
// (which the desk may not hear: the agent leaves the conversation then).
func left(t model.Task) bool {
	return t.Reason != nil && *t.Reason == model.ReasonCustomerLeft
}

// ---- the composer ----

func (d *Desktop) send(ctx app.Context, e app.Event) {
	e.PreventDefault()
	c := d.chat(d.active)
	box := app.Window().GetElementByID("composer")
	if c == nil || !box.Truthy() || d.sess == nil || c.Status == "monitor" {
		return
	}
	body := strings.TrimSpace(box.Get("value").String())
	if d.noteMode {
		if body != "" {
			box.Set("value", "")
			d.writeNote(c, body)
		}
		return
	}
	media, ok := d.takeDrafts(c)
	if !ok {
		d.attachErr = "Wait for the files to finish uploading, then send."
		return
	}
	d.attachErr = ""
	if body == "" && len(media) == 0 {
		return
	}
	box.Set("value", "")
	c.Pending = append(c.Pending, pendingText(body, len(media)))
	sess, conv, key := d.sess, c.Attrs.ConversationSID, sid.Key()
	d.ctx.Async(func() {
		_, err := sess.SendMessage(context.Background(), client.Outgoing{ConversationSID: conv, Body: body,
			IdempotencyKey: key, MediaSIDs: media})
		d.ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				d.failed(ctx, "Your message was not sent: ", err)
				c.Pending = slices.DeleteFunc(c.Pending, func(p string) bool { return p == pendingText(body, len(media)) })
			}
		})
	})
	d.scrollToEnd(conv)
}

// pendingText is how a message on its way shows until acknowledged.
func pendingText(body string, files int) string {
	switch {
	case files == 1:
		body = strings.TrimSpace(body + " (1 file)")
	case files > 1:
		body = strings.TrimSpace(fmt.Sprintf("%s (%d files)", body, files))
	}
	return body
}

func (d *Desktop) onComposerKey(ctx app.Context, e app.Event) {
	if d.onSuggestionKey(e) {
		return
	}
	if e.Get("key").String() == "Enter" && !e.Get("shiftKey").Bool() {
		d.send(ctx, e)
	}
}

func (d *Desktop) onInput(ctx app.Context, e app.Event) {
	d.suggest(ctx.JSSrc().Get("value").String())
	// A private note is not for the customer: not even its typing shows.
	if d.sess == nil || d.noteMode || time.Since(d.lastTyping) < 2*time.Second {
		return
	}
	d.lastTyping = time.Now()
	sess, conv := d.sess, d.active
	d.ctx.Async(func() { _ = sess.Typing(context.Background(), conv) })
}

// ---- activity ----

func (d *Desktop) onActivity(ctx app.Context, e app.Event) {
	sid := ctx.JSSrc().Get("value").String()
	var target model.Activity
	for _, a := range d.activities {
		if a.SID == sid {
			target = a
		}
	}
	if !target.Available && len(d.chats) > 0 && target.FriendlyName == "Offline" {
		prev := d.activity
		ctx.JSSrc().Set("value", prev)
		d.confirm = &confirmation{text: "You have chats open. Go Offline anyway? They stay with you until you complete them.",
			yes: func(ctx app.Context) { d.setActivity(ctx, sid) }}
		return
	}
	d.setActivity(ctx, sid)
}

func (d *Desktop) setActivity(ctx app.Context, sid string) {
	a := d.saved.Agent
	d.ctx.Async(func() {
		w, err := d.rest.Workspace(a.WorkspaceSID).SetActivity(context.Background(), a.WorkerSID, sid)
		d.ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				d.failed(ctx, "", err)
				return
			}
			d.activity, d.problem = w.ActivitySID, ""
		})
	})
}

// ---- ending, wrapping up and completing ----

func (d *Desktop) endChat(ctx app.Context, c *Chat) {
	c.AgentEnded = true
	ch := d.rest.Channel(c.Attrs.InteractionSID, c.Attrs.ChannelSID)
	d.ctx.Async(func() {
		err := ch.Close(context.Background())
		d.ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				c.AgentEnded = false
				d.failed(ctx, "", err)
				return
			}
			c.Status = "wrapping"
		})
	})
}

// complete finishes the task, keeping the disposition in its attributes.
func (d *Desktop) complete(ctx app.Context, c *Chat) {
	disposition := valueOf("disposition")
	if disposition == "" {
		d.problem = "Choose how the chat ended before completing it."
		return
	}
	ws := d.rest.Workspace(d.saved.Agent.WorkspaceSID)
	d.ctx.Async(func() {
		cx := context.Background()
		t, err := ws.Task(cx, c.TaskSID)
		if err == nil {
			attrs := model.TaskAttributesOf(t.Attributes)
			attrs.Conversations.Outcome = disposition
			err = ws.CompleteTask(cx, c.TaskSID, "completed by agent", attrs)
		}
		d.ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				d.failed(ctx, "", err)
				return
			}
			d.closeChat(c.TaskSID)
		})
	})
}

// ---- attention ----

// ring plays a short tone, flashes the title and shows a notification
// when the page is hidden.
func (d *Desktop) ring() {
	win := app.Window()
	if ac := win.Get("AudioContext"); ac.Truthy() {
		func() {
			defer func() { recover() }() // no audio device: stay silent
			actx := ac.New()
			osc := actx.Call("createOscillator")
			osc.Get("frequency").Set("value", 880)
			osc.Call("connect", actx.Get("destination"))
			osc.Call("start")
			osc.Call("stop", actx.Get("currentTime").Float()+0.2)
		}()
	}
	if n := win.Get("Notification"); n.Truthy() && n.Get("permission").String() == "granted" && !d.visible() {
		n.New("New chat", map[string]any{"body": "A customer is waiting."})
	}
	d.flashTitle()
}

func (d *Desktop) flashTitle() {
	if d.titleFlash {
		return
	}
	d.titleFlash = true
	d.flashStep(0)
}

func (d *Desktop) flashStep(n int) {
	doc := app.Window().Get("document")
	if !d.titleFlash || (d.visible() && len(d.offers) == 0) {
		d.titleFlash = false
		doc.Set("title", "Parley desk")
		return
	}
	if n%2 == 0 {
		doc.Set("title", "● New chat — Parley desk")
	} else {
		doc.Set("title", "Parley desk")
	}
	d.ctx.After(time.Second, func(app.Context) { d.flashStep(n + 1) })
}

func (d *Desktop) visible() bool {
	return app.Window().Get("document").Get("visibilityState").String() != "hidden"
}

func askNotificationPermission() {
	if n := app.Window().Get("Notification"); n.Truthy() && n.Get("permission").String() == "default" {
		n.Call("requestPermission")
	}
}

// ---- helpers ----

func (d *Desktop) scrollToEnd(conv string) {
	if conv != d.active {
		return
	}
	d.ctx.Defer(func(app.Context) {
		if l := app.Window().GetElementByID("messages"); l.Truthy() {
			l.Set("scrollTop", l.Get("scrollHeight"))
		}
	})
}

func valueOf(id string) string {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		return el.Get("value").String()
	}
	return ""
}
