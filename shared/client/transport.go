// Package client talks to a Parley server from Go, natively or in the
// browser.
package client

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// TwilioHosts maps each Twilio product host to the path prefix Parley serves
// that product under.
var TwilioHosts = map[string]string{
	"conversations.twilio.com": "/conversations",
	"flex-api.twilio.com":      "/flex",
	"taskrouter.twilio.com":    "/taskrouter",
	"api.twilio.com":           "/api",
	"mcs.us1.twilio.com":       "/mcs",
}

// Transport is an http.RoundTripper that sends requests meant for Twilio's
// product hosts to a Parley server instead, so the official twilio-go client
// works unchanged:
//
//	rt, _ := client.NewTransport("https://parley.example.com", nil)
//	tw := twilio.NewRestClientWithParams(twilio.ClientParams{
//		Client: &twclient.Client{ // github.com/twilio/twilio-go/client
//			Credentials: twclient.NewCredentials(accountSID, authToken),
//			HTTPClient:  &http.Client{Transport: rt},
//		},
//	})
//
// Requests to any other host (such as the next_page_url links Parley returns,
// which already point at Parley) pass through untouched.
type Transport struct {
	base *url.URL
	next http.RoundTripper
}

// NewTransport returns a Transport for the Parley server at baseURL. next
// carries the rewritten requests; nil means http.DefaultTransport.
func NewTransport(baseURL string, next http.RoundTripper) (*Transport, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("parley base URL %q must be absolute, like http://127.0.0.1:8080", baseURL)
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return &Transport{base: u, next: next}, nil
}

// RoundTrip rewrites a Twilio product URL to the Parley server and sends it.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	prefix, ok := TwilioHosts[strings.ToLower(r.URL.Hostname())]
	if !ok {
		return t.next.RoundTrip(r)
	}
	out := r.Clone(r.Context())
	u := *r.URL
	u.Scheme, u.Host = t.base.Scheme, t.base.Host
	u.Path = t.base.Path + prefix + r.URL.Path
	if r.URL.RawPath != "" {
		u.RawPath = t.base.EscapedPath() + prefix + r.URL.RawPath
	}
	out.URL, out.Host = &u, t.base.Host
	return t.next.RoundTrip(out)
}
