package cluster

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"parley/server/cluster/natstest"
)

// logOf is a committed log of seqs, as the database would hold it.
type logOf struct {
	mu   sync.Mutex
	seqs []int64
}

func (l *logOf) commit(seqs ...int64) {
	l.mu.Lock()
	l.seqs = append(l.seqs, seqs...)
	l.mu.Unlock()
}

func (l *logOf) source() Source[int64] {
	return Source[int64]{
		Head: func(context.Context) (int64, error) {
			l.mu.Lock()
			defer l.mu.Unlock()
			if len(l.seqs) == 0 {
				return 0, nil
			}
			return l.seqs[len(l.seqs)-1], nil
		},
		Between: func(_ context.Context, after, upTo int64, limit int) ([]int64, error) {
			l.mu.Lock()
			defer l.mu.Unlock()
			var out []int64
			for _, s := range l.seqs {
				if s > after && s <= upTo && len(out) < limit {
					out = append(out, s)
				}
			}
			return out, nil
		},
		Seq: func(s int64) int64 { return s },
	}
}

func join(t *testing.T, url string) *Node {
	t.Helper()
	n, err := Join(url, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

// Batches arrive out of order, twice, or not at all (a node died between
// its commit and its publish): the receiver releases every seq once, in
// order, reading what never came from the log.
func TestAStreamReleasesEverySeqOnceInOrder(t *testing.T) {
	ns := natstest.Start(t)
	sender, receiver := join(t, ns.URL), join(t, ns.URL)
	db := &logOf{}
	var mu sync.Mutex
	var got []int64
	st, err := OpenStream(receiver, "test.events", db.source(), func(s int64) {
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	send := func(after, upTo int64, events ...int64) {
		b, _ := json.Marshal(batch[int64]{Node: sender.ID, After: after, UpTo: upTo, Events: events})
		if err := sender.Conn().Publish("test.events", b); err != nil {
			t.Fatal(err)
		}
	}
	// Commits: (0,3] (3,5] (5,6] (6,9] with 4 lost to a rollback (a gap
	// inside a batch), then (9,12] whose publisher died.
	db.commit(1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12)
	send(3, 5, 5)
	send(0, 3, 1, 2, 3)
	send(6, 9, 7, 8, 9)
	send(0, 3, 1, 2, 3) // again
	// (5,6] never arrives: it is read from the log; (9,12] too, found by
	// the log's end alone, with no batch after it to point at it.
	want := []int64{1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		done := len(got) >= len(want)
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(HeadEvery) // anything released twice would show by now
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, want) {
		t.Fatalf("released %v, want %v", got, want)
	}
	if st.Position() != 12 || st.Filled.Load() == 0 {
		t.Errorf("position %d, %d fills: want 12, and the missing ranges read from the log", st.Position(), st.Filled.Load())
	}
}
