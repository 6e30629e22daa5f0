package transfer

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"parley/server/app"
	"parley/server/auth"
	"parley/server/canned"
	"parley/server/conversations"
	"parley/server/followup"
	"parley/server/interactions"
	"parley/server/media"
	"parley/server/notes"
	"parley/server/outbox"
	"parley/server/reports"
	"parley/server/store"
	"parley/server/store/pgtest"
	"parley/server/webchat"
	"parley/server/webhooks"
	"parley/shared/sid"
)

const (
	testAccountSID = "AC0123456789abcdef0123456789abcdef"
	testAuthToken  = "0123456789abcdef0123456789abcdef"
)

// The same rows hash the same whichever engine they were read from, and
// any change to them hashes otherwise.
func TestChecksumIsTheSameFromEitherEngine(t *testing.T) {
	kinds := []kind{kindInt, kindText, kindText, kindFloat, kindBytes, kindInt}
	// As go-sqlite3 reads them: JSON written as []byte is a BLOB in a
	// TEXT column; a REAL is float64.
	fromSQLite := [][]any{
		{int64(1), []byte(`{"a":1}`), "é", 4.5, []byte{0, 1, 2}, nil},
		{int64(2), "", "x", float64(3), []byte{}, int64(-1)},
	}
	// As pgx reads them: text is a string; an int4 is an int32.
	fromPostgres := [][]any{
		{int64(1), `{"a":1}`, "é", 4.5, []byte{0, 1, 2}, nil},
		{int32(2), "", "x", float64(3), []byte{}, int64(-1)},
	}
	sum := func(rows [][]any) string { return sumOf(t, kinds, rows) }
	want := sum(fromSQLite)
	if got := sum(fromPostgres); got != want {
		t.Fatalf("the same rows hash to %s from PostgreSQL and %s from SQLite", got, want)
	}
	changed := map[string][][]any{
		"a text changed":          {{int64(1), `{"a":2}`, "é", 4.5, []byte{0, 1, 2}, nil}, fromPostgres[1]},
		"a NULL for a number":     {fromPostgres[0], {int64(2), "", "x", float64(3), []byte{}, nil}},
		"an empty text for NULL":  {{int64(1), `{"a":1}`, "é", 4.5, []byte{0, 1, 2}, int64(0)}, fromPostgres[1]},
		"a float a bit off":       {{int64(1), `{"a":1}`, "é", math.Nextafter(4.5, 5), []byte{0, 1, 2}, nil}, fromPostgres[1]},
		"a byte more":             {{int64(1), `{"a":1}`, "é", 4.5, []byte{0, 1, 2, 3}, nil}, fromPostgres[1]},
		"text moved across cells": {{int64(1), `{"a":1}é`, "", 4.5, []byte{0, 1, 2}, nil}, fromPostgres[1]},
		"rows in another order":   {fromPostgres[1], fromPostgres[0]},
		"a row missing":           {fromPostgres[0]},
	}
	for name, rows := range changed {
		if sum(rows) == want {
			t.Errorf("%s: the checksum did not change", name)
		}
	}
	// Where cells end and whether a NULL is there counts, whatever the
	// cells hold.
	text2 := []kind{kindText, kindText}
	if sumOf(t, text2, [][]any{{"aTb", "c"}}) == sumOf(t, text2, [][]any{{"a", "bTc"}}) {
		t.Error("text moved from one cell into the next: the checksum did not change")
	}
	if sumOf(t, []kind{kindInt}, [][]any{{nil}, {nil}}) == sumOf(t, []kind{kindInt}, [][]any{{nil}}) {
		t.Error("one of two rows of NULLs missing: the checksum did not change")
	}
	if _, err := normalise("twelve", kindInt); err == nil {
		t.Error("text in an integer column was taken as a number")
	}
	if _, err := normalise([]byte("a\x00b"), kindText); err == nil {
		t.Error("a NUL character was let through to PostgreSQL's text")
	}
}

// sumOf normalises rows of the given kinds and hashes them.
func sumOf(t *testing.T, kinds []kind, rows [][]any) string {
	t.Helper()
	c := newChecksum()
	for _, row := range rows {
		vals := make([]any, len(row))
		for i, v := range row {
			var err error
			if vals[i], err = normalise(v, kinds[i]); err != nil {
				t.Fatal(err)
			}
		}
		c.add(vals)
	}
	return c.sum()
}

