package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"parley/shared/realtime"
	"parley/shared/sid"
)

// Limits of a session's connection.
const (
	// readLimit bounds a server frame: an event carries a whole resource,
	// and a message body alone may be 32 KiB before JSON escaping.
	readLimit = 1 << 20
	// writeTimeout bounds the write of one frame. Frames are written with
	// the session's own deadline, never the caller's: coder/websocket
	// closes a connection whose write is abandoned halfway.
	writeTimeout = 10 * time.Second
	// connectTimeout bounds a reconnection, from dial to ready.
	connectTimeout = 30 * time.Second
	// The server pings every 25s; the client pings too, because only a
	// ping notices a connection that died without a word (a laptop that
	// slept, a NAT that forgot it), and a socket that is only read from
	// would wait for it forever.
	pingInterval = 30 * time.Second
	pongTimeout  = 15 * time.Second
)

// State is where a session stands.
type State int

// Session states, as OnState reports them.
const (
	Connecting   State = iota // dialling and saying hello
	Connected                 // ready: events flow, commands go out
	Disconnected              // the connection dropped; it will reconnect
	Closed                    // for good: Close was called, or the server refused the token
)

// String names the state.
func (s State) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	case Disconnected:
		return "disconnected"
	case Closed:
		return "closed"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// SessionOptions configure a realtime session.
type SessionOptions struct {
	// URL is the server: its base URL (http(s)://host) or its socket
	// (ws(s)://host/realtime).
	URL string
	// Token returns an access token. It is called on every connection,
	// so it can hand out a fresh one when the last expired.
	Token func(ctx context.Context) (string, error)
	// Cursor is the seq of the last event the caller processed, to resume
	// from; 0 starts from the present.
	Cursor int64
	// OnEvent receives event frames: from one goroutine, in order, each
	// event with a seq at most once (typing and presence, seq 0, always).
	// It holds up the reading of the socket while it runs, so it must not
	// wait for the session (such as by calling Send): hand such work to
	// another goroutine.
	OnEvent func(realtime.ServerFrame)
	// OnResync is told that the server could not replay what the session
	// missed, so the caller must refetch its state over REST. It is called
	// on the event goroutine once the session has reconnected from the
	// present, before any later event, so a refetch started then misses
	// nothing.
	OnResync func()
	// OnMonitor hears, on the event goroutine, that after a reconnection
	// the session follows again a conversation it monitors (err nil), or
	// that the server refused to (the conversation was deleted, say): it
	// then monitors it no more. Events from before are not replayed to a
	// monitor, so refetch the conversation over REST when told.
	OnMonitor func(conversationSID string, err error)
	// OnState hears the session connect, drop and close, on the event
	// goroutine.
	OnState func(State)
	// OnRefused is told that the server refused the token on a
	// reconnection (it expired while the connection was down, or was
	// revoked): the session has ended and will not come back by itself.
	// A refusal of the first connection is Dial's error instead.
	OnRefused func(*TokenRefusedError)
	// MinBackoff and MaxBackoff bound the wait between reconnection
	// attempts (DefaultMinBackoff and DefaultMaxBackoff when zero).
	MinBackoff, MaxBackoff time.Duration
	// RedialStep and RedialMax space Connect's attempts at a first
	// connection (DefaultRedialStep and DefaultRedialMax when zero).
	RedialStep, RedialMax time.Duration
	// DialOptions are passed to websocket.Dial. Natively they can set an
	// HTTPClient and an Origin header (HTTPHeader); in the browser only
	// Subprotocols exist, and the browser sends the Origin itself.
	DialOptions *websocket.DialOptions
}

// Errors a session returns.
var (
	// ErrClosed is returned by calls on a session after Close.
	ErrClosed = errors.New("parley: the realtime session is closed")
	// ErrNotConnected is returned by Typing and UpdateToken while the
	// session is reconnecting: they are worth sending only now.
	ErrNotConnected = errors.New("parley: the realtime session is not connected")
	// ErrChatEnded ends a guest's session when its chat ended or was
	// deleted (close code 4010): there is nothing left to reconnect to.
	ErrChatEnded = errors.New("parley: the chat ended")
)

// TokenRefusedError is why a session could not start or ended: the server
// closed it with code 4001, refusing the token, or 4003, revoking the
// access it gave (a sign-out, a deleted key or deployment).
type TokenRefusedError struct {
	Reason string // the server's close reason
}

