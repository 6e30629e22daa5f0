// Package webhooks tells integrators what happens: Conversations' post-events
// (durably, through the outbox) and pre-events (synchronously, able to refuse
// or amend a change), and TaskRouter's event callbacks. Every request is
// form-encoded and signed with X-Twilio-Signature the way Twilio signs its
// own, so Twilio's request validators accept it.
package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"parley/server/outbound"
)

// Timeout bounds one attempt, as Twilio's webhooks do.
const Timeout = 5 * time.Second

// Sign is the X-Twilio-Signature of a request to rawURL carrying form (a
// POST's body; nil for a GET, whose parameters are in rawURL): the base64
// HMAC-SHA1, keyed by the auth token, of the URL followed by every
// parameter's name and value, sorted by name.
func Sign(authToken, rawURL string, form url.Values) string {
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(rawURL)
	for _, k := range names {
		for _, v := range form[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Poster makes signed webhook requests.
type Poster struct {
	AuthToken string
	// Policy checks every webhook URL when it is saved; Client is its
	// client, which checks each connection and follows no redirect.
	Policy *outbound.Policy
	Client *http.Client
}

// NewPoster returns a poster signing with authToken and calling only what
// policy allows (nil: the public internet).
func NewPoster(authToken string, policy *outbound.Policy) *Poster {
	return &Poster{AuthToken: authToken, Policy: policy, Client: policy.Client(Timeout)}
}

// MaxAnswer bounds how much of a receiver's answer is read.
const MaxAnswer = 64 << 10

// Send makes one signed request and returns the receiver's status and
// answer. idempotencyKey is the same on every attempt of one event, so a
// receiver can drop a repeat. A status outside 2xx is an error.
func (p *Poster) Send(ctx context.Context, method, rawURL string, form url.Values, idempotencyKey string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	var req *http.Request
	var err error
	signed := form
	if method == http.MethodGet {
		u, perr := url.Parse(rawURL)
		if perr != nil {
			return 0, nil, perr
		}
		q := u.Query()
		for k, vs := range form {
			q[k] = append(q[k], vs...)
		}
		u.RawQuery = q.Encode()
		rawURL, signed = u.String(), nil
		req, err = http.NewRequestWithContext(ctx, method, rawURL, nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, rawURL, strings.NewReader(form.Encode()))
		if req != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("User-Agent", "Parley-Webhooks/1")
	req.Header.Set("X-Twilio-Signature", Sign(p.AuthToken, rawURL, signed))
	if idempotencyKey != "" {
		req.Header.Set("I-Twilio-Idempotency-Token", idempotencyKey)
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer))
	if resp.StatusCode >= 300 {
		return resp.StatusCode, body, fmt.Errorf("%s answered %d", rawURL, resp.StatusCode)
	}
	return resp.StatusCode, body, nil
}
