package outbound

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// receiver is a local HTTP server counting its requests.
func receiver(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func loopbackPolicy(t *testing.T) *Policy {
	allow, err := ParseAllow("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	return NewPolicy(allow)
}

func TestANameResolvingToLoopbackIsRefusedWhenDialed(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	var p *Policy
	// The dialer alone, as a name that passed a save-time check would meet
	// it: "localhost" resolves to 127.0.0.1 (and ::1).
	conn, err := p.Dialer().DialContext(context.Background(), "tcp", net.JoinHostPort("localhost", port))
	if err == nil {
		conn.Close()
		t.Fatal("the dialer connected to localhost")
	}
	if !IsRefusal(err) || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("dial localhost: %v, want the policy's loopback refusal", err)
	}
	// The transport without the URL check in front: the dial is refused.
	req, _ := http.NewRequest("POST", "http://localhost:"+port+"/hook", strings.NewReader("x=1"))
	if resp, err := p.Transport().RoundTrip(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the transport called localhost: %d", resp.StatusCode)
	} else if !IsRefusal(err) {
		t.Errorf("transport: %v, want the policy's refusal", err)
	}
	// And the machine's own name, which resolves to one of its addresses.
	if name, err := os.Hostname(); err == nil {
		if addrs, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", name); err == nil && len(addrs) > 0 && p.CheckAddr(addrs[0]) != nil {
			resp, err := p.Client(5 * time.Second).Get("http://" + net.JoinHostPort(name, port) + "/")
			if err == nil {
				resp.Body.Close()
				t.Errorf("the client called this machine by its name %s (%v)", name, addrs)
			}
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the receiver was called %d times", hits.Load())
	}
}

func TestALiteralLoopbackURLIsRefusedBeforeDialing(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	resp, err := (*Policy)(nil).Client(5*time.Second).Post(srv.URL+"/hook", "text/plain", strings.NewReader("x"))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("called %s: %d", srv.URL, resp.StatusCode)
	}
	if !IsRefusal(err) {
		t.Errorf("err = %v, want the policy's refusal", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the receiver was called")
	}
}

func TestAllowedLoopbackReceiverIsCalled(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	p := loopbackPolicy(t)
	resp, err := p.Client(5*time.Second).Post(srv.URL+"/hook", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	resp, err = p.Client(5 * time.Second).Get("http://localhost:" + port + "/")
	if err != nil {
		t.Fatalf("localhost with 127.0.0.0/8 allowed: %v", err)
	}
	resp.Body.Close()
	if hits.Load() != 2 {
		t.Errorf("receiver called %d times, want 2", hits.Load())
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	b, bHits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	a, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, b.URL+"/inside", http.StatusTemporaryRedirect)
	})
	resp, err := loopbackPolicy(t).Client(5*time.Second).Post(a.URL+"/hook", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("status %d, want the redirect itself (307)", resp.StatusCode)
	}
	if bHits.Load() != 0 {
		t.Errorf("the redirect's target was called")
	}
}

func TestFollowingClientChecksEveryHop(t *testing.T) {
	// Only 127.0.0.1 is allowed; the first hop, there, sends the client on
	// to 127.0.0.2 written in hex, another loopback address.
	allow, _ := ParseAllow("127.0.0.1/32")
	p := NewPolicy(allow)
	first, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://0x7f.0.0.2:9/latest/meta-data", http.StatusFound)
	})
	resp, err := p.FollowingClient(5*time.Second, 3).Get(first.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("the following client followed a redirect to a refused address")
	}
	if !IsRefusal(err) {
		t.Errorf("err = %v, want the policy's refusal of the second hop", err)
	}
}

func TestProxiesFromTheEnvironmentAreIgnored(t *testing.T) {
	proxy, proxyHits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	target, targetHits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	p := NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	resp, err := p.Client(5 * time.Second).Get(target.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if proxyHits.Load() != 0 || targetHits.Load() != 1 {
		t.Errorf("proxy called %d times, target %d; want the target called directly", proxyHits.Load(), targetHits.Load())
	}
	if u, _ := url.Parse(target.URL); u == nil {
		t.Fatal("bad target URL")
	}
}
