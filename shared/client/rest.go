package client

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"parley/shared/model"
)

// Auth authenticates a REST request.
type Auth func(ctx context.Context, r *http.Request) error

// AccountAuth authenticates as the account, with its SID and auth token
// (HTTP basic auth, as Twilio's API takes them).
func AccountAuth(accountSID, authToken string) Auth {
	return func(_ context.Context, r *http.Request) error {
		r.SetBasicAuth(accountSID, authToken)
		return nil
	}
}

// TokenAuth authenticates as a chat identity with an access token, sent in
// X-Twilio-Token as Twilio's SDKs send it. token is called for every
// request, so a refreshed token is used at once.
func TokenAuth(token func(ctx context.Context) (string, error)) Auth {
	return func(ctx context.Context, r *http.Request) error {
		t, err := token(ctx)
		if err != nil {
			return fmt.Errorf("parley: get a token: %w", err)
		}
		r.Header.Set("X-Twilio-Token", t)
		return nil
	}
}

// APIError is a refusal from the server: a REST error body (model.Error)
// or a realtime error frame, which carry the same fields.
type APIError struct {
	Status   int    // HTTP status
	Code     int    // Twilio's error code; 0 when the body was not Twilio's shape
	Message  string // what went wrong, for a person
	MoreInfo string // a link to the code's documentation, when given
}

// Error says the status, the code and the message.
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
// "http://127.0.0.1:8080"). A nil auth sends no credentials; a nil
// httpClient means http.DefaultClient.
func NewREST(baseURL string, auth Auth, httpClient *http.Client) *REST {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &REST{base: strings.TrimRight(baseURL, "/"), auth: auth, http: httpClient}
}

// maxErrorText bounds the message of an APIError made from a body that is
// not Twilio's JSON (a proxy's HTML page, say).
const maxErrorText = 512

// Do calls path (relative to the base URL, or absolute) with form
// parameters, form-encoded in the body of a POST and in the query string
// otherwise, and decodes the JSON answer into out when it is not nil (a
// *[]byte receives the body undecoded). An answer outside 2xx is returned
// as an *APIError.
func (c *REST) Do(ctx context.Context, method, path string, form url.Values, out any) error {
	u := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		u = c.base + path
	}
	var body io.Reader
	contentType := ""
	if method == http.MethodPost {
		body, contentType = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	} else if len(form) > 0 {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + form.Encode()
	}
	return c.send(ctx, method, u, body, contentType, out)
}

// Explain is what a person should read about err: the API's own message
// when the server answered, else the error itself.
func Explain(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Message != "" {
		return apiErr.Message
	}
	return err.Error()
}

// DoJSON makes a call whose body is JSON (Flex's transfers take one).
func (c *REST) DoJSON(ctx context.Context, method, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return c.send(ctx, method, c.base+path, bytes.NewReader(b), "application/json", out)
}

// UploadMedia uploads a file to the media content service as the body of
// the request, streamed, and returns its media resource: attach it to a
// message by its SID.
func (c *REST) UploadMedia(ctx context.Context, serviceSID, filename, contentType string, body io.Reader) (model.MediaResource, error) {
	var m model.MediaResource
	err := c.send(ctx, http.MethodPost, MediaUploadURL(c.base, serviceSID, filename), body, contentType, &m)
	return m, err
}

// MediaUploadURL is where a file named filename is uploaded to a chat
// service's media on the server at baseURL, for a browser that uploads it
// itself (XMLHttpRequest reports progress; this client does not).
func MediaUploadURL(baseURL, serviceSID, filename string) string {
	return strings.TrimRight(baseURL, "/") + "/mcs/v1/Services/" + url.PathEscape(serviceSID) + "/Media?" +
		url.Values{"Filename": {filename}}.Encode()
}

// send makes one request and decodes its JSON answer into out.
func (c *REST) send(ctx context.Context, method, u string, body io.Reader, contentType string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
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
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return errorFromBody(resp.StatusCode, b)
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	if raw, ok := out.(*[]byte); ok { // a CSV report, say: the body as it is
		*raw = b
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("parley: decode the answer to %s %s: %w", method, u, err)
	}
	return nil
}

