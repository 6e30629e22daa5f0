package main

import (
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"parley/server/store/pgtest"
)

// The journey of issue 25's "moving an install": migrate refuses while
// Parley runs, copies once it is stopped, prints its checks, and Parley
// then serves the same conversations from PostgreSQL.
func TestTheMigrateCommandMovesAStoppedInstallToPostgreSQL(t *testing.T) {
	target := pgtest.Database(t)
	bin := buildParley(t)
	data := t.TempDir()

	first := startParleyWith(t, bin, data, []string{"--demo"})
	creds := readCredentials(t, data)
	post := func(addr, path, form string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+addr+path, strings.NewReader(form))
		req.SetBasicAuth(creds["PARLEY_ACCOUNT_SID"], creds["PARLEY_AUTH_TOKEN"])
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(first.addr, "/conversations/v1/Conversations", "FriendlyName=before+the+move"); code != http.StatusCreated {
		t.Fatalf("create a conversation: %d %s", code, body)
	}

	migrate := func() (string, error) {
		out, err := exec.Command(bin, "migrate", "--from", "sqlite:"+data, "--to", target).CombinedOutput()
		return string(out), err
	}
	out, err := migrate()
	if err == nil || !strings.Contains(out, "stop Parley") {
		t.Fatalf("migrate while Parley runs: %v\n%s\nwant a refusal telling to stop Parley", err, out)
	}
	first.stop(t)

	out, err = migrate()
	if err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	for _, want := range []string{
		`(?m)^TABLE\s+ROWS\s+CHECKSUM\s+CHECK$`,
		`(?m)^conversations\s+1\s+[0-9a-f]{16}\s+OK$`,
		`(?m)^event_log\s+1\s+[0-9a-f]{16}\s+OK$`,
		`(?m)^Copied \d+ rows of \d+ tables to .* in [0-9.]+s \(\d+ rows/s\); every count and checksum matches\.$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("migrate printed no line matching %s:\n%s", want, out)
		}
	}

	second := startParleyWith(t, bin, data, []string{"--database", target})
	defer second.stop(t)
	req, _ := http.NewRequest("GET", "http://"+second.addr+"/conversations/v1/Conversations", nil)
	req.SetBasicAuth(creds["PARLEY_ACCOUNT_SID"], creds["PARLEY_AUTH_TOKEN"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(all), `"friendly_name":"before the move"`) {
		t.Errorf("on PostgreSQL, the conversations are %d %s; want the one made on SQLite", resp.StatusCode, all)
	}
	if code, body := post(second.addr, "/conversations/v1/Conversations", "FriendlyName=after+the+move"); code != http.StatusCreated {
		t.Errorf("create a conversation on PostgreSQL: %d %s", code, body)
	}
}

func TestTheMigrateCommandNeedsBothEnds(t *testing.T) {
	for _, args := range [][]string{
		{"--to", "postgres://localhost/x"},
		{"--from", "/var/lib/parley", "--to", "postgres://localhost/x"},
		{"--from", "sqlite:/var/lib/parley"},
		{"--from", "sqlite:/var/lib/parley", "--to", "mysql://localhost/x"},
	} {
		var out, errOut strings.Builder
		err := run(append([]string{"migrate"}, args...), &out, &errOut)
		if err == nil || !strings.Contains(errOut.String(), "Usage: parley migrate") {
			t.Errorf("migrate %v: %v, usage printed: %v", args, err, strings.Contains(errOut.String(), "Usage"))
		}
	}
}
