package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"parley/shared/model"
)

// twilio is a canned server: it records each request and answers with the
// handler's status and body.
type twilio struct {
	*httptest.Server
	reqs  []*http.Request
	forms []url.Values
}

func newTwilio(t *testing.T, answer func(r *http.Request) (int, string)) *twilio {
	t.Helper()
	tw := &twilio{}
	tw.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		tw.reqs = append(tw.reqs, r)
		tw.forms = append(tw.forms, form)
		status, body := answer(r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(tw.Close)
	return tw
}

func TestDoPostsAFormWithAccountAuth(t *testing.T) {
	tw := newTwilio(t, func(*http.Request) (int, string) {
		return 201, `{"sid":"CH1","friendly_name":"Support","state":"active","date_created":"2026-11-22T10:00:00Z"}`
	})
	rest := NewREST(tw.URL+"/", AccountAuth("AC1", "secret"), nil)
	conv, err := rest.CreateConversation(context.Background(), "Support")
	if err != nil {
		t.Fatal(err)
	}
	if conv.SID != "CH1" || *conv.FriendlyName != "Support" || conv.DateCreated.Hour() != 10 {
		t.Errorf("decoded %+v", conv)
	}
	r := tw.reqs[0]
	if user, pass, _ := r.BasicAuth(); user != "AC1" || pass != "secret" {
		t.Errorf("basic auth %q:%q, want AC1:secret", user, pass)
	}
	if r.Method != "POST" || r.URL.Path != "/conversations/v1/Conversations" ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || tw.forms[0].Get("FriendlyName") != "Support" {
		t.Errorf("sent %s %s (%s) %v", r.Method, r.URL, r.Header.Get("Content-Type"), tw.forms[0])
	}
}

func TestDoPutsParametersOfAGetInTheQueryAndSendsTheToken(t *testing.T) {
	tw := newTwilio(t, func(*http.Request) (int, string) { return 200, `{}` })
	calls := 0
	rest := NewREST(tw.URL, TokenAuth(func(context.Context) (string, error) {
		calls++
		return fmt.Sprintf("jwt-%d", calls), nil
	}), nil)
	for range 2 {
		if err := rest.Do(context.Background(), "GET", "/conversations/v1/Conversations?PageSize=5",
			url.Values{"State": {"active"}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	r := tw.reqs[1]
	if r.URL.RawQuery != "PageSize=5&State=active" {
		t.Errorf("query %q", r.URL.RawQuery)
	}
	if got := r.Header.Get("X-Twilio-Token"); got != "jwt-2" {
		t.Errorf("X-Twilio-Token %q, want a token fetched for each request", got)
	}
	if _, _, ok := r.BasicAuth(); ok {
		t.Error("a token caller also sent basic auth")
	}

	failing := NewREST(tw.URL, TokenAuth(func(context.Context) (string, error) { return "", errors.New("offline") }), nil)
	if err := failing.Do(context.Background(), "GET", "/x", nil, nil); err == nil || !strings.Contains(err.Error(), "offline") {
		t.Errorf("a failing token source gave %v", err)
	}
}

func TestDoMapsErrorAnswersToAPIError(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   APIError
	}{
		{"twilio", 409, `{"code":50433,"message":"Participant already exists","more_info":"https://www.twilio.com/docs/errors/50433","status":409}`,
			APIError{Status: 409, Code: 50433, Message: "Participant already exists", MoreInfo: "https://www.twilio.com/docs/errors/50433"}},
		{"twilio without status", 401, `{"code":20003,"message":"Authenticate"}`,
			APIError{Status: 401, Code: 20003, Message: "Authenticate"}},
		{"a proxy's page", 502, "<html>Bad gateway</html>\n", APIError{Status: 502, Message: "<html>Bad gateway</html>"}},
		{"empty", 503, "", APIError{Status: 503, Message: "Service Unavailable"}},
	}
	for _, tt := range tests {
		tw := newTwilio(t, func(*http.Request) (int, string) { return tt.status, tt.body })
		var out model.Conversation
		err := NewREST(tw.URL, nil, nil).Do(context.Background(), "GET", "/conversations/v1/Conversations/CH1", nil, &out)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || *apiErr != tt.want {
			t.Errorf("%s: %#v, want %#v", tt.name, err, tt.want)
		}
	}
	long := newTwilio(t, func(*http.Request) (int, string) { return 500, strings.Repeat("x", 10000) })
	var apiErr *APIError
	if err := NewREST(long.URL, nil, nil).Do(context.Background(), "GET", "/", nil, nil); !errors.As(err, &apiErr) ||
		len(apiErr.Message) > maxErrorText+len("…") {
		t.Errorf("a long error body gave a message of %d bytes", len(apiErr.Message))
	}
}

func TestListMessagesFollowsNextPageURL(t *testing.T) {
	tw := newTwilio(t, func(r *http.Request) (int, string) {
		// The links name the server's public URL, not the address the
		// client reached it at: only their page token matters.
		next := `"https://chat.example.com/conversations/v1/Conversations/CH1/Messages?Order=asc&PageSize=2&Page=%d&PageToken=PA%d"`
		switch r.URL.Query().Get("PageToken") {
		case "":
			return 200, `{"messages":[{"index":0},{"index":1}],"meta":{"page":0,"key":"messages","next_page_url":` + fmt.Sprintf(next, 1, 1) + `}}`
		case "PA1":
			return 200, `{"messages":[{"index":2},{"index":3}],"meta":{"page":1,"key":"messages","next_page_url":` + fmt.Sprintf(next, 2, 3) + `}}`
		default:
			return 200, `{"messages":[{"index":4}],"meta":{"page":2,"key":"messages","next_page_url":null}}`
		}
	})
	msgs, err := NewREST(tw.URL, AccountAuth("AC1", "secret"), nil).ListMessages(context.Background(), "CH1")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 5 {
		t.Fatalf("got %d messages, want 5", len(msgs))
	}
	for i, m := range msgs {
		if m.Index != i {
			t.Errorf("message %d has index %d", i, m.Index)
		}
	}
	if len(tw.reqs) != 3 {
		t.Fatalf("made %d requests, want 3", len(tw.reqs))
	}
	for _, r := range tw.reqs {
		if r.URL.Path != "/conversations/v1/Conversations/CH1/Messages" || r.URL.Query().Get("Order") != "asc" {
			t.Errorf("asked for %s", r.URL)
		}
	}
	if q := tw.reqs[2].URL.Query(); q.Get("PageToken") != "PA3" || q.Get("Page") != "2" {
		t.Errorf("third page asked as %s", tw.reqs[2].URL)
	}
}

func TestTypedHelpersAskForTheDocumentedPaths(t *testing.T) {
	tw := newTwilio(t, func(r *http.Request) (int, string) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/Keys.json"):
			return 201, `{"sid":"SK1","friendly_name":"load","secret":"s3cret"}`
		case r.URL.Path == "/parley/v1/Tokens":
			return 201, `{"token":"eyJ.x.y","identity":"alice","expires_at":"2026-11-22T11:00:00Z"}`
		case strings.HasSuffix(r.URL.Path, "/Participants"):
			return 201, `{"sid":"MB1","identity":"alice"}`
		case strings.HasSuffix(r.URL.Path, "/Messages"):
			return 201, `{"sid":"IM1","index":7,"author":"alice","body":"hi"}`
		}
		return 200, `{"sid":"CH1"}`
	})
	rest := NewREST(tw.URL, AccountAuth("AC1", "secret"), nil)
	ctx := context.Background()

	sid, secret, err := rest.CreateAPIKey(ctx, "AC1", "load")
	if err != nil || sid != "SK1" || secret != "s3cret" {
		t.Errorf("CreateAPIKey = %q, %q, %v", sid, secret, err)
	}
	tok, err := rest.MintToken(ctx, "alice", 90*time.Second+time.Millisecond)
	if err != nil || tok != "eyJ.x.y" {
		t.Errorf("MintToken = %q, %v", tok, err)
	}
	if _, err := rest.MintToken(ctx, "alice", 0); err != nil {
		t.Fatal(err)
	}
	p, err := rest.AddChatParticipant(ctx, "CH1", "alice")
	if err != nil || p.SID != "MB1" || *p.Identity != "alice" {
		t.Errorf("AddChatParticipant = %+v, %v", p, err)
	}
	m, err := rest.SendMessage(ctx, "CH1", "alice", "hi")
	if err != nil || m.SID != "IM1" || m.Index != 7 {
		t.Errorf("SendMessage = %+v, %v", m, err)
	}
	conv, err := rest.Conversation(ctx, "support/1")
	if err != nil || conv.SID != "CH1" {
		t.Errorf("Conversation = %+v, %v", conv, err)
	}

	want := []struct {
		method, path string
		form         url.Values
	}{
		{"POST", "/api/2010-04-01/Accounts/AC1/Keys.json", url.Values{"FriendlyName": {"load"}}},
		{"POST", "/parley/v1/Tokens", url.Values{"Identity": {"alice"}, "Ttl": {"91"}}},
		{"POST", "/parley/v1/Tokens", url.Values{"Identity": {"alice"}}}, // the server's default TTL
		{"POST", "/conversations/v1/Conversations/CH1/Participants", url.Values{"Identity": {"alice"}}},
		{"POST", "/conversations/v1/Conversations/CH1/Messages", url.Values{"Author": {"alice"}, "Body": {"hi"}}},
		{"GET", "/conversations/v1/Conversations/support%2F1", url.Values{}},
	}
	for i, w := range want {
		r := tw.reqs[i]
		if r.Method != w.method || r.URL.EscapedPath() != w.path || tw.forms[i].Encode() != w.form.Encode() {
			t.Errorf("call %d: %s %s %v, want %s %s %v", i, r.Method, r.URL.EscapedPath(), tw.forms[i], w.method, w.path, w.form)
		}
	}
}