// A running Parley keeps its database open: migrate must not copy it,
// since whatever it commits after the copy began would be lost.
func TestMigrateRefusesAnInstallInUse(t *testing.T) {
	dir := t.TempDir()
	a := openApp(t, dir, "")
	_, err := Migrate(context.Background(), dir, "postgres://nobody@127.0.0.1:1/none?sslmode=disable", Options{})
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "stop Parley") {
		t.Fatalf("migrate of a running install returned %v, want ErrInUse telling to stop Parley", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	// Stopped, it is no longer in use: the next refusal is the target's.
	_, err = Migrate(context.Background(), dir, "postgres://nobody@127.0.0.1:1/none?sslmode=disable", Options{})
	if err == nil || errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "cannot reach PostgreSQL") {
		t.Fatalf("migrate of a stopped install returned %v, want the target to be unreachable", err)
	}
}

func TestMigrateRefusesADirectoryWithoutAnInstall(t *testing.T) {
	dir := t.TempDir()
	_, err := Migrate(context.Background(), dir, "postgres://nobody@127.0.0.1:1/none", Options{})
	if err == nil || !strings.Contains(err.Error(), "no Parley database") {
		t.Fatalf("got %v, want no Parley database", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "parley.db")); !errors.Is(err, os.ErrNotExist) {
		t.Error("migrate made a database file where there was none")
	}
}

