package outbound

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

// DialTimeout bounds connecting to a receiver, whatever the call's own
// timeout.
const DialTimeout = 5 * time.Second

// strict is the nil policy's transport.
var (
	strict     *http.Transport
	strictOnce sync.Once
)

// Dialer connects only to addresses the policy allows: its Control sees
// the address each connection is about to be made to, after the name was
// resolved, so a name that resolves (or later re-resolves, DNS rebinding)
// to a refused address is refused on the connection itself.
func (p *Policy) Dialer() *net.Dialer {
	return &net.Dialer{
		Timeout:   DialTimeout,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &Refusal{Addr: address, Rule: "it is not an address and port"}
			}
			return p.CheckAddr(ap.Addr())
		},
	}
}

// Transport is the policy's shared transport: its dialer checks every
// connection, and proxies from the environment are ignored, since a proxy
// would make the connection for Parley and hide the address from the check.
func (p *Policy) Transport() *http.Transport {
	if p == nil {
		strictOnce.Do(func() { strict = newTransport(nil) })
		return strict
	}
	p.once.Do(func() { p.transport = newTransport(p) })
	return p.transport
}

func newTransport(p *Policy) *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           p.Dialer().DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   DialTimeout,
		ExpectContinueTimeout: time.Second,
	}
}

// guard checks each request's URL before the transport dials: a refused
// literal address or name fails with the rule's words, not a dial error.
type guard struct {
	p    *Policy
	next http.RoundTripper
}

func (g guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.p.CheckURL(req.URL.String()); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return g.next.RoundTrip(req)
}

// ErrRedirect is the error of a call whose receiver answered with a
// redirect: Parley does not follow them, so a receiver cannot send it on to
// an address it could not name itself.
var ErrRedirect = errors.New("the receiver answered with a redirect, which Parley does not follow")

// Client is an HTTP client for calls to URLs integrators and operators
// give: every request's URL and every connection's address are checked,
// redirects are not followed (the 3xx is the answer), and a call takes
// at most timeout.
func (p *Policy) Client(timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: guard{p, p.Transport()},
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// FollowingClient is Client for the one call that must follow redirects:
// downloading a file a provider stores behind one (Twilio answers a media
// URL with a redirect to its storage). Each hop is checked as the first
// was, at most max of them.
func (p *Policy) FollowingClient(timeout time.Duration, max int) *http.Client {
	c := p.Client(timeout)
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > max {
			return ErrRedirect
		}
		return nil
	}
	return c
}
