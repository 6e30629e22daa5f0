package realtime

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	proto "parley/shared/realtime"
)

// Limits of a session.
const (
	helloTimeout = 10 * time.Second
	writeTimeout = 10 * time.Second
	pingInterval = 25 * time.Second
	pongTimeout  = 15 * time.Second
	// A session may hold this much unsent data before it is disconnected
	// to resync from the event log: a bound on memory, not on history.
	maxQueuedFrames = 1024
	maxQueuedBytes  = 4 << 20
	// Command rates, as Twilio's: 30 actions a second per conversation.
	perConversationRate = 30
	perSessionRate      = 100
)

// ErrResync tells the server that a session's cursor is too old to replay:
// the client must refetch over REST.
var ErrResync = errors.New("resync")

// Handler supplies what the hub does not know: who a token belongs to, what
// a new session starts with, and what commands do.
type Handler interface {
	// Authenticate checks an access token.
	Authenticate(ctx context.Context, token string) (identity string, expires time.Time, err error)
	// Start attaches a session. It must call attach exactly once with the
	// identity's topics, at a point consistent with the event log, and
	// return the frames the session missed after cursor (when not nil) up
	// to the position it attached at, which it also returns. ErrResync
	// means the cursor is too old.
	Start(ctx context.Context, identity string, cursor *int64, attach func(topics []string)) (replay []Frame, current int64, err error)
	// Command carries out a command from a session and returns its reply
	// frame (ack or error), or nil for none.
	Command(ctx context.Context, s *Session, f proto.ClientFrame) any
}

// Server accepts realtime sessions on a WebSocket endpoint.
type Server struct {
	Hub     *Hub
	Handler Handler
	// OriginPatterns are the browser origins allowed to connect, as
	// coder/websocket matches them (host patterns such as "*.example.com").
	// Same-host origins and clients that send none are always allowed.
	OriginPatterns []string
	Log            *slog.Logger
	Metrics        *Metrics
}

// Session is one client's connection.
type Session struct {
	hub      *Hub
	ws       *websocket.Conn
	identity string
	expires  atomic.Int64 // unix nanoseconds

	mu        sync.Mutex
	pending   []Frame // frames waiting for the writer
	queued    int     // their bytes
	overflow  bool
	wake      chan struct{} // the writer has work
	lastSeq   int64         // writer only: the newest event written
	rateConv  map[string]*bucket
	rateTotal bucket
}

// Identity is the session's authenticated identity.
func (s *Session) Identity() string { return s.identity }

