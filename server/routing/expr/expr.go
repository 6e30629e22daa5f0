// Package expr is TaskRouter's expression language, used by a task queue's
// TargetWorkers, a workflow filter's expression and a workflow target's
// expression. An expression is parsed once, when its queue or workflow is
// saved, into a tree that evaluates without allocating.
//
// Grammar (keywords are case-insensitive):
//
//	expr       = and { ("OR" | "||") and }
//	and        = term { ("AND" | "&&") term }
//	term       = "(" expr ")" | comparison
//	comparison = value op value
//	op         = "==" | "=" | "!=" | "<" | ">" | "<=" | ">=" | "IN" | "NOT IN" | "HAS" | "CONTAINS"
//	value      = name { "." name } | string | number | "true" | "false" | "null" | "[" [ value { "," value } ] "]"
//
// A name path resolves in the scope's attributes: "task.x" in Task and
// "worker.x" in Worker when those are given, anything else in Default. A
// comparison with a missing attribute is false, whatever the operator.
package expr

import (
	"fmt"
	"strconv"
	"strings"
)

// Limits guard against pathological input.
const (
	MaxLen   = 4096
	MaxDepth = 64
)

// Error is a parse error at a byte offset of the source.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("position %d: %s", e.Pos, e.Msg) }

// Scope is what names resolve in.
type Scope struct {
	Default, Task, Worker map[string]any
}

// Expr is a parsed expression.
type Expr struct{ root node }

// Eval reports whether the expression holds in s.
func (e *Expr) Eval(s Scope) bool { return e.root.eval(s) }

// String is the expression in canonical form: keywords upper-case, strings
// double-quoted, one space around operators, parentheses only where needed.
// It parses back to an expression with the same String (escapes and spaces
// may make it longer than MaxLen, though, when the source was near it).
func (e *Expr) String() string {
	var b strings.Builder
	e.root.write(&b)
	return b.String()
}

// MustParse is Parse for expressions known to be good; it panics otherwise.
func MustParse(src string) *Expr {
	e, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return e
}

// Parse compiles src.
func Parse(src string) (*Expr, error) {
	if len(src) > MaxLen {
		return nil, &Error{Pos: MaxLen, Msg: fmt.Sprintf("the expression is %d bytes; the limit is %d", len(src), MaxLen)}
	}
	p := &parser{lex: lexer{src: src}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, &Error{Pos: 0, Msg: `the expression is empty; "1==1" matches everything`}
	}
	root, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.errorf("unexpected %s; join conditions with AND or OR", p.tok.describe())
	}
	return &Expr{root: root}, nil
}

// ---- tokens ----

type kind int

const (
	tEOF kind = iota
	tName
	tString
	tNumber
	tOp     // == = != < > <= >=
	tWord   // AND OR IN NOT HAS CONTAINS TRUE FALSE NULL (upper-cased in text)
	tLParen // (
	tRParen // )
	tLBrack // [
	tRBrack // ]
	tComma
)

type token struct {
	kind kind
	text string // names, operators, upper-cased keywords, unquoted strings
	num  float64
	pos  int
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tString:
		return strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

var keywords = map[string]bool{"AND": true, "OR": true, "IN": true, "NOT": true, "HAS": true,
	"CONTAINS": true, "TRUE": true, "FALSE": true, "NULL": true}

type lexer struct {
	src string
	pos int
}

func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) && strings.IndexByte(" \t\r\n", l.src[l.pos]) >= 0 {
		l.pos++
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := l.src[l.pos]
	switch {
	case c == '(' || c == ')' || c == '[' || c == ']' || c == ',':
		l.pos++
		k := map[byte]kind{'(': tLParen, ')': tRParen, '[': tLBrack, ']': tRBrack, ',': tComma}[c]
		return token{kind: k, text: string(c), pos: start}, nil
	case c == '"' || c == '\'':
		return l.str(c)
	case c == '=' || c == '!' || c == '<' || c == '>':
		l.pos++
		if l.pos < len(l.src) && l.src[l.pos] == '=' {
			l.pos++
		}
		op := l.src[start:l.pos]
		if op == "!" {
			return token{}, &Error{Pos: start, Msg: `"!" must be "!=" (NOT is only part of NOT IN)`}
		}
		if op == "=" {
			op = "=="
		}
		return token{kind: tOp, text: op, pos: start}, nil
	case c == '&' || c == '|':
		if l.pos+1 < len(l.src) && l.src[l.pos+1] == c {
			l.pos += 2
			if c == '&' {
				return token{kind: tWord, text: "AND", pos: start}, nil
			}
			return token{kind: tWord, text: "OR", pos: start}, nil
		}
		return token{}, &Error{Pos: start, Msg: fmt.Sprintf("%q is not an operator; use AND or OR", string(c))}
	case c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return l.number()
	case isNameStart(c):
		for l.pos < len(l.src) && isNamePart(l.src[l.pos]) {
			l.pos++
		}
		word := l.src[start:l.pos]
		if up := strings.ToUpper(word); keywords[up] {
			return token{kind: tWord, text: up, pos: start}, nil
		}
		return token{kind: tName, text: word, pos: start}, nil
	}
	return token{}, &Error{Pos: start, Msg: fmt.Sprintf("unexpected character %q", rune(c))}
}

func isNameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isNamePart(c byte) bool  { return isNameStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.' }

func (l *lexer) str(quote byte) (token, error) {
	start := l.pos
	l.pos++
	var b strings.Builder
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == quote:
			l.pos++
			return token{kind: tString, text: b.String(), pos: start}, nil
		case c == '\\' && l.pos+1 < len(l.src):
			// Go's escapes (what String writes); an unknown one keeps
			// the character after the backslash.
			v, multibyte, tail, err := strconv.UnquoteChar(l.src[l.pos:], quote)
			if err != nil {
				b.WriteByte(l.src[l.pos+1])
				l.pos += 2
				continue
			}
			if multibyte {
				b.WriteRune(v)
			} else {
				b.WriteByte(byte(v))
			}
			l.pos = len(l.src) - len(tail)
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
	return token{}, &Error{Pos: start, Msg: "unterminated string: add the closing " + string(quote)}
}

func (l *lexer) number() (token, error) {
	start := l.pos
	if l.src[l.pos] == '-' {
		l.pos++
	}
	for l.pos < len(l.src) && (l.src[l.pos] >= '0' && l.src[l.pos] <= '9' || l.src[l.pos] == '.') {
		l.pos++
	}
	text := l.src[start:l.pos]
	n, err := strconv.ParseFloat(text, 64)
	if err != nil || strings.HasPrefix(text, ".") || strings.HasPrefix(text, "-.") {
		return token{}, &Error{Pos: start, Msg: fmt.Sprintf("%q is not a number", text)}
	}
	return token{kind: tNumber, text: text, num: n, pos: start}, nil
}

// ---- parser ----

type parser struct {
	lex lexer
	tok token
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) errorf(format string, args ...any) error {
	return &Error{Pos: p.tok.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) isWord(w string) bool { return p.tok.kind == tWord && p.tok.text == w }

func (p *parser) or(depth int) (node, error) {
	left, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord("OR") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		left = &logic{and: false, left: left, right: right}
	}
	return left, nil
}

func (p *parser) and(depth int) (node, error) {
	left, err := p.term(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord("AND") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.term(depth)
		if err != nil {
			return nil, err
		}
		left = &logic{and: true, left: left, right: right}
	}
	return left, nil
}

func (p *parser) term(depth int) (node, error) {
	if depth >= MaxDepth {
		return nil, p.errorf("parentheses nest deeper than %d", MaxDepth)
	}
	if p.tok.kind == tLParen {
		open := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		n, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.errorf("missing ) to close the ( at position %d; found %s", open, p.tok.describe())
		}
		return n, p.advance()
	}
	return p.comparison()
}

