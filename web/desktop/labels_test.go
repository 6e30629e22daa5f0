package main

import "testing"

func TestAnswersAreNamedByTheFormsLabelOrTheirKeyMadeReadable(t *testing.T) {
	a := TaskAttrs{Labels: map[string]string{"email": "Email address", "blank": " "}}
	for key, want := range map[string]string{
		"email":        "Email address",
		"order_number": "Order number",
		"orderNumber":  "Order number",
		"order-id":     "Order id",
		"plan":         "Plan",
		"blank":        "Blank",
		"vatID":        "Vat id",
		"_":            "_",
		"élan":         "Élan",
	} {
		if got := a.label(key); got != want {
			t.Errorf("label(%q) = %q, want %q", key, got, want)
		}
	}
}
