package main

import (
	"testing"

	"parley/shared/model"
)

func TestAnswersAreNamedByTheFormsLabelOrTheirKeyMadeReadable(t *testing.T) {
	a := model.TaskAttributes{Labels: map[string]string{"email": "Email address", "blank": " "}}
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
		if got := labelOf(a, key); got != want {
			t.Errorf("label(%q) = %q, want %q", key, got, want)
		}
	}
}
