package conversations

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"parley/server/apperr"
	"parley/server/textrule"
	"parley/shared/sid"
)

// Limits Twilio documents for Conversations; Parley enforces the same.
const (
	MaxBodyBytes                   = 32 * 1024 // a message body
	MaxConversationAttributesBytes = 16 * 1024
	MaxAttributesBytes             = 4 * 1024 // participants, messages, users
	MaxParticipantsPerRequest      = 10       // ConversationWithParticipants
	MaxNameChars                   = 256      // friendly and unique names, identities
	MinInactiveTimer               = time.Minute
	MinClosedTimer                 = 10 * time.Minute
	DefaultAuthor                  = "system"
)

// checkAttributes returns the attributes to store: "{}" when unset,
// otherwise the given text, which must be JSON.
func checkAttributes(attrs *string, current string, limit int) (string, error) {
	if attrs == nil {
		if current == "" {
			return "{}", nil
		}
		return current, nil
	}
	a := *attrs
	if a == "" {
		return "{}", nil
	}
	if len(a) > limit {
		return "", apperr.Invalidf(apperr.CodeBadRequest,
			"Attributes is %d bytes; the limit is %d bytes", len(a), limit)
	}
	if !json.Valid([]byte(a)) {
		return "", apperr.Invalidf(apperr.CodeInvalidAttributes,
			"Attributes not valid JSON: give a JSON value such as {\"key\":\"value\"}")
	}
	// Valid JSON may still escape half a surrogate pair, which every
	// reader decodes as U+FFFD: not what was sent.
	if err := textrule.JSON("Attributes", []byte(a)); err != nil {
		return "", err
	}
	return a, nil
}

// checkName checks a name people read (a friendly name): within the limit
// and free of characters they cannot see (textrule.Name).
func checkName(param, v string) error {
	if n := utf8.RuneCountInString(v); n > MaxNameChars {
		return apperr.Invalidf(apperr.CodeBadRequest,
			"%s is %d characters; the limit is %d", param, n, MaxNameChars)
	}
	return textrule.Name(param, v)
}

// checkIdentity checks a name that is also a key (an identity, an author,
// a unique name): as checkName, but stricter (textrule.Identity), so that
// two keys that read the same are the same.
func checkIdentity(param, v string) error {
	if n := utf8.RuneCountInString(v); n > MaxNameChars {
		return apperr.Invalidf(apperr.CodeBadRequest,
			"%s is %d characters; the limit is %d", param, n, MaxNameChars)
	}
	return textrule.Identity(param, v)
}

func checkState(v string) (State, error) {
	switch s := State(v); s {
	case Active, Inactive, Closed:
		return s, nil
	}
	return "", apperr.Invalidf(apperr.CodeBadRequest,
		"State %q is not one of active, inactive, closed", v)
}

func checkRoleSID(v string) error {
	if v != "" && !sid.Is(sid.Role, v) {
		return apperr.Invalidf(apperr.CodeBadRequest,
			"RoleSid %q is not a role SID (RL followed by 32 hex digits)", v)
	}
	return nil
}

var isoDuration = regexp.MustCompile(`^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// ParseDuration reads an ISO 8601 duration such as PT10M or P1DT2H, the form
// Twilio's conversation timers take. Years and months are refused: their
// length depends on the calendar.
func ParseDuration(s string) (time.Duration, error) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" || s[len(s)-1] == 'T' {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration like PT10M or P1DT2H", s)
	}
	units := []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second}
	var d time.Duration
	for i, u := range units {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseInt(m[i+1], 10, 32)
		if err != nil {
			return 0, fmt.Errorf("%q is out of range", s)
		}
		d += time.Duration(n) * u
	}
	return d, nil
}

func checkTimer(param, v string, min time.Duration) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := ParseDuration(v)
	if err != nil {
		return 0, apperr.Invalidf(apperr.CodeBadRequest, "%s: %v", param, err)
	}
	if d < min {
		return 0, apperr.Invalidf(apperr.CodeBadRequest,
			"%s is %v; the minimum is %v", param, d, min)
	}
	return d, nil
}
