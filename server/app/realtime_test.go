package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	twjwt "github.com/twilio/twilio-go/client/jwt"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"parley/server/conversations"
	proto "parley/shared/realtime"
)

// wire is a realtime connection driven frame by frame, to check the
// protocol exactly as a client in any language sees it.
type wire struct {
	t      *testing.T
	ws     *websocket.Conn
	frames chan proto.ServerFrame
	closed chan struct{}
	status websocket.StatusCode // why the server closed, once closed
	reason string
	ready  proto.ServerFrame
}

// dialRaw opens a socket without saying hello.
func (s *testServer) dialRaw(t *testing.T, header http.Header) (*wire, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(s.baseURL, "http") + "/realtime"
	ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		return nil, resp, err
	}
	ws.SetReadLimit(1 << 22)
	w := &wire{t: t, ws: ws, frames: make(chan proto.ServerFrame, 100_000), closed: make(chan struct{})}
	go w.read()
	t.Cleanup(func() { ws.CloseNow() })
	return w, resp, nil
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

// connect opens a session for a token, resuming from cursor when it is not
// nil, and waits for ready (collecting any replay before it).
func (s *testServer) connect(t *testing.T, token string, cursor *int64) (*wire, []proto.ServerFrame) {
	t.Helper()
	w, _, err := s.dialRaw(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.send(proto.ClientFrame{Type: proto.TypeHello, Version: proto.Version, Token: token, Cursor: cursor})
	var replay []proto.ServerFrame
	for {
		f := w.next(t)
		if f.Type == proto.TypeReady {
			w.ready = f
			return w, replay
		}
		if f.Type == proto.TypeError || f.Type == proto.TypeResync {
			t.Fatalf("hello answered with %+v", f)
		}
		replay = append(replay, f)
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

// next returns the next frame, failing the test after 5 seconds.
func (w *wire) next(t *testing.T) proto.ServerFrame {
	t.Helper()
	select {
	case f := <-w.frames:
		return f
	case <-w.closed:
		select {
		case f := <-w.frames:
			return f
		default:
		}
		t.Fatalf("connection closed (%d %q) while waiting for a frame", w.status, w.reason)
	case <-time.After(5 * time.Second):
		t.Fatal("no frame within 5s")
	}
	return proto.ServerFrame{}
}

// await skips frames until one matches, failing after 5 seconds.
func (w *wire) await(t *testing.T, what string, match func(proto.ServerFrame) bool) proto.ServerFrame {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case f := <-w.frames:
			if match(f) {
				return f
			}
		case <-w.closed:
			t.Fatalf("connection closed (%d %q) while waiting for %s", w.status, w.reason, what)
		case <-deadline:
			t.Fatalf("no %s within 5s", what)
		}
	}
}

// quiet asserts no frame matching arrives within d.
func (w *wire) quiet(t *testing.T, d time.Duration, what string, match func(proto.ServerFrame) bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case f := <-w.frames:
			if match(f) {
				t.Fatalf("got %s: %+v", what, f)
			}
		case <-deadline:
			return
		}
	}
}

// closedWith waits for the server to close the socket and returns why.
func (w *wire) closedWith(t *testing.T) (websocket.StatusCode, string) {
	t.Helper()
	select {
	case <-w.closed:
		return w.status, w.reason
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not close the connection within 10s")
	}
	return 0, ""
}

func isEvent(event, conversation string) func(proto.ServerFrame) bool {
	return func(f proto.ServerFrame) bool {
		return f.Type == proto.TypeEvent && f.Event == event && (conversation == "" || f.ConversationSID == conversation)
	}
}

func isReply(id string) func(proto.ServerFrame) bool {
	return func(f proto.ServerFrame) bool {
		return f.ID == id && (f.Type == proto.TypeAck || f.Type == proto.TypeError)
	}
}

// mintToken asks the server for an access token for identity.
func (s *testServer) mintToken(t testing.TB, identity string) string {
	t.Helper()
	r := s.postForm(t, "/parley/v1/Tokens", url.Values{"Identity": {identity}, "Ttl": {"600"}})
	if r.status != http.StatusCreated {
		t.Fatalf("mint token: %d %s", r.status, r.text)
	}
	return r.json["token"].(string)
}

