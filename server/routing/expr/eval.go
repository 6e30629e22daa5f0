package expr

import (
	"strconv"
	"strings"
)

// node is a compiled piece of expression. Scope is passed by value: it is
// three words, and a pointer would make every Eval allocate it.
type node interface {
	eval(s Scope) bool
	write(b *strings.Builder)
}

// allOf is a chain of ANDs.
type allOf struct{ kids []node }

func (n *allOf) eval(s Scope) bool {
	for _, k := range n.kids {
		if !k.eval(s) {
			return false
		}
	}
	return true
}

func (n *allOf) write(b *strings.Builder) {
	for i, k := range n.kids {
		if i > 0 {
			b.WriteString(" AND ")
		}
		// Only an OR needs parentheses inside an AND, so the canonical form
		// nests no deeper than its source did.
		if _, or := k.(*anyOf); or {
			b.WriteByte('(')
			k.write(b)
			b.WriteByte(')')
			continue
		}
		k.write(b)
	}
}

// anyOf is a chain of ORs.
type anyOf struct{ kids []node }

func (n *anyOf) eval(s Scope) bool {
	for _, k := range n.kids {
		if k.eval(s) {
			return true
		}
	}
	return false
}

func (n *anyOf) write(b *strings.Builder) {
	for i, k := range n.kids {
		if i > 0 {
			b.WriteString(" OR ")
		}
		k.write(b)
	}
}

// op is a comparison operator.
type op uint8

const (
	opEq op = iota
	opNe
	opLt
	opLe
	opGt
	opGe
	opContains
	opHas
	opIn
	opNotIn
)

var opNames = [...]string{"==", "!=", "<", "<=", ">", ">=", "CONTAINS", "HAS", "IN", "NOT IN"}

func (o op) String() string { return opNames[o] }

// step is one link of an attribute path: a key into an object, or, when
// index >= 0, an index into an array.
type step struct {
	key   string
	index int
}

// root says which map of the Scope an attribute path starts in.
type root uint8

const (
	inDefault root = iota
	inTask         // task.x: in Scope.Task, or the whole path in Default
	inWorker       // worker.x: in Scope.Worker, or the whole path in Default
)

// attr is a compiled attribute path.
type attr struct {
	root  root
	steps []step // the whole path, as looked up in Default
	own   []step // the path after "task." or "worker."
}

func newAttr(steps []step) *attr {
	a := &attr{steps: steps}
	if len(steps) > 1 && steps[1].index < 0 {
		switch steps[0].key {
		case "task":
			a.root, a.own = inTask, steps[1:]
		case "worker":
			a.root, a.own = inWorker, steps[1:]
		}
	}
	return a
}

// resolve finds the attribute's value in s; ok is false when it is missing
// or JSON null, which TaskRouter treats alike.
func (a *attr) resolve(s Scope) (v any, ok bool) {
	m, steps := s.Default, a.steps
	switch {
	case a.root == inTask && s.Task != nil:
		m, steps = s.Task, a.own
	case a.root == inWorker && s.Worker != nil:
		m, steps = s.Worker, a.own
	}
	// Every path starts with a name, and so does own.
	if v, ok = m[steps[0].key]; !ok {
		return nil, false
	}
	for _, st := range steps[1:] {
		if st.index >= 0 {
			arr, isArr := v.([]any)
			if !isArr || st.index >= len(arr) {
				return nil, false
			}
			v = arr[st.index]
			continue
		}
		obj, isObj := v.(map[string]any)
		if !isObj {
			return nil, false
		}
		if v, ok = obj[st.key]; !ok {
			return nil, false
		}
	}
	return v, v != nil
}

func (a *attr) write(b *strings.Builder) {
	for i, st := range a.steps {
		switch {
		case st.index >= 0:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(st.index))
			b.WriteByte(']')
		case i > 0:
			b.WriteByte('.')
			fallthrough
		default:
			b.WriteString(st.key)
		}
	}
}

// operand is an attribute path, or else a constant held as encoding/json
// would decode it (string, float64, bool, or []any of those), so both kinds
// compare alike.
type operand struct {
	attr *attr
	val  any
}

func (o operand) get(s Scope) (any, bool) {
	if o.attr == nil {
		return o.val, true
	}
	return o.attr.resolve(s)
}

func (o operand) write(b *strings.Builder) {
	if o.attr != nil {
		o.attr.write(b)
		return
	}
	writeValue(b, o.val)
}

func writeValue(b *strings.Builder, v any) {
	switch v := v.(type) {
	case string:
		b.WriteString(strconv.Quote(v))
	case float64:
		b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, e)
		}
		b.WriteByte(']')
	}
}

// comparison is one operator between two operands, evaluated by the general
// rules in apply. specialise swaps the most common shapes for nodes that skip
// the general dispatch.
type comparison struct {
	op          op
	left, right operand
}

func (c *comparison) eval(s Scope) bool {
	l, ok := c.left.get(s)
	if !ok {
		return false
	}
	r, ok := c.right.get(s)
	if !ok {
		return false
	}
	return apply(c.op, l, r)
}

func (c *comparison) write(b *strings.Builder) {
	c.left.write(b)
	b.WriteByte(' ')
	b.WriteString(c.op.String())
	b.WriteByte(' ')
	c.right.write(b)
}

// apply is the meaning of every operator on two present values.
func apply(o op, l, r any) bool {
	switch o {
	case opEq:
		eq, same := equal(l, r)
		return same && eq
	case opNe:
		eq, same := equal(l, r)
		return same && !eq
	case opLt, opLe, opGt, opGe:
		c, ok := order(l, r)
		return ok && holds(o, c)
	case opContains:
		ls, ok1 := l.(string)
		rs, ok2 := r.(string)
		return ok1 && ok2 && strings.Contains(ls, rs)
	case opHas:
		arr, ok := l.([]any)
		return ok && member(r, arr)
	case opIn, opNotIn:
		arr, ok := r.([]any)
		if !ok {
			return false
		}
		if many, ok := l.([]any); ok {
			return anyMember(many, arr) == (o == opIn)
		}
		if !scalar(l) {
			return false
		}
		return member(l, arr) == (o == opIn)
	}
	return false
}

// holds reads an ordering operator against the sign of a comparison.
func holds(o op, c int) bool {
	switch o {
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	case opGe:
		return c >= 0
	}
	return false
}

// equal compares two scalars; same is false when they are not scalars of one
// type, and then neither == nor != holds.
func equal(a, b any) (eq, same bool) {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y, ok
	case float64:
		y, ok := b.(float64)
		return ok && x == y, ok
	case bool:
		y, ok := b.(bool)
		return ok && x == y, ok
	}
	return false, false
}

func scalar(v any) bool {
	switch v.(type) {
	case string, float64, bool:
		return true
	}
	return false
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
		case x == y:
			return 0, true
		}
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	}
	return 0, false
}

// member reports whether the scalar v equals an element of arr.
func member(v any, arr []any) bool {
	for _, e := range arr {
		if eq, _ := equal(v, e); eq {
			return true
		}
	}
	return false
}

// anyMember reports whether an element of many is in arr.
func anyMember(many, arr []any) bool {
	for _, v := range many {
		if member(v, arr) {
			return true
		}
	}
	return false
}
