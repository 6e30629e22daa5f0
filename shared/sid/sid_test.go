package sid

import (
	"testing"
	"time"
)

func TestNewHasPrefixAndIsUnique(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		s := New(Conversation)
		if !Is(Conversation, s) {
			t.Fatalf("New(%q) = %q, not a well-formed conversation SID", Conversation, s)
		}
		if seen[s] {
			t.Fatalf("New returned %q twice", s)
		}
		seen[s] = true
	}
}

func TestIs(t *testing.T) {
	tests := []struct {
		prefix, s string
		want      bool
	}{
		{"CH", "CH0123456789abcdef0123456789abcdef", true},
		{"MB", "CH0123456789abcdef0123456789abcdef", false},
		{"CH", "CH0123456789ABCDEF0123456789abcdef", false},
		{"CH", "CH0123456789abcdef0123456789abcde", false},
		{"CH", "my-unique-name", false},
		{"CH", "", false},
	}
	for _, tt := range tests {
		if got := Is(tt.prefix, tt.s); got != tt.want {
			t.Errorf("Is(%q, %q) = %v, want %v", tt.prefix, tt.s, got, tt.want)
		}
	}
}

func TestLooks(t *testing.T) {
	if !Looks(New(User)) {
		t.Error("a fresh user SID does not look like a SID")
	}
	for _, s := range []string{"alice", "ch0123456789abcdef0123456789abcdef", "C10123456789abcdef0123456789abcdef"} {
		if Looks(s) {
			t.Errorf("Looks(%q) = true, want false", s)
		}
	}
}

func TestNewSortsByTime(t *testing.T) {
	a := New(Message)
	time.Sleep(2 * time.Millisecond)
	b := New(Message)
	if !(a < b) {
		t.Errorf("a SID made later sorts first: %s then %s", a, b)
	}
}

func TestKeySortsByTimeAndIsUnique(t *testing.T) {
	a := Key()
	time.Sleep(2 * time.Millisecond)
	b := Key()
	if len(a) != 32 || !Is("XX", "XX"+a) {
		t.Errorf("Key() = %q, want 32 lowercase hex digits", a)
	}
	if !(a < b) {
		t.Errorf("a key made later sorts first: %s then %s", a, b)
	}
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		k := Key()
		if seen[k] {
			t.Fatalf("Key returned %q twice", k)
		}
		seen[k] = true
	}
}