// errorFromBody makes an APIError of an error answer, whether or not it is
// in Twilio's shape.
func errorFromBody(status int, b []byte) *APIError {
	var e model.Error
	if json.Unmarshal(b, &e) == nil && e.Code != 0 {
		return &APIError{Status: cmp.Or(e.Status, status), Code: e.Code, Message: e.Message, MoreInfo: e.MoreInfo}
	}
	msg := strings.TrimSpace(string(b))
	if len(msg) > maxErrorText {
		msg = msg[:maxErrorText] + "…"
	}
	return &APIError{Status: status, Message: cmp.Or(msg, http.StatusText(status))}
}

// conversationPath is the path of a conversation, or of something under it.
func conversationPath(sid string, under ...string) string {
	p := "/conversations/v1/Conversations/" + url.PathEscape(sid)
	for _, u := range under {
		p += "/" + u
	}
	return p
}

// CreateConversation starts a conversation.
func (c *REST) CreateConversation(ctx context.Context, friendlyName string) (model.Conversation, error) {
	var conv model.Conversation
	form := url.Values{}
	if friendlyName != "" {
		form.Set("FriendlyName", friendlyName)
	}
	err := c.Do(ctx, http.MethodPost, "/conversations/v1/Conversations", form, &conv)
	return conv, err
}

// Conversation fetches a conversation by SID or unique name.
func (c *REST) Conversation(ctx context.Context, sid string) (model.Conversation, error) {
	var conv model.Conversation
	err := c.Do(ctx, http.MethodGet, conversationPath(sid), nil, &conv)
	return conv, err
}

// AddChatParticipant adds a chat identity to a conversation.
func (c *REST) AddChatParticipant(ctx context.Context, conversationSID, identity string) (model.Participant, error) {
	var p model.Participant
	err := c.Do(ctx, http.MethodPost, conversationPath(conversationSID, "Participants"),
		url.Values{"Identity": {identity}}, &p)
	return p, err
}

// SendMessage posts a message over REST, as author.
func (c *REST) SendMessage(ctx context.Context, conversationSID, author, body string) (model.Message, error) {
	var m model.Message
	err := c.Do(ctx, http.MethodPost, conversationPath(conversationSID, "Messages"),
		url.Values{"Author": {author}, "Body": {body}}, &m)
	return m, err
}

// ListMessages returns every message of a conversation, oldest first,
// following the pages' next_page_url until the last.
func (c *REST) ListMessages(ctx context.Context, conversationSID string) ([]model.Message, error) {
	var all []model.Message
	for next := ""; ; {
		page, err := c.MessagesPage(ctx, conversationSID, false, 100, next)
		all = append(all, page.Messages...)
		if err != nil || page.Next == "" {
			return all, err
		}
		next = page.Next
	}
}

// nextPage is the request for the page after m, or "" after the last. Only
// the link's query (which holds the opaque page token) is kept: the link is
// built from the server's public URL, which need not be the address this
// client reaches it at, and credentials should not follow a link elsewhere.
func nextPage(path string, m model.Meta) (string, error) {
	if m.NextPageURL == nil || *m.NextPageURL == "" {
		return "", nil
	}
	u, err := url.Parse(*m.NextPageURL)
	if err != nil {
		return "", fmt.Errorf("parley: next_page_url %q: %w", *m.NextPageURL, err)
	}
	return path + "?" + u.RawQuery, nil
}

// CreateAPIKey makes an API key, for signing access tokens, and returns its
// SID and its secret, which the server shows only this once.
func (c *REST) CreateAPIKey(ctx context.Context, accountSID, friendlyName string) (sid, secret string, err error) {
	var k struct {
		SID    string `json:"sid"`
		Secret string `json:"secret"`
	}
	err = c.Do(ctx, http.MethodPost, "/api/2010-04-01/Accounts/"+url.PathEscape(accountSID)+"/Keys.json",
		url.Values{"FriendlyName": {friendlyName}}, &k)
	return k.SID, k.Secret, err
}

// MintToken asks the server for an access token for identity that lives ttl
// (rounded up to whole seconds; at most 24 hours). A ttl of 0 takes the
// server's default, an hour.
func (c *REST) MintToken(ctx context.Context, identity string, ttl time.Duration) (string, error) {
	var t struct {
		Token string `json:"token"`
	}
	form := url.Values{"Identity": {identity}}
	if ttl > 0 {
		form.Set("Ttl", strconv.FormatInt(int64((ttl+time.Second-1)/time.Second), 10))
	}
	err := c.Do(ctx, http.MethodPost, "/parley/v1/Tokens", form, &t)
	return t.Token, err
}
