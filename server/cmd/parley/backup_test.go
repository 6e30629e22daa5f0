package main

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// messagesIn opens a backup as a plain SQLite file and returns how many
// messages the conversation has in it, after checking they are a dense
// prefix: indexes 0..n-1, no gaps, as a consistent snapshot must hold.
func messagesIn(t *testing.T, path, conversationSID string) (n int, lastSID string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check on %s: %q %v", path, ok, err)
	}
	var max int
	err = db.QueryRow(`SELECT count(*), coalesce(max(m.idx), -1) FROM messages m JOIN conversations c ON c.seq = m.conversation_seq WHERE c.sid = ?`,
		conversationSID).Scan(&n, &max)
	if err != nil {
		t.Fatal(err)
	}
	if n != max+1 {
		t.Fatalf("the backup holds %d messages but its highest index is %d: a gap", n, max)
	}
	if n > 0 {
		db.QueryRow(`SELECT m.sid FROM messages m JOIN conversations c ON c.seq = m.conversation_seq WHERE c.sid = ? AND m.idx = ?`,
			conversationSID, max).Scan(&lastSID)
	}
	return n, lastSID
}

func TestBackupOfARunningServerRestoresIntoANewDataDirectory(t *testing.T) {
	bin := buildParley(t)
	sid, token := "AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"
	creds := []string{"PARLEY_ACCOUNT_SID=" + sid, "PARLEY_AUTH_TOKEN=" + token}
	data := t.TempDir()
	p := startParley(t, bin, data, creds...)
	api := account{base: "http://" + p.addr, sid: sid, token: token}
	var conv struct {
		SID string `json:"sid"`
	}
	api.must(t, "POST", "/conversations/v1/Conversations", url.Values{"FriendlyName": {"backed up"}}, http.StatusCreated, &conv)

	// Writers send messages all through the backups; acked counts the
	// messages the server has answered 201 for.
	var acked atomic.Int64
	load := startWriters(api, conv.SID, 4,
		func(w, i int) string {
			return fmt.Sprintf("message %d from writer %d %s", i, w, strings.Repeat(".", 300))
		},
		func(string) { acked.Add(1) },
		func(err error) { t.Errorf("send during backup: %v", err) })
	t.Cleanup(load.halt)
	for deadline := time.Now().Add(30 * time.Second); acked.Load() < 500; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d messages sent in 30 s", acked.Load())
		}
	}

	out := t.TempDir()
	var last string
	var lastN int
	for i := 0; i < 3; i++ {
		file := filepath.Join(out, fmt.Sprintf("parley-%d.db", i))
		before := acked.Load()
		cmd := exec.Command(bin, "backup", "--data", data, "--to", file)
		cmd.Env = append(os.Environ(), "PARLEY_DATABASE_URL=")
		said, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("backup %d: %v\n%s", i, err, said)
		}
		if !regexp.MustCompile(`\d+ tables`).Match(said) || !regexp.MustCompile(`\d+(\.\d+)? [kMG]?B`).Match(said) || !strings.Contains(string(said), "integrity ok") {
			t.Errorf("backup %d said %q; want its size, tables, check and time", i, said)
		}
		n, _ := messagesIn(t, file, conv.SID)
		if int64(n) < before {
			t.Errorf("backup %d holds %d messages; %d had been acknowledged before it started", i, n, before)
		}
		last, lastN = file, n
	}
	load.halt()
	if acked.Load() <= int64(lastN) {
		t.Errorf("no message was sent while the backups ran (%d acknowledged, %d in the last backup)", acked.Load(), lastN)
	}
	t.Logf("3 backups while %d messages were sent", acked.Load())
	p.stop(t)

	// Restore: the backup, copied to a new data directory as parley.db, is
	// the database a new server starts on.
	restored := t.TempDir()
	b, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(restored, "parley.db"), b, 0o600)
	_, lastSID := messagesIn(t, last, conv.SID)
	q := startParley(t, bin, restored, creds...)
	defer q.stop(t)
	api.base = "http://" + q.addr
	var page struct {
		Messages []struct {
			SID   string `json:"sid"`
			Index int    `json:"index"`
		} `json:"messages"`
	}
	api.must(t, "GET", "/conversations/v1/Conversations/"+conv.SID+"/Messages?Order=desc&PageSize=1", nil, http.StatusOK, &page)
	if len(page.Messages) != 1 || page.Messages[0].SID != lastSID || page.Messages[0].Index != lastN-1 {
		t.Fatalf("the restored server's last message is %+v; the backup's is %s at index %d", page.Messages, lastSID, lastN-1)
	}
	var next struct {
		Index int `json:"index"`
	}
	api.must(t, "POST", "/conversations/v1/Conversations/"+conv.SID+"/Messages", url.Values{"Author": {"after"}, "Body": {"after the restore"}}, http.StatusCreated, &next)
	if next.Index != lastN {
		t.Errorf("the first message after the restore got index %d, want %d", next.Index, lastN)
	}
}

func TestBackupRefusesWhatItCannotDoAndSaysWhy(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(t.TempDir(), "backup.db")
	cases := []struct {
		name  string
		args  []string
		setup func()
		want  []string
	}{
		{"no --to", []string{"--data", data}, nil, []string{"--to"}},
		{"no database", []string{"--data", data, "--to", file}, nil, []string{"no Parley database", data, "--data"}},
		{"postgres", []string{"--data", data, "--to", file, "--database", "postgres://u:p@127.0.0.1:5432/parley"}, nil,
			[]string{"pg_dump", "docs/OPERATIONS.md"}},
		{"existing file", []string{"--data", data, "--to", file}, func() {
			os.WriteFile(filepath.Join(data, "parley.db"), nil, 0o600)
			os.WriteFile(file, []byte("kept"), 0o600)
		}, []string{file, "--force"}},
	}
	for _, c := range cases {
		if c.setup != nil {
			c.setup()
		}
		err := run(append([]string{"backup"}, c.args...), io.Discard, io.Discard)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want an error saying %q", c.name, err, w)
			}
		}
	}
	if b, _ := os.ReadFile(file); string(b) != "kept" {
		t.Error("a refused backup changed the existing file")
	}
}
