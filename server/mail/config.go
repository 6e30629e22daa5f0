// Package mail sends Parley's email: it reads the SMTP settings, composes
// the letters a web visitor gets (replies left unread, a transcript) as
// multipart text and HTML in the visitor's language, and hands them to an
// SMTP server. It knows nothing of HTTP or of where the words came from.
package mail

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
)

// Security is how the connection to the SMTP server is protected.
type Security int

// Connection security.
const (
	// StartTLS upgrades the connection with STARTTLS when the server
	// offers it (smtp://). Without it, passwords go only through
	// challenge mechanisms (see Sender).
	StartTLS Security = iota
	// ImplicitTLS speaks TLS from the first byte (smtps://, port 465).
	ImplicitTLS
)

// Config is where and as whom Parley sends email.
type Config struct {
	Host     string
	Port     int
	Username string
	Password string
	Security Security
	// From is the sender's address, possibly with a name:
	// "Example Support <support@example.com>".
	From string
	// TLS, when set, replaces the default TLS settings (tests trust their
	// own certificate with it).
	TLS *tls.Config
}

// ParseURL reads PARLEY_SMTP_URL (smtp://user:pass@host:port or
// smtps://...) and PARLEY_SMTP_FROM. Its errors never quote the password.
func ParseURL(raw, from string) (Config, error) {
	var c Config
	u, err := url.Parse(raw)
	if err != nil {
		// url's own error repeats the whole URL, password included.
		return c, fmt.Errorf("SMTP URL %s is not a URL: write it as smtp://user:pass@host:port", redact(raw))
	}
	switch u.Scheme {
	case "smtp":
		c.Security, c.Port = StartTLS, 587
	case "smtps":
		c.Security, c.Port = ImplicitTLS, 465
	default:
		return c, fmt.Errorf("SMTP URL %s: the scheme must be smtp (STARTTLS when offered) or smtps (implicit TLS), not %q", u.Redacted(), u.Scheme)
	}
	c.Host = u.Hostname()
	if c.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return c, fmt.Errorf("SMTP URL %s: write it as %s://user:pass@host:port, with a host and nothing after the port", u.Redacted(), u.Scheme)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return c, fmt.Errorf("SMTP URL %s: port %q is not a port number", u.Redacted(), p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
		if c.Username == "" {
			return c, fmt.Errorf("SMTP URL %s: a password needs a user name", u.Redacted())
		}
	}
	if strings.TrimSpace(from) == "" {
		return c, fmt.Errorf("PARLEY_SMTP_FROM (--smtp-from) is required with an SMTP URL: the address visitors get email from, e.g. support@example.com")
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return c, fmt.Errorf("PARLEY_SMTP_FROM %q is not an email address: %v", from, err)
	}
	c.From = a.String()
	return c, nil
}

// String names the server without the password, for logs.
func (c Config) String() string {
	scheme := "smtp"
	if c.Security == ImplicitTLS {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}
	if c.Username != "" {
		u.User = url.User(c.Username)
	}
	return u.String()
}

// redact hides whatever lies between "://" and "@" in a URL too broken to
// parse.
func redact(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "(unreadable)"
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = "xxxxx@" + rest[at+1:]
	}
	return scheme + "://" + rest
}
