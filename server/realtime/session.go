package realtime

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
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
	// Command rates, as Twilio's: 30 actions a second per conversation,
	// counted over all of an identity's sessions.
	perConversationRate = 30
	perSessionRate      = 100
)

// Default caps on concurrent sessions (Server.MaxPerIdentity,
// MaxPerAddress). A desk in a few tabs needs a handful per identity; an
// office behind one address has hundreds of people.
const (
	DefaultMaxPerIdentity = 20
	DefaultMaxPerAddress  = 500
)

// Grant is what an access token says about its bearer: who, until when,
// and what the Handler knows besides (Claims), which revocations match.
type Grant struct {
	Identity string
	Expires  time.Time
	Claims   any
}

// ErrResync tells the server that a session's cursor is too old to replay:
// the client must refetch over REST.
var ErrResync = errors.New("resync")

// Handler supplies what the hub does not know: who a token belongs to, what
// a new session starts with, and what commands do.
type Handler interface {
	// Authenticate checks an access token.
	Authenticate(ctx context.Context, token string) (Grant, error)
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
	// AllowOrigin, when set, is asked about a cross-origin browser that
	// OriginPatterns do not cover (a webchat deployment's site, say).
	AllowOrigin func(ctx context.Context, origin string) bool
	// MaxPerIdentity and MaxPerAddress cap concurrent sessions per
	// identity and per client address: zero means the defaults, a
	// negative number no cap.
	MaxPerIdentity, MaxPerAddress int
	// Shared, when set, counts sessions against the caps across the
	// nodes of a cluster too: each node's own count is only its share.
	Shared SharedCaps
	// Ready, when set, says why this server should take no new session
	// (a cluster node cut off from the others), or nil: a client refused
	// with 503 tries again, and a balancer sends it to a node that can.
	Ready   func() error
	Log     *slog.Logger
	Metrics *Metrics

	once     sync.Once
	root     context.Context // ends every session at shutdown
	stop     context.CancelFunc
	sessions sync.WaitGroup
}

func (srv *Server) init() {
	srv.once.Do(func() { srv.root, srv.stop = context.WithCancel(context.Background()) })
}