// enqueue hands a frame to the writer without blocking. A session that has
// fallen too far behind is marked to be disconnected instead.
func (s *Session) enqueue(f Frame) {
	s.mu.Lock()
	if s.overflow {
		s.mu.Unlock()
		return
	}
	if len(s.pending) >= maxQueuedFrames || s.queued+len(f.Bytes) > maxQueuedBytes {
		s.overflow, s.pending, s.queued = true, nil, 0
		s.mu.Unlock()
		s.hub.metrics.Overflows.Inc()
		// Close from aside: the writer may be stuck on a stalled socket,
		// and Close gives up on it after its own timeout.
		go s.ws.Close(proto.CloseResync, "resync: this session fell behind; reconnect with your cursor")
		return
	} else {
		s.pending = append(s.pending, f)
		s.queued += len(f.Bytes)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Reply queues a frame that is not part of the event log (an ack, an
// error, a typing notice) for this session.
func (s *Session) Reply(v any) {
	b, err := proto.Encode(v)
	if err != nil {
		return
	}
	s.enqueue(Frame{Bytes: b})
}

// ServeHTTP upgrades the request and runs the session until it ends.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: srv.OriginPatterns})
	if err != nil {
		return // Accept has answered: 403 for a foreign origin, 400 for a bad upgrade
	}
	defer ws.CloseNow()
	ws.SetReadLimit(proto.MaxFrameBytes)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	srv.run(ctx, ws)
}

func (srv *Server) run(ctx context.Context, ws *websocket.Conn) {
	hello, ok := srv.readHello(ctx, ws)
	if !ok {
		return
	}
	identity, expires, err := srv.Handler.Authenticate(ctx, hello.Token)
	if err != nil {
		srv.Metrics.AuthFailures.Inc()
		refuse(ctx, ws, proto.CloseUnauthorized, 20003, 401, err.Error())
		return
	}
	s := &Session{hub: srv.Hub, ws: ws, identity: identity, wake: make(chan struct{}, 1), rateConv: map[string]*bucket{}}
	s.expires.Store(expires.UnixNano())
	s.rateTotal = newBucket(perSessionRate)

	replay, current, err := srv.Handler.Start(ctx, identity, hello.Cursor, func(topics []string) { srv.Hub.attach(s, topics) })
	defer srv.Hub.detach(s)
	if errors.Is(err, ErrResync) {
		writeFrame(ctx, ws, proto.ServerFrame{Type: proto.TypeResync, Cursor: current,
			Message: "The cursor is too old to replay: fetch the state over REST, then reconnect without a cursor"})
		ws.Close(websocket.StatusNormalClosure, "resync")
		return
	}
	if err != nil {
		srv.Log.Error("start realtime session", "identity", identity, "err", err)
		ws.Close(websocket.StatusInternalError, "internal error")
		return
	}
	// The replay goes out before the writer starts, so it precedes every
	// live frame; live frames it already covered are skipped by seq.
	for _, f := range replay {
		if err := writeRaw(ctx, ws, f.Bytes); err != nil {
			return
		}
		s.lastSeq = f.Seq
	}
	s.lastSeq = max(s.lastSeq, current)
	if err := writeFrame(ctx, ws, proto.ServerFrame{Type: proto.TypeReady, Version: proto.Version, Identity: identity,
		Cursor: current, Resumed: hello.Cursor != nil, Replayed: len(replay)}); err != nil {
		return
	}
	sctx, end := context.WithCancel(ctx)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		srv.writeLoop(sctx, s)
		ws.CloseNow() // unblocks the reader
	}()
	srv.readLoop(sctx, s)
	end() // stops the writer
	<-writerDone
}

// readHello waits for the first frame, which must be a hello.
func (srv *Server) readHello(ctx context.Context, ws *websocket.Conn) (proto.ClientFrame, bool) {
	hctx, cancel := context.WithTimeout(ctx, helloTimeout)
	defer cancel()
	typ, b, err := ws.Read(hctx)
	if err != nil {
		if hctx.Err() != nil {
			ws.Close(proto.CloseProtocol, "no hello within 10s: send {\"type\":\"hello\",\"token\":...} first")
		}
		return proto.ClientFrame{}, false
	}
	f, err := proto.DecodeClient(b)
	switch {
	case typ != websocket.MessageText:
		refuse(ctx, ws, proto.CloseProtocol, 20400, 400, "frames are JSON text messages")
	case err != nil:
		refuse(ctx, ws, proto.CloseProtocol, 20400, 400, err.Error())
	case f.Type != proto.TypeHello:
		refuse(ctx, ws, proto.CloseProtocol, 20400, 400, "the first frame must be a hello carrying an access token")
	default:
		return f, true
	}
	return f, false
}

// refuse explains in an error frame, then closes with a short reason (a
// close reason is limited to 123 bytes).
func refuse(ctx context.Context, ws *websocket.Conn, code websocket.StatusCode, twilioCode, status int, msg string) {
	writeFrame(ctx, ws, proto.ServerFrame{Type: proto.TypeError, Code: twilioCode, Status: status, Message: msg})
	ws.Close(code, truncate(msg, 123))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // do not cut a UTF-8 sequence
		n--
	}
	return s[:n]
}

func writeFrame(ctx context.Context, ws *websocket.Conn, f proto.ServerFrame) error {
	b, err := proto.Encode(f)
	if err != nil {
		return err
	}
	return writeRaw(ctx, ws, b)
}

func writeRaw(ctx context.Context, ws *websocket.Conn, b []byte) error {
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return ws.Write(wctx, websocket.MessageText, b)
}

