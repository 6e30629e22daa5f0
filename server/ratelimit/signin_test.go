package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

// signInClock is a throttle with the default limits on a clock the test moves.
func signInClock() (*SignIns, *time.Time) {
	now := time.Unix(1_700_000_000, 0)
	s := NewSignIns(SignInLimits{Now: func() time.Time { return now }})
	return s, &now
}

// fail makes n attempts that do not succeed, and says how many were let through.
func fail(s *SignIns, email, addr string, n int) (let int) {
	for range n {
		if a, _ := s.Begin(email, addr); a != nil {
			let++
		}
	}
	return let
}

func TestSignInsStopAGuesserAndSayWhenToRetry(t *testing.T) {
	s, now := signInClock()
	if let := fail(s, "ana@example.com", "203.0.113.9", 8); let != 5 {
		t.Fatalf("%d guesses let through from one address, want 5", let)
	}
	*now = now.Add(10 * time.Minute)
	a, wait := s.Begin("ana@example.com", "203.0.113.9")
	if a != nil || wait != 5*time.Minute {
		t.Fatalf("after 10 minutes: attempt %v, retry after %v; want refused for 5m", a, wait)
	}
	*now = now.Add(wait)
	if a, _ := s.Begin("ana@example.com", "203.0.113.9"); a == nil {
		t.Fatal("refused once the window passed")
	}
}

// Begin counts an attempt at once: guesses sent in parallel, all begun
// before any is answered, cannot get past the limit.
func TestSignInsCountAttemptsBeforeTheirOutcome(t *testing.T) {
	s, _ := signInClock()
	var let []*Attempt
	for range 10 {
		if a, _ := s.Begin("ana@example.com", "203.0.113.9"); a != nil {
			let = append(let, a)
		}
	}
	if len(let) != 5 {
		t.Fatalf("%d parallel attempts let through, want 5", len(let))
	}
}

func TestSignInsKnownAddressIsJudgedByItsOwnFailuresOnly(t *testing.T) {
	s, now := signInClock()
	const ana, home = "ana@example.com", "198.51.100.7"
	a, _ := s.Begin(ana, home)
	a.Succeeded()
	// 50 failures from unknown addresses close the email to them...
	for i := range 10 {
		fail(s, ana, fmt.Sprintf("203.0.113.%d", i), 5)
	}
	if a, _ := s.Begin(ana, "203.0.113.200"); a != nil {
		t.Fatal("a fresh unknown address was let through after 50 failures on the email")
	}
	// ...and the same address, shared with a sprayer, has failed on 20
	// other emails; neither stops the known address.
	for i := range 20 {
		fail(s, fmt.Sprintf("user%d@example.com", i), home, 1)
	}
	if a, _ := s.Begin("user99@example.com", home); a != nil {
		t.Fatal("the sprayed address was let through on a new email")
	}
	a, _ = s.Begin(ana, home)
	if a == nil {
		t.Fatal("the known address was refused because of others' failures")
	}
	a.Succeeded()
	// It still has its own limit for this email.
	if let := fail(s, ana, home, 6); let != 5 {
		t.Fatalf("known address: %d failures let through, want 5", let)
	}
	// Known addresses are forgotten after KnownFor.
	*now = now.Add(31 * 24 * time.Hour)
	if s.isKnown(ana, home, *now) {
		t.Fatal("an address stayed known for 31 days without a sign-in")
	}
}

func TestSignInsRememberTheLatestKnownAddresses(t *testing.T) {
	s, now := signInClock()
	for i := range 12 {
		*now = now.Add(time.Minute)
		a, _ := s.Begin("ana@example.com", fmt.Sprintf("192.0.2.%d", i))
		a.Succeeded()
	}
	if got := len(s.known["ana@example.com"]); got != 10 {
		t.Fatalf("%d known addresses kept, want 10", got)
	}
	if s.isKnown("ana@example.com", "192.0.2.0", *now) || !s.isKnown("ana@example.com", "192.0.2.11", *now) {
		t.Fatal("kept the oldest known address instead of the newest")
	}
}

// One IPv6 client usually holds a /64: taking a new address in it for each
// guess does not reset its count.
func TestSignInsCountIPv6ByItsSlash64(t *testing.T) {
	s, _ := signInClock()
	let := 0
	for i := range 10 {
		if a, _ := s.Begin("ana@example.com", fmt.Sprintf("2001:db8:1:2::%x", i+1)); a != nil {
			let++
		}
	}
	if let != 5 {
		t.Fatalf("%d guesses let through from one /64, want 5", let)
	}
	if a, _ := s.Begin("ana@example.com", "2001:db8:1:3::1"); a == nil {
		t.Fatal("another /64 was refused")
	}
	if a, _ := s.Begin("ana@example.com", "::ffff:203.0.113.9"); a == nil {
		t.Fatal("an IPv4 address (IPv6-mapped) was refused")
	}
}