// conversationWith makes a conversation with chat participants.
func (s *testServer) conversationWith(t *testing.T, identities ...string) string {
	t.Helper()
	c := mustCreateConversation(t, s.tw, "with "+strings.Join(identities, ", "))
	for _, id := range identities {
		mustAddChatParticipant(t, s.tw, *c.Sid, id)
	}
	return *c.Sid
}

// messageIndex reads a message event's index.
func messageIndex(t *testing.T, f proto.ServerFrame) int {
	t.Helper()
	var m struct {
		Index int    `json:"index"`
		Body  string `json:"body"`
	}
	if err := json.Unmarshal(f.Data, &m); err != nil {
		t.Fatalf("message event data %s: %v", f.Data, err)
	}
	return m.Index
}

func TestTokensMintedByTwilioGoAreAccepted(t *testing.T) {
	s := startServer(t)
	key, err := s.tw.Api.CreateNewKey((&api.CreateNewKeyParams{}).SetPathAccountSid(s.accountSID).SetFriendlyName("backend"))
	if err != nil {
		t.Fatalf("twilio-go CreateNewKey: %v", err)
	}
	if key.Secret == nil || *key.Secret == "" || !strings.HasPrefix(*key.Sid, "SK") {
		t.Fatalf("created key = %+v, want an SK sid and a secret", key)
	}
	// The secret is returned once: fetching and listing never show it.
	if r := s.get(t, "/api/2010-04-01/Accounts/"+s.accountSID+"/Keys/"+*key.Sid+".json"); r.status != 200 || r.json["secret"] != nil {
		t.Errorf("fetched key = %d %s; want it without its secret", r.status, r.text)
	}
	listed, err := s.tw.Api.ListKey((&api.ListKeyParams{}).SetPathAccountSid(s.accountSID))
	if err != nil || len(listed) != 1 || *listed[0].Sid != *key.Sid {
		t.Errorf("listed keys = %+v, %v; want the one key", listed, err)
	}

	tok := twjwt.CreateAccessToken(twjwt.AccessTokenParams{
		AccountSid: s.accountSID, SigningKeySid: *key.Sid, Secret: *key.Secret, Identity: "alice",
	})
	tok.AddGrant(&twjwt.ChatGrant{ServiceSid: s.app.Conversations.ServiceSID()})
	jwt, err := tok.ToJwt()
	if err != nil {
		t.Fatal(err)
	}
	w, _ := s.connect(t, jwt, nil)
	if w.ready.Identity != "alice" || w.ready.Version != proto.Version {
		t.Errorf("ready = %+v, want identity alice, version %d", w.ready, proto.Version)
	}

	// Revoking the key refuses its tokens from then on.
	if err := s.tw.Api.DeleteKey(*key.Sid, (&api.DeleteKeyParams{}).SetPathAccountSid(s.accountSID)); err != nil {
		t.Fatal(err)
	}
	status, reason := s.helloRefused(t, jwt)
	if status != proto.CloseUnauthorized || !strings.Contains(reason, "revoked") {
		t.Errorf("token of a deleted key: closed %d %q, want 4001 saying the key was revoked", status, reason)
	}
}

