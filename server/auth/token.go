package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"parley/server/apperr"
	"parley/server/identity"
	"parley/server/textrule"
)

// Token limits.
const (
	MaxTokenLifetime     = 24 * time.Hour
	DefaultTokenLifetime = time.Hour
	// clockSkew is how far apart Parley's clock and a token minter's may be.
	clockSkew = 30 * time.Second
)

// contentType marks a Twilio AccessToken in the JWT header.
const contentType = "twilio-fpa;v=1"

// Grants are the permissions in an access token, in Twilio's layout.
type Grants struct {
	Identity string        `json:"identity,omitempty"`
	Chat     *ChatGrant    `json:"chat,omitempty"`
	Webchat  *WebchatGrant `json:"webchat,omitempty"`
	Desk     *DeskGrant    `json:"desk,omitempty"`
}

// DeskGrant marks an agent's desktop token: the agent, its worker, its
// role, and the sign-in generation it belongs to (a sign-out or a new
// password ends the generation). Parley's own grant; only tokens Parley
// signed carry it.
type DeskGrant struct {
	AgentSID     string `json:"agent_sid"`
	WorkspaceSID string `json:"workspace_sid"`
	WorkerSID    string `json:"worker_sid"`
	Role         string `json:"role"`
	Generation   int    `json:"generation"`
}

// WebchatGrant marks a guest's token: the webchat deployment it was issued
// through, so it can be refreshed only there. Parley's own grant; Twilio's
// clients ignore it.
type WebchatGrant struct {
	DeploymentKey string `json:"deployment_key"`
}

// ChatGrant lets the bearer use a chat service (Conversations).
type ChatGrant struct {
	ServiceSID string `json:"service_sid,omitempty"`
}

// Claims are an access token's claims.
type Claims struct {
	jwt.RegisteredClaims
	Grants Grants `json:"grants"`
}

// Session is what a verified token says about its bearer.
type Session struct {
	Identity  string
	KeySID    string
	ExpiresAt time.Time
	// Deployment is the webchat deployment a guest's token was issued
	// through; empty for other tokens.
	Deployment string
	// Desk is an agent's grant; nil for other tokens.
	Desk *DeskGrant
}

// Mint issues an access token for an identity of the account's own (see
// identity.CheckMintable), signed with Parley's own key.
func (s *Service) Mint(who string, ttl time.Duration) (string, Session, error) {
	if err := identity.CheckMintable(who); err != nil {
		return "", Session{}, apperr.Invalidf(apperr.CodeBadRequest, "Identity: %v", err)
	}
	return s.mint(Grants{Identity: who}, ttl)
}

// MintGuest issues a webchat guest's access token, tied to the deployment
// it came through.
func (s *Service) MintGuest(identity, deploymentKey string, ttl time.Duration) (string, Session, error) {
	return s.mint(Grants{Identity: identity, Webchat: &WebchatGrant{DeploymentKey: deploymentKey}}, ttl)
}

// MintDesk issues an agent's desktop token.
func (s *Service) MintDesk(identity string, g DeskGrant, ttl time.Duration) (string, Session, error) {
	return s.mint(Grants{Identity: identity, Desk: &g}, ttl)
}

func (s *Service) mint(g Grants, ttl time.Duration) (string, Session, error) {
	identity := g.Identity
	if identity == "" {
		return "", Session{}, apperr.Invalidf(apperr.CodeBadRequest, "Identity is required")
	}
	// A token speaks for its identity wherever it goes: one that reads as
	// another (a direction override, a zero-width space) is never issued.
	if err := textrule.Identity("Identity", identity); err != nil {
		return "", Session{}, err
	}
	if ttl <= 0 {
		ttl = DefaultTokenLifetime
	}
	if ttl > MaxTokenLifetime {
		return "", Session{}, apperr.Invalidf(apperr.CodeBadRequest,
			"Ttl is %v; tokens live at most %v", ttl, MaxTokenLifetime)
	}
	now := s.Now().UTC().Truncate(time.Second)
	exp := now.Add(ttl)
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			ID:        s.system.SID + "-" + NewSecret()[:16], // unique, so two tokens in one second differ
			Issuer:    s.system.SID,
			Subject:   s.accountSID,
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		Grants: g,
	}
	claims.Grants.Chat = &ChatGrant{ServiceSID: s.serviceSID}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["cty"] = contentType
	signed, err := tok.SignedString([]byte(s.system.Secret))
	sess := Session{Identity: identity, KeySID: s.system.SID, ExpiresAt: exp}
	if g.Webchat != nil {
		sess.Deployment = g.Webchat.DeploymentKey
	}
	sess.Desk = g.Desk
	return signed, sess, err
}

