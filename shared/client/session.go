package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"parley/shared/realtime"
)

// State is where a session stands.
type State int

// Session states.
const (
	Connecting State = iota
	Connected
	Disconnected // it will reconnect
	Closed       // for good: Close was called, or the server refused the token
)

// SessionOptions configure a realtime session.
type SessionOptions struct {
	// URL is the server: its base URL (http(s)://host) or its socket
	// (ws(s)://host/realtime).
	URL string
	// Token returns an access token; it is called on every (re)connection,
	// so it can refresh one that is about to expire.
	Token func(ctx context.Context) (string, error)
	// Cursor is the seq of the last event the caller processed, to resume
	// from; 0 starts fresh.
	Cursor int64
	// OnEvent receives events, one at a time and in order, each seq'd
	// event at most once.
	OnEvent func(realtime.ServerFrame)
	// OnResync is told that the server cannot replay what was missed: the
	// caller refetches its state over REST. The session then carries on
	// from the present.
	OnResync func()
	// OnState hears the session connect, drop and close.
	OnState func(State)
	// MinBackoff and MaxBackoff bound the wait between reconnection
	// attempts (defaults 250ms and 10s); each failure doubles it, with
	// jitter so clients do not return in step.
	MinBackoff, MaxBackoff time.Duration
	// DialOptions are passed to websocket.Dial.
	DialOptions *websocket.DialOptions
}

// Session is a realtime connection that reconnects by itself and resumes
// where it left off.
type Session struct {
	opts SessionOptions
	url  string

	mu        sync.Mutex
	ws        *websocket.Conn // nil while disconnected
	cursor    int64
	identity  string
	pending   map[string]*call // commands awaiting their ack, resent after a reconnect
	order     []string         // pending IDs, oldest first
	connected chan struct{}    // closed while connected
	err       error

	ctx    context.Context // ends with Close
	cancel context.CancelFunc
	done   chan struct{}
}

type call struct {
	frame []byte
	reply chan realtime.ServerFrame
}

// ErrClosed is returned by calls on a closed session.
var ErrClosed = errors.New("parley: the realtime session is closed")

// Dial connects a session and keeps it connected until Close. It fails if
// the first connection does, so a bad token or URL is reported at once.
func Dial(ctx context.Context, opts SessionOptions) (*Session, error) {
	u, err := socketURL(opts.URL)
	if err != nil {
		return nil, err
	}
	if opts.Token == nil {
		return nil, errors.New("parley: SessionOptions.Token is required")
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 250 * time.Millisecond
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(10*time.Second, opts.MinBackoff)
	}
	s := &Session{opts: opts, url: u, cursor: opts.Cursor, pending: map[string]*call{},
		connected: make(chan struct{}), done: make(chan struct{})}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	ws, err := s.connect(ctx)
	if err != nil {
		s.cancel()
		return nil, err
	}
	go s.run(ws)
	return s, nil
}

// socketURL turns a base URL into the realtime socket's URL.
func socketURL(raw string) (string, error) {
	raw = strings.TrimRight(raw, "/")
	switch {
	case strings.HasPrefix(raw, "ws://"), strings.HasPrefix(raw, "wss://"):
		if !strings.HasSuffix(raw, "/realtime") {
			raw += "/realtime"
		}
		return raw, nil
	case strings.HasPrefix(raw, "http://"), strings.HasPrefix(raw, "https://"):
		return "ws" + strings.TrimPrefix(raw, "http") + "/realtime", nil
	}
	return "", fmt.Errorf("parley: %q is not a server URL (http(s):// or ws(s)://)", raw)
}

func (s *Session) setState(st State) {
	if s.opts.OnState != nil {
		s.opts.OnState(st)
	}
}

// errUnauthorized wraps the server's refusal of a token.
type errUnauthorized struct{ reason string }

func (e errUnauthorized) Error() string { return "parley: token refused: " + e.reason }