// Shutdown closes every session ("going away": clients reconnect and resume
// elsewhere or later) and waits for them to end, or for ctx.
func (srv *Server) Shutdown(ctx context.Context) error {
	srv.init()
	srv.stop()
	done := make(chan struct{})
	go func() {
		srv.sessions.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Session is one client's connection.
type Session struct {
	hub      *Hub
	ws       *websocket.Conn
	cork     *cork // under ws: lets a batch of frames go in one write
	identity string
	address  string       // the client's network address, for its cap
	expires  atomic.Int64 // unix nanoseconds
	holder   *holder      // the identity's share of limits
	claims   atomic.Pointer[any]

	ctx context.Context // ends with the session

	mu       sync.Mutex
	pending  []Frame // frames waiting to be written
	queued   int     // their bytes
	overflow bool
	// writing is true while a flush goroutine runs (or the replay is being
	// written): one writer at a time keeps frames in order. An idle session
	// has no writer goroutine, only its reader: idle sessions are cheap.
	writing bool
	lastSeq int64 // the newest event written; guarded by writing
	// closing, when set, closes the socket with this code once pending
	// is written (see end); nothing is queued after it.
	closing     websocket.StatusCode
	closeReason string

	// watching are the topics this session watches (Hub.Watch); guarded
	// by the hub's lock.
	watching map[string]struct{}

	rateTotal bucket
	ping      *time.Timer
	expiry    *time.Timer
	metrics   *Metrics
}

// Identity is the session's authenticated identity.
func (s *Session) Identity() string { return s.identity }

// Claims are what the Handler said of the session's newest token.
func (s *Session) Claims() any {
	if c := s.claims.Load(); c != nil {
		return *c
	}
	return nil
}

// end closes the session once the frames queued before it are written,
// after an error frame saying why: the client reads its status (a
// browser's WebSocket does not pass close codes on).
func (s *Session) end(why Revocation) {
	code, reason := why.Code, why.Reason
	b, err := proto.Encode(proto.ServerFrame{Type: proto.TypeError, Code: why.TwilioCode, Status: why.Status, Message: reason})
	if err != nil {
		return
	}
	s.mu.Lock()
	if s.overflow || s.closing != 0 {
		s.mu.Unlock()
		return
	}
	s.closing, s.closeReason = code, reason
	s.pending = append(s.pending, Frame{Bytes: b})
	start := !s.writing
	s.writing = true
	s.mu.Unlock()
	if start {
		go s.flush()
	}
}

// enqueue hands a frame to the writer without blocking. A session that has
// fallen too far behind is marked to be disconnected instead.
func (s *Session) enqueue(f Frame) {
	s.mu.Lock()
	if s.overflow || s.closing != 0 {
		s.mu.Unlock()
		return
	}
	if len(s.pending) >= maxQueuedFrames || s.queued+len(f.Bytes) > maxQueuedBytes {
		s.overflow, s.pending, s.queued = true, nil, 0
		s.mu.Unlock()
		s.metrics.Overflows.Inc()
		// Close from aside: the writer may be stuck on a stalled socket,
		// and Close gives up on it after its own timeout.
		go s.ws.Close(proto.CloseResync, "resync: this session fell behind; reconnect with your cursor")
		return
	}
	s.pending = append(s.pending, f)
	s.queued += len(f.Bytes)
	start := !s.writing
	s.writing = true
	s.mu.Unlock()
	if start {
		go s.flush()
	}
}

// flush writes queued frames until none are left, then ends.
func (s *Session) flush() {
	var batch []Frame
	for {
		s.mu.Lock()
		if len(s.pending) == 0 && s.closing != 0 && !s.overflow {
			s.overflow = true // nothing more will be written
			s.mu.Unlock()
			s.ws.Close(s.closing, truncate(s.closeReason, 123))
			return
		}
		if len(s.pending) == 0 || s.overflow {
			s.writing = false
			s.mu.Unlock()
			return
		}
		batch, s.pending, s.queued = s.pending, batch[:0], 0
		s.mu.Unlock()
		if err := s.writeBatch(batch); err != nil {
			s.ws.CloseNow()
			s.mu.Lock()
			s.overflow = true // nothing more will be written
			s.writing = false
			s.mu.Unlock()
			return
		}
		clear(batch) // let the written frames' bytes go
	}
}

// writeBatch writes frames with one system call where it can.
func (s *Session) writeBatch(batch []Frame) error {
	if len(batch) > 1 {
		s.cork.In()
	}
	for _, f := range batch {
		if f.Seq > 0 && f.Seq <= s.lastSeq {
			continue // the replay already carried it
		}
		if err := writeRaw(s.ctx, s.ws, f.Bytes); err != nil {
			s.cork.Out(writeTimeout)
			return err
		}
		s.metrics.FramesSent.Inc()
		if f.Seq > 0 {
			s.lastSeq = f.Seq
		}
	}
	return s.cork.Out(writeTimeout)
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

// SharedCaps count sessions across a cluster's nodes.
type SharedCaps interface {
	// Reserve counts a session unless a cap (zero or less: none) is full;
	// full then says which.
	Reserve(ctx context.Context, identity, address string, perIdentity, perAddress int) (full string, err error)
	Release(ctx context.Context, identity, address string) error
}

// ServeHTTP upgrades the request and hands the session to a goroutine of
// its own, so the HTTP server's goroutine and buffers for the request go.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	srv.init()
	if srv.Ready != nil {
		if err := srv.Ready(); err != nil {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "this node takes no new realtime sessions: "+err.Error()+"; reconnect in a moment", http.StatusServiceUnavailable)
			return
		}
	}
	opts := &websocket.AcceptOptions{OriginPatterns: srv.OriginPatterns}
	if origin := r.Header.Get("Origin"); origin != "" && srv.AllowOrigin != nil && srv.AllowOrigin(r.Context(), origin) {
		opts.InsecureSkipVerify = true // the origin was checked just now
	}
	buffers := &smallBuffers{ResponseWriter: w}
	ws, err := websocket.Accept(buffers, r, opts)
	if err != nil {
		return // Accept has answered: 403 for a foreign origin, 400 for a bad upgrade
	}
	ws.SetReadLimit(proto.MaxFrameBytes)
	address, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		address = r.RemoteAddr
	}
	srv.sessions.Add(1)
	go func() {
		s, cleanup := srv.start(srv.root, ws, buffers.cork, address)
		if s == nil {
			cleanup()
			srv.sessions.Done()
			return
		}
		// Setup grew this goroutine's stack (token checks, the replay); an
		// idle session should not keep that, so it reads on a fresh one.
		go func() {
			defer srv.sessions.Done()
			defer cleanup()
			srv.readLoop(s.ctx, s)
		}()
	}()
}

