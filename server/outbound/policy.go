// Package outbound is the one door for Parley's outbound HTTP calls:
// webhooks, TaskRouter event callbacks and the messaging adapters. Its
// Policy refuses, when a URL is saved and again on every connection's
// resolved address, the server's own machine and the networks behind it
// (loopback, private, link-local, and the other special ranges), unless the
// operator allowed a range with `serve --outbound-allow`.
package outbound

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"

	"parley/server/apperr"
)

// Policy decides which addresses Parley may call. A nil *Policy is the
// default: no range is allowed beyond the public internet.
type Policy struct {
	allow []netip.Prefix

	once      sync.Once
	transport *http.Transport // shared by the policy's clients, made on first use
}

// NewPolicy is a policy allowing, besides public addresses, those in allow.
func NewPolicy(allow []netip.Prefix) *Policy {
	return &Policy{allow: append([]netip.Prefix(nil), allow...)}
}

// ParseAllow reads --outbound-allow: comma-separated CIDRs such as
// "127.0.0.0/8,10.1.0.0/16" (a bare address is a range of one).
func ParseAllow(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("--outbound-allow: %q is not a CIDR such as 10.0.0.0/8 or fd00::/8", s)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("--outbound-allow: %q is not a CIDR such as 10.0.0.0/8 or fd00::/8", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Allowed lists the ranges the operator allowed.
func (p *Policy) Allowed() []netip.Prefix {
	if p == nil {
		return nil
	}
	return append([]netip.Prefix(nil), p.allow...)
}

func (p *Policy) allows(a netip.Addr) bool {
	if p == nil {
		return false
	}
	for _, pre := range p.allow {
		if pre.Contains(a) || (a.Is4In6() && pre.Contains(a.Unmap())) {
			return true
		}
	}
	return false
}

// Refusal is why the policy will not call a URL or an address.
type Refusal struct {
	URL  string // the URL refused, when one was checked
	Addr string // the address refused, when one was dialed
	// Rule says what the address is, in words and a range:
	// "private networks (10.0.0.0/8)".
	Rule string
	// Allowable is true when --outbound-allow can lift the refusal (an
	// address in a special range), false for a URL Parley cannot call at
	// all (another scheme, no host).
	Allowable bool
}

func (r *Refusal) Error() string {
	var b strings.Builder
	switch {
	case r.URL != "":
		b.WriteString(r.URL)
	case r.Addr != "":
		b.WriteString("address " + r.Addr)
	}
	b.WriteString(" is refused: ")
	if r.Allowable {
		b.WriteString("Parley does not call " + r.Rule + "; an operator can allow it with --outbound-allow")
	} else {
		b.WriteString(r.Rule)
	}
	return b.String()
}

// IsRefusal says whether err is, or wraps, the policy's refusal.
func IsRefusal(err error) bool {
	var r *Refusal
	return errors.As(err, &r)
}

// CheckURL is the check made when a URL is saved: only http and https, a
// host is required, and a host that is an address, written in any form a
// URL parser, a resolver or a browser would read as one (127.1, 2130706433,
// 0x7f.1, 0177.0.0.1, [::ffff:127.0.0.1] ...) or a name for the machine
// itself (localhost), must not be in a refused range. Other names are
// checked when they are dialed, on the address they resolve to.
func (p *Policy) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return &Refusal{URL: raw, Rule: "it is not a URL Parley can read"}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return &Refusal{URL: raw, Rule: "Parley calls only http and https URLs"}
	}
	if r := p.checkHost(u.Hostname()); r != nil {
		r.URL = raw
		return r
	}
	return nil
}

// Check is CheckURL as a 400 for an API caller, naming the parameter:
// "WebhookUrl http://10.0.0.5/x is refused: Parley does not call private
// networks (10.0.0.0/8); an operator can allow it with --outbound-allow".
func (p *Policy) Check(param, raw string) error {
	if err := p.CheckURL(raw); err != nil {
		return apperr.Invalidf(apperr.CodeBadRequest, "%s %s", param, err.Error())
	}
	return nil
}

// CheckAddr is the check made on every connection's resolved address.
func (p *Policy) CheckAddr(a netip.Addr) error {
	if r := p.refusal(a); r != nil {
		r.Addr = a.String()
		return r
	}
	return nil
}

// loopbackNames are names every resolver answers with the machine itself.
var loopbackNames = []string{"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}

// checkHost checks a URL's host as net/http would dial it (u.Hostname()).
func (p *Policy) checkHost(host string) *Refusal {
	// A trailing dot makes a name absolute; it names the same host.
	h := strings.ToLower(strings.TrimRight(host, "."))
	if h == "" {
		// net/http dials an empty host as the machine itself.
		return &Refusal{Rule: "a host is required"}
	}
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			// net/http maps such a name (IDNA), full-width digits
			// included; saying it in ASCII keeps what is checked and what
			// is dialed the same.
			return &Refusal{Rule: "Parley takes hosts in ASCII; write an international name in its xn-- form"}
		}
	}
	if strings.Contains(h, ":") {
		a, err := netip.ParseAddr(h)
		if err != nil {
			return &Refusal{Rule: "its host is not a valid IPv6 address"}
		}
		return p.refusal(a)
	}
	for _, n := range loopbackNames {
		if h == n || strings.HasSuffix(h, ".localhost") {
			if p.allows(netip.AddrFrom4([4]byte{127, 0, 0, 1})) {
				return nil
			}
			return &Refusal{Rule: "its own machine (" + h + ")", Allowable: true}
		}
	}
	a, numeric, ok := parseIPv4(h)
	if !numeric {
		return nil // a name: checked on what it resolves to, at dial time
	}
	if !ok {
		return &Refusal{Rule: "its host ends in a number but is not a valid IPv4 address"}
	}
	return p.refusal(a)
}

// parseIPv4 reads an IPv4 address the way browsers (the WHATWG URL
// standard) and the C library's inet_aton do: one to four parts, each
// decimal, octal (a leading 0) or hexadecimal (0x), the last filling the
// remaining bytes, so that 127.1, 2130706433, 0x7f.1 and 0177.0.0.1 are
// all 127.0.0.1. numeric says whether the host ends in a number, which
// makes it an address (valid or not) rather than a name.
func parseIPv4(h string) (a netip.Addr, numeric, ok bool) {
	parts := strings.Split(h, ".")
	last := parts[len(parts)-1]
	if _, lastOK := parseIPv4Number(last); !lastOK && !allDigits(last) {
		return a, false, false
	}
	if len(parts) > 4 {
		return a, true, false
	}
	var v uint64
	for i, s := range parts {
		n, ok := parseIPv4Number(s)
		if !ok {
			return a, true, false
		}
		if i < len(parts)-1 {
			if n > 255 {
				return a, true, false
			}
			v |= n << (8 * (3 - i))
			continue
		}
		if n >= 1<<(8*(5-len(parts))) {
			return a, true, false
		}
		v |= n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true, true
}

// parseIPv4Number reads one part of an IPv4 address; ok is false for a
// part that is not a number or is above 2³²-1.
func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := uint64(10)
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
	case len(s) >= 2 && s[0] == '0':
		base, s = 8, s[1:]
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		var d uint64
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= base {
			return 0, false
		}
		if n = n*base + d; n > 0xffffffff {
			return 0, false
		}
	}
	return n, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
