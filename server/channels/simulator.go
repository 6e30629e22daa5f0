package channels

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Simulator is a pretend phone network for development: the phone
// simulator page texts a Parley number as a customer and reads the
// replies Parley sends back, which this adapter keeps in memory.
type Simulator struct {
	mu     sync.Mutex
	seq    int
	phones map[string][]SimulatedText // by the customer's number
	wake   chan struct{}
}

// SimulatedText is one message Parley sent to a simulated phone.
type SimulatedText struct {
	Seq   int       `json:"seq"`
	ID    string    `json:"id"`
	From  string    `json:"from"`
	To    string    `json:"to"`
	Body  string    `json:"body"`
	Media []string  `json:"media,omitempty"`
	Time  time.Time `json:"time"`
}

// SimulatorKeep bounds the texts kept per phone.
const SimulatorKeep = 200

// NewSimulator returns an empty simulated network.
func NewSimulator() *Simulator {
	return &Simulator{phones: map[string][]SimulatedText{}, wake: make(chan struct{})}
}

// Send delivers a text to the simulated phone.
func (s *Simulator) Send(_ context.Context, o Outgoing) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	t := SimulatedText{Seq: s.seq, ID: fmt.Sprintf("SIM%08d", s.seq), From: o.From, To: o.To, Body: o.Body,
		Media: o.MediaURLs, Time: time.Now().UTC()}
	texts := append(s.phones[o.To], t)
	if len(texts) > SimulatorKeep {
		texts = texts[len(texts)-SimulatorKeep:]
	}
	s.phones[o.To] = texts
	close(s.wake)
	s.wake = make(chan struct{})
	return t.ID, nil
}

// Fetch is not needed: simulated inbound texts carry no media.
func (s *Simulator) Fetch(context.Context, string) (io.ReadCloser, string, error) {
	return nil, "", errors.New("the phone simulator sends no media")
}

// Texts returns the texts phone received after seq, waiting up to wait
// for one if there are none yet.
func (s *Simulator) Texts(ctx context.Context, phone string, after int, wait time.Duration) []SimulatedText {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		var out []SimulatedText
		for _, t := range s.phones[phone] {
			if t.Seq > after {
				out = append(out, t)
			}
		}
		wake := s.wake
		s.mu.Unlock()
		if len(out) > 0 {
			return out
		}
		select {
		case <-wake:
		case <-deadline.C:
			return nil
		case <-ctx.Done():
			return nil
		}
	}
}
