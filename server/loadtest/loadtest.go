// Package loadtest measures a Parley server's realtime path end to end:
// it creates conversations of two participants, connects a WebSocket session
// for each participant, sends messages over the sockets at a fixed rate and
// times every message from send to its receiver. It measures a bare
// WebSocket echo server with the same harness, as the baseline.
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"parley/shared/client"
	proto "parley/shared/realtime"
)

// Config is one load test.
type Config struct {
	// URLs are the servers' base URLs, http(s)://host:port: one, or the
	// nodes of a cluster, which sessions are spread over (the two of a
	// conversation on different nodes when there are several).
	URLs                  []string
	AccountSID, AuthToken string
	Conns                 int           // sessions to hold open
	Rate                  int           // messages a second, over all sessions
	Duration              time.Duration // how long to send
	// Drain is how long to wait after the last send for stragglers.
	Drain time.Duration
	Log   io.Writer
}

// Result is what a run measured.
type Result struct {
	Conns          int     `json:"conns"`
	Sent           int64   `json:"sent"`
	Delivered      int64   `json:"delivered"`
	Lost           int64   `json:"lost"`
	Duplicates     int64   `json:"duplicates"`
	SendErrors     int64   `json:"send_errors"`
	DeliveredPerS  float64 `json:"delivered_per_s"`
	P50MS          float64 `json:"p50_ms"`
	P99MS          float64 `json:"p99_ms"`
	P999MS         float64 `json:"p999_ms"`
	MaxMS          float64 `json:"max_ms"`
	ServerRSSBytes int64   `json:"server_rss_bytes,omitempty"`
	// IdleBytesPerConn is the server's resident memory growth from
	// connecting the sessions, divided by their number; IdleHeapPerConn the
	// growth of its Go heap and stacks in use. Both are read after a
	// garbage collection, so they count what idle sessions hold, not the
	// garbage their setup left.
	IdleBytesPerConn int64 `json:"server_idle_bytes_per_conn,omitempty"`
	IdleHeapPerConn  int64 `json:"server_idle_heap_per_conn,omitempty"`
	// ServerCPUSeconds is the CPU the server used while messages were sent
	// and drained, and ServerCPUPerMsgUS that divided by the messages sent:
	// what a message costs the server, which latency alone hides until the
	// machine runs out of cores.
	ServerCPUSeconds  float64 `json:"server_cpu_s,omitempty"`
	ServerCPUPerMsgUS float64 `json:"server_cpu_us_per_msg,omitempty"`
	// CPUPressurePct is the share of the sending time in which some task on
	// the load tool's machine waited for a core (Linux's pressure stall
	// information; absent elsewhere). A high figure says the run measured
	// a crowded machine as much as the server.
	CPUPressurePct *float64 `json:"cpu_pressure_pct,omitempty"`
}

func (c *Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

// probe is one message in flight: who sent it, its number, and when.
// It travels in the message body, so the receiver can time it.
func probeBody(sender, n int, sent time.Time) string {
	return "lt:" + strconv.Itoa(sender) + ":" + strconv.Itoa(n) + ":" + strconv.FormatInt(sent.UnixNano(), 10)
}

// probeIn finds the probe in a message resource's JSON without decoding
// the rest: the harness shares the machine with the server it measures,
// so every microsecond it spends is one the server may wait for. A probe
// is ASCII without quotes or backslashes, so it is never escaped.
func probeIn(message []byte) string {
	const field = `"body":"lt:`
	i := bytes.Index(message, []byte(field))
	if i < 0 {
		return ""
	}
	body := message[i+len(field)-len("lt:"):]
	end := bytes.IndexByte(body, '"')
	if end < 0 {
		return ""
	}
	return string(body[:end])
}

func parseProbe(body string) (sender, n int, sent time.Time, ok bool) {
	parts := strings.Split(body, ":")
	if len(parts) != 4 || parts[0] != "lt" {
		return 0, 0, time.Time{}, false
	}
	s, err1 := strconv.Atoi(parts[1])
	m, err2 := strconv.Atoi(parts[2])
	ns, err3 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, 0, time.Time{}, false
	}
	return s, m, time.Unix(0, ns), true
}

// session is one open socket of the harness.
type session struct {
	id   int
	peer int // the session that receives what this one sends
	conv string
	ws   *websocket.Conn // the echo baseline's socket
	sess *client.Session // a Parley session, through the project's client

	mu        sync.Mutex
	latencies []time.Duration
	seen      map[[2]int]bool
	dups      int64
}

