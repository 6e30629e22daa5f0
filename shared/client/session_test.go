package client

import (
	"testing"
	"time"
)

func TestSocketURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:8080", "ws://127.0.0.1:8080/realtime"},
		{"https://chat.example.com/", "wss://chat.example.com/realtime"},
		{"wss://chat.example.com/realtime", "wss://chat.example.com/realtime"},
		{"ws://h", "ws://h/realtime"},
	}
	for _, tt := range tests {
		if got, err := socketURL(tt.in); err != nil || got != tt.want {
			t.Errorf("socketURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := socketURL("chat.example.com"); err == nil {
		t.Error("socketURL accepted a URL without a scheme")
	}
}

func TestJitterStaysWithinHalfAndWhole(t *testing.T) {
	for _, d := range []time.Duration{2, time.Millisecond, 250 * time.Millisecond, 10 * time.Second} {
		for range 1000 {
			if j := jitter(d); j < d/2 || j >= d {
				t.Fatalf("jitter(%v) = %v, outside [%v, %v)", d, j, d/2, d)
			}
		}
	}
}

func TestAPIErrorSaysStatusCodeAndMessage(t *testing.T) {
	err := &APIError{Status: 409, Code: 50433, Message: "Participant already exists"}
	if got, want := err.Error(), "parley: 409 50433: Participant already exists"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
