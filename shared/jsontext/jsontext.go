// Package jsontext says whether JSON text decodes without loss: the
// server's REST API and the realtime protocol's decoder both refuse text
// that encoding/json would quietly repair into U+FFFD.
package jsontext

import "unicode/utf8"

// Lossless reports whether JSON text is valid UTF-8 and every \u escape of
// a surrogate in it is a high one followed by a low one: encoding/json
// decodes any other as U+FFFD. Outside strings JSON has no backslash, so a
// scan of the whole text finds every escape.
func Lossless(b []byte) bool {
	return utf8.Valid(b) && pairedSurrogates(b)
}

func pairedSurrogates(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if i+1 < len(b) && b[i+1] != 'u' {
			i++ // an escaped character, perhaps a backslash
			continue
		}
		r, ok := hex4(b, i+2)
		switch {
		case !ok:
			continue // not an escape JSON allows: its parser refuses it
		case 0xDC00 <= r && r <= 0xDFFF:
			return false // a low half alone
		case 0xD800 <= r && r <= 0xDBFF:
			if i+7 >= len(b) || b[i+6] != '\\' || b[i+7] != 'u' {
				return false // a high half without its low one
			}
			if lo, ok := hex4(b, i+8); !ok || lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 11
		default:
			i += 5
		}
	}
	return true
}

// hex4 reads four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c-'a') + 10
		case 'A' <= c && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}
