package ratelimit

import (
	"net/netip"
	"sync"
	"time"
)

// SignInLimits bound password guessing without letting anyone else's
// guesses lock an account's owner out (OWASP's "device cookie" idea, keyed
// by client address instead of a cookie).
//
// Failures are counted per (email, address), per address across emails,
// and per email from addresses not known for it. An address is known for
// an email once it signed in to it successfully; a known address is judged
// only by its own failures for that email, so a flood of guesses from
// elsewhere, or from a shared address, never stops the owner's correct
// password from where they always sign in. Too many failures on an email
// from unknown addresses close it to unknown addresses only.
//
// Counts are kept in memory: a restart forgets them, and known addresses.
type SignInLimits struct {
	// Window is how long a failure counts.
	Window time.Duration
	// PerEmailAddress failures of one email from one address within Window
	// stop that address trying that email.
	PerEmailAddress int
	// PerAddress failures from one address within Window, whatever the
	// email, stop it trying emails it is not known for.
	PerAddress int
	// PerEmail failures of one email from addresses not known for it within
	// Window stop every unknown address trying that email.
	PerEmail int
	// KnownAddresses is how many addresses are remembered per email (the
	// most recent), and KnownFor how long a sign-in keeps one known.
	KnownAddresses int
	KnownFor       time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultSignInLimits are the limits in production: a few typos per place,
// a day's worth of a shared office's mistakes per address, and far too few
// guesses for a password.
var DefaultSignInLimits = SignInLimits{
	Window:          15 * time.Minute,
	PerEmailAddress: 5,
	PerAddress:      20,
	PerEmail:        50,
	KnownAddresses:  10,
	KnownFor:        30 * 24 * time.Hour,
}

// withDefaults fills every zero field from DefaultSignInLimits.
func (l SignInLimits) withDefaults() SignInLimits {
	d := DefaultSignInLimits
	if l.Window <= 0 {
		l.Window = d.Window
	}
	if l.PerEmailAddress <= 0 {
		l.PerEmailAddress = d.PerEmailAddress
	}
	if l.PerAddress <= 0 {
		l.PerAddress = d.PerAddress
	}
	if l.PerEmail <= 0 {
		l.PerEmail = d.PerEmail
	}
	if l.KnownAddresses <= 0 {
		l.KnownAddresses = d.KnownAddresses
	}
	if l.KnownFor <= 0 {
		l.KnownFor = d.KnownFor
	}
	if l.Now == nil {
		l.Now = time.Now
	}
	return l
}

// SignIns throttles sign-in attempts by SignInLimits. It is safe for
// concurrent use.
type SignIns struct {
	limits SignInLimits

	mu        sync.Mutex
	pairs     map[pairKey]*failures // per (email, address)
	addresses map[string]*failures  // per address
	emails    map[string]*failures  // per email, from unknown addresses
	known     map[string][]knownAddress
}

type pairKey struct{ email, address string }

type knownAddress struct {
	address string
	last    time.Time
}

// failures are the times of recent failures, oldest first, at most a
// limit's worth: older ones no longer decide anything.
type failures struct{ times []time.Time }

// NewSignIns returns a throttle with the given limits; zero fields take
// DefaultSignInLimits'.
func NewSignIns(limits SignInLimits) *SignIns {
	return &SignIns{limits: limits.withDefaults(), pairs: map[pairKey]*failures{}, addresses: map[string]*failures{},
		emails: map[string]*failures{}, known: map[string][]knownAddress{}}
}

// Limits are the limits in force, defaults filled in.
func (s *SignIns) Limits() SignInLimits { return s.limits }

// Attempt is a sign-in let through. It was counted as a failure when it
// began, so that parallel guesses cannot all pass before any is counted;
// Succeeded takes that back.
type Attempt struct {
	s              *SignIns
	email, address string
	at             time.Time
	known          bool
}

// Begin asks whether address may try to sign in to email now. If so, the
// attempt counts as a failure until it Succeeded; if not, retryAfter says
// how long until it may.
func (s *SignIns) Begin(email, address string) (a *Attempt, retryAfter time.Duration) {
	address = clientNetwork(address)
	now := s.limits.Now()
	l := s.limits
	s.mu.Lock()
	defer s.mu.Unlock()
	known := s.isKnown(email, address, now)
	pair := pairKey{email, address}
	wait := s.pairs[pair].wait(now, l.Window, l.PerEmailAddress)
	if !known {
		// An address known for this email is judged by its own failures
		// only: neither its neighbours behind the same address nor the
		// email's attackers elsewhere can lock it out.
		wait = max(wait, s.addresses[address].wait(now, l.Window, l.PerAddress),
			s.emails[email].wait(now, l.Window, l.PerEmail))
	}
	if wait > 0 {
		return nil, wait // a refused attempt is not counted: waiting always ends
	}
	record(s.pairs, pair, now, l.Window, l.PerEmailAddress)
	record(s.addresses, address, now, l.Window, l.PerAddress)
	if !known {
		record(s.emails, email, now, l.Window, l.PerEmail)
	}
	return &Attempt{s: s, email: email, address: address, at: now, known: known}, 0
}

// Succeeded records that the attempt signed in: its address becomes known
// for the email, and the email's failures from that address are forgotten.
// The address's count across emails keeps the attempt's failure taken
// back but not the others, so signing in to one's own account does not
// reset a count of guesses at other people's.
func (a *Attempt) Succeeded() {
	s := a.s
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pairs, pairKey{a.email, a.address})
	s.addresses[a.address].forget(a.at)
	if !a.known {
		s.emails[a.email].forget(a.at)
	}
	s.remember(a.email, a.address, s.limits.Now())
}

