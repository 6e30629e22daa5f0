// Package auth owns who may call Parley: API keys, and the access tokens
// (JWTs in Twilio's AccessToken layout) that browsers and programs present
// on the realtime socket. It knows nothing of HTTP.
package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"parley/server/apperr"
	"parley/server/paging"
	"parley/shared/sid"
)

// Key is an API key: it signs access tokens (and, in Twilio, authenticates
// REST calls as the account).
type Key struct {
	Key          int64 // storage order
	SID          string
	FriendlyName string
	// Secret signs tokens with HMAC, so it is kept as given; only the
	// create call ever returns it.
	Secret           string
	Created, Updated time.Time
}

// Store keeps API keys.
type Store interface {
	InsertKey(ctx context.Context, k Key) error
	UpdateKey(ctx context.Context, k Key) error
	DeleteKey(ctx context.Context, sid string) error
	// Key returns the key, or an apperr NotFound.
	Key(ctx context.Context, sid string) (Key, error)
	Keys(ctx context.Context, p paging.Request) (paging.Page[Key], error)
}

// Service manages API keys and access tokens for one account.
type Service struct {
	store      Store
	accountSID string
	serviceSID string
	// system signs the tokens Parley mints itself (guests, agents). It is
	// not listed or deletable through the API.
	system Key
	// Now is the clock; tests replace it.
	Now func() time.Time
	// CheckDesk, when set, vouches that an agent's desktop token is still
	// good: the agent exists and has not signed out since.
	CheckDesk func(ctx context.Context, g DeskGrant) error
	// CheckGuest, when set, vouches that a guest's webchat deployment
	// still exists.
	CheckGuest func(ctx context.Context, deploymentKey string) error
	// KeyRevoked, when set, hears of a deleted API key, to close the
	// sessions its tokens opened.
	KeyRevoked func(keySID string)
}

// NewService returns the auth service. system is Parley's own signing key.
func NewService(store Store, accountSID, serviceSID string, system Key) *Service {
	return &Service{store: store, accountSID: accountSID, serviceSID: serviceSID, system: system, Now: time.Now}
}

// NewSecret returns a random 32-character key secret, in Twilio's format.
func NewSecret() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// CreateKey makes a new API key. The returned key carries its secret; it
// cannot be read again.
func (s *Service) CreateKey(ctx context.Context, friendlyName string) (Key, error) {
	if len(friendlyName) > 64 {
		return Key{}, apperr.Invalidf(apperr.CodeBadRequest, "FriendlyName is longer than 64 characters")
	}
	now := s.Now().UTC().Truncate(time.Second)
	k := Key{SID: sid.New(sid.APIKey), FriendlyName: friendlyName, Secret: NewSecret(), Created: now, Updated: now}
	return k, s.store.InsertKey(ctx, k)
}

// Key fetches an API key, without its secret.
func (s *Service) Key(ctx context.Context, keySID string) (Key, error) {
	k, err := s.store.Key(ctx, keySID)
	k.Secret = ""
	return k, err
}

// Keys lists API keys, without their secrets.
func (s *Service) Keys(ctx context.Context, p paging.Request) (paging.Page[Key], error) {
	page, err := s.store.Keys(ctx, p)
	for i := range page.Items {
		page.Items[i].Secret = ""
	}
	return page, err
}

// RenameKey changes a key's friendly name.
func (s *Service) RenameKey(ctx context.Context, keySID, friendlyName string) (Key, error) {
	k, err := s.store.Key(ctx, keySID)
	if err != nil {
		return k, err
	}
	k.FriendlyName, k.Updated = friendlyName, s.Now().UTC().Truncate(time.Second)
	if err := s.store.UpdateKey(ctx, k); err != nil {
		return k, err
	}
	k.Secret = ""
	return k, nil
}

// DeleteKey revokes an API key: tokens it signed are refused from then on.
func (s *Service) DeleteKey(ctx context.Context, keySID string) error {
	if _, err := s.store.Key(ctx, keySID); err != nil {
		return err
	}
	if err := s.store.DeleteKey(ctx, keySID); err != nil {
		return err
	}
	if s.KeyRevoked != nil {
		s.KeyRevoked(keySID)
	}
	return nil
}

// Signs says whether keySID still signs tokens: Parley's own key always,
// an API key until it is deleted.
func (s *Service) Signs(ctx context.Context, keySID string) (bool, error) {
	_, err := s.secretOf(ctx, keySID)
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// secretOf finds the secret that signs tokens issued by keySID.
func (s *Service) secretOf(ctx context.Context, keySID string) (string, error) {
	if keySID == s.system.SID {
		return s.system.Secret, nil
	}
	k, err := s.store.Key(ctx, keySID)
	if err != nil {
		return "", err
	}
	return k.Secret, nil
}