func (s *session) record(sender, n int, sent time.Time) {
	lat := time.Since(sent)
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]int{sender, n}
	if s.seen[k] {
		s.dups++
		return
	}
	s.seen[k] = true
	s.latencies = append(s.latencies, lat)
}

// stats folds the sessions' measurements into a result.
func stats(sessions []*session, sent, sendErrors int64, elapsed time.Duration) Result {
	var all []time.Duration
	var dups int64
	for _, s := range sessions {
		s.mu.Lock()
		all = append(all, s.latencies...)
		dups += s.dups
		s.mu.Unlock()
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		i := min(len(all)-1, int(float64(len(all))*p))
		return float64(all[i].Microseconds()) / 1000
	}
	r := Result{
		Conns: len(sessions), Sent: sent, Delivered: int64(len(all)), Duplicates: dups, SendErrors: sendErrors,
		P50MS: pct(0.50), P99MS: pct(0.99), P999MS: pct(0.999),
		DeliveredPerS: float64(len(all)) / elapsed.Seconds(),
	}
	if len(all) > 0 {
		r.MaxMS = float64(all[len(all)-1].Microseconds()) / 1000
	}
	r.Lost = max(0, sent-r.Delivered)
	return r
}

// pace calls send rate times a second, spread evenly, until ctx ends or
// duration passes, and returns how long it ran.
func pace(ctx context.Context, rate int, duration time.Duration, send func(i int)) time.Duration {
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	i := 0
	tick := time.NewTicker(max(interval, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return time.Since(start)
		case now := <-tick.C:
			if now.Sub(start) >= duration {
				return time.Since(start)
			}
			// Catch up to where the schedule says we should be: a ticker
			// cannot tick faster than the scheduler allows.
			due := int(now.Sub(start) / interval)
			for ; i < due; i++ {
				send(i)
			}
		}
	}
}

// Run measures a Parley server.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Conns < 2 || cfg.Conns%2 != 0 {
		return Result{}, errors.New("--conns must be an even number, at least 2: sessions come in pairs")
	}
	if cfg.Rate < 1 {
		return Result{}, errors.New("--rate must be at least 1 message a second")
	}
	if cfg.Drain == 0 {
		cfg.Drain = 5 * time.Second
	}
	if len(cfg.URLs) == 0 {
		return Result{}, errors.New("no server to measure: give its URL")
	}
	nodes := make([]*rest, len(cfg.URLs))
	for i, u := range cfg.URLs {
		nodes[i] = newREST(cfg, u)
	}
	api := nodes[0]
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	pairs := cfg.Conns / 2
	cfg.logf("creating %d conversations of two participants", pairs)
	sessions := make([]*session, cfg.Conns)
	err := parallel(ctx, pairs, 32, func(i int) error {
		a, b := 2*i, 2*i+1
		conv, err := api.conversation(ctx, run, i, identity(run, a), identity(run, b))
		if err != nil {
			return err
		}
		sessions[a] = &session{id: a, peer: b, conv: conv, seen: map[[2]int]bool{}}
		sessions[b] = &session{id: b, peer: a, conv: conv, seen: map[[2]int]bool{}}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	tokens := make([]string, cfg.Conns)
	err = parallel(ctx, cfg.Conns, 32, func(i int) error {
		var err error
		tokens[i], err = api.MintToken(ctx, identity(run, i), time.Hour)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	// Memory is read just before and after connecting, so the growth is
	// what the idle sessions cost, not the setup's REST calls.
	before, _ := memoryOf(ctx, nodes)
	cfg.logf("connecting %d sessions to %d server(s)", cfg.Conns, len(nodes))
	err = parallel(ctx, cfg.Conns, 64, func(i int) error {
		return sessions[i].connect(ctx, nodes[i%len(nodes)].base, tokens[i])
	})
	defer func() {
		for _, s := range sessions {
			if s != nil && s.sess != nil {
				s.sess.Close()
			}
		}
	}()
	if err != nil {
		return Result{}, err
	}
	idle, _ := memoryOf(ctx, nodes)

	cfg.logf("sending %d messages/s for %v", cfg.Rate, cfg.Duration)
	cpuBefore, cpuErr := cpuSecondsOf(ctx, nodes)
	stallBefore, stallOK := cpuStall()
	start := time.Now()
	res := drive(ctx, cfg, sessions, func(ctx context.Context, s *session, i int) error {
		_, err := s.sess.Send(ctx, s.conv, probeBody(s.id, i, time.Now()), "")
		return err
	})
	wall := time.Since(start)
	// Read before memory, which makes the server collect garbage.
	if cpuAfter, err := cpuSecondsOf(ctx, nodes); err == nil && cpuErr == nil {
		res.ServerCPUSeconds = cpuAfter - cpuBefore
		if res.Sent > 0 {
			res.ServerCPUPerMsgUS = res.ServerCPUSeconds / float64(res.Sent) * 1e6
		}
	}
	if stallAfter, ok := cpuStall(); ok && stallOK {
		pct := 100 * float64(stallAfter-stallBefore) / float64(wall)
		res.CPUPressurePct = &pct
	}
	if m, err := memoryOf(ctx, nodes); err == nil {
		res.ServerRSSBytes = m.rss
	}
	if before.rss > 0 && idle.rss > 0 {
		res.IdleBytesPerConn = (idle.rss - before.rss) / int64(cfg.Conns)
		res.IdleHeapPerConn = (idle.heap - before.heap) / int64(cfg.Conns)
	}
	return res, nil
}

// drive sends frames (made by frame) round-robin over the sessions at the
// configured rate, waits for them to arrive and folds up the measurements.
func drive(ctx context.Context, cfg Config, sessions []*session, send func(ctx context.Context, s *session, i int) error) Result {
	var sent, sendErrors atomic.Int64
	jobs := make(chan int, cfg.Rate)
	var wg sync.WaitGroup
	// Enough senders that waiting for acks never holds the rate back.
	for range max(64, cfg.Rate/10) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				s := sessions[i%len(sessions)]
				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				err := send(wctx, s, i)
				cancel()
				if err != nil {
					sendErrors.Add(1)
					continue
				}
				sent.Add(1)
			}
		}()
	}
	elapsed := pace(ctx, cfg.Rate, cfg.Duration, func(i int) { jobs <- i })
	close(jobs)
	wg.Wait()
	waitDelivered(sessions, sent.Load(), cfg.Drain)
	return stats(sessions, sent.Load(), sendErrors.Load(), elapsed)
}