// connect opens a socket, says hello and reads up to ready, delivering the
// replay on the way.
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
	ws.SetReadLimit(1 << 20)
	s.mu.Lock()
	hello := realtime.ClientFrame{Type: realtime.TypeHello, Version: realtime.Version, Token: token}
	if s.cursor > 0 {
		c := s.cursor
		hello.Cursor = &c
	}
	s.mu.Unlock()
	b, _ := realtime.Encode(hello)
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		ws.CloseNow()
		return nil, err
	}
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			ws.CloseNow()
			var ce websocket.CloseError
			if errors.As(err, &ce) && ce.Code == realtime.CloseUnauthorized {
				return nil, errUnauthorized{ce.Reason}
			}
			return nil, err
		}
		f, err := realtime.DecodeServer(b)
		if err != nil {
			continue
		}
		switch f.Type {
		case realtime.TypeReady:
			s.mu.Lock()
			s.identity = f.Identity
			s.cursor = max(s.cursor, f.Cursor)
			s.ws = ws
			close(s.connected)
			resend := s.resendable()
			s.mu.Unlock()
			s.setState(Connected)
			for _, frame := range resend {
				ws.Write(ctx, websocket.MessageText, frame)
			}
			return ws, nil
		case realtime.TypeResync:
			s.resync()
		case realtime.TypeEvent:
			s.deliver(f)
		}
	}
}

// resendable lists the frames of unanswered commands, oldest first. Sends
// carry their idempotency key, so a resent one never makes a second message.
func (s *Session) resendable() [][]byte {
	var out [][]byte
	for _, id := range s.order {
		if c := s.pending[id]; c != nil {
			out = append(out, c.frame)
		}
	}
	return out
}

func (s *Session) resync() {
	s.mu.Lock()
	s.cursor = 0
	s.mu.Unlock()
	if s.opts.OnResync != nil {
		s.opts.OnResync()
	}
}

// deliver hands an event to the caller, dropping a seq'd event it already
// had (a replay may overlap what arrived before a disconnect).
func (s *Session) deliver(f realtime.ServerFrame) {
	if f.Seq > 0 {
		s.mu.Lock()
		if f.Seq <= s.cursor {
			s.mu.Unlock()
			return
		}
		s.cursor = f.Seq
		s.mu.Unlock()
	}
	if s.opts.OnEvent != nil {
		s.opts.OnEvent(f)
	}
}

// run reads the current socket and, when it drops, reconnects with
// backoff until Close or a refused token.
func (s *Session) run(ws *websocket.Conn) {
	defer close(s.done)
	backoff := s.opts.MinBackoff
	for {
		err := s.read(ws)
		s.mu.Lock()
		s.ws = nil
		s.connected = make(chan struct{})
		s.mu.Unlock()
		ws.CloseNow()
		if s.ctx.Err() != nil {
			s.finish(ErrClosed)
			return
		}
		s.setState(Disconnected)
		wait := jitter(backoff)
		if websocket.CloseStatus(err) == realtime.CloseResync {
			wait = 0 // the server asked for a quick return, from the cursor
		}
		for {
			select {
			case <-s.ctx.Done():
				s.finish(ErrClosed)
				return
			case <-time.After(wait):
			}
			cctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
			ws, err = s.connect(cctx)
			cancel()
			if err == nil {
				backoff = s.opts.MinBackoff
				break
			}
			var refused errUnauthorized
			if errors.As(err, &refused) {
				s.finish(err)
				return
			}
			backoff = min(2*backoff, s.opts.MaxBackoff)
			wait = jitter(backoff)
		}
	}
}

// jitter spreads a wait over [d/2, d).
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + time.Duration(mrand.Int64N(int64(d/2)))
}

func (s *Session) finish(err error) {
	s.mu.Lock()
	s.err = err
	for id, c := range s.pending {
		close(c.reply)
		delete(s.pending, id)
	}
	s.order = nil
	s.mu.Unlock()
	s.setState(Closed)
}