func (p *parser) comparison() (node, error) {
	left, err := p.value("a value to compare")
	if err != nil {
		return nil, err
	}
	opTok := p.tok
	var op string
	switch {
	case p.tok.kind == tOp:
		op = p.tok.text
	case p.isWord("IN"), p.isWord("HAS"), p.isWord("CONTAINS"):
		op = p.tok.text
	case p.isWord("NOT"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.isWord("IN") {
			return nil, p.errorf("NOT must be followed by IN; found %s", p.tok.describe())
		}
		op = "NOT IN"
	default:
		return nil, p.errorf("expected an operator (==, !=, <, >, <=, >=, IN, NOT IN, HAS, CONTAINS) after %s, found %s",
			left.text(), p.tok.describe())
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	right, err := p.value(fmt.Sprintf("a value after %s", op))
	if err != nil {
		return nil, err
	}
	if (op == "IN" || op == "NOT IN") && right.lit && right.literal != nil {
		if _, ok := right.literal.([]any); !ok {
			return nil, &Error{Pos: opTok.pos, Msg: op + " needs a list on its right, like [\"en\", \"fr\"]"}
		}
	}
	return &compare{op: op, left: left, right: right}, nil
}

// value parses an operand: a literal or a name path.
func (p *parser) value(want string) (*operand, error) {
	t := p.tok
	switch {
	case t.kind == tString:
		return &operand{lit: true, literal: t.text}, p.advance()
	case t.kind == tNumber:
		return &operand{lit: true, literal: t.num, numText: t.text}, p.advance()
	case p.isWord("TRUE"), p.isWord("FALSE"):
		return &operand{lit: true, literal: t.text == "TRUE"}, p.advance()
	case p.isWord("NULL"):
		return &operand{lit: true, literal: nil, isNull: true}, p.advance()
	case t.kind == tLBrack:
		return p.list()
	case t.kind == tName:
		path := strings.Split(t.text, ".")
		for _, seg := range path {
			if seg == "" {
				return nil, p.errorf("%q is not an attribute name: a dot must sit between two names", t.text)
			}
		}
		return &operand{path: path, name: t.text}, p.advance()
	}
	return nil, p.errorf("expected %s, found %s", want, t.describe())
}

func (p *parser) list() (*operand, error) {
	open := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	items := []any{}
	var texts []string
	for p.tok.kind != tRBrack {
		if len(items) > 0 {
			if p.tok.kind != tComma {
				return nil, p.errorf("expected , or ] in the list opened at position %d, found %s", open, p.tok.describe())
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		v, err := p.value("a list element")
		if err != nil {
			return nil, err
		}
		if !v.lit {
			return nil, &Error{Pos: p.tok.pos, Msg: "a list holds only strings, numbers and true/false, not names"}
		}
		if _, nested := v.literal.([]any); nested {
			return nil, &Error{Pos: p.tok.pos, Msg: "lists cannot nest"}
		}
		items = append(items, v.literal)
		texts = append(texts, v.text())
	}
	return &operand{lit: true, literal: items, listText: "[" + strings.Join(texts, ", ") + "]"}, p.advance()
}

// ---- the tree ----

type node interface {
	eval(s Scope) bool
	write(b *strings.Builder)
}

// logic is AND or OR.
type logic struct {
	and         bool
	left, right node
}

func (n *logic) eval(s Scope) bool {
	if n.and {
		return n.left.eval(s) && n.right.eval(s)
	}
	return n.left.eval(s) || n.right.eval(s)
}

// write adds parentheses only where precedence needs them (an OR inside an
// AND), so the canonical form nests no deeper than the source did.
func (n *logic) write(b *strings.Builder) {
	side := func(c node) {
		if l, ok := c.(*logic); ok && n.and && !l.and {
			b.WriteByte('(')
			c.write(b)
			b.WriteByte(')')
			return
		}
		c.write(b)
	}
	side(n.left)
	if n.and {
		b.WriteString(" AND ")
	} else {
		b.WriteString(" OR ")
	}
	side(n.right)
}

// operand is a literal or an attribute path.
type operand struct {
	lit      bool
	literal  any // string, float64, bool, nil, []any
	isNull   bool
	numText  string
	listText string
	path     []string
	name     string
}

func (o *operand) text() string {
	switch {
	case !o.lit:
		return o.name
	case o.isNull:
		return "null"
	case o.listText != "":
		return o.listText
	case o.numText != "":
		return strconv.FormatFloat(o.literal.(float64), 'f', -1, 64)
	}
	switch v := o.literal.(type) {
	case string:
		return strconv.Quote(v)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		return "[]"
	}
	return "null"
}

// resolve finds the operand's value in s; ok is false for a missing
// attribute.
func (o *operand) resolve(s Scope) (any, bool) {
	if o.lit {
		return o.literal, true
	}
	m, path := s.Default, o.path
	if len(path) > 1 {
		switch {
		case path[0] == "task" && s.Task != nil:
			m, path = s.Task, path[1:]
		case path[0] == "worker" && s.Worker != nil:
			m, path = s.Worker, path[1:]
		}
	}
	var v any = m
	for _, seg := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[seg]; !ok {
			return nil, false
		}
	}
	return v, true
}

type compare struct {
	op          string
	left, right *operand
}

func (n *compare) write(b *strings.Builder) {
	b.WriteString(n.left.text())
	b.WriteByte(' ')
	b.WriteString(n.op)
	b.WriteByte(' ')
	b.WriteString(n.right.text())
}

func (n *compare) eval(s Scope) bool {
	l, ok := n.left.resolve(s)
	if !ok {
		return false
	}
	r, ok := n.right.resolve(s)
	if !ok {
		return false
	}
	switch n.op {
	case "==":
		return equal(l, r)
	case "!=":
		return !equal(l, r)
	case "<", ">", "<=", ">=":
		c, ok := order(l, r)
		if !ok {
			return false
		}
		switch n.op {
		case "<":
			return c < 0
		case ">":
			return c > 0
		case "<=":
			return c <= 0
		}
		return c >= 0
	case "IN":
		return in(l, r)
	case "NOT IN":
		_, isList := r.([]any)
		return isList && !in(l, r)
	case "HAS":
		if list, ok := l.([]any); ok {
			return contains(list, r)
		}
		return equal(l, r)
	case "CONTAINS":
		sub, ok := r.(string)
		if !ok {
			return false
		}
		switch v := l.(type) {
		case string:
			return strings.Contains(v, sub)
		case []any:
			for _, e := range v {
				if str, ok := e.(string); ok && strings.Contains(str, sub) {
					return true
				}
			}
		}
	}
	return false
}

// equal compares two decoded JSON values of the same type.
func equal(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	return false // lists and objects compare with HAS and IN
}

// order compares two numbers or two strings.
func order(a, b any) (int, bool) {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	}
	return 0, false
}

// in reports whether v (or, for a list, any element of it) is in list.
func in(v, list any) bool {
	l, ok := list.([]any)
	if !ok {
		return false
	}
	if vs, ok := v.([]any); ok {
		for _, e := range vs {
			if contains(l, e) {
				return true
			}
		}
		return false
	}
	return contains(l, v)
}

func contains(list []any, v any) bool {
	for _, e := range list {
		if equal(e, v) {
			return true
		}
	}
	return false
}
