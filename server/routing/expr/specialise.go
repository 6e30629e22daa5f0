package expr

import "slices"

// specialise returns a node that does less work per evaluation for the shape
// of nearly every TaskRouter expression: an attribute on the left, a constant
// on the right. Each keeps the comparison for its canonical form, and
// TestSpecialisedNodesAgreeWithTheGeneralRules holds them to apply's rules.
func specialise(c *comparison) node {
	if c.left.attr == nil || c.right.attr != nil {
		return c
	}
	switch v := c.right.val.(type) {
	case string:
		switch c.op {
		case opEq, opNe:
			return &stringEq{c, v}
		case opHas:
			return &hasString{c, v}
		}
	case float64:
		switch c.op {
		case opEq, opNe, opLt, opLe, opGt, opGe:
			return &numberCmp{c, v}
		}
	case []any:
		if c.op == opIn || c.op == opNotIn {
			if strs, ok := allStrings(v); ok {
				return &inStrings{c, strs}
			}
		}
	}
	return c
}

// allStrings returns a list's elements when all are strings.
func allStrings(list []any) ([]string, bool) {
	strs := make([]string, 0, len(list))
	for _, v := range list {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		strs = append(strs, s)
	}
	return strs, true
}

// stringEq is attribute == "text" or attribute != "text".
type stringEq struct {
	*comparison
	want string
}

func (n *stringEq) eval(s Scope) bool {
	v, _ := n.left.attr.resolve(s)
	got, ok := v.(string)
	return ok && (got == n.want) == (n.op == opEq)
}

// numberCmp is an attribute compared with a number.
type numberCmp struct {
	*comparison
	want float64
}

func (n *numberCmp) eval(s Scope) bool {
	v, _ := n.left.attr.resolve(s)
	got, ok := v.(float64)
	if !ok {
		return false
	}
	switch n.op {
	case opEq:
		return got == n.want
	case opNe:
		return got != n.want
	case opLt:
		return got < n.want
	case opLe:
		return got <= n.want
	case opGt:
		return got > n.want
	case opGe:
		return got >= n.want
	}
	return false
}

// hasString is array HAS "text".
type hasString struct {
	*comparison
	want string
}

func (n *hasString) eval(s Scope) bool {
	v, _ := n.left.attr.resolve(s)
	arr, _ := v.([]any)
	for _, e := range arr {
		if got, ok := e.(string); ok && got == n.want {
			return true
		}
	}
	return false
}

// inStrings is attribute IN (or NOT IN) a list of strings.
type inStrings struct {
	*comparison
	list []string
}

func (n *inStrings) eval(s Scope) bool {
	in := n.op == opIn
	v, _ := n.left.attr.resolve(s)
	switch got := v.(type) {
	case string:
		return slices.Contains(n.list, got) == in
	case float64, bool:
		return !in // a scalar of another type is in no list of strings
	case []any:
		for _, e := range got {
			if str, ok := e.(string); ok && slices.Contains(n.list, str) {
				return in
			}
		}
		return !in
	}
	return false
}
