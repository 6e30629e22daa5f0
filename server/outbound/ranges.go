package outbound

import "net/netip"

// rng is a refused range and how a refusal names it.
type rng struct {
	prefix netip.Prefix
	what   string
}

func r(cidr, what string) rng { return rng{netip.MustParsePrefix(cidr), what} }

// refusedV4 are the IPv4 ranges that are not the public internet (IANA's
// special-purpose registry, RFC 6890 and its updates). Order matters only
// where ranges nest: the broadcast address before 240.0.0.0/4.
var refusedV4 = []rng{
	r("0.0.0.0/8", "the unspecified address and \"this network\""),
	r("10.0.0.0/8", "private networks"),
	r("100.64.0.0/10", "carrier-grade NAT (shared address space)"),
	r("127.0.0.0/8", "loopback addresses, the machine it runs on"),
	r("169.254.0.0/16", "link-local addresses, where cloud metadata services answer"),
	r("172.16.0.0/12", "private networks"),
	r("192.0.0.0/24", "IETF protocol assignments"),
	r("192.0.2.0/24", "documentation addresses"),
	r("192.88.99.0/24", "the deprecated 6to4 relay anycast"),
	r("192.168.0.0/16", "private networks"),
	r("198.18.0.0/15", "benchmarking networks"),
	r("198.51.100.0/24", "documentation addresses"),
	r("203.0.113.0/24", "documentation addresses"),
	r("224.0.0.0/4", "multicast addresses"),
	r("255.255.255.255/32", "the broadcast address"),
	r("240.0.0.0/4", "reserved addresses"),
}

// refusedV6 are the special IPv6 ranges inside or beside global unicast;
// anything outside 2000::/3 is refused besides (see refusal).
var refusedV6 = []rng{
	r("::/128", "the unspecified address"),
	r("::1/128", "the loopback address, the machine it runs on"),
	r("64:ff9b:1::/48", "local-use NAT64 addresses"),
	r("100::/64", "discard-only addresses"),
	r("2001:2::/48", "benchmarking networks"),
	r("2001:db8::/32", "documentation addresses"),
	r("3fff::/20", "documentation addresses"),
	r("fc00::/7", "private networks (unique local addresses)"),
	r("fe80::/10", "link-local addresses"),
	r("fec0::/10", "site-local addresses"),
	r("ff00::/8", "multicast addresses"),
}

var (
	globalUnicast = netip.MustParsePrefix("2000::/3")
	nat64         = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour     = netip.MustParsePrefix("2002::/16")
	teredo        = netip.MustParsePrefix("2001::/32")
)

// refusal is why a is refused, or nil when Parley may call it.
func (p *Policy) refusal(a netip.Addr) *Refusal {
	a = a.WithZone("")
	if !a.IsValid() {
		return &Refusal{Rule: "it is not an address"}
	}
	if p.allows(a) {
		return nil
	}
	if a.Is4In6() {
		return p.refusal(a.Unmap())
	}
	if a.Is4() {
		for _, x := range refusedV4 {
			if x.prefix.Contains(a) {
				return &Refusal{Rule: x.what + " (" + x.prefix.String() + ")", Allowable: true}
			}
		}
		return nil
	}
	// IPv6 forms that carry an IPv4 address reach it: NAT64 through a
	// translator, 6to4 and Teredo through relays. Each is as refused as
	// the IPv4 address it carries.
	b := a.As16()
	embedded := func(via string, v4 ...[4]byte) *Refusal {
		for _, x := range v4 {
			if r := p.refusal(netip.AddrFrom4(x)); r != nil {
				r.Rule += ", inside " + via + " address"
				return r
			}
		}
		return nil
	}
	switch {
	case nat64.Contains(a):
		return embedded("a NAT64", [4]byte(b[12:16]))
	case sixToFour.Contains(a):
		return embedded("a 6to4", [4]byte(b[2:6]))
	case teredo.Contains(a):
		client := [4]byte{^b[12], ^b[13], ^b[14], ^b[15]}
		return embedded("a Teredo", [4]byte(b[4:8]), client)
	}
	for _, x := range refusedV6 {
		if x.prefix.Contains(a) {
			return &Refusal{Rule: x.what + " (" + x.prefix.String() + ")", Allowable: true}
		}
	}
	if !globalUnicast.Contains(a) {
		// IPv4-compatible (::a.b.c.d), SIIT and the unassigned rest.
		return &Refusal{Rule: "IPv6 addresses outside global unicast (2000::/3)", Allowable: true}
	}
	return nil
}