// read handles frames until the socket fails.
func (s *Session) read(ws *websocket.Conn) error {
	for {
		_, b, err := ws.Read(s.ctx)
		if err != nil {
			return err
		}
		f, err := realtime.DecodeServer(b)
		if err != nil {
			continue
		}
		switch f.Type {
		case realtime.TypeEvent:
			s.deliver(f)
		case realtime.TypeAck, realtime.TypeError:
			s.answer(f)
		case realtime.TypeResync:
			s.resync()
		}
	}
}

func (s *Session) answer(f realtime.ServerFrame) {
	s.mu.Lock()
	c := s.pending[f.ID]
	delete(s.pending, f.ID)
	if c != nil {
		for i, id := range s.order {
			if id == f.ID {
				s.order = append(s.order[:i], s.order[i+1:]...)
				break
			}
		}
	}
	s.mu.Unlock()
	if c != nil {
		c.reply <- f
	}
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// command sends a frame and waits for its answer, across reconnections.
func (s *Session) command(ctx context.Context, f realtime.ClientFrame) (realtime.ServerFrame, error) {
	f.ID = newID()
	b, err := json.Marshal(f)
	if err != nil {
		return realtime.ServerFrame{}, err
	}
	c := &call{frame: b, reply: make(chan realtime.ServerFrame, 1)}
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return realtime.ServerFrame{}, s.err
	}
	s.pending[f.ID] = c
	s.order = append(s.order, f.ID)
	ws := s.ws
	s.mu.Unlock()
	if ws != nil {
		// A failed write is not final: the frame goes again on reconnect.
		ws.Write(ctx, websocket.MessageText, b)
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
		s.answer(realtime.ServerFrame{ID: f.ID}) // forget it
		return realtime.ServerFrame{}, ctx.Err()
	}
}

// Send sends a message as the session's identity and returns the server's
// ack (its SID and index) once it is stored. A send interrupted by a
// disconnect is sent again after reconnecting, with the same idempotency
// key, so it is stored once.
func (s *Session) Send(ctx context.Context, conversationSID, body, attributes string) (realtime.ServerFrame, error) {
	return s.command(ctx, realtime.ClientFrame{Type: realtime.TypeSend, ConversationSID: conversationSID,
		Body: body, Attributes: attributes, IdempotencyKey: newID()})
}

// Read moves the identity's read horizon in a conversation forward to
// index.
func (s *Session) Read(ctx context.Context, conversationSID string, index int) error {
	_, err := s.command(ctx, realtime.ClientFrame{Type: realtime.TypeRead, ConversationSID: conversationSID, Index: &index})
	return err
}

// Typing tells the conversation the identity is typing. It is not
// retried: a typing notice is only worth sending now.
func (s *Session) Typing(ctx context.Context, conversationSID string) error {
	return s.fireAndForget(ctx, realtime.ClientFrame{Type: realtime.TypeTyping, ConversationSID: conversationSID})
}

// UpdateToken gives the server a fresh token, so the session outlives the
// one it started with.
func (s *Session) UpdateToken(ctx context.Context, token string) error {
	return s.fireAndForget(ctx, realtime.ClientFrame{Type: realtime.TypeToken, Token: token})
}

func (s *Session) fireAndForget(ctx context.Context, f realtime.ClientFrame) error {
	s.mu.Lock()
	ws, err := s.ws, s.err
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if ws == nil {
		return errors.New("parley: not connected")
	}
	b, _ := json.Marshal(f)
	return ws.Write(ctx, websocket.MessageText, b)
}

// Cursor is the seq of the last event delivered: where a new session
// would resume.
func (s *Session) Cursor() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursor
}

// Identity is the identity the server authenticated.
func (s *Session) Identity() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identity
}

// Connected returns a channel closed while the session is connected.
func (s *Session) Connected() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// Done is closed when the session has ended for good.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err says why the session ended: ErrClosed after Close, or the server's
// refusal of a token.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the session.
func (s *Session) Close() error {
	s.cancel()
	s.mu.Lock()
	ws := s.ws
	s.mu.Unlock()
	if ws != nil {
		ws.Close(websocket.StatusNormalClosure, "bye")
	}
	<-s.done
	return nil
}
