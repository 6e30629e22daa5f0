package routing

import (
	"slices"
	"testing"
	"time"
)

func TestQueueLoadWaits(t *testing.T) {
	const m = time.Minute
	tests := []struct {
		name  string
		load  QueueLoad
		n     int
		want  []time.Duration
		noEst bool
	}{
		{name: "nothing measured yet", load: QueueLoad{Busy: 2}, n: 2, noEst: true},
		{name: "no agent available", load: QueueLoad{Handle: 4 * m, PerPlace: m}, n: 2, noEst: true},
		{name: "free slots serve the first at once, then slots free one every H ÷ S",
			load: QueueLoad{Free: 2, Busy: 2, Handle: 4 * m, Answer: 10 * time.Second}, n: 4,
			want: []time.Duration{10 * time.Second, 10 * time.Second, m + 10*time.Second, 2*m + 10*time.Second}},
		{name: "every slot busy",
			load: QueueLoad{Busy: 6, Handle: 3 * m, Answer: 5 * time.Second}, n: 3,
			want: []time.Duration{30*time.Second + 5*time.Second, m + 5*time.Second, 90*time.Second + 5*time.Second}},
		{name: "one agent, one slot",
			load: QueueLoad{Busy: 1, Handle: 4 * m}, n: 2,
			want: []time.Duration{4 * m, 8 * m}},
		{name: "no handle time yet: recent waits per place, counting the offered ahead",
			load: QueueLoad{Busy: 2, PerPlace: 40 * time.Second, Ahead: 1}, n: 2,
			want: []time.Duration{80 * time.Second, 120 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.load.Waits(tt.n)
			if ok == tt.noEst {
				t.Fatalf("estimated = %v, want %v", ok, !tt.noEst)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("waits = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEWMA(t *testing.T) {
	tests := []struct {
		name    string
		floor   float64
		samples []float64
		want    float64
	}{
		{"the first samples are averaged plainly", 0.1, []float64{10, 20, 30}, 20},
		{"then recent samples weigh more", 0.5, []float64{10, 10, 40}, 25},
		{"nothing yet", 0.1, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ewma{floor: tt.floor}
			for _, v := range tt.samples {
				e.add(v)
			}
			if e.value() != tt.want {
				t.Errorf("value = %v, want %v", e.value(), tt.want)
			}
		})
	}
}
