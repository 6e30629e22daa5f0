package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twilio/twilio-go"
	twclient "github.com/twilio/twilio-go/client"
	conv "github.com/twilio/twilio-go/rest/conversations/v1"

	"parley/server/httpapi"
	"parley/shared/client"
)

// The account every test server runs as. Both are in the fixed formats
// Twilio uses: "AC" and 32 hex digits, and a 32 hex digit token.
const (
	testAccountSID = "AC0123456789abcdef0123456789abcdef"
	testAuthToken  = "0123456789abcdef0123456789abcdef"
)

// testServer is a Parley serving its real handler on a loopback port, with a
// twilio-go client pointed at it.
type testServer struct {
	app        *App
	stop       func() // shuts the server down, as at the end of the test
	dataDir    string
	database   string // the PostgreSQL URL, or "" for SQLite in dataDir
	baseURL    string
	accountSID string
	authToken  string
	tw         *twilio.RestClient
	raw        *http.Client // for requests twilio-go cannot make
}

// startServer opens a Parley in a fresh data directory, serves it on
// 127.0.0.1 and stops it when the test ends.
func startServer(t testing.TB) *testServer {
	t.Helper()
	// Tests start many chats from one address; the flood test sets its own.
	return startServerWith(t, func(c *Config) { c.GuestLimits = startServerLimits })
}

// startServerLimits let tests start many chats from one address.
var startServerLimits = httpapi.GuestLimits{InitBurst: 1000, InitPerMinute: 1000, OtherBurst: 1000, OtherPerMinute: 1000}

// startServerWith is startServer with changes to the config.
func startServerWith(t testing.TB, tweak func(*Config)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	baseURL := "http://" + ln.Addr().String()
	dataDir := t.TempDir()
	cfg := Config{
		DataDir:     dataDir,
		BaseURL:     baseURL,
		AccountSID:  testAccountSID,
		AuthToken:   testAuthToken,
		Logger:      slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Synchronous: "NORMAL",
		// Tests (and the browser tests' demo page) chat on the demo
		// deployment; those of a server without one turn it off.
		Demo: true,
		// Tests' receivers and fake providers listen on 127.0.0.1.
		OutboundAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	}
	tweak(&cfg)
	if cfg.Database == "" {
		cfg.Database = testDatabase(t, cfg.DataDir)
	}
	a, err := Open(cfg)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			// A client may hold a connection it dialed but never sent a
			// request on (the transport found an idle one first); the
			// server counts it as active for 5 s and Shutdown would wait
			// that out. The tests' clients all use the default transport.
			http.DefaultTransport.(*http.Transport).CloseIdleConnections()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Errorf("shut the HTTP server down: %v", err)
			}
			<-served
			if err := a.Close(); err != nil {
				t.Errorf("close the app: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return &testServer{
		app:        a,
		stop:       stop,
		dataDir:    cfg.DataDir,
		database:   cfg.Database,
		baseURL:    baseURL,
		accountSID: testAccountSID,
		authToken:  testAuthToken,
		tw:         newTwilioClient(t, baseURL, testAccountSID, testAuthToken, nil),
		raw:        &http.Client{Timeout: 10 * time.Second},
	}
}

// testLogWriter sends the server's log lines to the test's log.
type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// newTwilioClient returns the official client, sending every request meant
// for Twilio to the Parley at baseURL. next, when not nil, carries the
// rewritten requests (to count them, say).
func newTwilioClient(t testing.TB, baseURL, accountSID, authToken string, next http.RoundTripper) *twilio.RestClient {
	t.Helper()
	rt, err := client.NewTransport(baseURL, next)
	if err != nil {
		t.Fatal(err)
	}
	return twilio.NewRestClientWithParams(twilio.ClientParams{
		Client: &twclient.Client{
			Credentials: twclient.NewCredentials(accountSID, authToken),
			HTTPClient:  &http.Client{Transport: rt, Timeout: 10 * time.Second},
		},
	})
}

// countingTransport counts the requests that pass through it.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// ---- raw HTTP ----

// reply is a raw HTTP response: its status, its body decoded as a JSON
// object (nil when it is not one) and its text.
type reply struct {
	status int
	header http.Header
	json   map[string]any
	text   string
}

// rawRequest is a request built by hand.
type rawRequest struct {
	method      string
	path        string // with query string; relative to the base URL
	contentType string
	body        string
	noAuth      bool
	header      map[string]string
}

