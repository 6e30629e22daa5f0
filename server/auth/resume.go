package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"parley/server/apperr"
)

// A resume token brings a webchat guest back into its one conversation
// after its access token expired: a visitor without a site login who
// returns the next day. It grants nothing by itself; the webchat service
// exchanges it for a fresh access token while the conversation is open.
// It is a JWT with a header type of its own, signed with a key derived
// from Parley's signing key, so that neither kind of token passes for the
// other.

// resumeType marks a resume token in the JWT header.
const resumeType = "parley-resume+jwt"

// MaxResumeLifetime bounds how long a resume token lives.
const MaxResumeLifetime = 90 * 24 * time.Hour

// Resume is what a resume token says: whose conversation, through which
// deployment, until when.
type Resume struct {
	Identity        string
	DeploymentKey   string
	ConversationSID string
	ExpiresAt       time.Time
}

type resumeClaims struct {
	jwt.RegisteredClaims
	Deployment   string `json:"deployment_key"`
	Conversation string `json:"conversation_sid"`
}

// resumeKey is the resume tokens' signing key: an HMAC of Parley's own
// key, so that it changes with it and an access token's signature never
// verifies as a resume token's.
func (s *Service) resumeKey() []byte {
	m := hmac.New(sha256.New, []byte(s.system.Secret))
	m.Write([]byte("parley webchat resume token v1"))
	return m.Sum(nil)
}

// MintResume issues a resume token for a guest's conversation, living ttl.
func (s *Service) MintResume(r Resume, ttl time.Duration) (string, time.Time, error) {
	if r.Identity == "" || r.DeploymentKey == "" || r.ConversationSID == "" {
		return "", time.Time{}, errors.New("auth: a resume token needs an identity, a deployment and a conversation")
	}
	if ttl <= 0 || ttl > MaxResumeLifetime {
		return "", time.Time{}, apperr.Invalidf(apperr.CodeBadRequest, "a resume token lives at most %v, not %v", MaxResumeLifetime, ttl)
	}
	now := s.Now().UTC().Truncate(time.Second)
	exp := now.Add(ttl)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, resumeClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			ID:        NewSecret()[:16],
			Issuer:    s.system.SID,
			Subject:   r.Identity,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		Deployment:   r.DeploymentKey,
		Conversation: r.ConversationSID,
	})
	tok.Header["typ"] = resumeType
	signed, err := tok.SignedString(s.resumeKey())
	return signed, exp, err
}

// VerifyResume checks a resume token Parley issued and says what it is
// for. Whether its conversation is still open is the caller's to check.
func (s *Service) VerifyResume(token string) (Resume, error) {
	refuse := func(why string, args ...any) error {
		return apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized, "Resume refused: "+why, args...)
	}
	var c resumeClaims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != resumeType {
			return nil, errors.New("not a resume token")
		}
		return s.resumeKey(), nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired(),
		jwt.WithIssuer(s.system.SID), jwt.WithLeeway(clockSkew), jwt.WithTimeFunc(s.Now))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return Resume{}, refuse("it expired; start a new chat")
	case err != nil:
		return Resume{}, refuse("it is not a resume token this server issued")
	case c.Subject == "" || c.Deployment == "" || c.Conversation == "":
		return Resume{}, refuse("it names no conversation")
	}
	return Resume{Identity: c.Subject, DeploymentKey: c.Deployment, ConversationSID: c.Conversation, ExpiresAt: c.ExpiresAt.Time}, nil
}
