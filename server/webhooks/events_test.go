package webhooks

import "testing"

func TestTriggerWordsMatchWholeWordsInAnyCase(t *testing.T) {
	tests := []struct {
		body string
		want bool
	}{
		{"I want a REFUND now", true},
		{"refund?", true},
		{"refunded already", false},
		{"my order", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := triggered(tt.body, []string{"refund", "cancel"}); got != tt.want {
			t.Errorf("triggered(%q) = %v, want %v", tt.body, got, tt.want)
		}
	}
}