// RunEcho measures the baseline: the same sessions, rate and timing against
// a bare WebSocket echo server at wsURL. A message's receiver is its sender.
func RunEcho(ctx context.Context, cfg Config, wsURL string) (Result, error) {
	if cfg.Drain == 0 {
		cfg.Drain = 5 * time.Second
	}
	sessions := make([]*session, cfg.Conns)
	err := parallel(ctx, cfg.Conns, 64, func(i int) error {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(dctx, wsURL, nil)
		if err != nil {
			return fmt.Errorf("echo session %d: %w", i, err)
		}
		sessions[i] = &session{id: i, peer: i, ws: ws, seen: map[[2]int]bool{}}
		return nil
	})
	defer func() {
		for _, s := range sessions {
			if s != nil {
				s.ws.CloseNow()
			}
		}
	}()
	if err != nil {
		return Result{}, err
	}
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	for _, s := range sessions {
		go s.readEcho(readCtx)
	}
	cfg.logf("echo baseline: %d sessions, %d messages/s for %v", cfg.Conns, cfg.Rate, cfg.Duration)
	res := drive(ctx, cfg, sessions, func(ctx context.Context, s *session, i int) error {
		// The same frame Parley gets, so both servers read and write as much.
		b, _ := json.Marshal(proto.ClientFrame{Type: proto.TypeSend, ConversationSID: "CH00000000000000000000000000000000",
			Body: probeBody(s.id, i, time.Now()), IdempotencyKey: strconv.Itoa(i)})
		return s.ws.Write(ctx, websocket.MessageText, b)
	})
	return res, nil
}

func (s *session) readEcho(ctx context.Context) {
	for {
		_, b, err := s.ws.Read(ctx)
		if err != nil {
			return
		}
		f, err := proto.DecodeClient(b)
		if err != nil {
			continue
		}
		if sender, n, sent, ok := parseProbe(f.Body); ok && sender == s.id {
			s.record(sender, n, sent)
		}
	}
}

