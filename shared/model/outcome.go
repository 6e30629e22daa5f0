package model

// Outcome is a way the desk offers an agent to say how a chat ended: its
// Value is what the task's attributes keep as conversations.outcome (the
// field Flex Insights reads), its Label what the agent reads.
type Outcome struct {
	Value, Label string
}

// Outcomes are the outcomes the desk offers, in the order it offers them.
// The server completes a task only with one of these (the desk's wrap-up
// call), so reports group a few known values rather than free text; the
// desk draws its choices from this list.
var Outcomes = []Outcome{
	{"resolved", "Resolved"},
	{"follow-up", "Needs a follow-up"},
	{"no-answer", "Customer left"},
}

// IsOutcome reports whether v is the Value of one of Outcomes.
func IsOutcome(v string) bool {
	for _, o := range Outcomes {
		if o.Value == v {
			return true
		}
	}
	return false
}