// do sends a hand-built request, authenticated as the account unless
// noAuth is set.
func (s *testServer) do(t testing.TB, rq rawRequest) reply {
	t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	req, err := http.NewRequest(rq.method, s.baseURL+rq.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if rq.contentType != "" {
		req.Header.Set("Content-Type", rq.contentType)
	}
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	if !rq.noAuth {
		req.SetBasicAuth(s.accountSID, s.authToken)
	}
	resp, err := s.raw.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", rq.method, rq.path, err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, text: string(b)}
	var obj map[string]any
	if json.Unmarshal(b, &obj) == nil {
		r.json = obj
	}
	return r
}

// get sends an authenticated GET.
func (s *testServer) get(t testing.TB, path string) reply {
	t.Helper()
	return s.do(t, rawRequest{method: http.MethodGet, path: path})
}

// postForm sends an authenticated, form-encoded POST.
func (s *testServer) postForm(t testing.TB, path string, form url.Values) reply {
	t.Helper()
	return s.do(t, rawRequest{method: http.MethodPost, path: path,
		contentType: "application/x-www-form-urlencoded", body: form.Encode()})
}

// wantTwilioErrorShape checks a raw reply is an error in Twilio's shape:
// {code, message, more_info, status} with the given HTTP status and, when
// code is not 0, the given Twilio error code.
func wantTwilioErrorShape(t *testing.T, r reply, status, code int) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d (body %.300s)", r.status, status, r.text)
	}
	if r.json == nil {
		t.Errorf("body is not a JSON object in Twilio's error shape: %.300q", r.text)
		return
	}
	for _, k := range []string{"code", "message", "more_info", "status"} {
		if _, ok := r.json[k]; !ok {
			t.Errorf("error body has no %q: %s", k, r.text)
		}
	}
	if got, _ := r.json["status"].(float64); int(got) != status {
		t.Errorf("error body status %v, want %d", r.json["status"], status)
	}
	if code != 0 {
		if got, _ := r.json["code"].(float64); int(got) != code {
			t.Errorf("error code %v, want %d (message %q)", r.json["code"], code, r.json["message"])
		}
	}
	if msg, _ := r.json["message"].(string); msg == "" {
		t.Errorf("error body has an empty message: %s", r.text)
	}
}

// wantServing checks the server still answers: its health check, and an
// authenticated API request.
func wantServing(t *testing.T, s *testServer) {
	t.Helper()
	if r := s.do(t, rawRequest{method: http.MethodGet, path: "/healthz", noAuth: true}); r.status != http.StatusOK {
		t.Fatalf("GET /healthz: status %d, body %q", r.status, r.text)
	}
	if _, err := s.tw.ConversationsV1.FetchConfiguration(); err != nil {
		t.Fatalf("the server stopped serving the API: %v", err)
	}
}

