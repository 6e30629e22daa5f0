package mail

import (
	"context"
	"fmt"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Sender hands letters to the configured SMTP server.
type Sender struct {
	cfg Config
}

// NewSender returns a sender for cfg.
func NewSender(cfg Config) *Sender { return &Sender{cfg: cfg} }

// Config is the sender's configuration.
func (s *Sender) Config() Config { return s.cfg }

// Send composes l and delivers it in one SMTP session. A password goes
// only over TLS, or through a challenge mechanism when the server offers
// no STARTTLS (go-mail's auto-discovery refuses PLAIN and LOGIN in the
// clear).
func (s *Sender) Send(ctx context.Context, l Letter) error {
	msg, err := Compose(s.cfg, l)
	if err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(20 * time.Second)}
	if s.cfg.Security == ImplicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.cfg.TLS != nil {
		opts = append(opts, gomail.WithTLSConfig(s.cfg.TLS))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail: %s: %w", s.cfg, err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: send through %s: %w", s.cfg, err)
	}
	return nil
}
