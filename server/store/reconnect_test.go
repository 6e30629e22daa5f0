package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/store/pgtest"
)

// A PostgreSQL server drops connections: it restarts, fails over, or an
// operator ends a session. The writer must not stay dead with its
// connection: the write that meets the loss fails as unavailable (503),
// the next one goes through on a new connection, and nothing acknowledged
// is lost.
func TestTheWriterReconnectsAfterTheServerDropsItsConnection(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	db, err := OpenPostgres(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := newService(db)
	c, err := svc.CreateConversation(ctx, conversations.ConversationParams{})
	if err != nil {
		t.Fatal(err)
	}
	send := func(body string) error {
		_, err := svc.SendMessage(ctx, c.SID, conversations.MessageParams{Author: ptr("ana"), Body: &body})
		return err
	}
	if err := send("before"); err != nil {
		t.Fatal(err)
	}

	// End every other session on the database: the writer's among them.
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var ended int
	if err := admin.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&ended); err != nil || ended == 0 {
		t.Fatalf("ended %d sessions: %v", ended, err)
	}

	// The write that meets the dead connection may fail, as unavailable;
	// within a few writes they go through again.
	var lastErr error
	for i := range 5 {
		lastErr = send("after")
		if lastErr == nil {
			break
		}
		if !apperr.Is(lastErr, apperr.Unavailable) {
			t.Fatalf("write %d after the connection was dropped: %v, want success or unavailable", i, lastErr)
		}
	}
	if lastErr != nil {
		t.Fatalf("writes still fail after the server dropped the writer's connection: %v", lastErr)
	}
	msgs, err := svc.Messages(ctx, c.SID, conversations.Ascending, conversations.PageRequest{Size: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs.Items) != 2 || msgs.Items[0].Body != "before" || msgs.Items[1].Body != "after" || msgs.Items[1].Index != 1 {
		t.Fatalf("after the reconnect the conversation holds %+v, want before and after at indexes 0 and 1", msgs.Items)
	}
}

// When the database server cannot be reached, the health check must say so
// even while no write is being made (a load balancer asks it before sending
// traffic), and say it no more once the server is back.
func TestAnUnreachableServerShowsInTheHealthCheckUntilItIsBack(t *testing.T) {
	dbURL := pgtest.Database(t)
	ctx := context.Background()
	db, err := OpenPostgres(ctx, dbURL, Options{ProbeInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin, err := sql.Open("pgx", os.Getenv(pgtest.EnvVar))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	allow := func(on bool) {
		if _, err := admin.Exec(fmt.Sprintf("ALTER DATABASE %s WITH ALLOW_CONNECTIONS %t", name, on)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { allow(true) })
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after 10 s: %s (health says %q)", what, db.WriteTrouble())
			}
		}
	}

	// The server refuses the database: no new connection, the open ones ended.
	allow(false)
	if _, err := admin.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name); err != nil {
		t.Fatal(err)
	}
	waitFor("the health check does not say the database is out of reach", func() bool {
		return db.WriteTrouble() == "cannot reach the database server"
	})

	allow(true)
	waitFor("the health check still says the database is out of reach", func() bool { return db.WriteTrouble() == "" })
	svc := newService(db)
	if _, err := svc.CreateConversation(ctx, conversations.ConversationParams{}); err != nil {
		t.Fatalf("a write after the server came back: %v", err)
	}
}
