package live_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"parley/server/auth"
	"parley/server/conversations"
	"parley/server/identity"
	"parley/server/live"
	"parley/server/realtime"
	"parley/server/render"
	"parley/server/store"
	proto "parley/shared/realtime"
)

// These tests run live over the real parts it stands on: the
// conversations and token services on a temp SQLite file, the real hub
// behind a real realtime server, and real WebSocket clients, so what a
// test reads is what a desk or a widget would be sent. Only routing's
// queue positions are, in queue_test.go, a small table the test sets:
// the real engine's estimates come from measured history and cannot be
// steered to the boundaries the rules are about.

const (
	accountSID = "AC00000000000000000000000000000001"
	serviceSID = "IS00000000000000000000000000000001"
	systemKey  = "SK00000000000000000000000000000001"
)

// rig is live wired the way server/app wires it, and a socket endpoint.
type rig struct {
	t      *testing.T
	ctx    context.Context
	db     *store.DB
	conv   *conversations.Service
	auth   *auth.Service
	hub    *realtime.Hub
	render *render.Renderer
	live   *live.Live
	url    string // ws://.../realtime

	// barrierSID is a conversation every connected identity is put in:
	// a message there, published after what a test checks, marks where
	// to stop looking (see wire.before).
	barrierSID string
	seen       map[string]bool // identities already in the barrier
	// observer is a session in the barrier conversation alone: settle
	// waits for its barrier.
	observer *wire
}

func newRig(t *testing.T) *rig {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "parley.db"), store.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, ctx: context.Background(), db: db, seen: map[string]bool{}}
	r.conv = conversations.NewService(store.NewConversations(db), accountSID, serviceSID)
	r.auth = auth.NewService(store.NewKeys(db), accountSID, serviceSID, auth.Key{SID: systemKey, FriendlyName: "Parley", Secret: auth.NewSecret()})
	r.hub = realtime.NewHub(nil)
	r.render = render.New("https://parley.example.net")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r.live = live.New(r.conv, r.auth, r.hub, r.render, log)
	r.hub.OnPresence = r.live.Presence
	srv := &realtime.Server{Hub: r.hub, Handler: r.live, Log: log, Metrics: realtime.NewMetrics(nil)}
	ts := httptest.NewServer(srv)
	r.url = "ws" + strings.TrimPrefix(ts.URL, "http") + "/realtime"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		ts.Close()
		db.Close()
		r.live.Close() // after the store: nothing publishes any more
	})
	r.barrierSID = r.conversation()
	r.observer = r.connect("observer", r.accountToken("observer"))
	return r
}

// settle returns once live has published every event committed so far
// (the publisher runs behind the store's writer): what they do to
// sessions (joins, closings) is done.
func (r *rig) settle() {
	r.t.Helper()
	r.observer.before(r.barrier())
}

// conversation makes a conversation with these participants.
func (r *rig) conversation(identities ...string) string {
	r.t.Helper()
	c, err := r.conv.CreateConversation(r.ctx, conversations.ConversationParams{})
	if err != nil {
		r.t.Fatal(err)
	}
	for _, id := range identities {
		r.join(c.SID, id)
	}
	return c.SID
}