// Error says the token was refused, and why.
func (e *TokenRefusedError) Error() string { return "parley: token refused: " + e.Reason }

// errResync means the server sent a resync frame: reconnect at once,
// without a cursor.
var errResync = errors.New("parley: the server asked for a resync")

// Session is a realtime connection that reconnects by itself and resumes
// where it left off. Its methods are safe for concurrent use.
type Session struct {
	opts SessionOptions
	url  string

	ctx    context.Context // ends with Close
	cancel context.CancelFunc
	done   chan struct{}

	// Only the event goroutine (Dial's caller, then run) touches these.
	backoff   backoff
	resyncDue bool // tell OnResync once reconnected

	// wmu orders writes to the socket: after a reconnection, unanswered
	// commands are resent before any new one goes out. It is taken before
	// mu, never while holding it.
	wmu sync.Mutex

	mu        sync.Mutex
	ws        *websocket.Conn // nil while disconnected
	cursor    cursor
	identity  string
	pending   []*call         // commands awaiting their answer, oldest first
	monitors  map[string]bool // conversations monitored, followed again on every connection
	connected chan struct{}   // closed while connected
	closing   bool
	err       error
}

// call is a command awaiting its ack or error.
type call struct {
	id    string
	frame []byte
	reply chan realtime.ServerFrame // closed if the session ends first
	// then, when set, takes the answer instead of reply, on the event
	// goroutine: a monitor the session renews by itself.
	then func(realtime.ServerFrame)
}

// cursor is the seq of the last event handed to the caller. It lets a
// replay overlap what the caller already has: such events are dropped.
type cursor struct{ seq int64 }

// admit says whether an event with seq should be delivered, and moves the
// cursor to it. Events without a seq are live-only and always delivered.
func (c *cursor) admit(seq int64) bool {
	if seq == 0 {
		return true
	}
	if seq <= c.seq {
		return false
	}
	c.seq = seq
	return true
}

// catchUp moves the cursor to a position the server says the session has
// reached, never back.
func (c *cursor) catchUp(seq int64) { c.seq = max(c.seq, seq) }

// Dial connects a session and keeps it connected until Close. The first
// connection happens before Dial returns, so a bad URL or a refused token
// (a *TokenRefusedError) is reported at once; the replay after
// opts.Cursor is delivered before it returns too.
func Dial(ctx context.Context, opts SessionOptions) (*Session, error) {
	u, err := socketURL(opts.URL)
	if err != nil {
		return nil, err
	}
	if opts.Token == nil {
		return nil, errors.New("parley: SessionOptions.Token is required")
	}
	s := &Session{
		opts:      opts,
		url:       u,
		done:      make(chan struct{}),
		backoff:   newBackoff(opts.MinBackoff, opts.MaxBackoff),
		cursor:    cursor{seq: max(opts.Cursor, 0)},
		connected: make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	ws, err := s.connect(ctx)
	if errors.Is(err, errResync) {
		ws, err = s.connect(ctx) // the cursor is gone now: this cannot resync again
	}
	if err != nil {
		s.cancel()
		return nil, err
	}
	go s.run(ws)
	return s, nil
}

// socketURL turns a server's base URL into its realtime socket's URL.
func socketURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("parley: %q is not a server URL (http(s):// or ws(s)://)", raw)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	case "ws", "wss":
	default:
		return "", fmt.Errorf("parley: %q is not a server URL (http(s):// or ws(s)://)", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(u.Path, "/realtime") {
		u.Path += "/realtime"
	}
	u.RawPath = ""
	return u.String(), nil
}

func (s *Session) setState(st State) {
	if s.opts.OnState != nil {
		s.opts.OnState(st)
	}
}

// refusal returns the error a connection ended with, as a
// *TokenRefusedError if the server refused the token.
func refusal(err error) error {
	var ce websocket.CloseError
	switch {
	case !errors.As(err, &ce):
	case ce.Code == realtime.CloseUnauthorized, ce.Code == realtime.CloseRevoked:
		return &TokenRefusedError{Reason: ce.Reason}
	case ce.Code == realtime.CloseEnded:
		return ErrChatEnded
	}
	return err
}

// connect opens a socket, says hello and reads up to ready, delivering the
// replay on the way; then it resends the commands still unanswered.
func (s *Session) connect(ctx context.Context) (*websocket.Conn, error) {
	s.setState(Connecting)
	token, err := s.opts.Token(ctx)
	if err != nil {
		return nil, fmt.Errorf("parley: get a token: %w", err)
	}
	ws, _, err := websocket.Dial(ctx, s.url, s.opts.DialOptions)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(readLimit)
	hello := realtime.ClientFrame{Type: realtime.TypeHello, Version: realtime.Version, Token: token}
	s.mu.Lock()
	if c := s.cursor.seq; c > 0 {
		hello.Cursor = &c
	}
	s.mu.Unlock()
	b, err := realtime.Encode(hello)
	if err == nil {
		err = ws.Write(ctx, websocket.MessageText, b)
	}
	if err != nil {
		ws.CloseNow()
		return nil, err
	}
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			ws.CloseNow()
			return nil, refusal(err)
		}
		f, err := realtime.DecodeServer(b)
		if err != nil {
			continue // a frame from a newer server this client does not know
		}
		if f.Type == realtime.TypeReady {
			s.ready(ws, f)
			return ws, nil
		}
		// The server says why it refuses a token in an error frame before
		// closing. The close code says it too, but a browser's WebSocket
		// (coder/websocket under GOOS=js) does not pass it on to Read.
		if f.Type == realtime.TypeError && f.Status == 401 {
			ws.CloseNow()
			return nil, &TokenRefusedError{Reason: f.Message}
		}
		if err := s.dispatch(f); err != nil {
			ws.CloseNow()
			return nil, err
		}
	}
}

