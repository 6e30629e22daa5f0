// Package identity says who a chat identity is. Every identity belongs to
// exactly one kind, readable from the identity itself, and no kind can
// produce another's: a website's customer named "agent@example.com" is
// still a customer, and an integrator's token cannot speak as an agent.
package identity

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// Kind is who stands behind an identity.
type Kind int

// The kinds of identity.
const (
	// Account identities are minted by the account's backend (REST
	// /parley/v1/Tokens, tokens signed with an API key): the integrator's
	// own namespace, as with Twilio. Everything not reserved is one.
	Account Kind = iota
	// Guest is an anonymous webchat visitor, named by Parley.
	Guest
	// Customer is a website's signed-in customer: the deployment that
	// vouched for it and the site's own name for it (sub).
	Customer
	// Agent is a desk agent: opaque, so customers never learn the
	// sign-in email.
	Agent
	// Parley is Parley itself: the author of account messages and uploads
	// ("system", as Twilio names it), welcome messages and notices.
	Parley
)

// The prefixes of Parley's reserved namespaces.
const (
	guestPrefix    = "guest_"
	customerPrefix = "cust_"
	agentPrefix    = "agent_"
	parleyPrefix   = "parley_"
)

// System is the author of what the account says through REST without
// naming an author, as in Twilio, and of the account's uploads.
const System = "system"

// Welcome is the author of a deployment's welcome message, as Flex's
// webchat names its bot.
const Welcome = "Concierge"

func (k Kind) String() string {
	switch k {
	case Guest:
		return "guest"
	case Customer:
		return "verified customer"
	case Agent:
		return "agent"
	case Parley:
		return "Parley"
	}
	return "account"
}

// KindOf says which kind identity belongs to.
func KindOf(identity string) Kind {
	switch {
	case strings.HasPrefix(identity, guestPrefix):
		return Guest
	case strings.HasPrefix(identity, customerPrefix):
		return Customer
	case strings.HasPrefix(identity, agentPrefix):
		return Agent
	case strings.HasPrefix(identity, parleyPrefix), identity == System, identity == Welcome:
		return Parley
	}
	return Account
}

// NewGuest names a new anonymous visitor.
func NewGuest() string { return guestPrefix + random() }

// NewWebCustomer names the customer of a web chat the account started
// without naming one (Flex's WebChats on a bare web address): an identity
// in the account's own namespace, not a guest's, so that the account can
// mint it a token.
func NewWebCustomer() string { return "web_" + random() }

// random is 24 hex digits: 96 random bits, unguessable.
func random() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("identity: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// OfCustomer is the identity of the customer a deployment's website names
// sub. The deployment key has a fixed length, so the identity names the
// deployment unambiguously: whatever sub says, the identity stays in the
// deployment's part of the customers' namespace, and the same sub on the
// same deployment is always the same customer.
func OfCustomer(deploymentKey, sub string) string {
	return customerPrefix + deploymentKey + "_" + sub
}

// OfAgent is the identity of the agent with SID agentSID: opaque, and
// fixed for the agent's life (conversations name it).
func OfAgent(agentSID string) string {
	return agentPrefix + strings.ToLower(agentSID[min(2, len(agentSID)):])
}

// CheckMintable refuses an identity the account may not put in a token:
// one in a namespace Parley reserves for its own kinds.
func CheckMintable(identity string) error {
	if k := KindOf(identity); k != Account {
		return fmt.Errorf("identity %q is reserved for Parley's %s identities (names starting %s, %s, %s, %s, and %q, %q): choose another",
			identity, k, guestPrefix, customerPrefix, agentPrefix, parleyPrefix, System, Welcome)
	}
	return nil
}
