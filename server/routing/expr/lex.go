package expr

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

type tokenKind uint8

const (
	tEOF tokenKind = iota
	tName
	tString
	tNumber
	tOp      // a comparison symbol: == != < <= > >=
	tKeyword // AND OR IN NOT HAS CONTAINS TRUE FALSE NULL, upper-cased
	tLParen
	tRParen
	tLBrack
	tRBrack
	tComma
)

type token struct {
	kind     tokenKind
	pos, end int    // byte offsets of the token in the source
	text     string // keyword (upper-cased) or operator; a string's value
	num      float64
	op       op     // for tOp
	steps    []step // for tName
}

var keywords = map[string]bool{"AND": true, "OR": true, "IN": true, "NOT": true,
	"HAS": true, "CONTAINS": true, "TRUE": true, "FALSE": true,
	"NULL": true} // reserved only to be refused with a reason

// maxIndex bounds an array index: attributes are small documents, and a
// bound keeps the index an int on every platform.
const maxIndex = 999_999

type lexer struct {
	src string
	pos int
}

func (l *lexer) fail(pos int, format string, args ...any) (token, error) {
	return token{}, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
		l.pos++
	}
	start := l.pos
	if start >= len(l.src) {
		return token{kind: tEOF, pos: start, end: start}, nil
	}
	single := func(k tokenKind) (token, error) {
		l.pos++
		return token{kind: k, pos: start, end: l.pos}, nil
	}
	switch c := l.src[start]; {
	case c == '(':
		return single(tLParen)
	case c == ')':
		return single(tRParen)
	case c == '[':
		return single(tLBrack)
	case c == ']':
		return single(tRBrack)
	case c == ',':
		return single(tComma)
	case c == '"' || c == '\'':
		return l.str(c)
	case isOpChar(c):
		return l.symbol()
	case c == '&' || c == '|':
		if l.pos+1 < len(l.src) && l.src[l.pos+1] == c {
			l.pos += 2
			word := "AND"
			if c == '|' {
				word = "OR"
			}
			return token{kind: tKeyword, text: word, pos: start, end: l.pos}, nil
		}
		return l.fail(start, "unknown operator %q; join comparisons with AND or OR", string(c))
	case c == '-' || isDigit(c):
		return l.number()
	case isNameStart(c):
		return l.name()
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	return l.fail(start, "unexpected character %q", r)
}

func isSpace(c byte) bool     { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isNameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isNamePart(c byte) bool  { return isNameStart(c) || isDigit(c) }
func isOpChar(c byte) bool    { return c == '=' || c == '!' || c == '<' || c == '>' }

// symbol reads a run of comparison characters whole, so "<>" or "===" is
// reported as the unknown operator it is rather than as two tokens.
func (l *lexer) symbol() (token, error) {
	start := l.pos
	for l.pos < len(l.src) && isOpChar(l.src[l.pos]) {
		l.pos++
	}
	text := l.src[start:l.pos]
	o, ok := symbols[text]
	if !ok {
		if text == "!" {
			return l.fail(start, `unknown operator "!"; write != for "not equal", or NOT IN`)
		}
		return l.fail(start, "unknown operator %q; comparisons are ==, !=, <, <=, > and >=", shorten(text))
	}
	return token{kind: tOp, op: o, text: o.String(), pos: start, end: l.pos}, nil
}

var symbols = map[string]op{"==": opEq, "=": opEq, "!=": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe}

// name reads an attribute path (a.b[2].c) or a keyword. A keyword followed
// by a dot is the first name of a path, so an attribute called "has" can
// still be reached as has.x, if not alone.
func (l *lexer) name() (token, error) {
	start := l.pos
	key := l.ident()
	if up := strings.ToUpper(key); keywords[up] && !l.peek('.') {
		return token{kind: tKeyword, text: up, pos: start, end: l.pos}, nil
	}
	steps := []step{{key: key, index: -1}}
	for {
		switch {
		case l.peek('.'):
			l.pos++
			if l.pos >= len(l.src) || !isNameStart(l.src[l.pos]) {
				return l.fail(l.pos, "expected a name after the dot in %q", shorten(l.src[start:l.pos]))
			}
			steps = append(steps, step{key: l.ident(), index: -1})
		case l.peek('['):
			open := l.pos
			l.pos++
			digits := l.pos
			for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
				l.pos++
			}
			index := l.src[digits:l.pos]
			if index == "" || !l.peek(']') {
				return l.fail(open, "an array index is a whole number in brackets, like %s[0]", shorten(l.src[start:open]))
			}
			n, err := strconv.Atoi(index)
			if err != nil || n > maxIndex {
				return l.fail(digits, "array index %s is too large; the limit is %d", shorten(index), maxIndex)
			}
			l.pos++
			steps = append(steps, step{index: n})
		case l.peek('-') && l.pos+1 < len(l.src) && isNamePart(l.src[l.pos+1]):
			end := l.pos
			for end < len(l.src) && (isNamePart(l.src[end]) || l.src[end] == '-' || l.src[end] == '.') {
				end++
			}
			return l.fail(l.pos, "hyphens are not supported in TaskRouter attribute names, as in %q", shorten(l.src[start:end]))
		default:
			return token{kind: tName, steps: steps, pos: start, end: l.pos}, nil
		}
	}
}