// ready makes ws the session's connection, resends what is unanswered, and
// tells the caller.
func (s *Session) ready(ws *websocket.Conn, f realtime.ServerFrame) {
	s.wmu.Lock()
	s.mu.Lock()
	s.identity = f.Identity
	s.cursor.catchUp(f.Cursor)
	s.ws = ws
	close(s.connected)
	// Monitors end with their connection: renew each (renewals still
	// unanswered from the last connection are replaced).
	s.pending = slices.DeleteFunc(s.pending, func(c *call) bool { return c.then != nil })
	for conversation := range s.monitors {
		if c := s.renewal(conversation); c != nil {
			s.pending = append(s.pending, c)
		}
	}
	resend := make([][]byte, len(s.pending))
	for i, c := range s.pending {
		resend[i] = c.frame
	}
	s.mu.Unlock()
	// A resent send carries its first idempotency key, so the server acks
	// it with the message it already stored, if it did. A failed write is
	// not final either: the read loop notices and the next connection
	// resends again.
	for _, b := range resend {
		if s.writeLocked(ws, b) != nil {
			break
		}
	}
	s.wmu.Unlock()
	s.setState(Connected)
	if s.resyncDue {
		s.resyncDue = false
		if s.opts.OnResync != nil {
			s.opts.OnResync()
		}
	}
}

// startResync forgets the cursor, which the server can no longer replay
// from, and notes that OnResync is due once reconnected.
func (s *Session) startResync() {
	s.mu.Lock()
	s.cursor = cursor{}
	s.mu.Unlock()
	s.resyncDue = true
}

// deliver hands an event to the caller unless it already had it.
func (s *Session) deliver(f realtime.ServerFrame) {
	s.mu.Lock()
	ok := s.cursor.admit(f.Seq)
	s.mu.Unlock()
	if ok && s.opts.OnEvent != nil {
		s.opts.OnEvent(f)
	}
}

// run reads the connection and, when it drops, reconnects with backoff
// until Close or a refused token.
func (s *Session) run(ws *websocket.Conn) {
	defer close(s.done)
	for {
		err := s.read(ws)
		ws.CloseNow()
		s.mu.Lock()
		s.ws = nil
		s.connected = make(chan struct{})
		closing := s.closing
		s.mu.Unlock()
		if closing || s.ctx.Err() != nil {
			s.finish(ErrClosed)
			return
		}
		if refused := (*TokenRefusedError)(nil); errors.As(err, &refused) || errors.Is(err, ErrChatEnded) {
			s.finish(err)
			return
		}
		s.setState(Disconnected)
		if ws = s.reconnect(err); ws == nil {
			return
		}
	}
}