func refused(format string, args ...any) error {
	return apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized, "Access token refused: "+format, args...)
}

// Verify checks an access token, whether Parley minted it or a program did
// with one of the account's API keys (twilio-go's jwt.AccessToken, say), and
// says who its bearer is. Every refusal says why.
func (s *Service) Verify(ctx context.Context, token string) (Session, error) {
	var claims Claims
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(clockSkew),
		jwt.WithTimeFunc(s.Now),
	)
	var lookupErr error
	_, err := parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		if cty, _ := t.Header["cty"].(string); cty != contentType {
			lookupErr = refused("it is not a Twilio AccessToken (header cty %q, want %q)", cty, contentType)
			return nil, lookupErr
		}
		if claims.Issuer == "" {
			lookupErr = refused("it names no issuer (iss): sign it with an API key SID and secret")
			return nil, lookupErr
		}
		secret, err := s.secretOf(ctx, claims.Issuer)
		if apperr.Is(err, apperr.NotFound) {
			lookupErr = refused("API key %s does not exist or was revoked", claims.Issuer)
			return nil, lookupErr
		} else if err != nil {
			lookupErr = err
			return nil, err
		}
		return []byte(secret), nil
	})
	switch {
	case lookupErr != nil:
		return Session{}, lookupErr
	case errors.Is(err, jwt.ErrTokenExpired):
		return Session{}, refused("it expired at %s; get a new one", claims.ExpiresAt.UTC().Format(time.RFC3339))
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return Session{}, refused("its signature does not match API key %s's secret", claims.Issuer)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return Session{}, refused("it is not valid before %s", claims.NotBefore.UTC().Format(time.RFC3339))
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return Session{}, refused("it has no expiry (exp)")
	case err != nil:
		return Session{}, refused("%v", err)
	}
	if claims.Subject != s.accountSID {
		return Session{}, refused("it is for account %q, not this server's %s", claims.Subject, s.accountSID)
	}
	if claims.Grants.Identity == "" {
		return Session{}, refused("it grants no identity")
	}
	// Parley never mints such an identity (see mint), but an API key may
	// sign one: it would read as another identity wherever it is shown.
	if err := textrule.Identity("its identity", claims.Grants.Identity); err != nil {
		return Session{}, refused("%s", err.Error())
	}
	// Only Parley's own key speaks for guests, customers, agents and
	// Parley; a key of the account's speaks for the account's identities.
	if claims.Issuer != s.system.SID {
		if err := identity.CheckMintable(claims.Grants.Identity); err != nil {
			return Session{}, refused("%v", err)
		}
	}
	if c := claims.Grants.Chat; c != nil && c.ServiceSID != "" && c.ServiceSID != s.serviceSID {
		return Session{}, refused("its chat grant is for service %s, not this server's %s", c.ServiceSID, s.serviceSID)
	}
	exp := claims.ExpiresAt.Time
	start := s.Now()
	if claims.NotBefore != nil {
		start = claims.NotBefore.Time
	} else if claims.IssuedAt != nil {
		start = claims.IssuedAt.Time
	}
	if exp.Sub(start) > MaxTokenLifetime+clockSkew {
		return Session{}, refused("it lives %v; tokens live at most %v", exp.Sub(start).Round(time.Second), MaxTokenLifetime)
	}
	sess := Session{Identity: claims.Grants.Identity, KeySID: claims.Issuer, ExpiresAt: exp}
	// Only Parley's own key vouches for a guest's deployment.
	if w := claims.Grants.Webchat; w != nil && claims.Issuer == s.system.SID {
		if s.CheckGuest != nil {
			if err := s.CheckGuest(ctx, w.DeploymentKey); err != nil {
				return Session{}, err
			}
		}
		sess.Deployment = w.DeploymentKey
	}
	if d := claims.Grants.Desk; d != nil && claims.Issuer == s.system.SID {
		if s.CheckDesk != nil {
			if err := s.CheckDesk(ctx, *d); err != nil {
				return Session{}, err
			}
		}
		sess.Desk = d
	}
	return sess, nil
}

// String names a session for logs.
func (s Session) String() string {
	return fmt.Sprintf("%s (key %s, until %s)", s.Identity, s.KeySID, s.ExpiresAt.Format(time.RFC3339))
}
