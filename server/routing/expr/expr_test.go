package expr

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// attrs decodes a JSON object the way Parley decodes worker and task
// attributes.
func attrs(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const agent = `{"sid":"WK1","skills":["support","billing"],"languages":["en","fr"],"language":"fr",
	"level":3,"rating":4.5,"name":"Sam Lee","team":"blue","senior":true,"remote":false,
	"address":{"country":"FR","city":"Lyon"},"manager":null,"scores":[1,2,3],"empty":[],
	"shifts":[{"day":"Mon"},{"day":"Tue"}],"notes":"","has":{"x":1}}`

const ticket = `{"type":"billing","language":"fr","priority":5,"vip":true,"channel":"chat",
	"preferred_agents":["WK1","WK2"],"customer":{"tier":"gold","langs":["fr"]}}`

// routingStep is a workflow target's scope: the task, and the worker being
// considered, whose attributes bare names reach too.
func routingStep(t testing.TB) Scope {
	w := attrs(t, agent)
	return Scope{Default: w, Task: attrs(t, ticket), Worker: w}
}

// evaluates parses src both ways (specialised nodes and the general rules alone)
// and reports what it evaluates to, failing the test if the two disagree.
func evaluates(t *testing.T, src string, s Scope) bool {
	t.Helper()
	e, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	generic, err := (&parser{lex: lexer{src: src}, generic: true}).parse()
	if err != nil {
		t.Fatalf("generic parse of %q: %v", src, err)
	}
	got := e.Eval(s)
	if g := generic.eval(s); g != got {
		t.Errorf("%q: specialised nodes say %v, the general rules %v", src, got, g)
	}
	return got
}

func TestExpressionsMatchTheWayTaskRouterDoes(t *testing.T) {
	scope := routingStep(t)
	for _, tc := range []struct {
		expr string
		want bool
	}{
		// Constants.
		{"1==1", true},
		{"1 == 2", false},
		{"0 != 1", true},
		{`"apple" != "orange"`, true},
		{`'single' == "single"`, true},
		{"true == true", true},
		{"-1 < 0", true},
		{"0800 == 800", true}, // TaskRouter's time-of-day examples write 0800
		{"1.0 == 1", true},
		{"2.5 > 2", true},
		{`"abc" CONTAINS "b"`, true},
		{`["a", "b"] HAS "a"`, true},
		{`"a" IN ["a", "b"]`, true},
		{`1 IN [1, 2]`, true},
		{`true IN [false]`, false},
		{`"x" IN []`, false},
		{`"x" NOT IN []`, true},

		// == and its spelling =; !=.
		{`team == "blue"`, true},
		{`team = "blue"`, true},
		{`team == "Blue"`, false}, // case matters in values
		{`team != "red"`, true},
		{`team != "blue"`, false},
		{`"blue" == team`, true},
		{`level == 3`, true},
		{`level = 3.0`, true},
		{`level != 4`, true},
		{`senior == true`, true},
		{`remote == false`, true},
		{`remote != true`, true},
		{`notes == ""`, true},
		{`team == name`, false},
		{`language == task.language`, true},

		// Ordering: numbers numerically, strings byte by byte.
		{`level > 2`, true},
		{`level >= 3`, true},
		{`level < 3`, false},
		{`level <= 3`, true},
		{`rating > 4.25`, true},
		{`2 < level`, true},
		{`name > "Al"`, true},
		{`name < "Sam"`, false},
		{`name >= "Sam Lee"`, true},
		{`"B" < "a"`, true}, // upper case sorts first
		{`"10" < "9"`, true},
		{`10 < 9`, false},
		{`senior > false`, false}, // booleans have no order
		{`task.priority > level`, true},

		// CONTAINS: text in a string.
		{`name CONTAINS "am L"`, true},
		{`name contains "sam"`, false},
		{`name CONTAINS ""`, true},
		{`task.channel CONTAINS "ha"`, true},
		{`skills CONTAINS "bill"`, false}, // a scalar operator on an array
		{`level CONTAINS "3"`, false},

		// HAS: a value in an array attribute.
		{`skills HAS "support"`, true},
		{`skills HAS 'billing'`, true},
		{`skills HAS "sales"`, false},
		{`skills HAS "Support"`, false},
		{`scores HAS 2`, true},
		{`scores HAS "2"`, false},
		{`empty HAS "x"`, false},
		{`team HAS "blue"`, false}, // an array operator on two scalars
		{`worker.skills HAS task.type`, true},
		{`skills HAS languages`, false},

		// IN and NOT IN: a value in a list or an array attribute.
		{`team IN ["red", "blue"]`, true},
		{`team IN ['red', 'green']`, false},
		{`level IN [1, 2, 3]`, true},
		{`level IN ["3"]`, false},
		{`senior IN [true]`, true},
		{`team NOT IN ["red"]`, true},
		{`team NOT IN ["blue", "red"]`, false},
		{`level NOT IN ["3"]`, true}, // 3 is not the string "3"
		{`"en" IN languages`, true},
		{`"de" IN languages`, false},
		{`"de" NOT IN languages`, true},
		{`worker.sid IN task.preferred_agents`, true},
		{`worker.sid NOT IN task.preferred_agents`, false},
		{`task.language IN worker.languages`, true},
		{`team IN name`, false}, // the right side must be an array
		{`team NOT IN name`, false},
		{`address IN ["FR"]`, false}, // an object is in no list
		{`address NOT IN ["FR"]`, false},
		// An array on the left: any of its elements.
		{`languages IN ["de", "fr"]`, true},
		{`languages IN ["de", "es"]`, false},
		{`languages NOT IN ["de", "es"]`, true},
		{`languages NOT IN ["de", "fr"]`, false},
		{`empty IN ["x"]`, false},
		{`empty NOT IN ["x"]`, true},
		{`task.customer.langs IN worker.languages`, true},

		// Keywords in any case, and the C spellings of AND and OR.
		{`skills has "support" and level >= 2`, true},
		{`skills Has "support" aNd team In ["blue"] AnD team nOt iN ["red"]`, true},
		{`team == "red" or level == 3`, true},
		{`senior == TRUE`, true},
		{`remote == False`, true},
		{`team == "blue" && level == 3 || false == true`, true},

		// AND binds tighter than OR; parentheses group.
		{`team == "red" OR level > 5 AND senior == true`, false},
		{`team == "blue" OR level > 5 AND senior == false`, true},
		{`(team == "red" OR level > 2) AND senior == true`, true},
		{`team == "red" OR (level > 2 AND senior == true)`, true},
		{`(team == "red" OR level > 5) AND senior == true`, false},
		{`((((team == "blue"))))`, true},
		{`(language == "en" OR language == "fr") AND rating >= 4.5`, true},
		{`1 == 2 OR 1 == 3 OR 1 == 1`, true},
		{`1 == 1 AND 1 == 1 AND 1 == 2`, false},

		// Nested attributes and array indices.
		{`address.country == "FR"`, true},
		{`address.city == "Paris"`, false},
		{`address.zip == 1`, false},
		{`address.country.code == "FR"`, false}, // a string has no keys
		{`skills[0] == "support"`, true},
		{`skills[1] == "support"`, false},
		{`skills[2] == "x"`, false},
		{`skills[2] != "x"`, false}, // past the end is missing
		{`shifts[1].day == "Tue"`, true},
		{`task.customer.tier == "gold"`, true},
		{`worker.address.city == "Lyon"`, true},
		{`address[0] == "FR"`, false}, // an object is not an array
		{`has.x == 1`, true},          // a keyword can start a path

		// Missing and null attributes match nothing, whatever the operator.
		{`missing == "x"`, false},
		{`missing != "x"`, false},
		{`missing < 1`, false},
		{`missing IN ["x"]`, false},
		{`missing NOT IN ["x"]`, false},
		{`missing CONTAINS "x"`, false},
		{`missing HAS "x"`, false},
		{`"x" IN missing`, false},
		{`"x" NOT IN missing`, false},
		{`manager == "x"`, false},
		{`manager != "x"`, false},
		{`manager NOT IN ["x"]`, false},
		{`task.missing == task.missing`, false},
		{`missing == "x" OR team == "blue"`, true},

		// Values of different types never match, for != too.
		{`level == "3"`, false},
		{`level != "3"`, false},
		{`level > "2"`, false},
		{`senior == "true"`, false},
		{`senior != 1`, false},
		{`skills == "support"`, false}, // a scalar operator on an array
		{`skills != "support"`, false},
		{`address == "FR"`, false},
		{`address != "FR"`, false},
		{`languages == languages`, false},
	} {
		if got := evaluates(t, tc.expr, scope); got != tc.want {
			t.Errorf("%s is %v, want %v", tc.expr, got, tc.want)
		}
	}
}

func TestNamesResolveInTheirScope(t *testing.T) {
	worker := attrs(t, `{"skills":["support"],"level":2}`)
	task := attrs(t, `{"type":"billing","worker":{"name":"literal"},"level":9}`)
	for _, tc := range []struct {
		about string
		expr  string
		scope Scope
		want  bool
	}{
		{"a queue reaches worker attributes with or without the prefix",
			`skills HAS "support" AND worker.skills HAS "support"`, Scope{Default: worker, Worker: worker}, true},
		{"a queue whose caller leaves Worker nil still reaches worker.x as a path from Default",
			`worker.skills HAS "support"`, Scope{Default: worker}, false},
		{"a workflow filter reads bare names as task attributes",
			`type == "billing"`, Scope{Default: task}, true},
		{"with no worker in scope, worker.x is the task's own attribute path",
			`worker.name == "literal"`, Scope{Default: task}, true},
		{"with a worker in scope, worker.x is the worker's",
			`worker.name == "literal"`, Scope{Default: task, Worker: worker}, false},
		{"task.x reads the task",
			`task.level == 9 AND level == 2`, Scope{Default: worker, Task: task, Worker: worker}, true},
		{"a bare task or worker is an ordinary name",
			`task == 1`, Scope{Default: map[string]any{"task": 1.0}, Task: task}, true},
		{"task[0] is an index into a Default attribute called task",
			`task[0] == 1`, Scope{Default: map[string]any{"task": []any{1.0}}, Task: task}, true},
		{"an empty scope matches only constants",
			`1 == 1 AND level > 0`, Scope{}, false},
		{"an empty scope still evaluates constants",
			`1 == 1`, Scope{}, true},
	} {
		if got := evaluates(t, tc.expr, tc.scope); got != tc.want {
			t.Errorf("%s: %s is %v, want %v", tc.about, tc.expr, got, tc.want)
		}
	}
}

func TestEvalNeverPanicsWhateverTheMapsHold(t *testing.T) {
	// Values encoding/json never produces simply do not match.
	odd := map[string]any{"int": 3, "strs": []string{"a"}, "sub": map[string]string{"k": "v"},
		"fn": func() {}, "ptr": (*int)(nil), "ch": make(chan int), "nan": nanValue(), "nested": []any{[]any{"a"}}}
	for _, src := range []string{`int == 3`, `int > 2`, `strs HAS "a"`, `"a" IN strs`, `sub.k == "v"`,
		`fn == 1`, `ptr == 1`, `ch IN [1]`, `nan == nan`, `nan < 1`, `nan != 1`, `nested HAS "a"`,
		`nested IN ["a"]`, `nested[0][0] == "a"`, `strs[0] == "a"`} {
		evaluates(t, src, Scope{Default: odd, Task: odd, Worker: odd})
	}
	var nilExpr *Expr
	if nilExpr.Eval(Scope{}) || nilExpr.String() != "" {
		t.Error("a nil *Expr should match nothing and print as nothing")
	}
}

func nanValue() float64 { zero := 0.0; return zero / zero }

func TestSpecialisedNodesAgreeWithTheGeneralRules(t *testing.T) {
	// evaluates checks every expression both ways; these aim the specialised
	// shapes at every kind of value an attribute can hold.
	values := map[string]any{"s": "b", "n": 2.0, "t": true, "arr": []any{"a", "b", 2.0}, "obj": map[string]any{},
		"nums": []any{1.0, 2.0}, "none": nil, "nested": []any{[]any{"b"}}}
	for _, name := range []string{"s", "n", "t", "arr", "obj", "nums", "none", "nested", "absent"} {
		for _, tail := range []string{`== "b"`, `!= "b"`, `HAS "b"`, `== 2`, `!= 2`, `< 2`, `<= 2`, `> 1`, `>= 3`,
			`IN ["a", "b"]`, `NOT IN ["a", "b"]`, `IN []`, `NOT IN []`, `IN [2, "b"]`, `CONTAINS "b"`} {
			evaluates(t, name+" "+tail, Scope{Default: values})
		}
	}
}

func TestBadExpressionsSayWhereAndWhat(t *testing.T) {
	for _, tc := range []struct {
		expr string
		pos  int
		msg  string
	}{
		// Nothing to parse, or too much.
		{"", 0, `empty; "1==1" matches everything`},
		{" \t\n ", 0, "empty"},
		{strings.Repeat(" ", MaxLen+1), MaxLen, "the limit is 4096"},
		{strings.Repeat("(", MaxDepth+1) + "1==1" + strings.Repeat(")", MaxDepth+1), MaxDepth, "nest deeper than 64"},

		// Strings and numbers.
		{`team == "blue`, 8, `unterminated string: the " opened here`},
		{`team == 'blue`, 8, `unterminated string: the ' opened here`},
		{`team == "blue\"`, 8, "unterminated string"},
		{`level == 1.2.3`, 9, `"1.2.3" is not a number`},
		{`level == 3.`, 9, `"3." is not a number`},
		{`level == 1e5`, 9, `"1e5" is not a number`},
		{`level == - 1`, 9, `a "-" must start a number`},
		{`level == ` + "1" + strings.Repeat("0", 400), 9, "too large"},

		// Names.
		{`first-name == "Sam"`, 5, `hyphens are not supported in TaskRouter attribute names, as in "first-name"`},
		{`a..b == 1`, 2, "expected a name after the dot"},
		{`a. == 1`, 2, "expected a name after the dot"},
		{`skills[] == 1`, 6, "an array index is a whole number in brackets, like skills[0]"},
		{`skills[x] == 1`, 6, "array index"},
		{`skills[-1] == 1`, 6, "array index"},
		{`skills[0 == 1`, 6, "array index"},
		{`skills[10000000] == 1`, 7, "array index 10000000 is too large; the limit is 999999"},
		{`skills[` + strings.Repeat("9", 30) + `] == 1`, 7, "too large"},
		{`team # 1`, 5, `unexpected character '#'`},
		{`team == "a" ; x`, 12, `unexpected character ';'`},
		{`é == 1`, 0, `unexpected character 'é'`},

		// Operators.
		{`team "blue"`, 5, `expected an operator (==, !=`},
		{`team`, 4, "missing operator after team"},
		{`team <> "x"`, 5, `unknown operator "<>"`},
		{`team === "x"`, 5, `unknown operator "==="`},
		{`team =< 1`, 5, `unknown operator "=<"`},
		{`team ! "blue"`, 5, `unknown operator "!"; write !=`},
		{`team LIKE "b%"`, 5, `unknown operator "LIKE"`},
		{`team == "a" & x`, 12, `unknown operator "&"; join comparisons with AND or OR`},
		{`team NOT "blue"`, 9, "NOT must be followed by IN"},
		{`NOT team == "x"`, 0, "NOT only appears in NOT IN"},
		{`team HAS ["a", "b"]`, 5, "HAS tests a single value"},
		{`"a" HAS skills`, 4, "HAS needs an array on its left"},
		{`team IN "blue"`, 5, `IN needs a list on its right`},
		{`team NOT IN "blue"`, 5, `NOT IN needs a list on its right`},
		{`team == ["a"]`, 5, "== compares single values, not lists"},
		{`["a"] < team`, 6, "< compares single values"},
		{`team CONTAINS ["a"]`, 5, "CONTAINS looks for text in a string, not in a list"},

		// Missing right-hand sides and dangling joins.
		{`team ==`, 7, `expected a value after "==", found end of expression`},
		{`team == AND x == 1`, 8, `expected a value after "==", found "AND"`},
		{`team == )`, 8, `expected a value after "==", found ")"`},
		{`level IN`, 8, `expected a value after "IN"`},
		{`team == "blue" AND`, 18, "expected a comparison after AND, found end of expression"},
		{`team == "blue" or   `, 20, "expected a comparison after OR"},
		{`team == "blue" AND OR x == 1`, 19, `expected a comparison, found "OR"`},
		{`team == "blue" x == 1`, 15, `unexpected "x" after a complete comparison; join comparisons with AND or OR`},
		{`team == null`, 8, "null is not a TaskRouter constant"},

		// Parentheses.
		{`(team == "blue"`, 15, `missing ")" to close the "(" at position 0`},
		{`((team == "blue")`, 17, `missing ")" to close the "(" at position 0`},
		{`(team == "blue" AND (level > 1)`, 31, `missing ")" to close the "(" at position 0`},
		{`team == "blue")`, 14, `unexpected ")": there is no "(" for it to close`},
		{`()`, 1, "empty parentheses"},

		// Lists.
		{`team IN ["a",]`, 13, `empty list element: remove the comma before "]"`},
		{`team IN ["a",,"b"]`, 13, "empty list element: two commas with no value between them"},
		{`team IN [,"a"]`, 9, `empty list element: remove the comma after "["`},
		{`team IN ["a" "b"]`, 13, `expected "," or "]" in the list at position 8, found the string "b"`},
		{`team IN ["a"`, 12, `missing "]" to close the list at position 8`},
		{`team IN [`, 9, `missing "]" to close the list at position 8`},
		{`team IN [a]`, 9, "not attribute names like \"a\""},
		{`team IN [["a"]]`, 9, "a list cannot hold another list"},
		{`team IN [null]`, 9, "null is not a TaskRouter constant"},
		{`team IN [(]`, 9, `expected a list element, found "("`},
	} {
		_, err := Parse(tc.expr)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%.40q) = %v, want an *Error", tc.expr, err)
			continue
		}
		if e.Pos != tc.pos || !strings.Contains(e.Msg, tc.msg) {
			t.Errorf("Parse(%.40q):\n got %v\nwant position %d: …%s…", tc.expr, e, tc.pos, tc.msg)
		}
	}
}

