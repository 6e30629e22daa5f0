// Package textrule says which text Parley accepts from outside: every text
// field is valid UTF-8 (refused, never silently repaired), and the strings
// that name someone to someone else (identities, display names, emails)
// carry no character a reader cannot see. It knows nothing of HTTP or SQL.
package textrule

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"parley/server/apperr"
	"parley/shared/jsontext"
)

// Text refuses a field whose value is not valid UTF-8. A store that kept
// it would either fail later or, as encoding/json does, replace the bad
// bytes with U+FFFD: either way not what was sent.
func Text(field, v string) error {
	if !utf8.ValidString(v) {
		return notUTF8(field)
	}
	return nil
}

// JSON refuses a field holding JSON text that is not valid UTF-8 or that
// escapes half of a surrogate pair (such as "\ud800"): valid bytes, but no
// character, which encoding/json also replaces with U+FFFD.
func JSON(field string, raw []byte) error {
	if !jsontext.Lossless(raw) {
		return notUTF8(field)
	}
	return nil
}

func notUTF8(field string) error {
	return apperr.Invalidf(apperr.CodeBadRequest,
		"%s is not valid UTF-8 text: send it encoded as UTF-8 (nothing was stored)", field)
}

// Identity refuses an identity (or any other key that names someone, such
// as an author or an email) that is not valid UTF-8 or that holds a
// character a reader cannot see: a control character (C0, DEL, C1), a
// bidirectional control that reorders what follows (U+202A-U+202E,
// U+2066-U+2069, U+200E, U+200F, U+061C), or an invisible one (zero-width
// spaces and joiners, word joiner, BOM, soft hyphen, Mongolian vowel
// separator, variation selectors, tag characters, Hangul fillers). Each
// would let two identities that read the same be different, or one read as
// another.
func Identity(field, v string) error {
	if !utf8.ValidString(v) {
		return notUTF8(field)
	}
	for i, r := range v {
		if what := hidden(r); what != "" {
			return refuseHidden(field, v, i, r, what, "an identity")
		}
	}
	return nil
}

// Name refuses a display name (a person's or a conversation's friendly
// name) on Identity's terms, with one allowance people's names need: a
// zero-width joiner or a variation selector right after an emoji, which
// is how emoji such as 👩‍💻 and ❤️ are written.
func Name(field, v string) error {
	if !utf8.ValidString(v) {
		return notUTF8(field)
	}
	prev := rune(-1)
	for i, r := range v {
		if what := hidden(r); what != "" && !emojiPart(v, i, r, prev) {
			return refuseHidden(field, v, i, r, what, "a name")
		}
		prev = r
	}
	return nil
}

// emojiPart reports whether r, at v[i] after prev, is part of an emoji: a
// variation selector (U+FE0E, U+FE0F) after a symbol, or a zero-width
// joiner between a symbol (or its selector or skin tone) and another
// symbol, as in 👩‍💻 or ❤️‍🔥.
func emojiPart(v string, i int, r, prev rune) bool {
	switch r {
	case 0xFE0E, 0xFE0F:
		return symbol(prev)
	case 0x200D:
		rest := v[i+utf8.RuneLen(r):]
		next, _ := utf8.DecodeRuneInString(rest)
		return (symbol(prev) || prev == 0xFE0F || skinTone(prev)) && rest != "" && symbol(next)
	}
	return false
}

// symbol reports whether r is a symbol such as most emoji are (So).
func symbol(r rune) bool { return r >= 0 && unicode.Is(unicode.So, r) }

func skinTone(r rune) bool { return 0x1F3FB <= r && r <= 0x1F3FF }

func refuseHidden(field, v string, at int, r rune, what, kind string) error {
	return apperr.Invalidf(apperr.CodeBadRequest,
		"%s holds %s (U+%04X) at character %d: %s cannot contain control, direction-changing or invisible characters",
		field, what, r, utf8.RuneCountInString(v[:at])+1, kind)
}

// hidden names the kind of character r is when a reader cannot see it,
// and is "" for any other.
func hidden(r rune) string {
	switch {
	case r < 0x20 || r == 0x7F || 0x80 <= r && r <= 0x9F:
		return "a control character"
	case r == 0x2028 || r == 0x2029:
		return "a line or paragraph separator"
	case 0x202A <= r && r <= 0x202E, 0x2066 <= r && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return "a bidirectional control"
	case 0x200B <= r && r <= 0x200D, 0x2060 <= r && r <= 0x2064, r == 0xFEFF, r == 0x180E, r == 0x00AD, r == 0x034F,
		0xFE00 <= r && r <= 0xFE0F, 0xE0100 <= r && r <= 0xE01EF, // variation selectors
		0xE0000 <= r && r <= 0xE007F,                       // tags
		r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0, // Hangul fillers, drawn as nothing
		r == 0x17B4, r == 0x17B5, r == 0x2800: // Khmer inherent vowels, braille blank
		return "an invisible character"
	case unicode.Is(unicode.Cf, r):
		return "an invisible formatting character"
	case r == utf8.RuneError:
		return "a replacement character (text lost before it reached Parley)"
	}
	return ""
}

// Describe writes s for a message with every character outside printable
// ASCII escaped, so that a look-alike shows how it differs.
func Describe(s string) string { return fmt.Sprintf("%+q", s) }