// reconnect connects again after a connection ended with err, waiting
// between attempts. It returns nil if the session ended instead.
func (s *Session) reconnect(err error) *websocket.Conn {
	var wait time.Duration
	switch {
	case errors.Is(err, errResync):
	case websocket.CloseStatus(err) == realtime.CloseResync,
		websocket.CloseStatus(err) == realtime.CloseTokenExpired:
		// The server asked for a quick return: from the cursor, or with
		// the fresh token s.opts.Token gives.
	default:
		wait = s.backoff.next()
	}
	for {
		t := time.NewTimer(wait)
		select {
		case <-s.ctx.Done():
			t.Stop()
			s.finish(ErrClosed)
			return nil
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(s.ctx, connectTimeout)
		ws, err := s.connect(cctx)
		cancel()
		switch {
		case err == nil:
			s.backoff.reset()
			return ws
		case s.ctx.Err() != nil:
			s.finish(ErrClosed)
			return nil
		case errors.As(err, new(*TokenRefusedError)):
			s.finish(err)
			return nil
		case errors.Is(err, errResync):
			wait = 0
		default:
			wait = s.backoff.next()
		}
	}
}

// finish ends the session for good: err is what Err reports, and every
// command still waiting fails with it.
func (s *Session) finish(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	for _, c := range s.pending {
		close(c.reply)
	}
	s.pending = nil
	s.mu.Unlock()
	s.cancel()
	s.setState(Closed)
	if refused := (*TokenRefusedError)(nil); errors.As(err, &refused) && s.opts.OnRefused != nil {
		s.opts.OnRefused(refused)
	}
}

// read handles frames until the connection fails, and pings beside it.
func (s *Session) read(ws *websocket.Conn) error {
	stop := make(chan struct{})
	defer close(stop)
	if runtime.GOOS != "js" { // the browser answers and watches pings itself
		go keepalive(s.ctx, ws, stop)
	}
	// One buffer serves every frame: decoding copies what it keeps.
	var buf bytes.Buffer
	for {
		_, r, err := ws.Reader(s.ctx)
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			return refusal(err)
		}
		f, err := realtime.DecodeServer(buf.Bytes())
		if err != nil {
			continue
		}
		if err := s.dispatch(f); err != nil {
			return err
		}
	}
}

// dispatch handles a frame other than ready: events go to the caller,
// answers to the commands awaiting them. A resync ends the connection
// (errResync): the session reconnects without a cursor.
func (s *Session) dispatch(f realtime.ServerFrame) error {
	switch f.Type {
	case realtime.TypeEvent:
		s.deliver(f)
	case realtime.TypeError:
		// An error that answers no command ends the session: the server
		// closes it next, and says why here first, because a browser's
		// WebSocket does not pass the close code on.
		switch {
		case f.ID != "":
			s.answer(f)
		case f.Status == 401:
			return &TokenRefusedError{Reason: f.Message}
		case f.Status == 410:
			return ErrChatEnded
		}
	case realtime.TypeAck:
		s.answer(f)
	case realtime.TypeResync:
		s.startResync()
		return errResync
	}
	return nil
}

// keepalive pings the server until stop, and drops the connection when a
// pong does not come, so that the read loop ends and the session
// reconnects.
func keepalive(ctx context.Context, ws *websocket.Conn, stop <-chan struct{}) {
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, pongTimeout)
		err := ws.Ping(pctx)
		cancel()
		if err != nil {
			ws.CloseNow()
			return
		}
	}
}

// answer hands an ack or error to the command waiting for it. Answers
// nobody waits for (a command given up on, an error about a typing notice)
// are dropped.
func (s *Session) answer(f realtime.ServerFrame) {
	if c := s.forget(f.ID); c != nil && c.then != nil {
		c.then(f)
	} else if c != nil {
		c.reply <- f
	}
}

// forget removes a command from those awaiting an answer, and returns it.
func (s *Session) forget(id string) *call {
	if id == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range s.pending {
		if c.id == id {
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			return c
		}
	}
	return nil
}

// newID returns a fresh identifier for a command or an idempotency key. It
// begins with the time, so the server's index of idempotency keys grows at
// its end instead of touching a page of each conversation's per send.
func newID() string { return sid.Key() }

