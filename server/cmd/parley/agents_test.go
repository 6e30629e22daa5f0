package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestTheAgentsCommandManagesAgentsAndTheDemoPrintsItsLogins(t *testing.T) {
	bin := buildParley(t)
	data := t.TempDir()
	p := startParleyWith(t, bin, data, []string{"--demo"})
	defer p.stop(t)
	cli := func(args ...string) (string, error) {
		t.Helper()
		args = append(args, "--url", "http://"+p.addr, "--data", data)
		out, err := exec.Command(bin, append([]string{"agents"}, args...)...).CombinedOutput()
		return string(out), err
	}
	signIn := func(email, password string) int {
		t.Helper()
		resp, err := http.PostForm("http://"+p.addr+"/parley/v1/Desktop/SignIn", url.Values{"Email": {email}, "Password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	// The demo agent's login, as printed, signs in. It is printed before
	// serving starts, but reaches the pipe on its own schedule.
	var login []string
	for deadline := time.Now().Add(5 * time.Second); login == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		login = regexp.MustCompile(`agent@example\.com \(agent\)  password (\S+)`).FindStringSubmatch(p.stdout.String())
	}
	if login == nil {
		t.Fatalf("serve --demo printed no agent login:\n%s", p.stdout.String())
	}
	if got := signIn("agent@example.com", login[1]); got != http.StatusOK {
		t.Errorf("the printed demo login: sign-in %d", got)
	}

	out, err := cli("add", "--email", "ana@example.com", "--name", "Ana", "--role", "supervisor")
	if err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	password := regexp.MustCompile(`Password \(shown once\): (\S+)`).FindStringSubmatch(out)
	var a struct {
		SID  string `json:"sid"`
		Role string `json:"role"`
	}
	if password == nil || json.Unmarshal([]byte(out[:strings.LastIndex(out, "}")+1]), &a) != nil || a.Role != "supervisor" {
		t.Fatalf("add printed %s", out)
	}
	if got := signIn("ana@example.com", password[1]); got != http.StatusOK {
		t.Errorf("the generated password: sign-in %d", got)
	}
	if out, err := cli("add", "--email", "ana@example.com"); err == nil || !strings.Contains(out, "already exists") {
		t.Errorf("a second agent with one email: %v\n%s", err, out)
	}
	if out, err := cli("list"); err != nil || !strings.Contains(out, "ana@example.com") || !strings.Contains(out, "supervisor@example.com") {
		t.Errorf("list: %v\n%s", err, out)
	}
	if out, err := cli("delete", a.SID); err != nil {
		t.Fatalf("delete: %v\n%s", err, out)
	}
	if got := signIn("ana@example.com", password[1]); got != http.StatusUnauthorized {
		t.Errorf("a deleted agent signs in: %d", got)
	}
}
