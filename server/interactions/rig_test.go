package interactions_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/interactions"
	"parley/server/routing"
	"parley/server/store"
	"parley/shared/model"
)

// These tests run Interactions over the real services it stands on
// (conversations, the routing engine and its own store) on a temp SQLite
// file: each is cheap, so nothing is faked. Routing tells Interactions of
// offers and acceptances on other goroutines, as it does in Parley, so a
// test waits for what a user would wait to see.

const accountSID = "AC00000000000000000000000000000001"

// centre is a contact centre: a workspace with one queue every worker
// serves, its workflow, and the services behind it.
type centre struct {
	t    *testing.T
	ctx  context.Context
	svc  *interactions.Service
	conv *conversations.Service
	rt   *routing.Service
	db   *store.DB
	ws   string
	wf   string
	q    string
	act  map[string]string // activity SIDs by name
	// workers are worker SIDs by the test's names (ada, bob ...).
	workers map[string]string
}

func newCentre(t *testing.T) *centre {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "parley.db"), store.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	conv := conversations.NewService(store.NewConversations(db), accountSID, "IS00000000000000000000000000000001")
	rt, err := routing.NewService(ctx, store.NewRouting(db), accountSID)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	svc := interactions.NewService(store.NewInteractions(db), conv, rt, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() {
		rt.Close() // delivers routing's last events, then Interactions handles them
		svc.Close()
		db.Close()
	})
	c := &centre{t: t, ctx: ctx, svc: svc, conv: conv, rt: rt, db: db, act: map[string]string{}, workers: map[string]string{}}
	ws, err := rt.CreateWorkspace(ctx, routing.WorkspaceParams{FriendlyName: ptr("Support")})
	c.must(err)
	c.ws = ws.SID
	acts, err := rt.Activities(ctx, ws.SID, routing.ActivityFilter{}, routing.PageRequest{})
	c.must(err)
	for _, a := range acts.Items {
		c.act[a.FriendlyName] = a.SID
	}
	q, err := rt.CreateTaskQueue(ctx, ws.SID, routing.TaskQueueParams{FriendlyName: ptr("Everyone"), TargetWorkers: ptr("1==1")})
	c.must(err)
	c.q = q.SID
	wf, err := rt.CreateWorkflow(ctx, ws.SID, routing.WorkflowParams{FriendlyName: ptr("Chat"),
		Configuration: ptr(`{"task_routing":{"default_filter":{"queue":"` + q.SID + `"}}}`)})
	c.must(err)
	c.wf = wf.SID
	return c
}

func (c *centre) must(err error) {
	c.t.Helper()
	if err != nil {
		c.t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// identityOf is the chat identity of the worker the test calls name.
func identityOf(name string) string { return "agent_" + name }

// worker adds an agent, available or not.
func (c *centre) worker(name string, available bool) string {
	c.t.Helper()
	act := c.act["Offline"]
	if available {
		act = c.act["Available"]
	}
	attrs, _ := json.Marshal(map[string]string{"contact_uri": "client:" + identityOf(name), "full_name": strings.ToUpper(name[:1]) + name[1:]})
	w, err := c.rt.CreateWorker(c.ctx, c.ws, routing.WorkerParams{FriendlyName: &name, Attributes: ptr(string(attrs)), ActivitySID: &act})
	c.must(err)
	c.workers[name] = w.SID
	return w.SID
}

// available makes a worker available.
func (c *centre) available(name string) {
	c.t.Helper()
	_, err := c.rt.UpdateWorker(c.ctx, c.ws, c.workers[name], routing.WorkerParams{ActivitySID: ptr(c.act["Available"])})
	c.must(err)
}

// customerChat is a conversation a customer started.
func (c *centre) customerChat(name, customer string) conversations.Conversation {
	c.t.Helper()
	conv, err := c.conv.CreateConversationWithParticipants(c.ctx, conversations.ConversationParams{FriendlyName: &name},
		[]conversations.ParticipantParams{{Identity: &customer}})
	c.must(err)
	return conv
}

// routingDoc is a Routing parameter to the centre's workflow, with extra
// properties.
func (c *centre) routingDoc(extra map[string]any) string {
	props := map[string]any{"workspace_sid": c.ws, "workflow_sid": c.wf}
	for k, v := range extra {
		props[k] = v
	}
	b, _ := json.Marshal(map[string]any{"properties": props})
	return string(b)
}

// inbound routes a customer's conversation as an interaction, and returns
// it with its channel.
func (c *centre) inbound(conv conversations.Conversation, attrs map[string]any) (interactions.Interaction, interactions.Channel) {
	c.t.Helper()
	extra := map[string]any{}
	if attrs != nil {
		extra["attributes"] = attrs
	}
	in, err := c.svc.Create(c.ctx, interactions.Params{Channel: `{"type":"web","properties":{"media_channel_sid":"` + conv.SID + `"}}`,
		Routing: c.routingDoc(extra)})
	c.must(err)
	chs, err := c.svc.Channels(c.ctx, in.SID)
	c.must(err)
	if len(chs) != 1 {
		c.t.Fatalf("interaction %s has %d channels", in.SID, len(chs))
	}
	return in, chs[0]
}

// eventually waits for cond, failing with what after 5 s.
func (c *centre) eventually(what string, cond func() bool) {
	c.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.t.Fatalf("gave up waiting: %s", what)
		}
	}
}

