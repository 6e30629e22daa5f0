package channels

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"parley/server/outbound"
)

// Twilio sends through Twilio's Messages API, so a real Twilio number can
// be connected to Parley: its inbound webhook and status callback point at
// Parley, which checks their X-Twilio-Signature with AuthToken.
type Twilio struct {
	AccountSID, AuthToken string
	// APIBase is Twilio's API origin; tests point it at a local fake.
	APIBase string
	// StatusCallback is Parley's public URL for Twilio's status reports.
	StatusCallback string
	// Policy is the outbound policy its calls go through; nil allows
	// the public internet only.
	Policy *outbound.Policy
}

// DefaultTwilioAPI is Twilio's REST API origin.
const DefaultTwilioAPI = "https://api.twilio.com"

func (t *Twilio) client() *http.Client { return t.Policy.Client(10 * time.Second) }

// Send creates a Message through Twilio's API.
func (t *Twilio) Send(ctx context.Context, o Outgoing) (string, error) {
	form := url.Values{"To": {o.To}, "From": {o.From}}
	if o.Body != "" {
		form.Set("Body", o.Body)
	}
	for _, u := range o.MediaURLs {
		form.Add("MediaUrl", u)
	}
	if t.StatusCallback != "" {
		form.Set("StatusCallback", t.StatusCallback)
	}
	base := strings.TrimRight(t.APIBase, "/")
	if base == "" {
		base = DefaultTwilioAPI
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		base+"/2010-04-01/Accounts/"+url.PathEscape(t.AccountSID)+"/Messages.json", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(t.AccountSID, t.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := t.client().Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var answer struct {
		SID     string `json:"sid"`
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&answer)
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return "", fmt.Errorf("twilio answered %d: %s", resp.StatusCode, answer.Message)
	case resp.StatusCode >= 400:
		return "", fmt.Errorf("%w: twilio answered %d, code %d: %s", ErrRefused, resp.StatusCode, answer.Code, answer.Message)
	case answer.SID == "":
		return "", fmt.Errorf("twilio answered %d without a message sid", resp.StatusCode)
	}
	return answer.SID, nil
}

// Fetch downloads inbound media with the account's credentials (Twilio can
// require them for media URLs).
func (t *Twilio) Fetch(ctx context.Context, rawURL string) (io.ReadCloser, string, error) {
	// Twilio answers a media URL with a redirect to where the file is
	// kept: this one call follows redirects, each hop checked by the
	// policy (and net/http drops the credentials on a change of host).
	return fetch(ctx, t.Policy.FollowingClient(30*time.Second, 5), rawURL, func(r *http.Request) { r.SetBasicAuth(t.AccountSID, t.AuthToken) })
}

func fetch(ctx context.Context, c *http.Client, rawURL string, auth func(*http.Request)) (io.ReadCloser, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, "", fmt.Errorf("media URL %q is not an http(s) URL", rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, "", err
	}
	if auth != nil {
		auth(req)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, "", fmt.Errorf("fetching %s answered %d", rawURL, resp.StatusCode)
	}
	return resp.Body, resp.Header.Get("Content-Type"), nil
}

// TwilioInbound reads Twilio's inbound message webhook form.
func TwilioInbound(form url.Values) Inbound {
	in := Inbound{Adapter: "twilio", From: form.Get("From"), To: form.Get("To"), Body: form.Get("Body"),
		ChannelMessageSID: form.Get("MessageSid")}
	var n int
	fmt.Sscan(form.Get("NumMedia"), &n)
	for i := range min(n, 10) {
		in.Media = append(in.Media, RemoteMedia{URL: form.Get(fmt.Sprintf("MediaUrl%d", i)),
			ContentType: form.Get(fmt.Sprintf("MediaContentType%d", i))})
	}
	return in
}