// isKnown reports whether address signed in to email within KnownFor.
func (s *SignIns) isKnown(email, address string, now time.Time) bool {
	for _, k := range s.known[email] {
		if k.address == address && now.Sub(k.last) < s.limits.KnownFor {
			return true
		}
	}
	return false
}

// remember makes address known for email, keeping the most recent
// KnownAddresses of them.
func (s *SignIns) remember(email, address string, now time.Time) {
	list := s.known[email]
	kept := list[:0]
	for _, k := range list {
		if k.address != address && now.Sub(k.last) < s.limits.KnownFor {
			kept = append(kept, k)
		}
	}
	if len(kept) >= s.limits.KnownAddresses {
		kept = kept[len(kept)-s.limits.KnownAddresses+1:]
	}
	if _, ok := s.known[email]; !ok && len(s.known) >= maxKeys {
		for e, l := range s.known { // bound memory: forget the expired
			if len(l) == 0 || now.Sub(l[len(l)-1].last) >= s.limits.KnownFor {
				delete(s.known, e)
			}
		}
	}
	s.known[email] = append(kept, knownAddress{address: address, last: now})
}

// wait is how long until fewer than limit failures fall within window; 0
// if that is already so. A nil f has no failures.
func (f *failures) wait(now time.Time, window time.Duration, limit int) time.Duration {
	if f == nil {
		return 0
	}
	f.expire(now, window)
	if len(f.times) < limit {
		return 0
	}
	return f.times[len(f.times)-limit].Add(window).Sub(now)
}

func (f *failures) expire(now time.Time, window time.Duration) {
	i := 0
	for i < len(f.times) && now.Sub(f.times[i]) >= window {
		i++
	}
	f.times = f.times[i:]
}

// forget takes back the failure recorded at t.
func (f *failures) forget(t time.Time) {
	if f == nil {
		return
	}
	for i := len(f.times) - 1; i >= 0; i-- {
		if f.times[i].Equal(t) {
			f.times = append(f.times[:i], f.times[i+1:]...)
			return
		}
	}
}

// record adds a failure at now to key's count, keeping at most limit.
func record[K comparable](m map[K]*failures, key K, now time.Time, window time.Duration, limit int) {
	f := m[key]
	if f == nil {
		if len(m) >= maxKeys {
			sweepFailures(m, now, window)
		}
		f = &failures{}
		m[key] = f
	}
	f.times = append(f.times, now)
	if len(f.times) > limit {
		f.times = f.times[len(f.times)-limit:]
	}
}

// sweepFailures bounds the memory a flood of distinct keys can take: it
// drops counts whose failures have all expired, and if that is not enough,
// an arbitrary tenth of the rest. Losing a count only lets its owner guess
// a little sooner; refusing new keys would lock everyone out.
func sweepFailures[K comparable](m map[K]*failures, now time.Time, window time.Duration) {
	for k, f := range m {
		if f.wait(now, window, 1) == 0 {
			delete(m, k)
		}
	}
	if len(m) < maxKeys {
		return
	}
	drop := len(m) / 10
	for k := range m {
		if drop == 0 {
			break
		}
		delete(m, k)
		drop--
	}
}

// clientNetwork is the unit an address is counted by: an IPv4 address, or
// the /64 an IPv6 address is in, since one IPv6 client commonly holds a
// whole /64 and could otherwise take a fresh address for every guess.
func clientNetwork(address string) string {
	ip, err := netip.ParseAddr(address)
	if err != nil {
		return address
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, err := ip.WithZone("").Prefix(64)
	if err != nil {
		return address
	}
	return p.String()
}