// offer waits for a worker's pending reservation and returns it.
func (c *centre) offer(name string) routing.Reservation {
	c.t.Helper()
	var r routing.Reservation
	c.eventually(name+" is offered a task", func() bool {
		page, err := c.rt.WorkerReservations(c.ctx, c.ws, c.workers[name], routing.ReservationFilter{Status: routing.ReservationPending}, routing.PageRequest{Size: 10})
		c.must(err)
		if len(page.Items) > 0 {
			r = page.Items[0]
			return true
		}
		return false
	})
	return r
}

// answer is a worker's answer to an offer, through Interactions' Accept
// as the desk's POST does.
func (c *centre) answer(name string, r routing.Reservation, status string) (routing.Reservation, error) {
	return c.svc.Accept(c.ctx, r.SID, func() (routing.Reservation, error) {
		return c.rt.UpdateReservation(c.ctx, c.ws, r.TaskSID, c.workers[name], r.SID, routing.ReservationParams{Status: status})
	})
}

// accept is a worker taking what it is offered; it returns the task.
func (c *centre) accept(name string) routing.Task {
	c.t.Helper()
	r := c.offer(name)
	_, err := c.answer(name, r, routing.ReservationAccepted)
	c.must(err)
	return c.task(r.TaskSID)
}

func (c *centre) task(sid string) routing.Task {
	c.t.Helper()
	t, err := c.rt.Task(c.ctx, c.ws, sid)
	c.must(err)
	return t
}

// members are the identities in a conversation, sorted.
func (c *centre) members(conversationSID string) []string {
	c.t.Helper()
	page, err := c.conv.Participants(c.ctx, conversationSID, conversations.PageRequest{Size: 50})
	c.must(err)
	var out []string
	for _, p := range page.Items {
		out = append(out, p.Identity)
	}
	slices.Sort(out)
	return out
}

// wantMembers fails unless the conversation has exactly these identities.
func (c *centre) wantMembers(conversationSID string, want ...string) {
	c.t.Helper()
	slices.Sort(want)
	if got := c.members(conversationSID); !slices.Equal(got, want) {
		c.t.Fatalf("conversation members %q, want %q", got, want)
	}
}

// statuses are a channel's participants as "type identity status".
func (c *centre) statuses(in interactions.Interaction, ch interactions.Channel) []string {
	c.t.Helper()
	parts, err := c.svc.Participants(c.ctx, in.SID, ch.SID)
	c.must(err)
	var out []string
	for _, p := range parts {
		out = append(out, p.Type+" "+p.Identity+" "+p.Status)
	}
	slices.Sort(out)
	return out
}

// attrs are a task's attributes, as the contract reads them.
func attrs(t routing.Task) model.TaskAttributes { return model.TaskAttributesOf(t.Attributes) }

// wantRefused fails unless err is an apperr of kind saying why.
func wantRefused(t *testing.T, err error, kind apperr.Kind, why string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != kind || !strings.Contains(e.Message, why) {
		t.Fatalf("got %v, want a refusal (kind %d) saying %q", err, kind, why)
	}
}

// containsJSON reports whether a JSON object has key set to value.
func containsJSON(doc, key, value string) bool {
	var m map[string]any
	return json.Unmarshal([]byte(doc), &m) == nil && m[key] == value
}