// helloRefused says hello with token and returns how the server closed.
func (s *testServer) helloRefused(t *testing.T, token string) (websocket.StatusCode, string) {
	t.Helper()
	w, _, err := s.dialRaw(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.send(proto.ClientFrame{Type: proto.TypeHello, Token: token})
	return w.closedWith(t)
}

func TestBadTokensAreRefusedWithAReason(t *testing.T) {
	s := startServer(t)
	key, err := s.tw.Api.CreateNewKey((&api.CreateNewKeyParams{}).SetPathAccountSid(s.accountSID))
	if err != nil {
		t.Fatal(err)
	}
	mint := func(p twjwt.AccessTokenParams, grant bool) string {
		tok := twjwt.CreateAccessToken(p)
		if grant {
			tok.AddGrant(&twjwt.ChatGrant{ServiceSid: s.app.Conversations.ServiceSID()})
		}
		jwt, err := tok.ToJwt()
		if err != nil {
			t.Fatal(err)
		}
		return jwt
	}
	now := float64(time.Now().Unix())
	good := twjwt.AccessTokenParams{AccountSid: s.accountSID, SigningKeySid: *key.Sid, Secret: *key.Secret, Identity: "alice"}
	with := func(change func(*twjwt.AccessTokenParams)) twjwt.AccessTokenParams {
		p := good
		change(&p)
		return p
	}
	tests := []struct {
		name, token, reason string
	}{
		{"expired", mint(with(func(p *twjwt.AccessTokenParams) { p.Nbf = now - 7200; p.ValidUntil = now - 3600 }), true), "expired"},
		{"forged: signed with another secret", mint(with(func(p *twjwt.AccessTokenParams) { p.Secret = "not-the-secret-at-all-000000000" }), true), "signature"},
		{"unknown key", mint(with(func(p *twjwt.AccessTokenParams) { p.SigningKeySid = "SK00000000000000000000000000000000" }), true), "revoked"},
		{"another account", mint(with(func(p *twjwt.AccessTokenParams) { p.AccountSid = "AC00000000000000000000000000000000" }), true), "account"},
		{"no identity", mint(with(func(p *twjwt.AccessTokenParams) { p.Identity = "" }), true), "identity"},
		{"lives longer than 24h", mint(with(func(p *twjwt.AccessTokenParams) { p.Ttl = 48 * 3600 }), true), "at most"},
		{"not a JWT", "hello", "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, reason := s.helloRefused(t, tt.token)
			if status != proto.CloseUnauthorized || !strings.Contains(reason, tt.reason) {
				t.Errorf("closed %d %q, want 4001 with a reason mentioning %q", status, reason, tt.reason)
			}
		})
	}
	// The server keeps serving good tokens afterwards.
	w, _ := s.connect(t, mint(good, true), nil)
	if w.ready.Identity != "alice" {
		t.Errorf("good token after bad ones: ready %+v", w.ready)
	}
}

