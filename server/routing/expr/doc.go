// Package expr is TaskRouter's expression language: a task queue's
// TargetWorkers, a workflow filter's expression and a workflow target's
// expression. An expression is parsed once, when its queue or workflow is
// saved, into a tree of typed nodes; Eval walks that tree without allocating,
// because routing evaluates it for every task against every worker.
//
// # Grammar
//
// Keywords (AND, OR, IN, NOT, HAS, CONTAINS, TRUE, FALSE) are
// case-insensitive; spaces, tabs and newlines separate tokens.
//
//	expression  = conjunction { ( "OR" | "||" ) conjunction } .
//	conjunction = term { ( "AND" | "&&" ) term } .
//	term        = "(" expression ")" | comparison .
//	comparison  = operand operator operand .
//	operator    = "==" | "=" | "!=" | "<" | "<=" | ">" | ">="
//	            | "CONTAINS" | "HAS" | "IN" | "NOT" "IN" .
//	operand     = attribute | constant | list .
//	attribute   = name { "." name | "[" digits "]" } .
//	name        = ( letter | "_" ) { letter | digit | "_" } .
//	list        = "[" [ constant { "," constant } ] "]" .
//	constant    = string | number | "TRUE" | "FALSE" .
//	string      = "'" { character } "'" | `"` { character } `"` .
//	number      = [ "-" ] digits [ "." digits ] .
//
// A name has no hyphen (TaskRouter's docs: "Hyphens are not supported"), and
// is not a keyword unless a dot follows it (has.x is a path). NULL is
// reserved only to refuse it: a comparison with null could never hold.
// Inside a string a backslash escapes as in Go ("\n", "\u00e9", "\"");
// before any other character it stands for itself.
//
// # Names
//
// A bare name (skills) resolves in Scope.Default. task.x resolves in
// Scope.Task and worker.x in Scope.Worker when those are non-nil; when they
// are nil the whole path is looked up in Default, so one queue expression
// may say skills or worker.skills. A dot descends into an object and [n]
// picks the n-th element (from 0) of an array, as in object.array[2].
//
// # Semantics
//
// A missing attribute, or one whose value is JSON null, makes its comparison
// false whatever the operator, != and NOT IN included. TaskRouter's docs say
// only that a missing key "resolves to NULL"; here NULL matches nothing, so a
// worker lacking an attribute is never picked by a test of it. Hence x != 1
// is not the opposite of x == 1 when x is missing.
//
// ==, !=, <, <=, > and >= compare two values of the same type: numbers
// numerically, strings byte by byte (so case matters), booleans with == and
// != only. Values of different types, or an array or object on either side,
// never match, for != too.
//
// CONTAINS holds when the string on its left contains the string on its
// right. HAS holds when the array on its left has an element equal to the
// value on its right. IN holds when the value on its left equals an element
// of the array (a list or an array attribute) on its right, NOT IN when it
// equals none. When the left of IN or NOT IN is itself an array, IN holds
// when any of its elements is in the right-hand array, NOT IN when none is.
// Otherwise, as TaskRouter's docs put it, scalar operators on arrays and
// array operators on two scalars are false.
//
// AND binds tighter than OR; both stop at the first operand that decides.
//
// Sources longer than MaxLen bytes or nesting parentheses deeper than
// MaxDepth are refused, so an expression's cost stays bounded.
package expr
