// Package sid makes and checks Twilio-style resource identifiers: a two-letter
// prefix naming the resource type followed by 32 lowercase hex digits.
package sid

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Prefixes of the resource types Parley issues. They match Twilio's, so a SID
// tells a reader (and twilio-go) what kind of resource it names.
const (
	Account        = "AC"
	Conversation   = "CH"
	Participant    = "MB"
	Message        = "IM"
	Receipt        = "DY"
	User           = "US"
	ChatService    = "IS"
	Role           = "RL"
	Media          = "ME"
	APIKey         = "SK"
	Webhook        = "WH"
	Delivery       = "DV" // an outbox job: a webhook or an outgoing SMS (Parley's own)
	MessagingSvc   = "MG"
	Workspace      = "WS"
	Worker         = "WK"
	TaskQueue      = "WQ"
	Workflow       = "WW"
	Activity       = "WA"
	Task           = "WT"
	Reservation    = "WR"
	TaskChannel    = "TC"
	Event          = "EV"
	WorkerChannel  = "WC"
	Interaction    = "KD"
	InteractionCh  = "UO"
	ChannelInvite  = "KG"
	ChannelPartcpt = "UT"
	Transfer       = "TR"
	FlexUser       = "FU" // an agent of the desktop, as Flex names its users
	Address        = "IG"
	Note           = "NT" // an agents-only note on a conversation (Parley's own)
	CannedResponse = "CR" // a shared reply agents insert (Parley's own)
)

// Len is the length of every SID: a two-letter prefix and 32 hex digits.
const Len = 34

// New returns a fresh SID with the given two-letter prefix and a Key.
func New(prefix string) string {
	var buf [Len]byte
	copy(buf[:], prefix)
	putKey(buf[2:])
	return string(buf[:])
}

// Key returns 32 fresh hex digits: the time in milliseconds (12 digits) and
// 80 random bits (20). Keys made one after another sort together, so a
// database index of them grows at its end instead of touching a random page
// per insert. SIDs are made of one, and clients use one as a command's id
// and a message's idempotency key.
func Key() string {
	var buf [Len - 2]byte
	putKey(buf[:])
	return string(buf[:])
}

// putKey writes a Key into dst, which holds 32 bytes.
func putKey(dst []byte) {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	if _, err := rand.Read(b[6:]); err != nil {
		// crypto/rand never fails on supported platforms; a key without
		// randomness would be a silent collision, so refuse to go on.
		panic("sid: crypto/rand failed: " + err.Error())
	}
	hex.Encode(dst, b[:])
}

// Derive returns the SID, with the given prefix, that names seed: the same
// every time, for things that exist implicitly (a worker's capacity on a
// channel it was never configured on) yet need a stable name.
func Derive(prefix, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return prefix + hex.EncodeToString(sum[:16])
}

// Is reports whether s is a well-formed SID with the given prefix.
func Is(prefix, s string) bool {
	if len(s) != Len || s[:2] != prefix {
		return false
	}
	for i := 2; i < Len; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Looks reports whether s has the shape of any SID (two uppercase letters
// and 32 lowercase hex digits), whatever its prefix. Paths that accept a SID
// or a unique name use it to tell the two apart.
func Looks(s string) bool {
	if len(s) != Len {
		return false
	}
	for i := 0; i < 2; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return Is(s[:2], s)
}
