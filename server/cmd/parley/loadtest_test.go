package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestTheLoadtestCommandTimesEveryMessageAgainstTheEchoBaseline(t *testing.T) {
	bin := buildParley(t)
	data := t.TempDir()
	p := startParley(t, bin, data)
	defer p.stop(t)
	creds := readCredentials(t, data)

	cmd := exec.Command(bin, "loadtest", "--url", "http://"+p.addr, "--conns", "20", "--rate", "200", "--duration", "2s")
	cmd.Env = append(os.Environ(), "PARLEY_ACCOUNT_SID="+creds["PARLEY_ACCOUNT_SID"], "PARLEY_AUTH_TOKEN="+creds["PARLEY_AUTH_TOKEN"])
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var res struct {
		Conns, Sent, Delivered, Lost, Duplicates int64
		P50                                      float64 `json:"p50_ms"`
		P99                                      float64 `json:"p99_ms"`
		ServerRSS                                int64   `json:"server_rss_bytes"`
		ServerCPU                                float64 `json:"server_cpu_s"`
		ServerCPUPerMsg                          float64 `json:"server_cpu_us_per_msg"`
		EchoDeliveredPerS                        float64 `json:"echo_delivered_per_s"`
		EchoP99                                  float64 `json:"echo_p99_ms"`
		EchoLost                                 int64   `json:"echo_lost"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("the last line is not one JSON object: %v\n%s", err, out)
	}
	var raw map[string]any
	json.Unmarshal([]byte(lines[len(lines)-1]), &raw)
	for _, key := range []string{"conns", "sent", "delivered", "lost", "duplicates", "delivered_per_s", "p50_ms", "p99_ms", "p999_ms", "server_rss_bytes"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("the result has no %q: %s", key, lines[len(lines)-1])
		}
	}
	// 200 messages a second for 2 s, each timed at its one receiver.
	if res.Conns != 20 || res.Sent < 350 || res.Delivered != res.Sent || res.Lost != 0 || res.Duplicates != 0 {
		t.Errorf("conns %d, sent %d, delivered %d, lost %d, duplicates %d; want 20 sessions and every message delivered once",
			res.Conns, res.Sent, res.Delivered, res.Lost, res.Duplicates)
	}
	if res.P50 <= 0 || res.P99 < res.P50 || res.ServerRSS <= 0 {
		t.Errorf("p50 %v ms, p99 %v ms, server RSS %d B; want latencies measured and the server's memory read", res.P50, res.P99, res.ServerRSS)
	}
	// /metrics counts CPU in hundredths of a second; 400 messages cost
	// more than that.
	if res.ServerCPU <= 0 || res.ServerCPUPerMsg <= 0 {
		t.Errorf("server CPU %v s, %v µs a message; want what sending cost the server", res.ServerCPU, res.ServerCPUPerMsg)
	}
	if res.EchoDeliveredPerS <= 0 || res.EchoP99 <= 0 || res.EchoLost != 0 {
		t.Errorf("echo baseline: %v/s, p99 %v ms, lost %d; want it measured with nothing lost", res.EchoDeliveredPerS, res.EchoP99, res.EchoLost)
	}
}
