package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildParley compiles the real binary once per test run.
func buildParley(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "parley")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type process struct {
	cmd     *exec.Cmd
	addr    string
	stdout  *output
	stderr  *output // the log, from the line after "parley serving"
	serving string  // the "parley serving" line
	exited  chan error
}

// output collects what a process prints; the test reads it while the
// process still writes.
type output struct {
	mu sync.Mutex
	b  strings.Builder
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// startParley runs `parley serve` on a free loopback port and waits until it
// says it is serving.
func startParley(t *testing.T, bin, dataDir string, env ...string) *process {
	t.Helper()
	return startParleyWith(t, bin, dataDir, nil, env...)
}

// startParleyWith is startParley with more serve flags.
func startParleyWith(t *testing.T, bin, dataDir string, flags []string, env ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir}, flags...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout := &output{}
	cmd.Stdout = stdout
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, stdout: stdout, stderr: &output{}, exited: make(chan error, 1)}
	t.Cleanup(func() { cmd.Process.Kill() })
	serving := regexp.MustCompile(`msg="parley serving" addr=(\S+)`)
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		if m := serving.FindStringSubmatch(lines.Text()); m != nil {
			p.addr, p.serving = m[1], lines.Text()
			break
		}
	}
	if p.addr == "" {
		t.Fatalf("parley never said it was serving")
	}
	// Wait reads the pipe to its end before it returns, so the whole log
	// is in p.stderr once the process has exited.
	copied := make(chan struct{})
	go func() { io.Copy(p.stderr, stderr); close(copied) }()
	go func() { <-copied; p.exited <- cmd.Wait() }()
	return p
}

func (p *process) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("parley exited with %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("parley did not stop within 20s of SIGTERM")
	}
}

func TestServeGeneratesCredentialsOnceAndShutsDownGracefully(t *testing.T) {
	bin := buildParley(t)
	data := t.TempDir()

	first := startParley(t, bin, data)
	resp, err := http.Get("http://" + first.addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	// A request still being sent when the signal arrives must complete.
	creds := readCredentials(t, data)
	body, feed := io.Pipe()
	req, _ := http.NewRequest("POST", "http://"+first.addr+"/conversations/v1/Conversations", body)
	req.SetBasicAuth(creds["PARLEY_ACCOUNT_SID"], creds["PARLEY_AUTH_TOKEN"])
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("in-flight request failed: %v", err)
		}
		done <- resp
	}()
	feed.Write([]byte("FriendlyName=in"))
	time.Sleep(200 * time.Millisecond) // the server is now reading the body
	first.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(200 * time.Millisecond)
	feed.Write([]byte("-flight"))
	feed.Close()
	if resp := <-done; resp == nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("in-flight request during shutdown got %v, want 201", resp)
	}
	if err := <-first.exited; err != nil {
		t.Fatalf("parley exited with %v after SIGTERM", err)
	}
	if !strings.Contains(first.stdout.String(), creds["PARLEY_AUTH_TOKEN"]) {
		t.Errorf("first start did not print the generated auth token; stdout:\n%s", first.stdout)
	}

	// The second start reuses the kept credentials and prints nothing secret.
	second := startParley(t, bin, data)
	req, _ = http.NewRequest("GET", "http://"+second.addr+"/conversations/v1/Conversations", nil)
	req.SetBasicAuth(creds["PARLEY_ACCOUNT_SID"], creds["PARLEY_AUTH_TOKEN"])
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(all), `"friendly_name":"in-flight"`) {
		t.Errorf("after restart, list = %d %s; want the conversation made during shutdown", resp.StatusCode, all)
	}
	second.stop(t)
	if strings.Contains(second.stdout.String(), creds["PARLEY_AUTH_TOKEN"]) {
		t.Error("second start printed the auth token again")
	}
}

func TestServeTakesCredentialsFromEnvironment(t *testing.T) {
	bin := buildParley(t)
	sid, token := "AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"
	p := startParley(t, bin, t.TempDir(), "PARLEY_ACCOUNT_SID="+sid, "PARLEY_AUTH_TOKEN="+token)
	req, _ := http.NewRequest("GET", "http://"+p.addr+"/conversations/v1/Configuration", nil)
	req.SetBasicAuth(sid, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("configuration with environment credentials: %d, want 200", resp.StatusCode)
	}
	p.stop(t)
}

func readCredentials(t *testing.T, dataDir string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "credentials.env"))
	if err != nil {
		t.Fatal(err)
	}
	creds := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			creds[k] = v
		}
	}
	return creds
}

func TestServeRefusesAnOutboundAllowThatIsNotACIDR(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "localhost", "127.0.0.0/8,intranet"} {
		var stderr strings.Builder
		err := serve([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir(), "--outbound-allow", bad}, io.Discard, &stderr)
		if err == nil || !strings.Contains(err.Error(), "--outbound-allow") || !strings.Contains(err.Error(), "is not a CIDR") {
			t.Errorf("serve --outbound-allow %s: %v, want an error naming the flag and the bad range", bad, err)
		}
	}
}

// A wrong SMTP URL stops serve at once, saying why, without the password.
func TestServeRefusesABadSMTPURLWithoutShowingThePassword(t *testing.T) {
	for _, tc := range []struct{ url, from, why string }{
		{"smtp://ops:hunter2@mail.example.com:99999", "a@example.com", "is not a port number"},
		{"imap://ops:hunter2@mail.example.com", "a@example.com", "the scheme must be smtp"},
		{"smtp://ops:hunter2@mail.example.com%zz", "a@example.com", "is not a URL"},
		{"smtp://ops:hunter2@mail.example.com", "", "PARLEY_SMTP_FROM"},
	} {
		t.Setenv("PARLEY_SMTP_URL", tc.url)
		t.Setenv("PARLEY_SMTP_FROM", tc.from)
		var stderr strings.Builder
		err := serve([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir()}, io.Discard, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.why) || strings.Contains(err.Error()+stderr.String(), "hunter2") {
			t.Errorf("PARLEY_SMTP_URL=%s: %v, want an error saying %q without the password", tc.url, err, tc.why)
		}
	}
}

// Wait thresholds the desk could not use stop serve at once, naming the
// flags.
func TestServeRefusesWaitThresholdsOutOfOrder(t *testing.T) {
	for _, flags := range [][]string{{"--wait-amber", "5m"}, {"--wait-amber", "2m", "--wait-red", "1m"}, {"--wait-red", "100ms"}} {
		var stderr strings.Builder
		err := serve(append([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir()}, flags...), io.Discard, &stderr)
		if err == nil || !strings.Contains(err.Error(), "--wait-") {
			t.Errorf("serve %v: %v, want an error naming the flags", flags, err)
		}
	}
}
