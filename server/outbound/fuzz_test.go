package outbound

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzOutboundPolicy holds CheckURL to two promises. First, an address in
// any refused range, written in any of the forms URL parsers, resolvers and
// browsers read as that address, is refused. Second, whatever URL CheckURL
// accepts, its host as net/http would dial it is not, read literally (by Go,
// or as inet_aton reads it), a refused address.
func FuzzOutboundPolicy(f *testing.F) {
	f.Add(uint8(0), []byte{127, 0, 0, 1}, uint8(0), uint8(0), "http://127.0.0.1/")
	f.Add(uint8(3), []byte{169, 254, 169, 254}, uint8(1), uint8(7), "http://2130706433/")
	f.Add(uint8(20), []byte{0xfe, 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, uint8(4), uint8(3), "http://[::ffff:7f00:1]/")
	f.Add(uint8(7), []byte{9, 9, 9, 9}, uint8(10), uint8(255), "http://0x7f.1/")
	f.Add(uint8(1), []byte{}, uint8(15), uint8(2), "http://0177.0.0.1:80/x")
	f.Add(uint8(9), []byte{1}, uint8(12), uint8(5), "http://[fe80::1%25eth0]/")
	f.Fuzz(func(t *testing.T, pick uint8, fill []byte, enc, style uint8, raw string) {
		var p *Policy
		ranges := append(append([]rng(nil), refusedV4...), refusedV6...)
		x := ranges[int(pick)%len(ranges)]
		a := fillHost(x.prefix, fill)
		u := render(a, enc, style)
		if err := p.CheckURL(u); err == nil {
			t.Fatalf("CheckURL(%q) accepted %s, in %s", u, a, x.prefix)
		}

		if p.CheckURL(raw) != nil {
			return
		}
		parsed, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("CheckURL accepted %q, which url.Parse refuses: %v", raw, err)
		}
		host := parsed.Hostname()
		if ad, err := netip.ParseAddr(host); err == nil && p.CheckAddr(ad) != nil {
			t.Fatalf("CheckURL accepted %q whose host %s is refused", raw, ad)
		}
		if ip := net.ParseIP(host); ip != nil {
			ad, _ := netip.AddrFromSlice(ip)
			if p.CheckAddr(ad) != nil {
				t.Fatalf("CheckURL accepted %q whose host %s is refused", raw, ad)
			}
		}
		if ad, ok := inetAton(strings.TrimSuffix(host, ".")); ok && p.CheckAddr(ad) != nil {
			t.Fatalf("CheckURL accepted %q whose host, read as inet_aton reads it, is %s, refused", raw, ad)
		}
		if h := strings.ToLower(strings.TrimRight(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") {
			t.Fatalf("CheckURL accepted %q, a name for the machine itself", raw)
		}
	})
}

// fillHost is an address in prefix whose host bits come from fill.
func fillHost(prefix netip.Prefix, fill []byte) netip.Addr {
	b := prefix.Addr().AsSlice()
	for i := prefix.Bits(); i < len(b)*8; i++ {
		var bit byte
		if k := i - prefix.Bits(); k/8 < len(fill) {
			bit = fill[k/8] >> (7 - k%8) & 1
		}
		b[i/8] |= bit << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// render writes a in the form enc picks, varied by style.
func render(a netip.Addr, enc, style uint8) string {
	host := ""
	if a.Is4() {
		b := a.As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		num := func(n uint32, s uint8) string {
			switch s % 4 {
			case 0:
				return strconv.FormatUint(uint64(n), 10)
			case 1:
				return "0x" + strconv.FormatUint(uint64(n), 16)
			case 2:
				return "0X" + strings.ToUpper(strconv.FormatUint(uint64(n), 16))
			default:
				return "0" + strconv.FormatUint(uint64(n), 8)
			}
		}
		hex4 := fmt.Sprintf("%x:%x", v>>16, v&0xffff)
		switch enc % 14 {
		case 0:
			host = a.String()
		case 1:
			host = num(v, style)
		case 2:
			host = num(v, 1)
		case 3:
			host = num(v, 3)
		case 4: // each part in its own base
			host = num(uint32(b[0]), style) + "." + num(uint32(b[1]), style>>2) + "." + num(uint32(b[2]), style>>4) + "." + num(uint32(b[3]), style>>6)
		case 5: // a.b.c, c 16 bits
			host = num(uint32(b[0]), style) + "." + num(uint32(b[1]), style>>2) + "." + num(v&0xffff, style>>4)
		case 6: // a.b, b 24 bits
			host = num(uint32(b[0]), style) + "." + num(v&0xffffff, style>>2)
		case 7:
			host = "[::ffff:" + a.String() + "]"
		case 8:
			host = "[::ffff:" + hex4 + "]"
		case 9:
			host = "[0:0:0:0:0:FFFF:" + hex4 + "]"
		case 10:
			host = "[64:ff9b::" + hex4 + "]"
		case 11:
			host = "[2002:" + hex4 + "::" + strconv.Itoa(int(style)) + "]"
		case 12:
			host = fmt.Sprintf("[2001:0:4136:e378:8000:63bf:%x:%x]", ^v>>16&0xffff, ^v&0xffff)
		default:
			host = "000" + num(v, 3)
		}
	} else {
		s := a.String()
		switch enc % 4 {
		case 1:
			s = strings.ToUpper(s)
		case 2:
			b := a.As16()
			var parts []string
			for i := 0; i < 16; i += 2 {
				parts = append(parts, fmt.Sprintf("%04x", uint16(b[i])<<8|uint16(b[i+1])))
			}
			s = strings.Join(parts, ":")
		case 3:
			s += "%25eth0"
		}
		host = "[" + s + "]"
	}
	if style&1 != 0 && !strings.HasPrefix(host, "[") {
		host += "."
	}
	switch style % 3 {
	case 1:
		host += ":8080"
	case 2:
		host = "user:pw@" + host
	}
	scheme := "http"
	if style&2 != 0 {
		scheme = "HTTPS"
	}
	return scheme + "://" + host + "/hook?x=1"
}

// inetAton is an independent reading of a host as the C library reads an
// IPv4 address, on strconv's base prefixes, for the fuzz target's second
// promise.
func inetAton(h string) (netip.Addr, bool) {
	parts := strings.Split(h, ".")
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	var nums []uint64
	for _, s := range parts {
		low := strings.ToLower(s)
		if s == "" || strings.ContainsAny(low, "_+-") || strings.HasPrefix(low, "0b") || strings.HasPrefix(low, "0o") {
			return netip.Addr{}, false
		}
		n, err := strconv.ParseUint(s, 0, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		nums = append(nums, n)
	}
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v |= last
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}
