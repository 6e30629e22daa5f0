package ratelimit

import (
	"context"
	"time"
)

// Bucket is a token-bucket limit per key. A Limiter holds its buckets in
// this process's memory; a cluster's nodes share theirs through their
// database (store.Limits), or an attacker who spread requests over n nodes
// would get n times the allowance.
type Bucket interface {
	// Take takes a token from key's bucket. When none is left it says how
	// long until one is.
	Take(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// SignInThrottle decides whether a sign-in may be tried (see SignIns). A
// SignIns counts in memory; a cluster's nodes count together (store.Limits).
type SignInThrottle interface {
	// Try asks whether address may try to sign in to email now. If so, the
	// attempt counts as a failure until its pass Succeeded; if not, pass is
	// nil and retryAfter says how long until it may.
	Try(ctx context.Context, email, address string) (pass SignInPass, retryAfter time.Duration, err error)
}

// SignInPass is a sign-in attempt let through.
type SignInPass interface {
	// Succeeded records that the attempt signed in (see Attempt.Succeeded).
	Succeeded()
}

// Shared makes limits that hold across every node of a cluster.
type Shared interface {
	// Bucket is a limit of burst at once, refilled to allow perMinute a
	// minute, per key; name tells one limit's keys from another's.
	Bucket(name string, burst, perMinute int) Bucket
	// SignIns is a sign-in throttle with limits (zero fields take
	// DefaultSignInLimits').
	SignIns(limits SignInLimits) SignInThrottle
}

// Take is Allow, as a Bucket.
func (l *Limiter) Take(_ context.Context, key string) (bool, time.Duration, error) {
	ok, wait := l.Allow(key)
	return ok, wait, nil
}

// Try is Begin, as a SignInThrottle.
func (s *SignIns) Try(_ context.Context, email, address string) (SignInPass, time.Duration, error) {
	a, wait := s.Begin(email, address)
	if a == nil {
		return nil, wait, nil
	}
	return a, 0, nil
}

// WithDefaults is l with every zero field taken from DefaultSignInLimits.
func (l SignInLimits) WithDefaults() SignInLimits { return l.withDefaults() }

// ClientNetwork is the unit a sign-in's address is counted by: an IPv4
// address, or the /64 an IPv6 address is in.
func ClientNetwork(address string) string { return clientNetwork(address) }