// waitDelivered waits until every sent message has arrived, or drain
// passes without progress.
func waitDelivered(sessions []*session, sent int64, drain time.Duration) {
	last, lastChange := int64(-1), time.Now()
	for time.Since(lastChange) < drain {
		var n int64
		for _, s := range sessions {
			s.mu.Lock()
			n += int64(len(s.latencies))
			s.mu.Unlock()
		}
		if n >= sent {
			return
		}
		if n != last {
			last, lastChange = n, time.Now()
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func identity(run string, i int) string { return "lt-" + run + "-" + strconv.Itoa(i) }

// connect opens a Parley session with the project's Go client, timing
// the peer's messages as they arrive.
func (s *session) connect(ctx context.Context, baseURL, token string) error {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	sess, err := client.Dial(dctx, client.SessionOptions{
		URL:   baseURL,
		Token: func(context.Context) (string, error) { return token, nil },
		OnEvent: func(f proto.ServerFrame) {
			if f.Event != proto.MessageAdded {
				return
			}
			if sender, n, sent, ok := parseProbe(probeIn(f.Data)); ok && sender == s.peer {
				s.record(sender, n, sent)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("session %d: %w", s.id, err)
	}
	s.sess = sess
	return nil
}

// parallel runs fn(0..n-1) on workers goroutines and returns the first error.
func parallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// rest is the few REST calls the harness needs, made with the project's
// client.
type rest struct {
	*client.REST
	base, sid, authToken string
	http                 *http.Client
}

func newREST(cfg Config, url string) *rest {
	base := strings.TrimRight(url, "/")
	h := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	return &rest{REST: client.NewREST(base, client.AccountAuth(cfg.AccountSID, cfg.AuthToken), h),
		base: base, sid: cfg.AccountSID, authToken: cfg.AuthToken, http: h}
}

func (r *rest) conversation(ctx context.Context, run string, i int, a, b string) (string, error) {
	var c struct {
		SID string `json:"sid"`
	}
	err := r.Do(ctx, http.MethodPost, "/conversations/v1/ConversationWithParticipants", url.Values{
		"FriendlyName": {"loadtest " + run + " " + strconv.Itoa(i)},
		"Participant":  {`{"identity":"` + a + `"}`, `{"identity":"` + b + `"}`},
	}, &c)
	return c.SID, err
}

// memoryUse is what the server's /metrics says of its memory.
type memoryUse struct{ rss, heap int64 }

// memory asks the server to collect garbage (through its profiling
// endpoint) and reads its resident memory, and its Go heap and stacks in
// use, from its Prometheus metrics.
func (r *rest) memory(ctx context.Context) (memoryUse, error) {
	var m memoryUse
	if err := r.Do(ctx, http.MethodGet, "/debug/pprof/heap?gc=1", nil, nil); err != nil {
		return m, err
	}
	time.Sleep(500 * time.Millisecond)
	metrics, err := r.metrics(ctx)
	if err != nil {
		return m, err
	}
	m.rss = int64(metrics["process_resident_memory_bytes"])
	m.heap = int64(metrics["go_memstats_heap_inuse_bytes"] + metrics["go_memstats_stack_inuse_bytes"])
	if m.rss == 0 {
		return m, errors.New("the server's /metrics has no process_resident_memory_bytes")
	}
	return m, nil
}

// memoryOf is what the servers hold, summed over them.
func memoryOf(ctx context.Context, nodes []*rest) (memoryUse, error) {
	var sum memoryUse
	for _, n := range nodes {
		m, err := n.memory(ctx)
		if err != nil {
			return memoryUse{}, err
		}
		sum.rss, sum.heap = sum.rss+m.rss, sum.heap+m.heap
	}
	return sum, nil
}

// cpuSecondsOf is the CPU time the servers have used, summed over them.
func cpuSecondsOf(ctx context.Context, nodes []*rest) (float64, error) {
	var sum float64
	for _, n := range nodes {
		s, err := n.cpuSeconds(ctx)
		if err != nil {
			return 0, err
		}
		sum += s
	}
	return sum, nil
}

// cpuSeconds reads the CPU time the server has used since it started.
func (r *rest) cpuSeconds(ctx context.Context) (float64, error) {
	metrics, err := r.metrics(ctx)
	if err != nil {
		return 0, err
	}
	v, ok := metrics["process_cpu_seconds_total"]
	if !ok {
		return 0, errors.New("the server's /metrics has no process_cpu_seconds_total")
	}
	return v, nil
}

// metrics reads the server's Prometheus metrics: each sample's value by its
// name, labels included.
func (r *rest) metrics(ctx context.Context) (map[string]float64, error) {
	// Metrics are Prometheus text, not JSON: read them raw.
	req, err := http.NewRequestWithContext(ctx, "GET", r.base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(r.sid, r.authToken)
	resp, err := r.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the server's /metrics answered %s", resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	samples := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		name, v, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			samples[name] = f
		}
	}
	return samples, nil
}
