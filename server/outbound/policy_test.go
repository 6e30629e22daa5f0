package outbound

import (
	"net/netip"
	"strings"
	"testing"

	"parley/server/apperr"
)

func TestCheckURLRefusesEveryWayOfWritingAnInternalAddress(t *testing.T) {
	tests := []struct {
		url  string
		rule string // a word of the refusal; "" when the URL is accepted
	}{
		// Public addresses and names pass; names are checked when dialed.
		{"https://hooks.example.com/in", ""},
		{"http://93.184.216.34/x", ""},
		{"http://[2606:2800:220:1:248:1893:25c8:1946]/x", ""},
		{"http://1e100.net/", ""},
		{"http://127.0.0.1.nip.io/", ""}, // a name: its address is checked at dial time
		{"http://[64:ff9b::5db8:d822]/", ""},
		{"http://[2002:5db8:d822::1]/", ""},

		// Loopback, however it is written.
		{"http://127.0.0.1/x", "loopback"},
		{"http://127.0.0.1:8080/x", "loopback"},
		{"http://user:pw@127.0.0.1/", "loopback"},
		{"http://127.1/", "loopback"},
		{"http://127.0.1/", "loopback"},
		{"http://2130706433/", "loopback"},
		{"http://0x7f000001/", "loopback"},
		{"http://0x7f.1/", "loopback"},
		{"http://0X7F.0.0.1/", "loopback"},
		{"http://0177.0.0.1/", "loopback"},
		{"http://0177.1/", "loopback"},
		{"http://017700000001/", "loopback"},
		{"http://127.000.000.001/", "loopback"},
		{"http://127.0.0.1./", "loopback"},
		{"http://[::1]/", "loopback"},
		{"http://[0:0:0:0:0:0:0:1]/", "loopback"},
		{"http://[::ffff:127.0.0.1]/", "loopback"},
		{"http://[::ffff:7f00:1]/", "loopback"},
		{"http://[0:0:0:0:0:ffff:127.0.0.1]/", "loopback"},
		{"http://[::1%25eth0]/", "loopback"},
		{"http://localhost/", "own machine"},
		{"http://LOCALHOST./", "own machine"},
		{"http://api.localhost/", "own machine"},
		{"http://localhost.localdomain/", "own machine"},
		{"http://ip6-localhost/", "own machine"},

		// Private, link-local, unspecified and the rest.
		{"http://10.0.0.5/x", "private networks (10.0.0.0/8)"},
		{"http://172.16.3.4/", "private networks (172.16.0.0/12)"},
		{"http://192.168.1.1/", "private networks (192.168.0.0/16)"},
		{"http://167772165/", "private networks (10.0.0.0/8)"},
		{"http://0xa.0.0.5/", "private networks"},
		{"http://012.0.0.5/", "private networks"},
		{"http://169.254.169.254/latest/meta-data/", "link-local"},
		{"http://[fe80::1]/", "link-local"},
		{"http://[fe80::1%25en0]/", "link-local"},
		{"http://[fd00::1]/", "unique local"},
		{"http://[fc00::1]/", "unique local"},
		{"http://0.0.0.0/", "unspecified"},
		{"http://0/", "unspecified"},
		{"http://0.0.0.0:8080/", "unspecified"},
		{"http://[::]/", "unspecified"},
		{"http://100.64.0.1/", "carrier-grade NAT"},
		{"http://192.0.0.8/", "IETF"},
		{"http://192.0.2.1/", "documentation"},
		{"http://198.18.0.1/", "benchmarking"},
		{"http://224.0.0.1/", "multicast"},
		{"http://[ff02::1]/", "multicast"},
		{"http://255.255.255.255/", "broadcast"},
		{"http://240.0.0.1/", "reserved"},
		{"http://[2001:db8::1]/", "documentation"},
		{"http://[::127.0.0.1]/", "outside global unicast"},
		{"http://[64:ff9b::7f00:1]/", "NAT64"},
		{"http://[64:ff9b::a9fe:a9fe]/", "link-local"},
		{"http://[2002:7f00:1::]/", "6to4"},
		{"http://[2002:c0a8:0101::1]/", "private networks"},
		{"http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "Teredo"}, // client 127.0.0.1

		// Not a URL Parley calls at all.
		{"ftp://example.com/", "http and https"},
		{"file:///etc/passwd", "http and https"},
		{"gopher://127.0.0.1/", "http and https"},
		{"http:///x", "host is required"},
		{"http://:8080/x", "host is required"},
		{"http://./", "host is required"},
		{"http://1.2.3.4.5/", "not a valid IPv4"},
		{"http://256.0.0.1/", "not a valid IPv4"},
		{"http://127.0.0.08/", "not a valid IPv4"},
		{"http://example.0x1/", "not a valid IPv4"},
		{"http://xn--nxasmq6b.com/", ""},
		{"http://bücher.example/", "ASCII"},
		{"http://１２７.０.０.１/", "ASCII"},
	}
	var p *Policy
	for _, tt := range tests {
		err := p.CheckURL(tt.url)
		switch {
		case tt.rule == "" && err != nil:
			t.Errorf("CheckURL(%q) = %v, want it accepted", tt.url, err)
		case tt.rule != "" && err == nil:
			t.Errorf("CheckURL(%q) accepted it, want a refusal naming %q", tt.url, tt.rule)
		case tt.rule != "" && !strings.Contains(err.Error(), tt.rule):
			t.Errorf("CheckURL(%q) = %v, want it to name %q", tt.url, err, tt.rule)
		case err != nil && !IsRefusal(err):
			t.Errorf("CheckURL(%q) = %v, not a Refusal", tt.url, err)
		}
	}
}

func TestAllowedRangesAreCalled(t *testing.T) {
	allow, err := ParseAllow("127.0.0.0/8, 10.1.0.0/16,fd00::/8,192.168.1.7")
	if err != nil {
		t.Fatal(err)
	}
	p := NewPolicy(allow)
	for _, u := range []string{"http://127.0.0.1:9/", "http://2130706433/", "http://[::ffff:127.0.0.1]/", "http://localhost:8080/",
		"http://10.1.2.3/", "http://[fd12::1]/", "http://192.168.1.7/"} {
		if err := p.CheckURL(u); err != nil {
			t.Errorf("with %v allowed, CheckURL(%q) = %v", allow, u, err)
		}
	}
	for _, u := range []string{"http://10.2.0.1/", "http://169.254.169.254/", "http://[::1]/", "http://192.168.1.8/"} {
		if err := p.CheckURL(u); err == nil {
			t.Errorf("with %v allowed, CheckURL(%q) accepted an address outside them", allow, u)
		}
	}
}

func TestParseAllowRefusesWhatIsNotACIDR(t *testing.T) {
	for _, s := range []string{"10.0.0.0/33", "localhost", "10.0.0/8", "::1/129", "*"} {
		if _, err := ParseAllow(s); err == nil || !strings.Contains(err.Error(), "--outbound-allow") {
			t.Errorf("ParseAllow(%q) = %v, want an error naming the flag", s, err)
		}
	}
	got, err := ParseAllow("")
	if err != nil || len(got) != 0 {
		t.Errorf("ParseAllow(\"\") = %v, %v; want nothing allowed", got, err)
	}
	got, _ = ParseAllow("10.1.2.3/8")
	if got[0] != netip.MustParsePrefix("10.0.0.0/8") {
		t.Errorf("ParseAllow(10.1.2.3/8) = %v, want it masked to 10.0.0.0/8", got)
	}
}

func TestCheckIsA400NamingTheParameterAndTheRule(t *testing.T) {
	err := (*Policy)(nil).Check("WebhookUrl", "http://10.0.0.5/x")
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid || e.Code != apperr.CodeBadRequest {
		t.Fatalf("Check = %#v, want an Invalid apperr with code %d", err, apperr.CodeBadRequest)
	}
	want := "WebhookUrl http://10.0.0.5/x is refused: Parley does not call private networks (10.0.0.0/8); an operator can allow it with --outbound-allow"
	if e.Message != want {
		t.Errorf("message\n got %q\nwant %q", e.Message, want)
	}
}

func TestCheckAddrAtDialTime(t *testing.T) {
	var p *Policy
	for _, a := range []string{"127.0.0.1", "::1", "::ffff:10.0.0.1", "169.254.169.254", "fe80::1%eth0", "0.0.0.0", "100.64.1.1"} {
		if err := p.CheckAddr(netip.MustParseAddr(a)); err == nil {
			t.Errorf("CheckAddr(%s) accepted it", a)
		}
	}
	for _, a := range []string{"93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"} {
		if err := p.CheckAddr(netip.MustParseAddr(a)); err != nil {
			t.Errorf("CheckAddr(%s) = %v", a, err)
		}
	}
}