func TestFirstFrameMustBeHello(t *testing.T) {
	s := startServer(t)
	w, _, err := s.dialRaw(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.send(proto.ClientFrame{Type: proto.TypeSend, ConversationSID: "CH1", Body: "sneaky"})
	if status, _ := w.closedWith(t); status != proto.CloseProtocol {
		t.Errorf("a send before hello closed with %d, want %d", status, proto.CloseProtocol)
	}
}

func TestForeignOriginsAreRefused(t *testing.T) {
	s := startServer(t)
	_, resp, err := s.dialRaw(t, http.Header{"Origin": {"https://evil.example"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("dial from a foreign origin: %v (response %v), want 403", err, resp)
	}
	// A site a webchat deployment allows may open the socket itself.
	s.createDeployment(t, url.Values{"AllowedOrigins": {"https://shop.example"}})
	if _, _, err := s.dialRaw(t, http.Header{"Origin": {"https://shop.example"}}); err != nil {
		t.Fatalf("dial from a deployment's allowed origin: %v", err)
	}
	if _, resp, err := s.dialRaw(t, http.Header{"Origin": {"http://shop.example"}}); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("the allowed host over another scheme was let in: %v", err)
	}
}

func TestGuestsSeeOnlyTheirOwnConversations(t *testing.T) {
	s := startServer(t)
	mine := s.conversationWith(t, "guest-a", "agent")
	theirs := s.conversationWith(t, "guest-b", "agent")
	a, _ := s.connect(t, s.mintToken(t, "guest-a"), nil)

	mustSendMessage(t, s.tw, theirs, "guest-b", "my card number is 4111...")
	mustSendMessage(t, s.tw, mine, "agent", "hello guest a")
	got := a.await(t, "a message in guest-a's conversation", isEvent(proto.MessageAdded, ""))
	if got.ConversationSID != mine {
		t.Fatalf("guest-a received a message from %s", got.ConversationSID)
	}
	a.quiet(t, 300*time.Millisecond, "an event from another conversation", func(f proto.ServerFrame) bool {
		return f.ConversationSID == theirs
	})

	// Nor can it act there, nor learn whether a conversation exists.
	for _, cmd := range []proto.ClientFrame{
		{Type: proto.TypeSend, ID: "s", ConversationSID: theirs, Body: "hi"},
		{Type: proto.TypeSend, ID: "s-none", ConversationSID: "CH" + strings.Repeat("0", 32), Body: "hi"},
		{Type: proto.TypeRead, ID: "r", ConversationSID: theirs, Index: ptr(0)},
		{Type: proto.TypeTyping, ID: "t", ConversationSID: theirs},
	} {
		a.send(cmd)
		reply := a.await(t, "the reply to "+cmd.Type, isReply(cmd.ID))
		if reply.Type != proto.TypeError || reply.Status != http.StatusForbidden {
			t.Errorf("%s in another conversation answered %+v, want a 403 error", cmd.Type, reply)
		}
	}
	msgs := mustListMessages(t, s.tw, theirs, nil)
	if len(msgs) != 1 {
		t.Errorf("the other conversation has %d messages, want 1", len(msgs))
	}
}

func TestSendIsAcknowledgedOnceAndIdempotent(t *testing.T) {
	s := startServer(t)
	conv := s.conversationWith(t, "alice", "bob")
	alice, _ := s.connect(t, s.mintToken(t, "alice"), nil)
	bob, _ := s.connect(t, s.mintToken(t, "bob"), nil)

	send := proto.ClientFrame{Type: proto.TypeSend, ID: "1", ConversationSID: conv, Body: "hi bob", IdempotencyKey: "k-1"}
	alice.send(send)
	first := alice.await(t, "ack", isReply("1"))
	send.ID = "2" // a retry after a lost ack: same key
	alice.send(send)
	second := alice.await(t, "ack of the retry", isReply("2"))
	if first.Type != proto.TypeAck || second.Type != proto.TypeAck || first.SID != second.SID || *first.Index != *second.Index {
		t.Fatalf("acks %+v and %+v; want the same message twice", first, second)
	}
	ev := bob.await(t, "the message", isEvent(proto.MessageAdded, conv))
	var m map[string]any
	json.Unmarshal(ev.Data, &m)
	if m["sid"] != first.SID || m["author"] != "alice" || m["body"] != "hi bob" {
		t.Errorf("bob received %v, want alice's message %s", m, first.SID)
	}
	bob.quiet(t, 300*time.Millisecond, "a second copy", isEvent(proto.MessageAdded, conv))
	if msgs := mustListMessages(t, s.tw, conv, nil); len(msgs) != 1 {
		t.Errorf("the conversation holds %d messages, want 1", len(msgs))
	}

	// A key names a send within its conversation: the same key in another
	// is another message.
	other := s.conversationWith(t, "alice", "bob")
	send.ID, send.ConversationSID = "3", other
	alice.send(send)
	third := alice.await(t, "ack in the other conversation", isReply("3"))
	if third.Type != proto.TypeAck || third.SID == first.SID {
		t.Fatalf("ack %+v in the other conversation; want a message of its own, not %s", third, first.SID)
	}
	if msgs := mustListMessages(t, s.tw, other, nil); len(msgs) != 1 {
		t.Errorf("the other conversation holds %d messages, want 1", len(msgs))
	}
}

func TestEventsArriveInOrder(t *testing.T) {
	s := startServer(t)
	conv := s.conversationWith(t, "alice", "bob", "carol")
	bob, _ := s.connect(t, s.mintToken(t, "bob"), nil)
	alice, _ := s.connect(t, s.mintToken(t, "alice"), nil)
	carol, _ := s.connect(t, s.mintToken(t, "carol"), nil)

	// Three senders at once: two over sockets (within the 30 a second a
	// conversation allows each) and one over REST.
	const bySocket, byREST = 25, 100
	var wg sync.WaitGroup
	for _, w := range []*wire{alice, carol} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range bySocket {
				w.send(proto.ClientFrame{Type: proto.TypeSend, ConversationSID: conv, Body: fmt.Sprint(i)})
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range byREST {
			mustSendMessage(t, s.tw, conv, "bob", fmt.Sprint(i))
		}
	}()
	wg.Wait()
	lastSeq, lastIndex := int64(0), -1
	for range 2*bySocket + byREST {
		f := bob.await(t, "a message", isEvent(proto.MessageAdded, conv))
		idx := messageIndex(t, f)
		if f.Seq <= lastSeq || idx != lastIndex+1 {
			t.Fatalf("after seq %d index %d came seq %d index %d", lastSeq, lastIndex, f.Seq, idx)
		}
		lastSeq, lastIndex = f.Seq, idx
	}
}

func TestResumeAfterDisconnectMidBurstLosesNothing(t *testing.T) {
	s := startServer(t)
	conv := s.conversationWith(t, "agent", "guest")
	guest, _ := s.connect(t, s.mintToken(t, "guest"), nil)

	const total = 400
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range total {
			mustSendMessage(t, s.tw, conv, "agent", fmt.Sprint("m", i))
		}
	}()
	// Take some of the burst, then drop the connection without a goodbye.
	seen := map[int]bool{}
	cursor := guest.ready.Cursor
	for len(seen) < total/4 {
		f := guest.await(t, "a message", isEvent(proto.MessageAdded, conv))
		seen[messageIndex(t, f)] = true
		cursor = f.Seq
	}
	guest.ws.CloseNow()
	time.Sleep(50 * time.Millisecond) // more of the burst lands while it is away

	again, replay := s.connect(t, s.mintToken(t, "guest"), &cursor)
	if !again.ready.Resumed || again.ready.Replayed != len(replay) {
		t.Errorf("ready = %+v after a replay of %d", again.ready, len(replay))
	}
	take := func(f proto.ServerFrame) {
		if f.Type != proto.TypeEvent || f.Event != proto.MessageAdded {
			return
		}
		if f.Seq <= cursor {
			t.Fatalf("event seq %d is not after the cursor %d", f.Seq, cursor)
		}
		cursor = f.Seq
		idx := messageIndex(t, f)
		if seen[idx] {
			t.Fatalf("message %d delivered twice", idx)
		}
		seen[idx] = true
	}
	for _, f := range replay {
		take(f)
	}
	<-done
	for len(seen) < total {
		take(again.await(t, "the rest of the burst", isEvent(proto.MessageAdded, conv)))
	}
	for i := range total {
		if !seen[i] {
			t.Fatalf("message %d never arrived", i)
		}
	}
	again.quiet(t, 200*time.Millisecond, "a duplicate", isEvent(proto.MessageAdded, conv))
}

func sendParams(body string) conversations.MessageParams {
	return conversations.MessageParams{Body: &body}
}

func TestAStalledClientDoesNotDelayOthers(t *testing.T) {
	s := startServer(t)
	conv := s.conversationWith(t, "sender", "fast", "stalled")
	fast, _ := s.connect(t, s.mintToken(t, "fast"), nil)

	// The stalled client says hello, reads its ready, then never reads again.
	ctx := context.Background()
	stalled, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.baseURL, "http")+"/realtime", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.CloseNow()
	hello, _ := json.Marshal(proto.ClientFrame{Type: proto.TypeHello, Token: s.mintToken(t, "stalled")})
	stalled.Write(ctx, websocket.MessageText, hello)
	_, b, err := stalled.Read(ctx)
	ready, _ := proto.DecodeServer(b)
	if err != nil || ready.Type != proto.TypeReady {
		t.Fatalf("stalled client's hello: %s %v", b, err)
	}

	// 8 MB of messages: far more than a socket buffers or a session queues.
	body := strings.Repeat("x", 4000)
	const total = 2000
	go func() {
		for i := range total {
			if _, err := s.app.Conversations.SendAs(ctx, "sender", conv, sendParams(fmt.Sprint(i, body))); err != nil {
				t.Errorf("send %d: %v", i, err)
				return
			}
		}
	}()
	for i := range total {
		f := fast.await(t, fmt.Sprint("message ", i), isEvent(proto.MessageAdded, conv))
		if idx := messageIndex(t, f); idx != i {
			t.Fatalf("fast client got index %d, want %d", idx, i)
		}
	}

	// The stalled session was cut loose rather than buffered without bound...
	deadline := time.Now().Add(10 * time.Second)
	for s.app.Hub.Online("stalled") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if s.app.Hub.Online("stalled") {
		t.Fatal("the stalled session is still attached after 8 MB it never read")
	}
	// ...and, resuming from its cursor, it loses nothing.
	again, replay := s.connect(t, s.mintToken(t, "stalled"), &ready.Cursor)
	n := 0
	for _, f := range replay {
		if f.Event == proto.MessageAdded {
			if idx := messageIndex(t, f); idx != n {
				t.Fatalf("replay gave index %d, want %d", idx, n)
			}
			n++
		}
	}
	if n != total {
		t.Errorf("the resumed session replayed %d messages, want %d (ready %+v)", n, total, again.ready)
	}
}

