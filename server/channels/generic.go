package channels

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parley/server/outbound"
)

// Generic connects any provider that speaks JSON over HTTP. Both ways,
// requests carry X-Parley-Signature: "t=<unix seconds>,v1=<hex
// HMAC-SHA256 of t.body>" keyed by Secret; the timestamp bounds replays.
type Generic struct {
	SendURL string // where Parley posts outgoing messages
	Secret  string
	// StatusCallback is Parley's URL for the provider's status reports,
	// passed with every message.
	StatusCallback string
	// Policy is the outbound policy its calls go through; nil allows
	// the public internet only.
	Policy *outbound.Policy
	Now    func() time.Time
}

// GenericMessage is a message in the generic adapter's JSON, both ways.
type GenericMessage struct {
	ID             string         `json:"id,omitempty"`
	From           string         `json:"from"`
	To             string         `json:"to"`
	Body           string         `json:"body,omitempty"`
	Media          []GenericMedia `json:"media,omitempty"`
	StatusCallback string         `json:"status_callback,omitempty"`
}

// GenericMedia is a file in GenericMessage.
type GenericMedia struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type,omitempty"`
}

// GenericStatus is a provider's report on a message it sent.
type GenericStatus struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	ErrorCode int    `json:"error_code,omitempty"`
}

// SignatureTolerance is how old a signed request may be.
const SignatureTolerance = 5 * time.Minute

func (g *Generic) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// Sign is the X-Parley-Signature of body at time t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// ErrBadSignature is returned by Verify for a request that is unsigned,
// wrongly signed or too old.
var ErrBadSignature = errors.New("the request's X-Parley-Signature is missing, wrong or more than 5 minutes old")

// Verify checks a request's X-Parley-Signature against its body.
func (g *Generic) Verify(header string, body []byte) error {
	var ts, v1 string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			v1 = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || g.Secret == "" {
		return ErrBadSignature
	}
	t := time.Unix(sec, 0)
	if d := g.now().Sub(t); d > SignatureTolerance || d < -SignatureTolerance {
		return ErrBadSignature
	}
	want := Sign(g.Secret, t, body)
	if !hmac.Equal([]byte(want), []byte("t="+ts+",v1="+v1)) {
		return ErrBadSignature
	}
	return nil
}

// Send posts the message to SendURL and expects {"id": "..."} back.
func (g *Generic) Send(ctx context.Context, o Outgoing) (string, error) {
	msg := GenericMessage{From: o.From, To: o.To, Body: o.Body, StatusCallback: g.StatusCallback}
	for _, u := range o.MediaURLs {
		msg.Media = append(msg.Media, GenericMedia{URL: u})
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.SendURL, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Parley-Signature", Sign(g.Secret, g.now(), body))
	resp, err := g.Policy.Client(10 * time.Second).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var answer struct {
		ID string `json:"id"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&answer)
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return "", fmt.Errorf("the provider answered %d", resp.StatusCode)
	case resp.StatusCode >= 400:
		return "", fmt.Errorf("%w: the provider answered %d", ErrRefused, resp.StatusCode)
	case answer.ID == "":
		return "", fmt.Errorf("the provider answered %d without an id", resp.StatusCode)
	}
	return answer.ID, nil
}

// Fetch downloads inbound media.
func (g *Generic) Fetch(ctx context.Context, rawURL string) (io.ReadCloser, string, error) {
	return fetch(ctx, g.Policy.Client(30*time.Second), rawURL, nil)
}

// Inbound is a generic message as Parley receives it.
func (m GenericMessage) Inbound() Inbound {
	in := Inbound{Adapter: "generic", From: m.From, To: m.To, Body: m.Body, ChannelMessageSID: m.ID}
	for _, f := range m.Media {
		in.Media = append(in.Media, RemoteMedia{URL: f.URL, ContentType: f.ContentType})
	}
	return in
}