// An install with data in every table moves to PostgreSQL and carries on
// there: the same messages in the same order, new messages and
// conversations take fresh numbers, and a realtime client's cursor from
// before the move resumes with the same events.
func TestMigrateCopiesAnInstallThatCarriesOnOnPostgreSQL(t *testing.T) {
	target := pgtest.Database(t)
	dir, before := buildInstall(t)
	ctx := context.Background()

	var progress []string
	res, err := Migrate(ctx, dir, target, Options{ProgressEvery: 10, Progress: func(table string, n, total int64) {
		progress = append(progress, fmt.Sprintf("%s %d/%d", table, n, total))
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("the check failed: %+v", res.Tables)
	}
	copied := map[string]Table{}
	for _, tb := range res.Tables {
		copied[tb.Name] = tb
	}
	for name, n := range before.counts {
		if got := copied[name]; got.SourceRows != n || got.TargetRows != n || got.TargetSum != got.SourceSum {
			t.Errorf("table %s: checked %+v, want %d rows on both sides", name, got, n)
		}
	}
	if len(copied) != len(before.counts) {
		t.Errorf("checked %d tables, the install has %d", len(copied), len(before.counts))
	}
	if !slices.Contains(progress, fmt.Sprintf("messages 10/%d", before.counts["messages"])) ||
		!slices.Contains(progress, fmt.Sprintf("messages %d/%d", before.counts["messages"], before.counts["messages"])) {
		t.Errorf("progress said %v, want messages every 10 rows and at the end", progress)
	}

	// Parley on PostgreSQL, with the same data directory (uploads stay there).
	a := openApp(t, dir, target)
	defer a.Close()
	page, err := a.Conversations.Messages(ctx, before.conv, conversations.Ascending, conversations.PageRequest{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(page.Items, before.messages) {
		t.Errorf("messages on PostgreSQL differ from SQLite's:\n got %+v\nwant %+v", page.Items, before.messages)
	}
	last := before.messages[len(before.messages)-1]
	m, err := a.Conversations.SendMessage(ctx, before.conv, conversations.MessageParams{Author: ptr("ana"), Body: ptr("after the move")})
	if err != nil {
		t.Fatal(err)
	}
	if m.Index != last.Index+1 {
		t.Errorf("the first message after the move has index %d, want %d", m.Index, last.Index+1)
	}
	// The conversations' seq, and every other table's key, go on past
	// the copied rows: a collision would fail the insert.
	c, err := a.Conversations.CreateConversation(ctx, conversations.ConversationParams{FriendlyName: ptr("new on PostgreSQL")})
	if err != nil {
		t.Fatalf("a new conversation after the move: %v", err)
	}
	if _, err := a.Conversations.AddParticipant(ctx, c.SID, conversations.ParticipantParams{Identity: ptr("ana")}); err != nil {
		t.Fatalf("a new participant after the move: %v", err)
	}
	if _, err := a.Conversations.CreateUser(ctx, conversations.UserParams{Identity: ptr("bob")}); err != nil {
		t.Fatalf("a new user after the move: %v", err)
	}
	if _, err := a.Canned.Create(ctx, "", canned.Params{Title: ptr("After"), Body: ptr("the move")}); err != nil {
		t.Fatalf("a new canned response after the move: %v", err)
	}
	// A cursor a client took before the move resumes on the same events,
	// and new events come after every old one.
	evs, err := a.Conversations.EventsSince(ctx, "ana", before.cursor, before.cursor+50_000, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) < len(before.events)+1 {
		t.Fatalf("EventsSince(cursor) after the move returned %d events, want the %d from before and the new ones", len(evs), len(before.events))
	}
	if !reflect.DeepEqual(evs[:len(before.events)], before.events) {
		t.Errorf("EventsSince(cursor) after the move:\n got %+v\nwant %+v", evs[:len(before.events)], before.events)
	}
	for _, e := range evs[len(before.events):] {
		if e.Seq <= before.lastSeq {
			t.Errorf("an event after the move has seq %d, not above %d from before it", e.Seq, before.lastSeq)
		}
	}
	got, err := a.Media.Get(ctx, media.Reader{Identity: "guest_1"}, before.mediaSID)
	if err != nil {
		t.Fatalf("the uploaded file after the move: %v", err)
	}
	f, err := a.Media.Open(ctx, got)
	if err != nil {
		t.Fatalf("the uploaded file's bytes after the move: %v", err)
	}
	f.Close()
}

// A target with data in it, or with tables not Parley's, is refused, and
// left as it was.
func TestMigrateRefusesANonEmptyTarget(t *testing.T) {
	ctx := context.Background()
	used := pgtest.Database(t)
	dir, _ := buildInstall(t)

	if _, err := Migrate(ctx, dir, used, Options{}); err != nil {
		t.Fatal(err)
	}
	_, err := Migrate(ctx, dir, used, Options{})
	if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "has rows in") || !strings.Contains(err.Error(), "messages") {
		t.Fatalf("a second migrate into the same database returned %v, want ErrNotEmpty naming its tables with rows", err)
	}

	other := pgtest.Database(t)
	exec(t, other, "CREATE TABLE orders (id int PRIMARY KEY)")
	_, err = Migrate(ctx, dir, other, Options{})
	if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "orders") {
		t.Fatalf("migrate into another application's database returned %v, want ErrNotEmpty naming its table", err)
	}
	if n := queryInt(t, other, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"); n != 1 {
		t.Errorf("the refused database has %d tables, want its own 1 only", n)
	}

	// One row in one table is enough to refuse.
	settings := pgtest.Database(t)
	db, err := store.OpenPostgres(ctx, settings, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.SetSetting(ctx, "someone", "was here")
	db.Close()
	if _, err := Migrate(ctx, dir, settings, Options{}); !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "settings") {
		t.Fatalf("migrate into a database with a setting returned %v, want ErrNotEmpty naming settings", err)
	}
}

// clusterTables are in both schemas but used only by a cluster's nodes,
// which run on PostgreSQL (store.Blobs, store.Limits, store.SessionCounts):
// empty on SQLite.
var clusterTables = map[string]bool{"media_chunks": true, "media_blobs": true, "rate_buckets": true,
	"signin_failures": true, "signin_known": true, "cluster_nodes": true, "realtime_sessions": true}

// A copy that does not match its original is reported table by table, and
// rolled back: the target is left empty, ready for another try.
func TestMigrateReportsAMismatchAndKeepsNothing(t *testing.T) {
	ctx := context.Background()
	target := pgtest.Database(t)
	dir, _ := buildInstall(t)
	spoil := func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE messages SET body = body || '!' WHERE idx = 3")
		return err
	}
	res, err := Migrate(ctx, dir, target, Options{beforeCheck: spoil})
	if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "messages") {
		t.Fatalf("migrate with a spoilt copy returned %v, want ErrMismatch naming messages", err)
	}
	for _, tb := range res.Tables {
		if tb.OK() == (tb.Name == "messages") {
			t.Errorf("table %s: OK = %v (%+v)", tb.Name, tb.OK(), tb)
		}
		if tb.Name == "messages" && tb.SourceRows != tb.TargetRows {
			t.Errorf("messages: rows %d and %d; the spoilt copy has as many rows, only a changed one", tb.SourceRows, tb.TargetRows)
		}
	}
	if n := queryInt(t, target, "SELECT count(*) FROM messages"); n != 0 {
		t.Errorf("the target kept %d messages of a copy that failed its check", n)
	}
	// Nothing was kept, so the target is still empty.
	if res, err := Migrate(ctx, dir, target, Options{}); err != nil || !res.OK() {
		t.Fatalf("migrate again after a failed check: %v", err)
	}
}

