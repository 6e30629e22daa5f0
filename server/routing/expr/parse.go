package expr

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

type parser struct {
	lex lexer
	tok token
	// generic turns off the specialised nodes, so tests can check that both
	// trees agree.
	generic bool
}

func parse(src string) (node, error) {
	p := &parser{lex: lexer{src: src}}
	return p.parse()
}

func (p *parser) parse() (node, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, &Error{Pos: 0, Msg: `the expression is empty; "1==1" matches everything`}
	}
	root, err := p.disjunction(0)
	if err != nil {
		return nil, err
	}
	switch {
	case p.tok.kind == tRParen:
		return nil, p.errorf(`unexpected ")": there is no "(" for it to close`)
	case p.tok.kind != tEOF:
		return nil, p.errorf("unexpected %s after a complete comparison; join comparisons with AND or OR", p.describe())
	}
	return root, nil
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

func (p *parser) isKeyword(w string) bool { return p.tok.kind == tKeyword && p.tok.text == w }

// describe names the current token for an error message, as the user wrote it.
func (p *parser) describe() string {
	if p.tok.kind == tEOF {
		return "end of expression"
	}
	text := shorten(p.lex.src[p.tok.pos:p.tok.end])
	if p.tok.kind == tString {
		return "the string " + text
	}
	return strconv.Quote(text)
}