func (r *rig) join(conversationSID, identity string) conversations.Participant {
	r.t.Helper()
	p, err := r.conv.AddParticipant(r.ctx, conversationSID, conversations.ParticipantParams{Identity: &identity})
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

// say adds a message to a conversation, as the REST API would.
func (r *rig) say(conversationSID, author, body string) conversations.Message {
	r.t.Helper()
	m, err := r.conv.SendAs(r.ctx, author, conversationSID, conversations.MessageParams{Body: &body})
	if err != nil {
		r.t.Fatal(err)
	}
	return m
}

// setState moves a conversation to state (active, inactive, closed).
func (r *rig) setState(conversationSID, state string) {
	r.t.Helper()
	if _, err := r.conv.UpdateConversation(r.ctx, conversationSID, conversations.ConversationParams{State: &state}); err != nil {
		r.t.Fatal(err)
	}
}

// barrier publishes a marker after everything done so far: a message in
// the barrier conversation, which reaches every wire in it after what was
// sent to it before. It returns the marker's body.
func (r *rig) barrier() string {
	r.t.Helper()
	body := "barrier " + time.Now().Format(time.RFC3339Nano)
	m, err := r.conv.SendMessage(r.ctx, r.barrierSID, conversations.MessageParams{Body: &body})
	if err != nil {
		r.t.Fatal(err)
	}
	return m.Body
}

// Tokens for each kind of identity, minted as the app mints them.

func (r *rig) guestToken(identity, deployment string) string {
	r.t.Helper()
	tok, _, err := r.auth.MintGuest(identity, deployment, time.Hour)
	if err != nil {
		r.t.Fatal(err)
	}
	return tok
}

func (r *rig) deskToken(identity string, g auth.DeskGrant) string {
	r.t.Helper()
	tok, _, err := r.auth.MintDesk(identity, g, time.Hour)
	if err != nil {
		r.t.Fatal(err)
	}
	return tok
}

// agent is the identity and a desk token of the agent agentSID, in role
// (agents.RoleAgent, RoleSupervisor ...).
func (r *rig) agent(agentSID, role string) (string, string) {
	r.t.Helper()
	id := identity.OfAgent(agentSID)
	return id, r.deskToken(id, auth.DeskGrant{AgentSID: agentSID, WorkspaceSID: "WS00000000000000000000000000000001",
		WorkerSID: "WK" + agentSID[2:], Role: role, Generation: 1})
}

func (r *rig) accountToken(identity string) string {
	r.t.Helper()
	tok, _, err := r.auth.Mint(identity, time.Hour)
	if err != nil {
		r.t.Fatal(err)
	}
	return tok
}

// wire is one realtime connection, read frame by frame.
type wire struct {
	t        *testing.T
	identity string
	ws       *websocket.Conn
	frames   chan proto.ServerFrame
	closed   chan struct{}
	status   websocket.StatusCode // why the server closed, once closed
	reason   string
	ready    proto.ServerFrame
	held     []proto.ServerFrame // frames command read past, for next
	barrier  string              // the barrier conversation, whose events before skips
	mu       sync.Mutex
	nextID   int
}

// connect opens a session for token and waits for ready. The identity
// is put in the barrier conversation first (once), so barriers reach it.
func (r *rig) connect(identity, token string) *wire {
	r.t.Helper()
	if !r.seen[identity] {
		r.seen[identity] = true
		r.join(r.barrierSID, identity)
	}
	w := r.dial(token, nil)
	if w.ready.Identity != identity {
		r.t.Fatalf("ready for %q, want %q", w.ready.Identity, identity)
	}
	w.identity, w.barrier = identity, r.barrierSID
	return w
}

// dial opens a session from cursor (nil: none) and collects its ready.
func (r *rig) dial(token string, cursor *int64) *wire {
	r.t.Helper()
	w, replay := r.dialReplay(token, cursor)
	if len(replay) > 0 {
		r.t.Fatalf("unexpected replay %+v", replay)
	}
	return w
}

// dialReplay opens a session from cursor and returns the frames replayed
// before ready.
func (r *rig) dialReplay(token string, cursor *int64) (*wire, []proto.ServerFrame) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, r.url, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	ws.SetReadLimit(1 << 22)
	w := &wire{t: r.t, ws: ws, frames: make(chan proto.ServerFrame, 10_000), closed: make(chan struct{})}
	go w.read()
	r.t.Cleanup(func() { ws.CloseNow() })
	w.send(proto.ClientFrame{Type: proto.TypeHello, Version: proto.Version, Token: token, Cursor: cursor})
	var replay []proto.ServerFrame
	for {
		f := w.next()
		switch f.Type {
		case proto.TypeReady:
			w.ready = f
			return w, replay
		case proto.TypeError, proto.TypeResync:
			w.ready = f
			return w, replay
		}
		replay = append(replay, f)
	}
}

func (w *wire) read() {
	defer close(w.closed)
	for {
		_, b, err := w.ws.Read(context.Background())
		if err != nil {
			w.status = websocket.CloseStatus(err)
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				w.reason = ce.Reason
			}
			return
		}
		f, err := proto.DecodeServer(b)
		if err != nil {
			w.t.Errorf("server sent a frame that does not decode: %s: %v", b, err)
			return
		}
		w.frames <- f
	}
}

func (w *wire) send(f proto.ClientFrame) {
	w.t.Helper()
	b, _ := json.Marshal(f)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.ws.Write(ctx, websocket.MessageText, b); err != nil {
		w.t.Fatalf("write %s: %v", b, err)
	}
}

