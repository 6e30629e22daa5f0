package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"parley/shared/model"
)

// Auth authenticates REST calls.
type Auth func(ctx context.Context, r *http.Request) error

// AccountAuth authenticates as the account, with its SID and auth token.
func AccountAuth(accountSID, authToken string) Auth {
	return func(_ context.Context, r *http.Request) error {
		r.SetBasicAuth(accountSID, authToken)
		return nil
	}
}

// TokenAuth authenticates as a chat identity with an access token, fetched
// for every call so a refreshed token is used at once.
func TokenAuth(token func(ctx context.Context) (string, error)) Auth {
	return func(ctx context.Context, r *http.Request) error {
		t, err := token(ctx)
		if err != nil {
			return err
		}
		r.Header.Set("X-Twilio-Token", t)
		return nil
	}
}

// APIError is an error answer from the server, in Twilio's shape.
type APIError struct {
	Status  int    // HTTP status
	Code    int    // Twilio's error code
	Message string // what went wrong
}

func (e *APIError) Error() string {
	return fmt.Sprintf("parley: %d %d: %s", e.Status, e.Code, e.Message)
}

// REST calls Parley's REST API.
type REST struct {
	base string
	auth Auth
	http *http.Client
}

// NewREST returns a REST client for the server at baseURL (such as
// "https://chat.example.com"). A nil httpClient means http.DefaultClient.
func NewREST(baseURL string, auth Auth, httpClient *http.Client) *REST {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &REST{base: strings.TrimRight(baseURL, "/"), auth: auth, http: httpClient}
}

// Do calls path (relative to the base URL, or absolute, like a
// next_page_url) with form parameters (a body for POST, a query string
// otherwise) and decodes the JSON answer into out (when not nil).
func (c *REST) Do(ctx context.Context, method, path string, form url.Values, out any) error {
	u := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		u = c.base + path
	}
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	} else if len(form) > 0 {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + form.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.auth != nil {
		if err := c.auth(ctx, req); err != nil {
			return err
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var body model.Error
		if json.Unmarshal(b, &body) != nil || body.Code == 0 {
			return &APIError{Status: resp.StatusCode, Message: strings.TrimSpace(string(b))}
		}
		return &APIError{Status: body.Status, Code: body.Code, Message: body.Message}
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, out)
}

// CreateConversation starts a conversation.
func (c *REST) CreateConversation(ctx context.Context, friendlyName string) (model.Conversation, error) {
	var conv model.Conversation
	err := c.Do(ctx, http.MethodPost, "/conversations/v1/Conversations", url.Values{"FriendlyName": {friendlyName}}, &conv)
	return conv, err
}

// Conversation fetches a conversation by SID or unique name.
func (c *REST) Conversation(ctx context.Context, ref string) (model.Conversation, error) {
	var conv model.Conversation
	err := c.Do(ctx, http.MethodGet, "/conversations/v1/Conversations/"+url.PathEscape(ref), nil, &conv)
	return conv, err
}

// AddChatParticipant adds a chat identity to a conversation.
func (c *REST) AddChatParticipant(ctx context.Context, conversationSID, identity string) (model.Participant, error) {
	var p model.Participant
	err := c.Do(ctx, http.MethodPost, "/conversations/v1/Conversations/"+url.PathEscape(conversationSID)+"/Participants",
		url.Values{"Identity": {identity}}, &p)
	return p, err
}

// SendMessage posts a message over REST.
func (c *REST) SendMessage(ctx context.Context, conversationSID, author, body string) (model.Message, error) {
	var m model.Message
	err := c.Do(ctx, http.MethodPost, "/conversations/v1/Conversations/"+url.PathEscape(conversationSID)+"/Messages",
		url.Values{"Author": {author}, "Body": {body}}, &m)
	return m, err
}

// ListMessages returns every message of a conversation, oldest first,
// following the server's next_page_url links.
func (c *REST) ListMessages(ctx context.Context, conversationSID string) ([]model.Message, error) {
	var all []model.Message
	next := "/conversations/v1/Conversations/" + url.PathEscape(conversationSID) + "/Messages?PageSize=100"
	for next != "" {
		var page struct {
			Messages []model.Message `json:"messages"`
			Meta     model.Meta      `json:"meta"`
		}
		if err := c.Do(ctx, http.MethodGet, next, nil, &page); err != nil {
			return all, err
		}
		all = append(all, page.Messages...)
		next = ""
		if page.Meta.NextPageURL != nil {
			next = *page.Meta.NextPageURL
		}
	}
	return all, nil
}

// CreateAPIKey makes an API key for signing access tokens and returns its
// SID and secret (shown only this once).
func (c *REST) CreateAPIKey(ctx context.Context, accountSID, friendlyName string) (sid, secret string, err error) {
	var k struct {
		SID    string `json:"sid"`
		Secret string `json:"secret"`
	}
	err = c.Do(ctx, http.MethodPost, "/api/2010-04-01/Accounts/"+url.PathEscape(accountSID)+"/Keys.json",
		url.Values{"FriendlyName": {friendlyName}}, &k)
	return k.SID, k.Secret, err
}

// MintToken asks the server for an access token for identity, living ttl
// (at most 24 hours).
func (c *REST) MintToken(ctx context.Context, identity string, ttl time.Duration) (string, error) {
	var t struct {
		Token string `json:"token"`
	}
	err := c.Do(ctx, http.MethodPost, "/parley/v1/Tokens",
		url.Values{"Identity": {identity}, "Ttl": {strconv.Itoa(int(ttl / time.Second))}}, &t)
	return t.Token, err
}