func (srv *Server) readLoop(ctx context.Context, s *Session) {
	for {
		typ, b, err := s.ws.Read(ctx)
		if err != nil {
			return
		}
		f, err := proto.DecodeClient(b)
		if typ != websocket.MessageText || err != nil {
			msg := "frames are JSON text messages"
			if err != nil {
				msg = err.Error()
			}
			refuse(ctx, s.ws, proto.CloseProtocol, 20400, 400, msg)
			return
		}
		switch f.Type {
		case proto.TypeHello:
			s.Reply(proto.ServerFrame{Type: proto.TypeError, ID: f.ID, Code: 20400, Status: 400, Message: "this session already said hello"})
		case proto.TypeToken:
			srv.refreshToken(ctx, s, f)
		default:
			if !s.allow(f.ConversationSID, time.Now()) {
				srv.Metrics.RateLimited.Inc()
				s.Reply(proto.ServerFrame{Type: proto.TypeError, ID: f.ID, Code: 20429, Status: 429,
					Message: "Too many commands: at most 30 a second per conversation and 100 per session; slow down"})
				continue
			}
			if reply := srv.Handler.Command(ctx, s, f); reply != nil {
				if fr, ok := reply.(proto.ServerFrame); ok && fr.Type == proto.TypeError {
					srv.Metrics.CommandErrors.Inc()
				}
				s.Reply(reply)
			}
		}
	}
}

func (srv *Server) refreshToken(ctx context.Context, s *Session, f proto.ClientFrame) {
	identity, expires, err := srv.Handler.Authenticate(ctx, f.Token)
	switch {
	case err != nil:
		s.Reply(proto.ServerFrame{Type: proto.TypeError, ID: f.ID, Code: 20003, Status: 401, Message: err.Error()})
	case identity != s.identity:
		s.Reply(proto.ServerFrame{Type: proto.TypeError, ID: f.ID, Code: 20003, Status: 401,
			Message: "the new token is for " + identity + ", not this session's " + s.identity})
	default:
		s.expires.Store(expires.UnixNano())
		s.Reply(proto.ServerFrame{Type: proto.TypeAck, ID: f.ID})
	}
}

func (srv *Server) writeLoop(ctx context.Context, s *Session) {
	ping := time.NewTicker(pingInterval)
	defer ping.Stop()
	expiry := time.NewTimer(time.Until(time.Unix(0, s.expires.Load())))
	defer expiry.Stop()
	var batch []Frame
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
			s.mu.Lock()
			overflow := s.overflow
			batch, s.pending, s.queued = s.pending, batch[:0], 0
			s.mu.Unlock()
			if overflow {
				return // enqueue is closing the socket
			}
			for _, f := range batch {
				if f.Seq > 0 && f.Seq <= s.lastSeq {
					continue // the replay already carried it
				}
				if err := writeRaw(ctx, s.ws, f.Bytes); err != nil {
					return
				}
				srv.Metrics.FramesSent.Inc()
				if f.Seq > 0 {
					s.lastSeq = f.Seq
				}
			}
			clear(batch) // let the sent frames' bytes go
		case <-ping.C:
			go func() {
				pctx, cancel := context.WithTimeout(ctx, pongTimeout)
				defer cancel()
				if err := s.ws.Ping(pctx); err != nil && ctx.Err() == nil {
					s.ws.Close(websocket.StatusPolicyViolation, "no pong within 15s")
				}
			}()
		case <-expiry.C:
			if left := time.Until(time.Unix(0, s.expires.Load())); left > 0 {
				expiry.Reset(left) // refreshed meanwhile
				continue
			}
			s.ws.Close(proto.CloseTokenExpired, "token expired: reconnect with a new token and your cursor")
			return
		}
	}
}

// bucket is a token bucket: rate tokens a second, holding at most rate.
type bucket struct {
	tokens float64
	rate   float64
	last   time.Time
}

func newBucket(rate float64) bucket { return bucket{tokens: rate, rate: rate} }

func (b *bucket) take(now time.Time) bool {
	if !b.last.IsZero() {
		b.tokens = min(b.rate, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// allow applies the command rate limits; only the read loop calls it.
func (s *Session) allow(conversation string, now time.Time) bool {
	if !s.rateTotal.take(now) {
		return false
	}
	if conversation == "" {
		return true
	}
	b := s.rateConv[conversation]
	if b == nil {
		nb := newBucket(perConversationRate)
		b = &nb
		if len(s.rateConv) > 1000 {
			clear(s.rateConv) // bound the map; a forgotten bucket starts full
		}
		s.rateConv[conversation] = b
	}
	return b.take(now)
}