// countRows counts the rows of a table in the server's database, read
// directly: what no API call can show, such as rows a cascade should have
// removed.
func (s *testServer) countRows(t *testing.T, table string) int {
	t.Helper()
	driver, source := "sqlite3", "file:"+filepath.Join(s.dataDir, "parley.db")+"?mode=ro"
	if s.database != "" {
		driver, source = "pgx", s.database
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// ---- twilio-go errors ----

// wantTwilioError checks err is a Twilio REST error with the given HTTP
// status and, when code is not 0, the given Twilio error code.
func wantTwilioError(t *testing.T, err error, status, code int) {
	t.Helper()
	if err == nil {
		t.Errorf("succeeded, want an error with status %d code %d", status, code)
		return
	}
	var te *twclient.TwilioRestError
	if !errors.As(err, &te) {
		t.Errorf("error %v (%T) is not a *client.TwilioRestError", err, err)
		return
	}
	if te.Status != status || (code != 0 && te.Code != code) {
		t.Errorf("got status %d code %d (%q), want status %d code %d", te.Status, te.Code, te.Message, status, code)
	}
	if te.Message == "" {
		t.Errorf("error with status %d has no message", te.Status)
	}
}

// wantNotFound checks err is Twilio's 404 with code 20404.
func wantNotFound(t *testing.T, err error) {
	t.Helper()
	wantTwilioError(t, err, http.StatusNotFound, 20404)
}

// ---- resources, made the way a twilio-go user makes them ----

func mustCreateConversation(t *testing.T, tw *twilio.RestClient, friendlyName string) *conv.ConversationsV1Conversation {
	t.Helper()
	c, err := tw.ConversationsV1.CreateConversation(new(conv.CreateConversationParams).SetFriendlyName(friendlyName))
	if err != nil {
		t.Fatalf("create conversation %q: %v", friendlyName, err)
	}
	return c
}

func mustCreateConversationWith(t *testing.T, tw *twilio.RestClient, p *conv.CreateConversationParams) *conv.ConversationsV1Conversation {
	t.Helper()
	c, err := tw.ConversationsV1.CreateConversation(p)
	if err != nil {
		t.Fatalf("create conversation: %v", err)
	}
	return c
}

func mustFetchConversation(t *testing.T, tw *twilio.RestClient, ref string) *conv.ConversationsV1Conversation {
	t.Helper()
	c, err := tw.ConversationsV1.FetchConversation(ref)
	if err != nil {
		t.Fatalf("fetch conversation %s: %v", ref, err)
	}
	return c
}

func mustCloseConversation(t *testing.T, tw *twilio.RestClient, sid string) {
	t.Helper()
	c, err := tw.ConversationsV1.UpdateConversation(sid, new(conv.UpdateConversationParams).SetState("closed"))
	if err != nil {
		t.Fatalf("close conversation %s: %v", sid, err)
	}
	if got := str(c.State); got != "closed" {
		t.Fatalf("closed conversation %s has state %q", sid, got)
	}
}

func mustAddChatParticipant(t *testing.T, tw *twilio.RestClient, convSID, identity string) *conv.ConversationsV1ConversationParticipant {
	t.Helper()
	p, err := tw.ConversationsV1.CreateConversationParticipant(convSID,
		new(conv.CreateConversationParticipantParams).SetIdentity(identity))
	if err != nil {
		t.Fatalf("add %q to %s: %v", identity, convSID, err)
	}
	return p
}

func mustAddSMSParticipant(t *testing.T, tw *twilio.RestClient, convSID, address, proxy string) *conv.ConversationsV1ConversationParticipant {
	t.Helper()
	p, err := tw.ConversationsV1.CreateConversationParticipant(convSID,
		new(conv.CreateConversationParticipantParams).SetMessagingBindingAddress(address).SetMessagingBindingProxyAddress(proxy))
	if err != nil {
		t.Fatalf("add %s (via %s) to %s: %v", address, proxy, convSID, err)
	}
	return p
}

func mustFetchParticipant(t *testing.T, tw *twilio.RestClient, convSID, ref string) *conv.ConversationsV1ConversationParticipant {
	t.Helper()
	p, err := tw.ConversationsV1.FetchConversationParticipant(convSID, ref)
	if err != nil {
		t.Fatalf("fetch participant %s of %s: %v", ref, convSID, err)
	}
	return p
}

func mustListParticipants(t *testing.T, tw *twilio.RestClient, convSID string) []conv.ConversationsV1ConversationParticipant {
	t.Helper()
	ps, err := tw.ConversationsV1.ListConversationParticipant(convSID, nil)
	if err != nil {
		t.Fatalf("list participants of %s: %v", convSID, err)
	}
	return ps
}

// mustSendMessage sends body as author; an empty author leaves Author unset.
func mustSendMessage(t *testing.T, tw *twilio.RestClient, convSID, author, body string) *conv.ConversationsV1ConversationMessage {
	t.Helper()
	p := new(conv.CreateConversationMessageParams).SetBody(body)
	if author != "" {
		p.SetAuthor(author)
	}
	m, err := tw.ConversationsV1.CreateConversationMessage(convSID, p)
	if err != nil {
		t.Fatalf("send %q to %s: %v", body, convSID, err)
	}
	return m
}

// mustSendMessages sends n messages from author and returns them in order.
func mustSendMessages(t *testing.T, tw *twilio.RestClient, convSID, author string, n int) []*conv.ConversationsV1ConversationMessage {
	t.Helper()
	var out []*conv.ConversationsV1ConversationMessage
	for i := range n {
		out = append(out, mustSendMessage(t, tw, convSID, author, "message "+strconv.Itoa(i)))
	}
	return out
}

func mustListMessages(t *testing.T, tw *twilio.RestClient, convSID string, p *conv.ListConversationMessageParams) []conv.ConversationsV1ConversationMessage {
	t.Helper()
	ms, err := tw.ConversationsV1.ListConversationMessage(convSID, p)
	if err != nil {
		t.Fatalf("list messages of %s: %v", convSID, err)
	}
	return ms
}

func mustCreateUser(t *testing.T, tw *twilio.RestClient, identity string) *conv.ConversationsV1User {
	t.Helper()
	u, err := tw.ConversationsV1.CreateUser(new(conv.CreateUserParams).SetIdentity(identity))
	if err != nil {
		t.Fatalf("create user %q: %v", identity, err)
	}
	return u
}

func mustFetchUser(t *testing.T, tw *twilio.RestClient, ref string) *conv.ConversationsV1User {
	t.Helper()
	u, err := tw.ConversationsV1.FetchUser(ref)
	if err != nil {
		t.Fatalf("fetch user %s: %v", ref, err)
	}
	return u
}

func mustListConversations(t *testing.T, tw *twilio.RestClient) []conv.ConversationsV1Conversation {
	t.Helper()
	cs, err := tw.ConversationsV1.ListConversation(nil)
	if err != nil {
		t.Fatalf("list conversations: %v", err)
	}
	return cs
}

// ---- small helpers ----

// str dereferences an optional string; nil reads as "".
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// intOr dereferences an optional int; nil reads as def.
func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// object reads a JSON object field that twilio-go decodes as *interface{}.
func object(v *interface{}) map[string]any {
	if v == nil {
		return nil
	}
	m, _ := (*v).(map[string]any)
	return m
}

func sidsOfConversations(cs []conv.ConversationsV1Conversation) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = str(c.Sid)
	}
	return out
}

func sidsOfMessages(ms []conv.ConversationsV1ConversationMessage) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = str(m.Sid)
	}
	return out
}

func indexesOf(ms []conv.ConversationsV1ConversationMessage) []int {
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = m.Index
	}
	return out
}
