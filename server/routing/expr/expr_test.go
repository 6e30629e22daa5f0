package expr

import (
	"encoding/json"
	"strings"
	"testing"
)

// attrs decodes a JSON object the way attributes are decoded.
func attrs(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const agent = `{"skills":["support","billing"],"languages":["en","fr"],"level":3,"name":"Sam",
	"team":"blue","senior":true,"address":{"country":"FR","city":"Lyon"},"manager":null}`

func TestExpressionsMatchTheWayTaskRouterDoes(t *testing.T) {
	w := attrs(t, agent)
	task := attrs(t, `{"language":"fr","priority":5,"type":"billing","vip":true}`)
	cases := []struct {
		expr string
		want bool
	}{
		{"1==1", true},
		{"1 == 2", false},
		{`team == "blue"`, true},
		{`team = "blue"`, true},
		{`team != "red"`, true},
		{`team != "blue"`, false},
		{`level > 2`, true},
		{`level >= 3`, true},
		{`level < 3`, false},
		{`level <= 3`, true},
		{`name > "Al"`, true},
		{`level > "2"`, false}, // mixed types never match
		{`skills HAS "support"`, true},
		{`skills has "sales"`, false},
		{`"en" IN languages`, true},
		{`team IN ["red", "blue"]`, true},
		{`team in ['red', 'green']`, false},
		{`team NOT IN ["red"]`, true},
		{`team not in ["blue"]`, false},
		{`languages IN ["de", "fr"]`, true}, // any element
		{`name CONTAINS "am"`, true},
		{`name contains "x"`, false},
		{`skills CONTAINS "bill"`, true},
		{`senior == true`, true},
		{`manager == null`, true},
		{`address.country == "FR"`, true},
		{`address.city == "Paris"`, false},
		{`missing == "x"`, false},
		{`missing != "x"`, false}, // a missing attribute matches nothing
		{`missing NOT IN ["x"]`, false},
		{`address.zip == 1`, false},
		{`team == "blue" AND level > 2`, true},
		{`team == "red" OR level > 2`, true},
		{`team == "red" OR level > 5 AND senior == true`, false}, // AND binds tighter
		{`(team == "red" OR level > 2) AND senior == true`, true},
		{`team == "blue" && level == 3 || false == true`, true},
		{`worker.skills HAS task.type`, true},
		{`task.language IN worker.languages`, true},
		{`task.priority > 4 AND task.vip == true`, true},
		{`worker.level > task.priority`, false},
	}
	for _, tc := range cases {
		e, err := Parse(tc.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.expr, err)
			continue
		}
		if got := e.Eval(Scope{Default: w, Task: task, Worker: w}); got != tc.want {
			t.Errorf("%q = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

func TestBareNamesResolveInTheDefaultScope(t *testing.T) {
	task := attrs(t, `{"type":"billing","worker":{"name":"literal"}}`)
	// A workflow filter: bare names are task attributes; worker.x is the
	// task's own "worker" attribute when no worker is in scope.
	if !MustParse(`type == "billing"`).Eval(Scope{Default: task}) {
		t.Error("a bare name did not resolve in the default scope")
	}
	if !MustParse(`worker.name == "literal"`).Eval(Scope{Default: task}) {
		t.Error("worker.name did not fall back to the default scope when no worker is given")
	}
}

func TestBadExpressionsSayWhereAndWhat(t *testing.T) {
	cases := []struct {
		expr string
		pos  int
		msg  string
	}{
		{"", 0, "empty"},
		{"   ", 0, "empty"},
		{`team ==`, 7, `expected a value after ==, found end of expression`},
		{`team "blue"`, 5, "expected an operator"},
		{`team == "blue`, 8, "unterminated string"},
		{`(team == "blue"`, 15, "missing )"},
		{`team == "blue")`, 14, "unexpected"},
		{`team == "blue" AND`, 18, "expected a value"},
		{`team ! "blue"`, 5, `"!" must be "!="`},
		{`team NOT "blue"`, 9, "NOT must be followed by IN"},
		{`team IN "blue"`, 5, "needs a list"},
		{`team IN ["a",]`, 13, "expected a list element"},
		{`team IN ["a" "b"]`, 13, "expected , or ]"},
		{`team IN [a]`, 10, "only strings"},
		{`team == 1.2.3`, 8, "not a number"},
		{`a..b == 1`, 0, "a dot must sit between"},
		{`team == "a" & x`, 12, "use AND or OR"},
		{`team # 1`, 5, "unexpected character"},
		{strings.Repeat("(", MaxDepth+1) + "1==1" + strings.Repeat(")", MaxDepth+1), MaxDepth, "nest deeper"},
		{strings.Repeat("a", MaxLen+1), MaxLen, "limit"},
	}
	for _, tc := range cases {
		_, err := Parse(tc.expr)
		e, ok := err.(*Error)
		if !ok {
			t.Errorf("Parse(%.40q) = %v, want an *Error", tc.expr, err)
			continue
		}
		if e.Pos != tc.pos || !strings.Contains(e.Msg, tc.msg) {
			t.Errorf("Parse(%.40q): %v; want position %d and %q", tc.expr, e, tc.pos, tc.msg)
		}
	}
}

func TestStringIsCanonical(t *testing.T) {
	for src, want := range map[string]string{
		`team=='blue' and level>2`:             `team == "blue" AND level > 2`,
		`a == 1 OR b == 2 AND c in ["x", 'y']`: `a == 1 OR b == 2 AND c IN ["x", "y"]`,
		`(a == 1 OR b == 2) AND c == 3`:        `(a == 1 OR b == 2) AND c == 3`,
		`a == 1 AND (b == 2 AND (c == 3))`:     `a == 1 AND b == 2 AND c == 3`,
		`x not in [1, 2.5, true, null]`:        `x NOT IN [1, 2.5, true, null]`,
		`s == "quote \" inside"`:               `s == "quote \" inside"`,
	} {
		e := MustParse(src)
		if got := e.String(); got != want {
			t.Errorf("String(%q) = %q, want %q", src, got, want)
		}
		if again := MustParse(e.String()).String(); again != want {
			t.Errorf("reparsing %q gives %q", want, again)
		}
	}
}

func BenchmarkEval(b *testing.B) {
	e := MustParse(`skills HAS "support" AND languages IN ["en","fr"] AND level >= 2`)
	w := attrs(b, agent)
	s := Scope{Default: w, Worker: w}
	b.ReportAllocs()
	for b.Loop() {
		if !e.Eval(s) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkEvalBaseline is the same check written by hand in Go against the
// same map: the floor for any interpreter.
func BenchmarkEvalBaseline(b *testing.B) {
	w := attrs(b, agent)
	has := func(v any, want string) bool {
		list, _ := v.([]any)
		for _, e := range list {
			if s, _ := e.(string); s == want {
				return true
			}
		}
		return false
	}
	b.ReportAllocs()
	for b.Loop() {
		level, _ := w["level"].(float64)
		if !(has(w["skills"], "support") && (has(w["languages"], "en") || has(w["languages"], "fr")) && level >= 2) {
			b.Fatal("no match")
		}
	}
}