func TestASessionFollowsConversationsItJoinsAndLeaves(t *testing.T) {
	s := startServer(t)
	agent, _ := s.connect(t, s.mintToken(t, "agent"), nil)
	conv := s.conversationWith(t, "guest")

	mustSendMessage(t, s.tw, conv, "guest", "before the agent joined")
	mustAddChatParticipant(t, s.tw, conv, "agent")
	added := agent.await(t, "conversation_added", isEvent(proto.ConversationAdded, conv))
	var c map[string]any
	json.Unmarshal(added.Data, &c)
	if c["sid"] != conv {
		t.Errorf("conversation_added data = %v", c)
	}
	mustSendMessage(t, s.tw, conv, "guest", "now you are here")
	if f := agent.await(t, "the message after joining", isEvent(proto.MessageAdded, conv)); messageIndex(t, f) != 1 {
		t.Errorf("first message seen after joining has index %d, want 1", messageIndex(t, f))
	}

	if err := s.tw.ConversationsV1.DeleteConversationParticipant(conv, "agent", nil); err != nil {
		t.Fatal(err)
	}
	agent.await(t, "conversation_removed", isEvent(proto.ConversationRemoved, conv))
	mustSendMessage(t, s.tw, conv, "guest", "are you gone?")
	agent.quiet(t, 300*time.Millisecond, "a message after leaving", isEvent(proto.MessageAdded, conv))
}