// A column of SQLite's that PostgreSQL's schema lacks (an install upgraded
// by a newer Parley) stops the copy before anything is written.
func TestMigrateRefusesAColumnPostgreSQLLacks(t *testing.T) {
	ctx := context.Background()
	target := pgtest.Database(t)
	dir, _ := buildInstall(t)
	src, err := sql.Open("sqlite3", filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Exec("ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0"); err != nil {
		t.Fatal(err)
	}
	src.Close()
	_, err = Migrate(ctx, dir, target, Options{})
	if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "notes.pinned") {
		t.Fatalf("got %v, want ErrSchema naming notes.pinned", err)
	}
	if n := queryInt(t, target, "SELECT count(*) FROM conversations"); n != 0 {
		t.Errorf("the target has %d conversations after a refusal", n)
	}
}

// install is what buildInstall made, read back before the move.
type install struct {
	counts   map[string]int64 // rows per table copied
	conv     string
	messages []conversations.Message
	cursor   int64                 // a realtime client's cursor, taken midway
	events   []conversations.Event // ana's events after cursor
	lastSeq  int64                 // the newest event's seq
	mediaSID string
}

// buildInstall makes a stopped SQLite install with rows in every table:
// through a running Parley where the app makes them, then through the
// stores for what only background work or the desk's own requests write.
func buildInstall(t *testing.T) (string, install) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	var in install
	a := openApp(t, dir, "")
	// Demo agents, with their TaskRouter workspace and workers.
	if _, err := a.DemoLogins(ctx, dir); err != nil {
		t.Fatal(err)
	}
	conv := a.Conversations
	c, err := conv.CreateConversation(ctx, conversations.ConversationParams{FriendlyName: ptr("Moving house")})
	if err != nil {
		t.Fatal(err)
	}
	in.conv = c.SID
	if _, err := conv.CreateUser(ctx, conversations.UserParams{Identity: ptr("ana"), FriendlyName: ptr("Ana")}); err != nil {
		t.Fatal(err)
	}
	ana, err := conv.AddParticipant(ctx, c.SID, conversations.ParticipantParams{Identity: ptr("ana")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conv.AddParticipant(ctx, c.SID, conversations.ParticipantParams{Identity: ptr("guest_1"), Attributes: ptr(`{"name":"Zoë"}`)}); err != nil {
		t.Fatal(err)
	}
	var img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, 4, 4)))
	up, err := a.Media.Upload(ctx, media.DefaultPolicy(), media.Upload{Author: "ana", Filename: "plan.png",
		DeclaredType: "image/png", DeclaredSize: -1, Body: &img})
	if err != nil {
		t.Fatal(err)
	}
	in.mediaSID = up.SID
	for i := range 25 {
		p := conversations.MessageParams{Author: ptr([]string{"ana", "guest_1"}[i%2]), Body: ptr(fmt.Sprintf("message %d — ünïcode", i)),
			IdempotencyKey: sid.Key()}
		if i == 4 {
			p.MediaSIDs = []string{up.SID}
		}
		if i == 12 {
			evs, err := conv.EventsSince(ctx, "ana", 0, 50_000, 1000)
			if err != nil || len(evs) == 0 {
				t.Fatalf("events before message 12: %v, %v", evs, err)
			}
			in.cursor = evs[len(evs)-1].Seq
			if _, err := conv.UpdateParticipant(ctx, c.SID, ana.SID, conversations.ParticipantParams{Attributes: ptr(`{"busy":true}`)}); err != nil {
				t.Fatal(err)
			}
		}
		m, err := conv.SendMessage(ctx, c.SID, p)
		if err != nil {
			t.Fatal(err)
		}
		if i == 7 {
			if _, err := conv.RecordDelivery(ctx, conversations.ReceiptParams{ConversationSID: c.SID, MessageSID: m.SID,
				ParticipantSID: ana.SID, ChannelMessageSID: "SM" + sid.Key(), Status: conversations.Delivered}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := a.Canned.Create(ctx, "", canned.Params{Title: ptr("Moving day"), Body: ptr("We have moved!"), Tags: &[]string{"hi"}}); err != nil {
		t.Fatal(err)
	}
	page, err := conv.Messages(ctx, c.SID, conversations.Ascending, conversations.PageRequest{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	in.messages = page.Items
	if in.events, err = conv.EventsSince(ctx, "ana", in.cursor, 50_000, 1000); err != nil {
		t.Fatal(err)
	}
	in.lastSeq = in.events[len(in.events)-1].Seq
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// What the desk, routing's reports and the outbox runner write.
	db, err := store.Open(filepath.Join(dir, "parley.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	csat := 4.5
	err = errors.Join(
		store.NewKeys(db).InsertKey(ctx, auth.Key{SID: sid.New(sid.APIKey), FriendlyName: "ci", Secret: sid.Key(), Created: now, Updated: now}),
		store.NewNotes(db).AddNote(ctx, notes.Note{SID: sid.New(sid.Note), ConversationSID: c.SID, Author: "agent_1", AuthorName: "Ana", Body: "VIP", Created: now}, 100),
		store.NewInteractions(db).Put(ctx, interactions.Object{Kind: "interaction", SID: sid.New(sid.Interaction), Body: []byte(`{"channel":{}}`)}),
		store.NewReports(db).RecordFacts(ctx, []reports.Fact{{TaskSID: sid.New(sid.Task), WorkspaceSID: sid.New(sid.Workspace),
			ConversationSID: c.SID, Customer: "guest_1", ChannelType: "web", CSAT: &csat, Created: now}}),
		store.NewOutbox(db).Enqueue(ctx, outbox.Job{SID: sid.New(sid.Delivery), Kind: "webhook", Key: c.SID,
			Payload: []byte{0x00, 0xff, 'x'}, Created: now, NextAt: now}),
		store.NewEmailsSent(db).MarkSent(ctx, followup.Record{Key: "unread/" + c.SID + "/0", ConversationSID: c.SID,
			Kind: "unread", ThroughIndex: 0, Sent: now}),
		store.NewChannels(db).Hold(ctx, webchat.Held{DeploymentKey: "CVclosed", ConversationSID: c.SID, Created: now}),
		claimQueueText(ctx, db, c.SID, now),
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.NewWebhooks(db).InsertHook(ctx, webhooks.Hook{SID: sid.New(sid.Webhook), ConversationSID: c.SID, Target: "webhook",
		HookConfig: webhooks.HookConfig{URL: "https://example.com/hook", Method: "POST"}, Created: now, Updated: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Every table the copy takes has rows, so each is proven to copy.
	raw, err := sql.Open("sqlite3", filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	names, err := textColumn(ctx, raw, "SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		t.Fatal(err)
	}
	in.counts = map[string]int64{}
	var empty []string
	for _, name := range names {
		if skipped(name) {
			continue
		}
		var n int64
		if err := raw.QueryRow("SELECT count(*) FROM " + quote(name)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		in.counts[name] = n
		// Orphaned uploads are collected as soon as they are made; the
		// tables of a cluster's shared uploads and limits are PostgreSQL's
		// alone to fill.
		if n == 0 && name != "media_orphans" && !clusterTables[name] {
			empty = append(empty, name)
		}
	}
	if len(empty) > 0 {
		t.Fatalf("the test install has no rows in %v: give them some", empty)
	}
	return dir, in
}

// running is a started Parley; Close may be called more than once.
type running struct {
	*app.App
	once sync.Once
	err  error
}

func (r *running) Close() error {
	r.once.Do(func() { r.err = r.App.Close() })
	return r.err
}

// openApp starts Parley on dir, on SQLite or on the PostgreSQL database
// at database, and closes it when the test ends (if the test did not).
func openApp(t *testing.T, dir, database string) *running {
	t.Helper()
	a, err := app.Open(app.Config{
		DataDir: dir, Database: database, BaseURL: "http://127.0.0.1:1",
		AccountSID: testAccountSID, AuthToken: testAuthToken, Synchronous: "NORMAL",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		// The demo makes a webchat deployment, its address, agents and
		// their TaskRouter workspace.
		Demo: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &running{App: a}
	t.Cleanup(func() { r.Close() })
	return r
}

func exec(t *testing.T, database, stmt string) {
	t.Helper()
	db, err := sql.Open("pgx", database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func queryInt(t *testing.T, database, query string) int64 {
	t.Helper()
	db, err := sql.Open("pgx", database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }

// claimQueueText records a place-in-line text, its error alone.
func claimQueueText(ctx context.Context, db *store.DB, conversationSID string, now time.Time) error {
	_, err := store.NewChannels(db).ClaimQueueText(ctx, conversationSID, now, now.Add(-time.Minute),
		outbox.Job{SID: sid.New(sid.Delivery), Kind: "queue_text", Key: "send " + conversationSID, Payload: []byte(`{}`), Created: now})
	return err
}
