package channels

import (
	"regexp"
	"strings"

	"parley/server/apperr"
)

// e164 is a phone number in E.164: a plus, a country code that does not
// start with 0, and at most 15 digits in all.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// CheckAddress checks a messaging address of channel type typ ("sms":
// +E.164; "whatsapp": whatsapp:+E.164) and returns it. field names the
// parameter in the error.
func CheckAddress(typ, address, field string) (string, error) {
	number := address
	if typ == "whatsapp" {
		var ok bool
		if number, ok = strings.CutPrefix(address, "whatsapp:"); !ok {
			return "", apperr.Invalidf(apperr.CodeInvalidBinding, "%s %q is not a WhatsApp address: write it as whatsapp:+15551234567", field, address)
		}
	}
	if !e164.MatchString(number) {
		return "", apperr.Invalidf(apperr.CodeInvalidBinding, "%s %q is not a phone number in E.164 form (+ then country code and number, at most 15 digits, e.g. +15551234567)", field, address)
	}
	return address, nil
}

// TypeOf is the channel type of a messaging address.
func TypeOf(address string) string {
	if strings.HasPrefix(address, "whatsapp:") {
		return "whatsapp"
	}
	return "sms"
}