// encode encodes a command and checks it as the server will. A frame the
// server finds malformed closes the connection, and a resent one would
// close every connection after it: such a frame must never go out.
func encode(f realtime.ClientFrame) ([]byte, error) {
	b, err := realtime.Encode(f)
	if err != nil {
		return nil, err
	}
	if _, err := realtime.DecodeClient(b); err != nil {
		return nil, fmt.Errorf("parley: %w", err)
	}
	return b, nil
}

// write writes one frame to ws.
func (s *Session) write(ws *websocket.Conn, b []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.writeLocked(ws, b)
}

func (s *Session) writeLocked(ws *websocket.Conn, b []byte) error {
	ctx, cancel := context.WithTimeout(s.ctx, writeTimeout)
	defer cancel()
	return ws.Write(ctx, websocket.MessageText, b)
}

// command sends a frame and waits for its answer, across reconnections:
// until it is answered it is resent on every new connection.
func (s *Session) command(ctx context.Context, f realtime.ClientFrame) (realtime.ServerFrame, error) {
	f.ID = newID()
	b, err := encode(f)
	if err != nil {
		return realtime.ServerFrame{}, err
	}
	c := &call{id: f.ID, frame: b, reply: make(chan realtime.ServerFrame, 1)}
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return realtime.ServerFrame{}, s.err
	}
	s.pending = append(s.pending, c)
	ws := s.ws
	s.mu.Unlock()
	if ws != nil {
		// An error is not final: the connection is failing, and the
		// frame goes again on the next one.
		s.write(ws, b)
	}
	select {
	case r, ok := <-c.reply:
		if !ok {
			return r, s.Err()
		}
		if r.Type == realtime.TypeError {
			return r, &APIError{Status: r.Status, Code: r.Code, Message: r.Message}
		}
		return r, nil
	case <-ctx.Done():
		s.forget(c.id)
		return realtime.ServerFrame{}, ctx.Err()
	}
}

// Send sends a message to a conversation as the session's identity and
// returns the server's ack, whose SID and Index name the stored message. A
// send cut off by a disconnect is sent again once reconnected, with the
// same idempotency key, so the message is stored once however often it is
// sent. If ctx ends first, the message may or may not have been stored.
// A refusal is an *APIError.
func (s *Session) Send(ctx context.Context, conversationSID, body, attributes string) (realtime.ServerFrame, error) {
	return s.SendKeyed(ctx, conversationSID, body, attributes, newID())
}

// SendKeyed is Send with the caller's idempotency key, for a caller that
// keeps unsent messages across restarts (a widget after a reload) and must
// not store one twice when it sends it again.
func (s *Session) SendKeyed(ctx context.Context, conversationSID, body, attributes, key string) (realtime.ServerFrame, error) {
	return s.SendMessage(ctx, Outgoing{ConversationSID: conversationSID, Body: body, Attributes: attributes, IdempotencyKey: key})
}

// Outgoing is a message to send over the socket.
type Outgoing struct {
	ConversationSID string
	Body            string
	Attributes      string
	// IdempotencyKey makes the send safe to retry; empty picks a new one.
	IdempotencyKey string
	// MediaSIDs are files uploaded with REST.UploadMedia, at most 10.
	MediaSIDs []string
}

// SendMessage sends m and waits for the server's acknowledgement, which
// carries the stored message's SID and index.
func (s *Session) SendMessage(ctx context.Context, m Outgoing) (realtime.ServerFrame, error) {
	if m.IdempotencyKey == "" {
		m.IdempotencyKey = newID()
	}
	return s.command(ctx, realtime.ClientFrame{Type: realtime.TypeSend, ConversationSID: m.ConversationSID,
		Body: m.Body, Attributes: m.Attributes, IdempotencyKey: m.IdempotencyKey, MediaSIDs: m.MediaSIDs})
}

// Read moves the identity's read horizon in a conversation forward to
// index, and waits for the server to acknowledge it.
func (s *Session) Read(ctx context.Context, conversationSID string, index int) error {
	_, err := s.command(ctx, realtime.ClientFrame{Type: realtime.TypeRead, ConversationSID: conversationSID, Index: &index})
	return err
}