// shorten keeps an error message readable when it quotes a long operand.
func shorten(s string) string {
	const most = 40
	if len(s) <= most {
		return s
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// disjunction and conjunction gather a chain of ORs (ANDs), lifting in the
// operands of a parenthesised chain of the same kind: one loop evaluates
// them, and the canonical form needs no parentheses there.
func (p *parser) disjunction(depth int) (node, error) {
	var kids []node
	for {
		n, err := p.conjunction(depth)
		if err != nil {
			return nil, err
		}
		if or, ok := n.(*anyOf); ok { // a parenthesised OR inside an OR
			kids = append(kids, or.kids...)
		} else {
			kids = append(kids, n)
		}
		if !p.isKeyword("OR") {
			break
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == tEOF {
			return nil, p.errorf("expected a comparison after OR, found end of expression")
		}
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return &anyOf{kids: kids}, nil
}

func (p *parser) conjunction(depth int) (node, error) {
	var kids []node
	for {
		n, err := p.term(depth)
		if err != nil {
			return nil, err
		}
		if and, ok := n.(*allOf); ok { // a parenthesised AND inside an AND
			kids = append(kids, and.kids...)
		} else {
			kids = append(kids, n)
		}
		if !p.isKeyword("AND") {
			break
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == tEOF {
			return nil, p.errorf("expected a comparison after AND, found end of expression")
		}
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return &allOf{kids: kids}, nil
}

func (p *parser) term(depth int) (node, error) {
	if p.tok.kind != tLParen {
		return p.comparison()
	}
	if depth >= MaxDepth {
		return nil, p.errorf("parentheses nest deeper than %d levels", MaxDepth)
	}
	open := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tRParen {
		return nil, p.errorf(`empty parentheses: expected a comparison after the "(" at position %d`, open)
	}
	n, err := p.disjunction(depth + 1)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tRParen {
		return nil, p.errorf(`missing ")" to close the "(" at position %d; found %s`, open, p.describe())
	}
	return n, p.advance()
}

// nullRefused explains why null is no constant: TaskRouter resolves a missing
// attribute to NULL and a comparison with NULL never holds, so any comparison
// with null would be false for every task and worker.
const nullRefused = `null is not a TaskRouter constant: a comparison with a missing or null attribute never matches`

const operators = "==, !=, <, <=, >, >=, CONTAINS, HAS, IN or NOT IN"

func (p *parser) comparison() (node, error) {
	if p.isKeyword("NOT") {
		return nil, p.errorf(`NOT only appears in NOT IN, as in language NOT IN ["de"]; to negate a comparison use != or NOT IN`)
	}
	left, err := p.operand("a comparison")
	if err != nil {
		return nil, err
	}
	opTok := p.tok
	var o op
	switch {
	case p.tok.kind == tOp:
		o = p.tok.op
	case p.isKeyword("CONTAINS"):
		o = opContains
	case p.isKeyword("HAS"):
		o = opHas
	case p.isKeyword("IN"):
		o = opIn
	case p.isKeyword("NOT"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.isKeyword("IN") {
			return nil, p.errorf("NOT must be followed by IN, found %s", p.describe())
		}
		o = opNotIn
	case p.tok.kind == tName:
		return nil, p.errorf("unknown operator %s; the operators are %s", p.describe(), operators)
	case p.tok.kind == tEOF:
		return nil, p.errorf("missing operator after %s: expected %s", shorten(left.text()), operators)
	default:
		return nil, p.errorf("expected an operator (%s) after %s, found %s", operators, shorten(left.text()), p.describe())
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	right, err := p.operand(fmt.Sprintf("a value after %q", o.String()))
	if err != nil {
		return nil, err
	}
	if problem := checkOperands(o, left, right); problem != "" {
		return nil, &Error{Pos: opTok.pos, Msg: problem}
	}
	c := &comparison{op: o, left: left, right: right}
	if p.generic {
		return c, nil
	}
	return specialise(c), nil
}

// checkOperands refuses comparisons whose constants make them false for every
// scope: surely a mistake, better reported when the expression is saved.
func checkOperands(o op, left, right operand) string {
	_, leftList := left.val.([]any)
	_, rightList := right.val.([]any)
	switch o {
	case opIn, opNotIn:
		if right.attr == nil && !rightList {
			return fmt.Sprintf(`%s needs a list on its right, like ["en", "fr"], or an array attribute`, o)
		}
	case opHas:
		if rightList {
			return `HAS tests a single value; to test several, join HAS comparisons with OR`
		}
		if left.attr == nil && !leftList {
			return `HAS needs an array on its left, like skills HAS "support"`
		}
	case opContains:
		if leftList || rightList {
			return `CONTAINS looks for text in a string, not in a list; for a list use HAS or IN`
		}
	default:
		if leftList || rightList {
			return fmt.Sprintf("%s compares single values, not lists; to test membership use IN", o)
		}
	}
	return ""
}

// operand parses an attribute path, a constant or a list; want says what was
// expected, for the error message.
func (p *parser) operand(want string) (operand, error) {
	t := p.tok
	switch {
	case t.kind == tName:
		return operand{attr: newAttr(t.steps)}, p.advance()
	case t.kind == tLBrack:
		return p.list()
	}
	if v, ok := p.constant(); ok {
		return operand{val: v}, p.advance()
	}
	if p.isKeyword("NULL") {
		return operand{}, p.errorf("%s", nullRefused)
	}
	return operand{}, p.errorf("expected %s, found %s", want, p.describe())
}

// constant is the current token's value as encoding/json would decode it.
func (p *parser) constant() (any, bool) {
	switch {
	case p.tok.kind == tString:
		return p.tok.text, true
	case p.tok.kind == tNumber:
		return p.tok.num, true
	case p.isKeyword("TRUE"):
		return true, true
	case p.isKeyword("FALSE"):
		return false, true
	}
	return nil, false
}

func (p *parser) list() (operand, error) {
	open := p.tok.pos
	if err := p.advance(); err != nil {
		return operand{}, err
	}
	items := []any{}
	if p.tok.kind == tRBrack {
		return operand{val: items}, p.advance()
	}
	for first := true; ; first = false {
		switch {
		case p.tok.kind == tComma && first:
			return operand{}, p.errorf(`empty list element: remove the comma after "["`)
		case p.tok.kind == tComma:
			return operand{}, p.errorf("empty list element: two commas with no value between them")
		case p.tok.kind == tRBrack:
			return operand{}, p.errorf(`empty list element: remove the comma before "]"`)
		}
		switch p.tok.kind {
		case tEOF:
			return operand{}, p.errorf(`missing "]" to close the list at position %d`, open)
		case tName:
			return operand{}, p.errorf("a list holds strings, numbers and true or false, not attribute names like %s", p.describe())
		case tLBrack:
			return operand{}, p.errorf("a list cannot hold another list")
		}
		v, ok := p.constant()
		if p.isKeyword("NULL") {
			return operand{}, p.errorf("%s", nullRefused)
		}
		if !ok {
			return operand{}, p.errorf("expected a list element, found %s", p.describe())
		}
		items = append(items, v)
		if err := p.advance(); err != nil {
			return operand{}, err
		}
		switch p.tok.kind {
		case tRBrack:
			return operand{val: items}, p.advance()
		case tEOF:
			return operand{}, p.errorf(`missing "]" to close the list at position %d`, open)
		case tComma:
			if err := p.advance(); err != nil {
				return operand{}, err
			}
		default:
			return operand{}, p.errorf(`expected "," or "]" in the list at position %d, found %s`, open, p.describe())
		}
	}
}

// text is an operand in canonical form.
func (o operand) text() string {
	var b strings.Builder
	o.write(&b)
	return b.String()
}
