package expr

import (
	"fmt"
	"strings"
)

// Limits refuse pathological sources when an expression is saved, rather than
// paying for them at every evaluation.
const (
	// MaxLen is the longest source Parse accepts, in bytes.
	MaxLen = 4096
	// MaxDepth is how deeply Parse lets parentheses nest.
	MaxDepth = 64
)

// Error is why Parse refused a source: the problem, and the 0-based byte
// offset in the source where it was found.
type Error struct {
	Pos int
	Msg string
}

// Error reads like `position 14: expected a value after "==", found end of
// expression`.
func (e *Error) Error() string { return fmt.Sprintf("position %d: %s", e.Pos, e.Msg) }

// Scope is what names resolve against: bare names in Default, task.x in Task
// and worker.x in Worker when those are non-nil. Maps hold what
// encoding/json decodes into map[string]any.
type Scope struct {
	Default, Task, Worker map[string]any
}

// Expr is a compiled expression. It is immutable, so one may be evaluated
// from many goroutines at once.
type Expr struct{ root node }

// Parse compiles src. An empty or all-space src is an error: TaskRouter's
// match-everything expression is "1==1".
func Parse(src string) (*Expr, error) {
	if len(src) > MaxLen {
		return nil, &Error{Pos: MaxLen, Msg: fmt.Sprintf("the expression is %d bytes long; the limit is %d", len(src), MaxLen)}
	}
	root, err := parse(src)
	if err != nil {
		return nil, err
	}
	return &Expr{root: root}, nil
}

// MustParse is Parse for expressions known to be valid, such as constants in
// tests; it panics on an error.
func MustParse(src string) *Expr {
	e, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return e
}

// Eval reports whether the expression holds in s. It never panics, whatever
// the maps hold; values encoding/json would not produce simply never match.
func (e *Expr) Eval(s Scope) bool {
	if e == nil || e.root == nil {
		return false
	}
	return e.root.eval(s)
}

// String is the expression in canonical form: keywords upper-case, strings
// double-quoted, one space around operators, parentheses only around an OR
// inside an AND. Parse(e.String()) gives an expression with the same String
// and the same results. Escapes and spacing may make it longer than the
// source, even past MaxLen when the source was close to it.
func (e *Expr) String() string {
	if e == nil || e.root == nil {
		return ""
	}
	var b strings.Builder
	e.root.write(&b)
	return b.String()
}