// Typing tells a conversation the identity is typing. It is neither
// acknowledged nor retried: a typing notice is only worth sending now.
func (s *Session) Typing(ctx context.Context, conversationSID string) error {
	return s.fireAndForget(ctx, realtime.ClientFrame{Type: realtime.TypeTyping, ConversationSID: conversationSID})
}

// UpdateToken gives the server a fresh token, so the session outlives the
// one it connected with. While disconnected there is no need: the next
// connection calls SessionOptions.Token.
func (s *Session) UpdateToken(ctx context.Context, token string) error {
	return s.fireAndForget(ctx, realtime.ClientFrame{Type: realtime.TypeToken, Token: token})
}

// Monitor follows a conversation the identity takes no part in, for a
// supervisor's desk: once it returns, the conversation's events (messages,
// typing, read receipts, participants) reach OnEvent as they happen, on
// this session only, until Unmonitor or Close; after a reconnection the
// session follows it again by itself and tells OnMonitor. Fetch the
// conversation over REST after Monitor returns, so nothing said before
// is missed (events already fetched come again: merge by index). The
// server refuses (an *APIError, 403) anyone but a supervisor, and
// refuses a monitoring session's sends, typing and reads.
func (s *Session) Monitor(ctx context.Context, conversationSID string) error {
	s.mu.Lock()
	if s.monitors == nil {
		s.monitors = map[string]bool{}
	}
	s.monitors[conversationSID] = true // before the ack: a reconnection meanwhile renews it
	s.mu.Unlock()
	_, err := s.command(ctx, realtime.ClientFrame{Type: realtime.TypeMonitor, ConversationSID: conversationSID})
	if err != nil {
		s.mu.Lock()
		delete(s.monitors, conversationSID)
		s.mu.Unlock()
	}
	return err
}

// Unmonitor stops following a conversation Monitor follows.
func (s *Session) Unmonitor(ctx context.Context, conversationSID string) error {
	s.mu.Lock()
	delete(s.monitors, conversationSID)
	s.mu.Unlock()
	_, err := s.command(ctx, realtime.ClientFrame{Type: realtime.TypeUnmonitor, ConversationSID: conversationSID})
	return err
}

// renewal is the command that monitors conversation again on a new
// connection; its answer goes to OnMonitor. Called with mu held.
func (s *Session) renewal(conversation string) *call {
	f := realtime.ClientFrame{Type: realtime.TypeMonitor, ID: newID(), ConversationSID: conversation}
	b, err := encode(f)
	if err != nil {
		return nil
	}
	return &call{id: f.ID, frame: b, reply: make(chan realtime.ServerFrame, 1), then: func(r realtime.ServerFrame) {
		var err error
		if r.Type == realtime.TypeError {
			err = &APIError{Status: r.Status, Code: r.Code, Message: r.Message}
			s.mu.Lock()
			delete(s.monitors, conversation)
			s.mu.Unlock()
		}
		if s.opts.OnMonitor != nil {
			s.opts.OnMonitor(conversation, err)
		}
	}}
}

func (s *Session) fireAndForget(ctx context.Context, f realtime.ClientFrame) error {
	b, err := encode(f)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	ws, err := s.ws, s.err
	s.mu.Unlock()
	switch {
	case err != nil:
		return err
	case ws == nil:
		return ErrNotConnected
	}
	return s.write(ws, b)
}

// Cursor is the seq of the last event delivered, or that the server said
// the session had reached: where a later session should resume.
func (s *Session) Cursor() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursor.seq
}

// Identity is the identity the server authenticated.
func (s *Session) Identity() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identity
}

// Connected returns a channel that is closed while the session is
// connected; after a disconnect, a new one.
func (s *Session) Connected() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// Done is closed when the session has ended for good.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err says why the session ended: ErrClosed after Close, or a
// *TokenRefusedError. It is nil while the session lives.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the session, saying goodbye to the server, and waits for its
// goroutine to stop, so no callback runs after it returns. It must
// therefore not be called from a callback. Commands still waiting fail
// with ErrClosed.
func (s *Session) Close() error {
	s.mu.Lock()
	s.closing = true
	ws := s.ws
	s.mu.Unlock()
	if ws != nil {
		// A close handshake, so the server sees a goodbye rather than a
		// dropped connection; the library bounds how long it waits.
		ws.Close(websocket.StatusNormalClosure, "bye")
	}
	s.cancel()
	<-s.done
	return nil
}
