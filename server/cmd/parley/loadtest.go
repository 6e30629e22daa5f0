package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"time"

	"parley/server/loadtest"
)

// loadtestCmd runs the realtime load test against a server, then the same
// harness against a bare WebSocket echo server in a process of its own, and
// prints both. Its last line is one JSON object.
func loadtestCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var targets []string
	fs.Func("url", "the Parley server's base `URL` (default http://localhost:8080); repeat it, or separate by commas, for the nodes of a cluster, which sessions are spread over", func(v string) error {
		for _, u := range strings.Split(v, ",") {
			if u = strings.TrimSpace(u); u != "" {
				targets = append(targets, u)
			}
		}
		return nil
	})
	conns := fs.Int("conns", 1000, "realtime `SESSIONS` to hold open (even: they come in pairs)")
	rate := fs.Int("rate", 1000, "`MESSAGES` a second to send, over all sessions")
	duration := fs.Duration("duration", 30*time.Second, "how long to send")
	drain := fs.Duration("drain", 5*time.Second, "how long to wait for stragglers without progress")
	echo := fs.Bool("echo", true, "also measure a bare WebSocket echo server, the baseline")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sid, token := os.Getenv("PARLEY_ACCOUNT_SID"), os.Getenv("PARLEY_AUTH_TOKEN")
	if sid == "" || token == "" {
		return fmt.Errorf("set PARLEY_ACCOUNT_SID and PARLEY_AUTH_TOKEN to the server's account credentials (see its data/credentials.env)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(targets) == 0 {
		targets = []string{"http://localhost:8080"}
	}
	cfg := loadtest.Config{URLs: targets, AccountSID: sid, AuthToken: token, Conns: *conns, Rate: *rate,
		Duration: *duration, Drain: *drain, Log: stderr}

	res, err := loadtest.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "parley: %d sessions, sent %d, delivered %d, lost %d, duplicates %d, %.0f/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, server RSS %d MB; per idle session %d B resident, %d B Go heap+stack\n",
		res.Conns, res.Sent, res.Delivered, res.Lost, res.Duplicates, res.DeliveredPerS, res.P50MS, res.P99MS, res.P999MS,
		res.ServerRSSBytes>>20, res.IdleBytesPerConn, res.IdleHeapPerConn)
	var cost []string
	if res.ServerCPUSeconds > 0 {
		cost = append(cost, fmt.Sprintf("server CPU while sending %.1f s, %.0f µs a message", res.ServerCPUSeconds, res.ServerCPUPerMsgUS))
	}
	if res.CPUPressurePct != nil {
		cost = append(cost, fmt.Sprintf("a task on this machine waited for a core %.0f%% of the time", *res.CPUPressurePct))
	}
	if len(cost) > 0 {
		fmt.Fprintln(stdout, strings.Join(cost, "; "))
	}
	out := map[string]any{}
	b, _ := json.Marshal(res)
	json.Unmarshal(b, &out)
	if *echo {
		base, err := measureEcho(ctx, cfg)
		if err != nil {
			return fmt.Errorf("echo baseline: %w", err)
		}
		fmt.Fprintf(stdout, "echo:   %d sessions, sent %d, delivered %d, lost %d, %.0f/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms\n",
			base.Conns, base.Sent, base.Delivered, base.Lost, base.DeliveredPerS, base.P50MS, base.P99MS, base.P999MS)
		out["echo_delivered_per_s"] = base.DeliveredPerS
		out["echo_p50_ms"], out["echo_p99_ms"], out["echo_p999_ms"] = base.P50MS, base.P99MS, base.P999MS
		out["echo_lost"] = base.Lost
		if base.P99MS > 0 {
			out["p99_vs_echo"] = res.P99MS / base.P99MS
		}
	}
	line, _ := json.Marshal(out)
	fmt.Fprintln(stdout, string(line))
	return nil
}

// measureEcho starts this binary's echo server in its own process (as the
// Parley server runs in its own) and runs the harness against it.
func measureEcho(ctx context.Context, cfg loadtest.Config) (loadtest.Result, error) {
	self, err := os.Executable()
	if err != nil {
		return loadtest.Result{}, err
	}
	cmd := exec.CommandContext(ctx, self, "echo-server", "--addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return loadtest.Result{}, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return loadtest.Result{}, err
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return loadtest.Result{}, fmt.Errorf("echo server did not start: %w", err)
	}
	addr := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	return loadtest.RunEcho(ctx, cfg, "ws://"+addr+"/")
}

// echoServerCmd serves the echo baseline and prints its address.
func echoServerCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("echo-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "`HOST:PORT` to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "listening on %s\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return loadtest.ServeEcho(ctx, ln)
}
