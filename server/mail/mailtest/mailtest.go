// Package mailtest is a real SMTP server for tests, on loopback: it offers
// STARTTLS with a certificate made for the test, takes AUTH PLAIN with one
// user, and keeps what it receives. Tests use it to read what Parley sent.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/mail"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	parleymail "parley/server/mail"
)

// The one user the server accepts.
const (
	User     = "parley"
	Password = "s3cret-pass"
)

// Received is one message the server took.
type Received struct {
	From string
	To   []string
	Raw  []byte
	TLS  bool // it came over STARTTLS
	Auth bool // the client authenticated first
}

// Header parses the message's header and body.
func (r Received) Message(t testing.TB) *mail.Message {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(r.Raw))
	if err != nil {
		t.Fatalf("read the received message: %v", err)
	}
	return m
}

// Server is a running SMTP server.
type Server struct {
	Addr string
	// Config is a mail.Config that reaches this server as User over
	// STARTTLS, trusting its certificate.
	Config parleymail.Config

	mu   sync.Mutex
	got  []Received
	fail int // refuse the next fail messages with a temporary error
	ch   chan struct{}
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	cert, pool := certificate(t)
	s := &Server{ch: make(chan struct{}, 100)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s.Addr = ln.Addr().String()
	s.Config = parleymail.Config{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Username: User, Password: Password,
		From: "Parley Support <support@parley.test>", TLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}
	return s
}

// URL is PARLEY_SMTP_URL for this server.
func (s *Server) URL() string { return "smtp://" + User + ":" + Password + "@" + s.Addr }

// FailNext makes the server refuse the next n messages with 451, a
// temporary failure, after reading them.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	s.fail = n
	s.mu.Unlock()
}

// Messages are what the server took so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.got...)
}

// Wait waits until the server has taken n messages, or fails the test.
func (s *Server) Wait(t testing.TB, n int, within time.Duration) []Received {
	t.Helper()
	deadline := time.After(within)
	for {
		if got := s.Messages(); len(got) >= n {
			return got
		}
		select {
		case <-s.ch:
		case <-deadline:
			t.Fatalf("the SMTP server got %d messages, want %d", len(s.Messages()), n)
		}
	}
}

type session struct {
	s    *Server
	conn *smtp.Conn
	auth bool
	msg  Received
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != User || password != Password {
			return errors.New("bad credentials")
		}
		x.auth = true
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	_, isTLS := x.conn.TLSConnectionState()
	x.msg = Received{From: from, Auth: x.auth, TLS: isTLS}
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.msg.To = append(x.msg.To, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.fail > 0 {
		x.s.fail--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	x.msg.Raw = raw
	x.s.got = append(x.s.got, x.msg)
	select {
	case x.s.ch <- struct{}{}:
	default:
	}
	return nil
}

func (x *session) Reset()        {}
func (x *session) Logout() error { return nil }

// certificate makes a self-signed certificate for 127.0.0.1 and a pool
// that trusts it.
func certificate(t testing.TB) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailtest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