// start authenticates a new connection, attaches it to the hub and writes
// its replay and ready frame. It returns the session (nil if it ended
// during setup) and what must run when it ends.
func (srv *Server) start(root context.Context, ws *websocket.Conn, cork *cork, address string) (*Session, func()) {
	ctx, end := context.WithCancel(root)
	stop := context.AfterFunc(ctx, func() {
		if root.Err() != nil {
			ws.Close(websocket.StatusGoingAway, "server shutting down: reconnect with your cursor")
		}
	})
	var undo []func()
	cleanup := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
		stop()
		end()
		ws.CloseNow()
	}
	hello, ok := srv.readHello(ctx, ws)
	if !ok {
		return nil, cleanup
	}
	grant, err := srv.Handler.Authenticate(ctx, hello.Token)
	if err != nil {
		srv.Metrics.AuthFailures.Inc()
		refuse(ctx, ws, proto.CloseUnauthorized, 20003, 401, err.Error())
		return nil, cleanup
	}
	identity, expires := grant.Identity, grant.Expires
	perIdentity, perAddress := capOf(srv.MaxPerIdentity, DefaultMaxPerIdentity), capOf(srv.MaxPerAddress, DefaultMaxPerAddress)
	h, err := srv.Hub.reserve(identity, address, perIdentity, perAddress)
	if err != nil {
		srv.Metrics.Capped.Inc()
		refuse(ctx, ws, proto.CloseTooManySessions, 20429, 429, err.Error())
		return nil, cleanup
	}
	undo = append(undo, func() { srv.Hub.release(identity, address) })
	if srv.Shared != nil {
		full, err := srv.Shared.Reserve(ctx, identity, address, perIdentity, perAddress)
		if err != nil {
			srv.Log.Error("count a realtime session across the cluster", "identity", identity, "err", err)
			ws.Close(websocket.StatusTryAgainLater, "the server could not count this session: reconnect in a moment")
			return nil, cleanup
		}
		if full != "" {
			srv.Metrics.Capped.Inc()
			refuse(ctx, ws, proto.CloseTooManySessions, 20429, 429, full)
			return nil, cleanup
		}
		undo = append(undo, func() {
			if err := srv.Shared.Release(context.WithoutCancel(ctx), identity, address); err != nil {
				srv.Log.Warn("uncount a realtime session across the cluster; it counts until this node restarts", "identity", identity, "err", err)
			}
		})
	}
	s := &Session{hub: srv.Hub, ws: ws, cork: cork, identity: identity, address: address, holder: h, ctx: ctx,
		metrics: srv.Metrics, rateTotal: newBucket(perSessionRate)}
	s.claims.Store(&grant.Claims)
	s.expires.Store(expires.UnixNano())
	s.writing = true // the replay and ready go first; live frames wait

	replay, current, err := srv.Handler.Start(ctx, identity, hello.Cursor, func(topics []string) { srv.Hub.attach(s, topics) })
	undo = append(undo, func() { srv.Hub.detach(s) })
	if errors.Is(err, ErrResync) {
		writeFrame(ctx, ws, proto.ServerFrame{Type: proto.TypeResync, Cursor: current,
			Message: "The cursor is too old to replay: fetch the state over REST, then reconnect without a cursor"})
		ws.Close(websocket.StatusNormalClosure, "resync")
		return nil, cleanup
	}
	if err != nil {
		srv.Log.Error("start realtime session", "identity", identity, "err", err)
		ws.Close(websocket.StatusInternalError, "internal error")
		return nil, cleanup
	}
	if err := s.writeBatch(replay); err != nil {
		return nil, cleanup
	}
	// Live frames the replay covered are skipped by seq.
	s.lastSeq = max(s.lastSeq, current)
	if err := writeFrame(ctx, ws, proto.ServerFrame{Type: proto.TypeReady, Version: proto.Version, Identity: identity,
		Cursor: current, Resumed: hello.Cursor != nil, Replayed: len(replay)}); err != nil {
		return nil, cleanup
	}
	go s.flush() // hands over to live frames, and ends if there are none

	s.ping = time.AfterFunc(pingInterval, s.keepalive)
	s.expiry = time.AfterFunc(time.Until(expires), s.checkExpiry)
	undo = append(undo, func() { s.ping.Stop(); s.expiry.Stop() })
	return s, cleanup
}

