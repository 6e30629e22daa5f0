package client

import (
	"testing"
	"time"
)

func TestBackoffDoublesUpToItsCeilingWithJitter(t *testing.T) {
	b := newBackoff(100*time.Millisecond, time.Second)
	ceilings := []time.Duration{100, 200, 400, 800, 1000, 1000, 1000}
	for i, c := range ceilings {
		c *= time.Millisecond
		if d := b.next(); d < c/2 || d >= c {
			t.Fatalf("attempt %d waited %v, want within [%v, %v)", i, d, c/2, c)
		}
	}
	b.reset()
	if d := b.next(); d >= 100*time.Millisecond {
		t.Errorf("after reset the wait is %v, want under the floor of 100ms", d)
	}
}

func TestBackoffDefaults(t *testing.T) {
	tests := []struct {
		name           string
		lo, hi         time.Duration
		wantLo, wantHi time.Duration
	}{
		{"unset", 0, 0, DefaultMinBackoff, DefaultMaxBackoff},
		{"floor only", time.Second, 0, time.Second, DefaultMaxBackoff},
		{"ceiling below floor", 20 * time.Second, time.Second, 20 * time.Second, 20 * time.Second},
		{"negative", -1, -1, DefaultMinBackoff, DefaultMaxBackoff},
	}
	for _, tt := range tests {
		b := newBackoff(tt.lo, tt.hi)
		if b.min != tt.wantLo || b.max != tt.wantHi || b.cur != tt.wantLo {
			t.Errorf("%s: newBackoff(%v, %v) = %+v, want min %v, max %v", tt.name, tt.lo, tt.hi, b, tt.wantLo, tt.wantHi)
		}
	}
}

func TestJitterStaysWithinHalfAndWhole(t *testing.T) {
	for _, d := range []time.Duration{2, 3, time.Millisecond, 250 * time.Millisecond, 10 * time.Second} {
		for range 1000 {
			if j := jitter(d); j < d/2 || j >= d {
				t.Fatalf("jitter(%v) = %v, outside [%v, %v)", d, j, d/2, d)
			}
		}
	}
	if j := jitter(0); j != 0 {
		t.Errorf("jitter(0) = %v, want 0", j)
	}
}
