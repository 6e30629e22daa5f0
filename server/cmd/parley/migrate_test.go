package main

import (
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
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
	api := account{base: "http://" + first.addr, sid: creds["PARLEY_ACCOUNT_SID"], token: creds["PARLEY_AUTH_TOKEN"]}
	api.must(t, "POST", "/conversations/v1/Conversations", url.Values{"FriendlyName": {"before the move"}}, http.StatusCreated, nil)

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
	api.base = "http://" + second.addr
	type conversation struct {
		FriendlyName string `json:"friendly_name"`
	}
	var page struct {
		Conversations []conversation `json:"conversations"`
	}
	api.must(t, "GET", "/conversations/v1/Conversations", nil, http.StatusOK, &page)
	if !slices.ContainsFunc(page.Conversations, func(c conversation) bool { return c.FriendlyName == "before the move" }) {
		t.Errorf("on PostgreSQL, the conversations are %+v; want the one made on SQLite", page.Conversations)
	}
	if code, err := api.call("POST", "/conversations/v1/Conversations", url.Values{"FriendlyName": {"after the move"}}, nil, nil); err != nil || code != http.StatusCreated {
		t.Errorf("create a conversation on PostgreSQL: %d %v", code, err)
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
