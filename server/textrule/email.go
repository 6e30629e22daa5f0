package textrule

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Fold is the form in which two strings that mean the same compare equal:
// Unicode compatibility composition (NFKC: fullwidth ａ is a, the ligature
// ﬁ is fi) and full case folding (ß is ss, K is k), then NFKC again, as
// folding may undo it. Agents' emails are kept and looked up in this form.
func Fold(s string) string {
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(s)))
}

// Skeleton is what s looks like: its Fold with each Cyrillic, Greek or
// Latin letter that is drawn like another Latin letter replaced by that
// letter, so аgent (Cyrillic а) and agent have the same skeleton. Two
// strings with one skeleton may be told apart only by their code points,
// which a person reading them cannot do.
//
// This is not Unicode's full confusables table (UTS #39, thousands of
// entries across every script): it covers the look-alikes of Latin letters
// in Cyrillic and Greek, where nearly every real attack on Latin addresses
// comes from, plus a few Latin variants. Digits (0 and o, 1 and l) and
// letter pairs (rn and m) are left apart on purpose: real addresses differ
// by them.
func Skeleton(s string) string {
	return strings.Map(func(r rune) rune {
		if l, ok := confusables[r]; ok {
			return l
		}
		return r
	}, Fold(s))
}

// confusables maps lower-case letters (Skeleton folds first) to the Latin
// letter they are drawn like.
var confusables = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'ь': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'ё': 'e', 'һ': 'h', 'н': 'h',
	'і': 'i', 'ї': 'i', 'ј': 'j', 'к': 'k', 'ӏ': 'l', 'м': 'm', 'п': 'n', 'о': 'o', 'р': 'p',
	'ԛ': 'q', 'г': 'r', 'ѕ': 's', 'т': 't', 'ц': 'u', 'ѵ': 'v', 'ԝ': 'w', 'х': 'x', 'у': 'y', 'ү': 'y',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p',
	'τ': 't', 'υ': 'u', 'χ': 'x', 'γ': 'y', 'ω': 'w', 'ϲ': 'c', 'ϳ': 'j',
	// Latin variants
	'ı': 'i', 'ȷ': 'j', 'ɑ': 'a', 'ɡ': 'g', 'ɩ': 'i', 'ʏ': 'y', 'ℓ': 'l',
}

// MixedScripts reports the first part of s (split at "@" and ".") that
// mixes Latin letters with Cyrillic or Greek ones, as only a look-alike
// does: a real name is written in one of them.
func MixedScripts(s string) (part string, mixed bool) {
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == '@' || r == '.' }) {
		var latin, other bool
		for _, r := range p {
			switch {
			case unicode.Is(unicode.Latin, r):
				latin = true
			case unicode.Is(unicode.Cyrillic, r) || unicode.Is(unicode.Greek, r):
				other = true
			}
		}
		if latin && other {
			return p, true
		}
	}
	return "", false
}