func TestTypingReadHorizonAndPresence(t *testing.T) {
	s := startServer(t)
	conv := s.conversationWith(t, "guest", "agent")
	agent, _ := s.connect(t, s.mintToken(t, "agent"), nil)
	guest, _ := s.connect(t, s.mintToken(t, "guest"), nil)

	online := agent.await(t, "the guest's user_online", func(f proto.ServerFrame) bool {
		return isEvent(proto.UserOnline, conv)(f) && strings.Contains(string(f.Data), `"guest"`)
	})
	if !strings.Contains(string(online.Data), `"guest"`) || online.Seq != 0 {
		t.Errorf("user_online = %+v, want guest, seq 0", online)
	}

	guest.send(proto.ClientFrame{Type: proto.TypeTyping, ConversationSID: conv})
	typing := agent.await(t, "typing_started", isEvent(proto.TypingStarted, conv))
	var ty proto.Typing
	json.Unmarshal(typing.Data, &ty)
	if ty.Identity != "guest" || ty.ExpiresInMS <= 0 || typing.Seq != 0 {
		t.Errorf("typing_started = %+v (%s)", typing, typing.Data)
	}
	// Typing again at once is throttled, not repeated.
	guest.send(proto.ClientFrame{Type: proto.TypeTyping, ConversationSID: conv})
	agent.quiet(t, 200*time.Millisecond, "a second typing_started", isEvent(proto.TypingStarted, conv))
	// Sending ends it.
	guest.send(proto.ClientFrame{Type: proto.TypeSend, ID: "m", ConversationSID: conv, Body: "my order is late"})
	guest.await(t, "ack", isReply("m"))
	agent.await(t, "typing_ended", isEvent(proto.TypingEnded, conv))
	msg := agent.await(t, "the message", isEvent(proto.MessageAdded, conv))

	// The agent reads it; the guest sees the read receipt.
	agent.send(proto.ClientFrame{Type: proto.TypeRead, ID: "r", ConversationSID: conv, Index: ptr(messageIndex(t, msg))})
	if ack := agent.await(t, "read ack", isReply("r")); ack.Type != proto.TypeAck {
		t.Fatalf("read answered %+v", ack)
	}
	upd := guest.await(t, "participant_updated", isEvent(proto.ParticipantUpdated, conv))
	var p map[string]any
	json.Unmarshal(upd.Data, &p)
	if p["identity"] != "agent" || p["last_read_message_index"] != float64(0) || p["last_read_timestamp"] == nil {
		t.Errorf("read receipt = %v", p)
	}
	// A horizon never moves back from the socket.
	agent.send(proto.ClientFrame{Type: proto.TypeRead, ID: "back", ConversationSID: conv, Index: ptr(0)})
	agent.await(t, "ack", isReply("back"))
	guest.quiet(t, 200*time.Millisecond, "an update for a read that moved nothing", isEvent(proto.ParticipantUpdated, conv))

	guest.ws.Close(websocket.StatusNormalClosure, "bye")
	agent.await(t, "user_offline", isEvent(proto.UserOffline, conv))
}