// command sends a command with a fresh id and returns its answer (ack or
// error), skipping the events that come before it.
func (w *wire) command(f proto.ClientFrame) proto.ServerFrame {
	w.t.Helper()
	w.mu.Lock()
	w.nextID++
	f.ID = "c" + string(rune('0'+w.nextID%10)) + time.Now().Format("150405.000000000")
	w.mu.Unlock()
	w.send(f)
	var skipped []proto.ServerFrame
	for {
		g := w.next()
		if (g.Type == proto.TypeAck || g.Type == proto.TypeError) && g.ID == f.ID {
			w.held = append(w.held, skipped...)
			return g
		}
		skipped = append(skipped, g)
	}
}

// next returns the next frame, failing the test after 5 seconds.
func (w *wire) next() proto.ServerFrame {
	w.t.Helper()
	if len(w.held) > 0 {
		f := w.held[0]
		w.held = w.held[1:]
		return f
	}
	select {
	case f := <-w.frames:
		return f
	case <-w.closed:
		select {
		case f := <-w.frames:
			return f
		default:
		}
		w.t.Fatalf("%s: connection closed (%d %q) while waiting for a frame", w.identity, w.status, w.reason)
	case <-time.After(5 * time.Second):
		w.t.Fatalf("%s: no frame within 5s", w.identity)
	}
	return proto.ServerFrame{}
}

// await skips frames until one matches, failing after 5 seconds.
func (w *wire) await(what string, match func(proto.ServerFrame) bool) proto.ServerFrame {
	w.t.Helper()
	for len(w.held) > 0 {
		f := w.held[0]
		w.held = w.held[1:]
		if match(f) {
			return f
		}
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case f := <-w.frames:
			if match(f) {
				return f
			}
		case <-w.closed:
			select {
			case f := <-w.frames:
				if match(f) {
					return f
				}
				continue
			default:
			}
			w.t.Fatalf("%s: connection closed (%d %q) while waiting for %s", w.identity, w.status, w.reason, what)
		case <-deadline:
			w.t.Fatalf("%s: no %s within 5s", w.identity, what)
		}
	}
}

// event waits for an event frame named name about conversation.
func (w *wire) event(name, conversation string) proto.ServerFrame {
	w.t.Helper()
	return w.await(name+" on "+conversation, func(f proto.ServerFrame) bool {
		return f.Type == proto.TypeEvent && f.Event == name && f.ConversationSID == conversation
	})
}

// before returns the event frames that came before the barrier whose body
// is marker, but for presence and the barrier conversation's own.
func (w *wire) before(marker string) []proto.ServerFrame {
	w.t.Helper()
	var out []proto.ServerFrame
	for {
		f := w.next()
		if isMarker(f, marker) {
			return out
		}
		if f.Event == proto.UserOnline || f.Event == proto.UserOffline || (f.ConversationSID == w.barrier && w.barrier != "") {
			continue
		}
		out = append(out, f)
	}
}

// isMarker says whether f is the barrier message marker.
func isMarker(f proto.ServerFrame, marker string) bool {
	return f.Type == proto.TypeEvent && f.Event == proto.MessageAdded && strings.Contains(string(f.Data), marker)
}

// sessionsOf counts the sessions the hub holds of identity.
func (r *rig) sessionsOf(identity string) int {
	n := 0
	r.hub.Sessions(func(id string, _ any) {
		if id == identity {
			n++
		}
	})
	return n
}

// names are the event names of frames, with their conversation.
func names(fs []proto.ServerFrame) []string {
	var out []string
	for _, f := range fs {
		s := f.Type
		if f.Type == proto.TypeEvent {
			s = f.Event
		}
		if f.ConversationSID != "" {
			s += "@" + f.ConversationSID
		}
		out = append(out, s)
	}
	return out
}

// closedWith waits for the server to close the wire and returns why.
func (w *wire) closedWith() websocket.StatusCode {
	w.t.Helper()
	select {
	case <-w.closed:
		return w.status
	case <-time.After(5 * time.Second):
		w.t.Fatalf("%s: still open after 5s", w.identity)
	}
	return 0
}

// field is a top-level field of an event's data, as text.
func field(t *testing.T, f proto.ServerFrame, name string) string {
	t.Helper()
	m := data[map[string]any](t, f)
	s, _ := m[name].(string)
	return s
}

// data decodes an event's data.
func data[T any](t *testing.T, f proto.ServerFrame) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(f.Data, &v); err != nil {
		t.Fatalf("data of %s: %v: %s", f.Event, err, f.Data)
	}
	return v
}

func ptr[T any](v T) *T { return &v }