// keepalive pings the client and closes the session if no pong comes.
func (s *Session) keepalive() {
	pctx, cancel := context.WithTimeout(s.ctx, pongTimeout)
	defer cancel()
	if err := s.ws.Ping(pctx); err != nil {
		if s.ctx.Err() == nil {
			s.ws.Close(websocket.StatusPolicyViolation, "no pong within 15s")
		}
		return
	}
	s.ping.Reset(pingInterval)
}

// checkExpiry ends the session when its token has expired, unless a fresher
// token arrived meanwhile.
func (s *Session) checkExpiry() {
	if left := time.Until(time.Unix(0, s.expires.Load())); left > 0 {
		s.expiry.Reset(left)
		return
	}
	s.ws.Close(proto.CloseTokenExpired, "token expired: reconnect with a new token and your cursor")
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
		// Read without a context: one would cost every idle session a
		// registration; shutdown and errors end reads by closing the socket.
		typ, b, err := s.ws.Read(context.Background())
		if err != nil {
			return
		}
		f, err := proto.DecodeClient(b)
		// A command whose only fault is a field's text is answered alone,
		// as any refused command is: the client sent a frame it can fix.
		var badText *proto.TextError
		if !errors.As(err, &badText) || !command(f.Type) {
			badText = nil
		}
		if typ != websocket.MessageText || err != nil && badText == nil {
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
			if badText != nil {
				srv.Metrics.CommandErrors.Inc()
				s.Reply(proto.ServerFrame{Type: proto.TypeError, ID: f.ID, Code: 20400, Status: 400,
					Message: strings.TrimPrefix(badText.Error(), proto.ErrFrame.Error()+": ")})
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

// command reports whether a frame of type t is a command a session
// answers by its id (not hello or token, which set the session up).
func command(t string) bool {
	return t == proto.TypeSend || t == proto.TypeRead || t == proto.TypeTyping ||
		t == proto.TypeMonitor || t == proto.TypeUnmonitor
}

// refreshToken takes a fresher token for the session's identity. The new
// token's claims replace the old ones, so a later revocation judges the
// grant the session now holds.
func (srv *Server) refreshToken(ctx context.Context, s *Session, f proto.ClientFrame) {
	grant, err := srv.Handler.Authenticate(ctx, f.Token)
	switch {
	case err != nil:
		s.Reply(proto.ServerFrame{Type: proto.TypeError, ID: f.ID, Code: 20003, Status: 401, Message: err.Error()})
	case grant.Identity != s.identity:
		s.Reply(proto.ServerFrame{Type: proto.TypeError, ID: f.ID, Code: 20003, Status: 401,
			Message: "the new token is for " + grant.Identity + ", not this session's " + s.identity})
	default:
		s.claims.Store(&grant.Claims)
		s.expires.Store(grant.Expires.UnixNano())
		s.Reply(proto.ServerFrame{Type: proto.TypeAck, ID: f.ID})
	}
}

func capOf(n, def int) int {
	if n == 0 {
		return def
	}
	return n
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

// allow applies the command rate limits: the session's own, and the
// conversation's for the identity, which all its sessions share (so a
// hundred sockets send no faster than one). Only the read loop calls it.
func (s *Session) allow(conversation string, now time.Time) bool {
	if !s.rateTotal.take(now) {
		return false
	}
	if conversation == "" {
		return true
	}
	return s.holder.allow(conversation, now)
}
