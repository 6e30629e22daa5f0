package conversations

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"PT1M", time.Minute, false},
		{"PT10M", 10 * time.Minute, false},
		{"PT1H30M", 90 * time.Minute, false},
		{"P1D", 24 * time.Hour, false},
		{"P1DT2H", 26 * time.Hour, false},
		{"P2W", 14 * 24 * time.Hour, false},
		{"PT45S", 45 * time.Second, false},
		{"P", 0, true},
		{"PT", 0, true},
		{"P1DT", 0, true},
		{"10m", 0, true},
		{"P1Y", 0, true}, // calendar units have no fixed length
		{"P1M", 0, true},
		{"PT-5M", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name   string
		counts map[ReceiptStatus]int
		want   *Delivery
	}{
		{"no receipts: no summary", nil, nil},
		{"all read counts as delivered and sent too",
			map[ReceiptStatus]int{Read: 2},
			&Delivery{Total: 2, Sent: All, Delivered: All, Read: All, Failed: None, Undelivered: None}},
		{"one of two failed",
			map[ReceiptStatus]int{Delivered: 1, Failed: 1},
			&Delivery{Total: 2, Sent: Some, Delivered: Some, Read: None, Failed: Some, Undelivered: None}},
		{"sent but not yet delivered",
			map[ReceiptStatus]int{Sent: 3},
			&Delivery{Total: 3, Sent: All, Delivered: None, Read: None, Failed: None, Undelivered: None}},
	}
	for _, tt := range tests {
		got := Summarize(tt.counts)
		if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
			t.Errorf("%s: Summarize(%v) = %+v, want %+v", tt.name, tt.counts, got, tt.want)
		}
	}
}

func TestUnreadCountsMessagesAfterTheReadHorizon(t *testing.T) {
	idx := func(i int) *int { return &i }
	tests := []struct {
		last     int
		readUpTo *int
		want     int
	}{
		{-1, nil, 0},    // an empty conversation
		{4, nil, 5},     // nothing read yet
		{4, idx(4), 0},  // read to the end
		{9, idx(6), 3},  // three newer messages
		{9, idx(12), 0}, // a horizon past the end never goes negative
	}
	for _, tt := range tests {
		m := Membership{Conversation: Conversation{LastMessageIndex: tt.last}, Participant: Participant{LastReadIndex: tt.readUpTo}}
		if got := m.Unread(); got != tt.want {
			t.Errorf("last index %d, read up to %v: Unread() = %d, want %d", tt.last, tt.readUpTo, got, tt.want)
		}
	}
}
