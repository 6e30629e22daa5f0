package expr

import (
	"strings"
	"testing"
)

// FuzzParse checks that no input panics the parser or an evaluation, and
// that a parsed expression's canonical form parses back to itself.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"1==1", `skills HAS "support"`, `a IN ["x", 'y', 1, true, null]`,
		`(a == 1 OR b != 2) AND c.d >= -3.5`, `worker.level > task.priority`, `x NOT IN []`,
		`name CONTAINS "é"`, `((((a==1))))`, `a == "unterminated`, `a..b == 1`, `a & b`,
		// Found by fuzzing in CI: escaping grew a string past MaxLen.
		`0 CONTAINS "` + strings.Repeat("\x7f", 1100) + `"`,
		// A long AND chain must not come back nested past MaxDepth.
		strings.Repeat("a == 1 AND ", 100) + "b == 2"} {
		f.Add(seed)
	}
	scopes := []Scope{{}, {Default: map[string]any{"a": 1.0, "b": []any{"x"}, "c": map[string]any{"d": "e"}}},
		{Default: map[string]any{"a": nil}, Task: map[string]any{"a": []any{1.0}}, Worker: map[string]any{}}}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse(%q) returned %T, not *Error", src, err)
			}
			return
		}
		for _, s := range scopes {
			e.Eval(s)
		}
		canon := e.String()
		if len(canon) > MaxLen {
			return // escapes and spacing can outgrow the limit; nothing stores canonical forms
		}
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its String %q does not parse: %v", src, canon, err)
		}
		if again.String() != canon {
			t.Fatalf("String not stable: %q then %q", canon, again.String())
		}
	})
}