func TestAnErrorReadsPositionThenProblem(t *testing.T) {
	_, err := Parse("worker.tier ==")
	want := `position 14: expected a value after "==", found end of expression`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestCanonicalFormParsesBackToItself(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`1==1`, `1 == 1`},
		{`team=='blue' and level>2`, `team == "blue" AND level > 2`},
		{`team = "blue"`, `team == "blue"`},
		{`a == 1 OR b == 2 AND c in ["x", 'y']`, `a == 1 OR b == 2 AND c IN ["x", "y"]`},
		{`(a == 1 OR b == 2) AND c == 3`, `(a == 1 OR b == 2) AND c == 3`},
		{`a == 1 AND (b == 2 AND (c == 3))`, `a == 1 AND b == 2 AND c == 3`},
		{`a == 1 OR (b == 2 OR c == 3)`, `a == 1 OR b == 2 OR c == 3`},
		{`((a == 1))`, `a == 1`},
		{`x not in [1, 2.50, true,false]`, `x NOT IN [1, 2.5, true, false]`},
		{`x contains 'it\'s' && y has "a\"b"`, `x CONTAINS "it's" AND y HAS "a\"b"`},
		{`path == "C:\dir"`, `path == "C:\\dir"`},
		{`s == "tab\there" || s == "é\u00e9"`, `s == "tab\there" OR s == "éé"`},
		{`taskrouter.currentTime > 0800`, `taskrouter.currentTime > 800`},
		{`shifts[0].day == "Mon"`, `shifts[0].day == "Mon"`},
		{`x IN []`, `x IN []`},
		{`-0.50 < -0`, `-0.5 < -0`},
	} {
		e := MustParse(tc.src)
		if got := e.String(); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.src, got, tc.want)
		}
		if again := MustParse(e.String()).String(); again != tc.want {
			t.Errorf("reparsing %q gives %q", tc.want, again)
		}
	}
}

// BenchmarkEval is one evaluation of a typical TargetWorkers expression
// against a decoded worker: the check routing makes for each worker a task
// could go to.
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

// BenchmarkParse is the cost paid once, when a queue or workflow is saved.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		MustParse(`(skills HAS "support" OR skills HAS "billing") AND languages IN ["en","fr"] AND level >= 2`)
	}
}
