package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"parley/server/app"
	"parley/server/cluster/natstest"
	"parley/server/store/pgtest"
)

// mediaBenchSize is the default upload limit: the largest file a default
// policy takes.
const mediaBenchSize = 16 << 20

// pngLike is size bytes that sniff as PNG.
func pngLike(size int) []byte {
	b := make([]byte, size)
	copy(b, "\x89PNG\r\n\x1a\n")
	for i := 8; i < size; i++ {
		b[i] = byte(i % 251)
	}
	return b
}

// heapPeak samples the heap in use until stopped and reports its peak
// above where it started.
type heapPeak struct {
	start, peak atomic.Uint64
	stop        chan struct{}
	done        chan struct{}
}

func watchHeap() *heapPeak {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	h := &heapPeak{stop: make(chan struct{}), done: make(chan struct{})}
	h.start.Store(m.HeapInuse)
	h.peak.Store(m.HeapInuse)
	go func() {
		defer close(h.done)
		for {
			select {
			case <-h.stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > h.peak.Load() {
				h.peak.Store(m.HeapInuse)
			}
		}
	}()
	return h
}

// Stop ends sampling and returns the growth in MiB.
func (h *heapPeak) Stop() float64 {
	close(h.stop)
	<-h.done
	return float64(h.peak.Load()-h.start.Load()) / (1 << 20)
}

// BenchmarkMediaUpload streams a 16 MiB file to the media service: HTTP,
// auth, type sniffing, SHA-256, a temporary file with fsync, the rename and
// the SQLite record. In a cluster ("cluster": PostgreSQL and NATS beside)
// the file goes into PostgreSQL in 256 KiB chunks instead of the data
// directory. The baseline receives the same bytes with net/http into a file
// and fsyncs it, nothing else. One client at a time, in the same process.
func BenchmarkMediaUpload(b *testing.B) {
	file := pngLike(mediaBenchSize)
	upload := func(b *testing.B, s *benchServer) {
		path := "/mcs/v1/Services/" + s.app.Conversations.ServiceSID() + "/Media?Filename=bench.png"
		b.SetBytes(mediaBenchSize)
		heap := watchHeap()
		b.ResetTimer()
		for range b.N {
			uploadMedia(b, s, path, file)
		}
		b.StopTimer()
		b.ReportMetric(heap.Stop(), "peak-heap-MiB")
	}
	b.Run("parley", func(b *testing.B) { upload(b, startBenchServer(b, "FULL")) })
	b.Run("cluster", func(b *testing.B) { upload(b, startBenchNode(b)) })
	b.Run("baseline", func(b *testing.B) {
		dir := b.TempDir()
		s := serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f, err := os.CreateTemp(dir, "up-*")
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			defer os.Remove(f.Name())
			io.Copy(f, r.Body)
			f.Sync()
			f.Close()
			w.WriteHeader(http.StatusCreated)
		}), nil)
		b.SetBytes(mediaBenchSize)
		b.ResetTimer()
		for range b.N {
			req, _ := http.NewRequest("POST", s.baseURL+"/upload", bytes.NewReader(file))
			s.do(b, req, http.StatusCreated)
		}
	})
}

// BenchmarkMediaDownload fetches a 16 MiB file's content: auth, the media
// lookup and http.ServeContent from the blob (in a cluster, "cluster", read
// from PostgreSQL's chunks). The baseline is http.ServeFile of the same
// bytes.
func BenchmarkMediaDownload(b *testing.B) {
	file := pngLike(mediaBenchSize)
	download := func(b *testing.B, s *benchServer) {
		base := "/mcs/v1/Services/" + s.app.Conversations.ServiceSID() + "/Media"
		sid := uploadMedia(b, s, base, file)
		b.SetBytes(mediaBenchSize)
		b.ResetTimer()
		for range b.N {
			s.get(b, base+"/"+sid+"/Content", http.StatusOK)
		}
	}
	b.Run("parley", func(b *testing.B) { download(b, startBenchServer(b, "NORMAL")) })
	b.Run("cluster", func(b *testing.B) { download(b, startBenchNode(b)) })
	b.Run("baseline", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "file.png")
		if err := os.WriteFile(path, file, 0o600); err != nil {
			b.Fatal(err)
		}
		s := serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, path) }), nil)
		b.SetBytes(mediaBenchSize)
		b.ResetTimer()
		for range b.N {
			s.get(b, "/file.png", http.StatusOK)
		}
	})
}

// uploadMedia posts file to path as the account and returns its SID.
func uploadMedia(b *testing.B, s *benchServer, path string, file []byte) string {
	req, _ := http.NewRequest("POST", s.baseURL+path, bytes.NewReader(file))
	req.Header.Set("Content-Type", "image/png")
	req.SetBasicAuth("AC00000000000000000000000000000001", "00000000000000000000000000000001")
	resp, err := s.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct{ SID string }
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&m) != nil {
		b.Fatalf("upload: status %d", resp.StatusCode)
	}
	return m.SID
}

// startBenchNode starts a node of a cluster of one: PostgreSQL (the
// server PARLEY_TEST_DATABASE names) and a real nats-server beside it.
func startBenchNode(b *testing.B) *benchServer {
	b.Helper()
	database := pgtest.Database(b)
	return startBenchWith(b, func(c *app.Config) { c.Database, c.NATS = database, natstest.Start(b).URL })
}
