package loadtest

import (
	"strings"
	"testing"
	"time"
)

func TestTheCPUStallIsReadFromTheSomeLine(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		want   time.Duration
		wantOK bool
	}{
		{"a kernel that reports both lines",
			"some avg10=1.50 avg60=2.00 avg300=0.10 total=2500000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n",
			2500 * time.Millisecond, true},
		{"a kernel that reports only some", "some avg10=0.00 avg60=0.00 avg300=0.00 total=42\n", 42 * time.Microsecond, true},
		{"no some line", "full avg10=0.00 avg60=0.00 avg300=0.00 total=7\n", 0, false},
		{"a total that is not a number", "some avg10=0.00 total=many\n", 0, false},
		{"an empty file", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseStall(strings.NewReader(tt.file))
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseStall = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
