package expr

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks that no input panics the parser or an evaluation, that
// every refusal is an *Error pointing into the source, and that a parsed
// expression's canonical form parses back to the same form and the same
// results.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"1==1",
		`skills HAS "support" AND languages IN ["en","fr"] AND level >= 2`,
		`(skills HAS 'support') AND (languages HAS 'english')`,
		`customer_value == 'Gold' AND type == 'ticket'`,
		`(language == "en" OR language == "fr") AND skill_rating >= 5.1`,
		`worker.sid NOT IN task.preferred_agents AND task.caller != worker.contact_uri`,
		`object.array[2] == "c" || object.attr = 'bar' && 0 != 1`,
		`taskrouter.dayOfWeek IN ['Mon', 'Tue'] AND taskrouter.currentTime > 0800`,
		`a IN ["x", 'y', -1.5, true, FALSE]`, `x not in []`, `name contains "é\u00e9\x41\\"`,
		`((((a==1))))`, `a == "unterminated`, `a..b == 1`, `a & b`, `first-name == 1`, `a <> b`,
		`a[99] == 1`, `has.x == 1`, `NOT a IN [1]`, `x == null`, `()`, `[,]`,
		// Found by fuzzing: escaping grew a string past MaxLen.
		`0 CONTAINS "` + strings.Repeat("\x7f", 1100) + `"`,
		// A long AND chain must not come back nested past MaxDepth.
		strings.Repeat("a == 1 AND ", 100) + "b == 2",
		strings.Repeat("(", MaxDepth) + "a == 1" + strings.Repeat(")", MaxDepth),
	} {
		f.Add(seed)
	}
	scopes := []Scope{
		{},
		{Default: map[string]any{"a": 1.0, "b": []any{"x", 1.0}, "c": map[string]any{"d": "e"}, "x": "x",
			"object": map[string]any{"array": []any{"a", "b", "c"}, "attr": "bar"}}},
		{Default: map[string]any{"a": nil, "x": []any{}}, Task: map[string]any{"a": []any{1.0}},
			Worker: map[string]any{"a": "1", "b": true}},
		{Default: map[string]any{"a": 1, "b": []string{"x"}, "c": map[string]string{"d": "e"}}}, // not JSON's types
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) returned %T, not *Error", src, err)
			}
			if pe.Pos < 0 || pe.Pos > len(src) || pe.Msg == "" {
				t.Fatalf("Parse(%q): %v points outside the source or says nothing", src, err)
			}
			return
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
		for _, s := range scopes {
			if e.Eval(s) != again.Eval(s) {
				t.Fatalf("%q and its canonical form %q disagree in %v", src, canon, s)
			}
		}
	})
}