func (l *lexer) ident() string {
	start := l.pos
	for l.pos < len(l.src) && isNamePart(l.src[l.pos]) {
		l.pos++
	}
	return l.src[start:l.pos]
}

func (l *lexer) peek(c byte) bool { return l.pos < len(l.src) && l.src[l.pos] == c }

// number reads digits, a dot and letters as one word, so "1.2.3" or "2nd" is
// reported whole as not a number.
func (l *lexer) number() (token, error) {
	start := l.pos
	if l.src[l.pos] == '-' {
		l.pos++
		if l.pos >= len(l.src) || !isDigit(l.src[l.pos]) {
			return l.fail(start, `a "-" must start a number, like -1`)
		}
	}
	for l.pos < len(l.src) && (isNamePart(l.src[l.pos]) || l.src[l.pos] == '.') {
		l.pos++
	}
	text := l.src[start:l.pos]
	if !isNumber(text) {
		return l.fail(start, "%q is not a number; write numbers like 3, -1 or 2.5", shorten(text))
	}
	n, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return l.fail(start, "the number %s is too large", shorten(text))
	}
	return token{kind: tNumber, num: n, pos: start, end: l.pos}, nil
}

// isNumber reports whether s is [-]digits[.digits], the form TaskRouter's
// docs show; strconv alone would also take 1e5, 0x10 or Inf.
func isNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dotted := strings.Cut(s, ".")
	return allDigits(whole) && (!dotted || allDigits(frac))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func (l *lexer) str(quote byte) (token, error) {
	start := l.pos
	l.pos++
	var b strings.Builder
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == quote:
			l.pos++
			return token{kind: tString, text: b.String(), pos: start, end: l.pos}, nil
		case c == '\\' && l.pos+1 < len(l.src):
			l.escape(&b, quote)
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
	return l.fail(start, "unterminated string: the %c opened here is never closed", quote)
}

// escape decodes the backslash escape at l.pos. Go's escapes are what String
// writes, so canonical forms read back; either quote may be escaped in
// either kind of string; any other backslash is kept as written, so a
// Windows path or a regular expression survives.
func (l *lexer) escape(b *strings.Builder, quote byte) {
	switch next := l.src[l.pos+1]; next {
	case '"', '\'', '\\':
		b.WriteByte(next)
		l.pos += 2
		return
	}
	v, multibyte, tail, err := strconv.UnquoteChar(l.src[l.pos:], quote)
	switch {
	case err != nil:
		b.WriteByte('\\')
		l.pos++
	case multibyte:
		b.WriteRune(v)
		l.pos = len(l.src) - len(tail)
	default:
		b.WriteByte(byte(v))
		l.pos = len(l.src) - len(tail)
	}
}