func TestCommandsAreRateLimited(t *testing.T) {
	s := startServer(t)
	conv := s.conversationWith(t, "chatty")
	mustSendMessage(t, s.tw, conv, "system", "something to read")
	w, _ := s.connect(t, s.mintToken(t, "chatty"), nil)
	start := time.Now()
	for i := range 60 {
		w.send(proto.ClientFrame{Type: proto.TypeRead, ID: fmt.Sprint(i), ConversationSID: conv, Index: ptr(0)})
	}
	elapsed := time.Since(start)
	allowed := 0
	for i := range 60 {
		f := w.await(t, "a reply", isReply(fmt.Sprint(i)))
		switch {
		case f.Type == proto.TypeAck:
			allowed++
		case f.Code != 20429 || f.Status != 429:
			t.Fatalf("command %d answered %+v, want an ack or a 429", i, f)
		}
	}
	// A burst of 30, then 30 a second: however slow this machine sent the
	// 60, no more may pass than the bucket held and refilled meanwhile.
	limit := 30 + int(elapsed.Seconds()*30) + 1
	if allowed > limit || allowed < 30 {
		t.Errorf("%d of 60 commands sent within %v were allowed, want 30 to %d", allowed, elapsed, limit)
	}
}

func TestACursorFromTheFutureMustResync(t *testing.T) {
	s := startServer(t)
	w, _, err := s.dialRaw(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.send(proto.ClientFrame{Type: proto.TypeHello, Token: s.mintToken(t, "someone"), Cursor: ptr(int64(1 << 40))})
	if f := w.next(t); f.Type != proto.TypeResync {
		t.Errorf("hello with an impossible cursor answered %+v, want resync", f)
	}
}

func TestAnAccessTokenReadsOnlyItsOwnConversationsOverREST(t *testing.T) {
	s := startServer(t)
	mine := s.conversationWith(t, "guest-a", "agent")
	theirs := s.conversationWith(t, "guest-b", "agent")
	mustSendMessage(t, s.tw, mine, "agent", "hello a")
	token := s.mintToken(t, "guest-a")
	as := func(method, path string) reply {
		return s.do(t, rawRequest{method: method, path: path, noAuth: true, header: map[string]string{"X-Twilio-Token": token},
			contentType: "application/x-www-form-urlencoded"})
	}
	user := mustFetchUser(t, s.tw, "guest-a")
	other := mustFetchUser(t, s.tw, "guest-b")
	tests := []struct {
		method, path string
		status       int
	}{
		{"GET", "/conversations/v1/Conversations/" + mine, 200},
		{"GET", "/conversations/v1/Conversations/" + mine + "/Messages", 200},
		{"GET", "/conversations/v1/Conversations/" + mine + "/Participants", 200},
		{"GET", "/conversations/v1/Users/" + *user.Sid + "/Conversations", 200},
		{"GET", "/conversations/v1/ParticipantConversations?Identity=guest-a", 200},
		{"GET", "/conversations/v1/Conversations/" + theirs, 403},
		{"GET", "/conversations/v1/Conversations/" + theirs + "/Messages", 403},
		{"GET", "/conversations/v1/Conversations/CH00000000000000000000000000000000", 403}, // no telling whether it exists
		{"GET", "/conversations/v1/Users/" + *other.Sid + "/Conversations", 403},
		{"GET", "/conversations/v1/ParticipantConversations?Identity=guest-b", 403},
		{"GET", "/conversations/v1/Conversations", 403},
		{"POST", "/conversations/v1/Conversations", 403},
		{"POST", "/conversations/v1/Conversations/" + mine + "/Messages", 403},
		{"DELETE", "/conversations/v1/Conversations/" + mine, 403},
		{"POST", "/parley/v1/Tokens", 403},
	}
	for _, tt := range tests {
		if r := as(tt.method, tt.path); r.status != tt.status {
			t.Errorf("%s %s with guest-a's token: %d %s, want %d", tt.method, tt.path, r.status, r.text, tt.status)
		}
	}
	r := s.do(t, rawRequest{method: "GET", path: "/conversations/v1/Conversations/" + mine, noAuth: true,
		header: map[string]string{"X-Twilio-Token": token + "x"}})
	if r.status != 401 || !strings.Contains(r.text, "signature") {
		t.Errorf("a tampered token over REST: %d %s, want 401 explaining the signature", r.status, r.text)
	}
}

func TestASessionEndsWhenItsTokenExpiresUnlessRefreshed(t *testing.T) {
	s := startServer(t)
	conv := s.conversationWith(t, "short", "renewed")
	mint := func(identity string, ttl time.Duration) string {
		tok, _, err := s.app.Auth.Mint(identity, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	short, _ := s.connect(t, mint("short", time.Second), nil)
	renewed, _ := s.connect(t, mint("renewed", 3*time.Second), nil)
	renewed.send(proto.ClientFrame{Type: proto.TypeToken, ID: "t", Token: mint("renewed", time.Hour)})
	if f := renewed.await(t, "the token's ack", isReply("t")); f.Type != proto.TypeAck {
		t.Fatalf("token refresh answered %+v", f)
	}
	if status, reason := short.closedWith(t); status != proto.CloseTokenExpired {
		t.Errorf("unrefreshed session closed %d %q, want %d", status, reason, proto.CloseTokenExpired)
	}
	time.Sleep(3 * time.Second) // past the first token's expiry
	renewed.send(proto.ClientFrame{Type: proto.TypeSend, ID: "m", ConversationSID: conv, Body: "still here"})
	if f := renewed.await(t, "ack", isReply("m")); f.Type != proto.TypeAck {
		t.Errorf("the refreshed session's send answered %+v", f)
	}
	// A refresh cannot change who the session is.
	renewed.send(proto.ClientFrame{Type: proto.TypeToken, ID: "other", Token: mint("short", time.Hour)})
	if f := renewed.await(t, "reply", isReply("other")); f.Type != proto.TypeError || f.Status != 401 {
		t.Errorf("a token for another identity answered %+v, want a 401 error", f)
	}
}

func TestACursorOlderThanTheLogMustResync(t *testing.T) {
	s := startServer(t)
	conv := s.conversationWith(t, "away")
	w, _ := s.connect(t, s.mintToken(t, "away"), nil)
	cursor := w.ready.Cursor
	w.ws.CloseNow()
	for i := range 3 {
		mustSendMessage(t, s.tw, conv, "system", fmt.Sprint(i))
	}
	mustCloseConversation(t, s.tw, conv)
	// Everything up to now leaves the log, as after a long absence. (The
	// messages' events stay with the messages; the close's does not.)
	if _, err := s.app.Conversations.PruneEvents(context.Background(), -time.Minute); err != nil {
		t.Fatal(err)
	}
	again, _, err := s.dialRaw(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	again.send(proto.ClientFrame{Type: proto.TypeHello, Token: s.mintToken(t, "away"), Cursor: &cursor})
	if f := again.next(t); f.Type != proto.TypeResync {
		t.Errorf("resuming from a pruned cursor answered %+v, want resync", f)
	}
}
