package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/server/agents"
	"parley/server/apperr"
	"parley/server/auth"
	"parley/server/canned"
	"parley/server/channels"
	"parley/server/conversations"
	"parley/server/interactions"
	"parley/server/media"
	"parley/server/notes"
	"parley/server/paging"
	"parley/server/routing"
	"parley/server/webchat"
	"parley/server/webhooks"
	"parley/shared/sid"
)

// The stores beside conversations, on every engine: each method keeps and
// returns what it is given, and the rules a store checks inside its write
// (unique values, limits) hold when requests race.

func isConflict(err error) bool { return apperr.Is(err, apperr.Conflict) }

// stamp is a time as the stores keep it: milliseconds, UTC.
var stamp = time.UnixMilli(1_770_000_000_123).UTC()

func address(typ, value string) channels.Address {
	return channels.Address{SID: sid.New(sid.Address), Type: typ, Address: value, FriendlyName: value,
		AutoCreation: channels.AutoCreation{Enabled: true, Type: "webhook", WebhookURL: "https://example.com"},
		Channel:      channels.Channel{Adapter: "simulator"}, Created: stamp, Updated: stamp}
}

func agent(email string) agents.Agent {
	return agents.Agent{SID: sid.New(sid.FlexUser), Email: email, DisplayName: "Ana", Role: agents.RoleAgent,
		Identity: "agent_" + sid.Key(), WorkspaceSID: "WS1", WorkerSID: sid.New(sid.Worker), PasswordHash: "hash",
		Created: stamp, Updated: stamp}
}

// Many requests making records that must be unique, or that a limit
// bounds, at once: as many win as the rule allows, the others get its
// conflict.
func TestRacingWritersKeepEachStoresRules(t *testing.T) {
	const racers = 16
	for _, c := range []struct {
		name     string
		winners  int
		write    func(ctx context.Context, db *DB, i int) error
		conflict func(db *DB, err error) bool
	}{
		{"canned titles, whatever their case", 1, func(ctx context.Context, db *DB, i int) error {
			title := "Refund Policy"
			if i%2 == 1 {
				title = strings.ToUpper(title)
			}
			_, err := NewCanned(db).InsertResponse(ctx, canned.Response{SID: sid.New(sid.CannedResponse), Title: title, Body: "b",
				Tags: []string{}, DateCreated: stamp, DateUpdated: stamp}, 100)
			return err
		}, func(_ *DB, err error) bool { return isConflict(err) }},
		{"the desk's limit of canned responses", 5, func(ctx context.Context, db *DB, i int) error {
			_, err := NewCanned(db).InsertResponse(ctx, canned.Response{SID: sid.New(sid.CannedResponse), Title: fmt.Sprint("r", i),
				Body: "b", DateCreated: stamp, DateUpdated: stamp}, 5)
			return err
		}, func(_ *DB, err error) bool { return isConflict(err) }},
		{"an address's type and value", 1, func(ctx context.Context, db *DB, i int) error {
			return NewChannels(db).InsertAddress(ctx, address("sms", "+15550100"))
		}, func(_ *DB, err error) bool { return isConflict(err) }},
		{"a webchat deployment's address", 1, func(ctx context.Context, db *DB, i int) error {
			return NewChannels(db).InsertDeployment(ctx, webchat.Deployment{Key: sid.Key(), IdentitySecret: "s", Created: stamp, Updated: stamp},
				address("web", "support.example.com"))
		}, func(_ *DB, err error) bool { return isConflict(err) }},
		// The agents service checks emails in memory, under its lock; the
		// store's unique rule is the last guard, and answers as the engine
		// does.
		{"an agent's email", 1, func(ctx context.Context, db *DB, i int) error {
			_, err := NewAgents(db).InsertAgent(ctx, agent("ana@example.com"))
			return err
		}, func(db *DB, err error) bool { return db.engine.unique(err) }},
		{"a conversation's limit of notes", 3, func(ctx context.Context, db *DB, i int) error {
			return NewNotes(db).AddNote(ctx, notes.Note{SID: sid.New(sid.Note), ConversationSID: "CH00000000000000000000000000000001",
				Author: "ana", AuthorName: "Ana", Body: fmt.Sprint(i), Created: stamp}, 3)
		}, func(_ *DB, err error) bool { return isConflict(err) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
				db, _ := open(t)
				ctx := context.Background()
				if err := NewConversations(db).Update(ctx, func(tx conversations.Tx) error {
					return tx.InsertConversation(conversations.Conversation{SID: "CH00000000000000000000000000000001", AccountSID: "AC1",
						ServiceSID: "IS1", Attributes: "{}", State: conversations.Active, LastMessageIndex: -1, Created: stamp, Updated: stamp})
				}); err != nil {
					t.Fatal(err)
				}
				errs := race(racers, func(i int) error { return c.write(ctx, db, i) })
				won := 0
				for _, err := range errs {
					switch {
					case err == nil:
						won++
					case !c.conflict(db, err):
						t.Errorf("a loser got %v (%T), want the rule's conflict", err, err)
					}
				}
				if won != c.winners {
					t.Errorf("%d of %d won, want %d", won, racers, c.winners)
				}
			})
		})
	}
}

// TestStoresKeepWhatTheyAreGiven writes, reads, changes and removes a
// record of every store, as the domain packages do.
func TestStoresKeepWhatTheyAreGiven(t *testing.T) {
	for _, c := range []struct {
		name string
		test func(t *testing.T, ctx context.Context, db *DB)
	}{
		{"api keys", testKeys},
		{"addresses", testAddresses},
		{"webchat deployments", testDeployments},
		{"agents", testAgents},
		{"canned responses", testCanned},
		{"notes", testNotes},
		{"interactions", testInteractions},
		{"routing", testRouting},
		{"webhooks", testWebhooks},
		{"media", testMedia},
		{"settings", testSettings},
	} {
		t.Run(c.name, func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
				db, _ := open(t)
				c.test(t, context.Background(), db)
			})
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !apperr.Is(err, apperr.NotFound) {
		t.Errorf("%s: %v, want NotFound", what, err)
	}
}

func testKeys(t *testing.T, ctx context.Context, db *DB) {
	s := NewKeys(db)
	var made []auth.Key
	for i := range 3 {
		k := auth.Key{SID: sid.New(sid.APIKey), FriendlyName: fmt.Sprint("key ", i), Secret: "secret", Created: stamp, Updated: stamp}
		must(t, s.InsertKey(ctx, k))
		made = append(made, k)
	}
	got, err := s.Key(ctx, made[0].SID)
	if err != nil || got.FriendlyName != "key 0" || got.Secret != "secret" || !got.Created.Equal(stamp) {
		t.Errorf("key reads %+v, %v", got, err)
	}
	made[0].FriendlyName, made[0].Updated = "renamed", stamp.Add(time.Second)
	must(t, s.UpdateKey(ctx, made[0]))
	if got, _ := s.Key(ctx, made[0].SID); got.FriendlyName != "renamed" || !got.Updated.Equal(stamp.Add(time.Second)) {
		t.Errorf("updated key reads %+v", got)
	}
	page, err := s.Keys(ctx, paging.Request{Size: 2})
	if err != nil || len(page.Items) != 2 || page.Items[0].SID != made[0].SID || !page.HasNext {
		t.Errorf("first page of keys %+v, %v", page, err)
	}
	must(t, s.DeleteKey(ctx, made[1].SID))
	_, err = s.Key(ctx, made[1].SID)
	wantNotFound(t, "a deleted key", err)
	page, _ = s.Keys(ctx, paging.Request{})
	if len(page.Items) != 2 || page.Items[1].SID != made[2].SID {
		t.Errorf("keys after a delete: %+v", page.Items)
	}
}

func testAddresses(t *testing.T, ctx context.Context, db *DB) {
	s := NewChannels(db)
	sms, wa := address("sms", "+15550100"), address("whatsapp", "whatsapp:+15550100")
	must(t, s.InsertAddress(ctx, sms))
	must(t, s.InsertAddress(ctx, wa))
	got, err := s.Address(ctx, sms.SID)
	if err != nil || got.Address != "+15550100" || !got.AutoCreation.Enabled || got.AutoCreation.WebhookURL != "https://example.com" ||
		got.Channel.Adapter != "simulator" || !got.Created.Equal(stamp) {
		t.Errorf("address reads %+v, %v", got, err)
	}
	if got, err := s.AddressByValue(ctx, "whatsapp", "whatsapp:+15550100"); err != nil || got.SID != wa.SID {
		t.Errorf("by value: %+v, %v", got, err)
	}
	_, err = s.AddressByValue(ctx, "sms", "whatsapp:+15550100")
	wantNotFound(t, "another type's value", err)
	if page, err := s.Addresses(ctx, "sms", paging.Request{}); err != nil || len(page.Items) != 1 || page.Items[0].SID != sms.SID {
		t.Errorf("sms addresses %+v, %v", page.Items, err)
	}
	if page, err := s.Addresses(ctx, "", paging.Request{}); err != nil || len(page.Items) != 2 {
		t.Errorf("all addresses %+v, %v", page.Items, err)
	}
	sms.FriendlyName, sms.Country, sms.AutoCreation.Enabled = "Support line", "US", false
	must(t, s.UpdateAddress(ctx, sms))
	if got, _ := s.Address(ctx, sms.SID); got.FriendlyName != "Support line" || got.Country != "US" || got.AutoCreation.Enabled {
		t.Errorf("updated address reads %+v", got)
	}
	must(t, s.DeleteAddress(ctx, sms.SID))
	_, err = s.Address(ctx, sms.SID)
	wantNotFound(t, "a deleted address", err)
	must(t, s.InsertAddress(ctx, address("sms", "+15550100"))) // its value is free again
}

func testDeployments(t *testing.T, ctx context.Context, db *DB) {
	s := NewChannels(db)
	d := webchat.Deployment{Key: sid.Key(), FriendlyName: "Site", AllowedOrigins: []string{"https://shop.example"},
		Form: []webchat.Field{{Name: "friendlyName", Label: "Name"}}, WelcomeMessage: "Hi", Theme: webchat.Theme{Color: "#112233"},
		Locale: "fr", IdentitySecret: "secret", Created: stamp, Updated: stamp}
	a := address("web", "shop.example")
	must(t, s.InsertDeployment(ctx, d, a))
	got, err := s.Deployment(ctx, d.Key)
	if err != nil || got.AddressSID != a.SID || got.FriendlyName != "Site" || !slices.Equal(got.AllowedOrigins, d.AllowedOrigins) ||
		len(got.Form) != 1 || got.Theme.Color != "#112233" || got.Locale != "fr" || got.IdentitySecret != "secret" {
		t.Errorf("deployment reads %+v, %v", got, err)
	}
	if got, err := s.DeploymentByAddress(ctx, a.SID); err != nil || got.Key != d.Key {
		t.Errorf("by address: %+v, %v", got, err)
	}
	d.WelcomeMessage, d.IdentitySecret = "Hello", "rotated"
	must(t, s.UpdateDeployment(ctx, d))
	if got, _ := s.Deployment(ctx, d.Key); got.WelcomeMessage != "Hello" || got.IdentitySecret != "rotated" {
		t.Errorf("updated deployment reads %+v", got)
	}
	if page, err := s.Deployments(ctx, paging.Request{}); err != nil || len(page.Items) != 1 {
		t.Errorf("deployments %+v, %v", page.Items, err)
	}
	d.AddressSID = a.SID
	must(t, s.DeleteDeployment(ctx, d))
	_, err = s.Deployment(ctx, d.Key)
	wantNotFound(t, "a deleted deployment", err)
	_, err = s.Address(ctx, a.SID)
	wantNotFound(t, "a deleted deployment's address", err)
	_, err = s.DeploymentByAddress(ctx, a.SID)
	wantNotFound(t, "the deployment of a deleted address", err)
}

func testAgents(t *testing.T, ctx context.Context, db *DB) {
	s := NewAgents(db)
	ana, ben := agent("ana@example.com"), agent("ben@example.com")
	seqA, err := s.InsertAgent(ctx, ana)
	must(t, err)
	seqB, err := s.InsertAgent(ctx, ben)
	must(t, err)
	if seqB <= seqA {
		t.Errorf("storage order %d then %d", seqA, seqB)
	}
	ana.Email, ana.Role, ana.Generation, ana.Updated = "ana@example.org", agents.RoleAdmin, 3, stamp.Add(time.Minute)
	must(t, s.UpdateAgent(ctx, ana))
	must(t, s.DeleteAgent(ctx, ben.SID))
	all, err := s.Agents(ctx)
	if err != nil || len(all) != 1 {
		t.Fatalf("agents %+v, %v", all, err)
	}
	if a := all[0]; a.Seq != seqA || a.Email != "ana@example.org" || a.Role != agents.RoleAdmin || a.Generation != 3 ||
		a.Identity != ana.Identity || a.WorkerSID != ana.WorkerSID || a.PasswordHash != "hash" || !a.Updated.Equal(stamp.Add(time.Minute)) {
		t.Errorf("agent reads %+v", a)
	}
	_, err = s.InsertAgent(ctx, agent("ben@example.com")) // ben's email is free again
	must(t, err)
}

func testCanned(t *testing.T, ctx context.Context, db *DB) {
	s := NewCanned(db)
	mk := func(title string) canned.Response {
		return canned.Response{SID: sid.New(sid.CannedResponse), Title: title, Body: "Body of " + title, Tags: []string{"billing"},
			CreatedBy: "ana", DateCreated: stamp, DateUpdated: stamp}
	}
	hello, bye := mk("Hello"), mk("Bye")
	_, err := s.InsertResponse(ctx, hello, 10)
	must(t, err)
	_, err = s.InsertResponse(ctx, bye, 10)
	must(t, err)
	got, err := s.Response(ctx, hello.SID)
	if err != nil || got.Title != "Hello" || !slices.Equal(got.Tags, []string{"billing"}) || got.CreatedBy != "ana" {
		t.Errorf("response reads %+v, %v", got, err)
	}
	// Its own title in another case is no conflict; another's is.
	if got, err := s.UpdateResponse(ctx, hello.SID, func(r *canned.Response) error { r.Title = "HELLO"; return nil }); err != nil || got.Title != "HELLO" {
		t.Errorf("recasing its own title: %+v, %v", got, err)
	}
	if _, err := s.UpdateResponse(ctx, hello.SID, func(r *canned.Response) error { r.Title = "bye"; return nil }); !isConflict(err) {
		t.Errorf("taking another's title: %v, want a conflict", err)
	}
	refused := errors.New("refused")
	if _, err := s.UpdateResponse(ctx, hello.SID, func(r *canned.Response) error { r.Body = "lost"; return refused }); !errors.Is(err, refused) {
		t.Errorf("a change that fails: %v", err)
	}
	if got, _ := s.Response(ctx, hello.SID); got.Title != "HELLO" || got.Body != "Body of Hello" {
		t.Errorf("after a refused and a failed change the response reads %+v", got)
	}
	page, err := s.Responses(ctx, paging.Request{Size: 1})
	if err != nil || len(page.Items) != 1 || page.Items[0].SID != hello.SID || !page.HasNext {
		t.Errorf("first page %+v, %v", page, err)
	}
	must(t, s.DeleteResponse(ctx, hello.SID))
	wantNotFound(t, "deleting it again", s.DeleteResponse(ctx, hello.SID))
	_, err = s.Response(ctx, hello.SID)
	wantNotFound(t, "a deleted response", err)
	_, err = s.UpdateResponse(ctx, hello.SID, func(*canned.Response) error { return nil })
	wantNotFound(t, "changing a deleted response", err)
	_, err = s.InsertResponse(ctx, mk("hello"), 10) // its title is free again
	must(t, err)
}

func testNotes(t *testing.T, ctx context.Context, db *DB) {
	svc := newService(db)
	conv, err := svc.CreateConversation(ctx, conversations.ConversationParams{})
	must(t, err)
	s := NewNotes(db)
	for i := range 3 {
		must(t, s.AddNote(ctx, notes.Note{SID: sid.New(sid.Note), ConversationSID: conv.SID, Author: "ana", AuthorName: "Ana",
			Body: fmt.Sprint("note ", i), Created: stamp.Add(time.Duration(i) * time.Second)}, 10))
	}
	got, err := s.Notes(ctx, conv.SID)
	if err != nil || len(got) != 3 || got[0].Body != "note 0" || got[2].Body != "note 2" || got[1].AuthorName != "Ana" ||
		!got[1].Created.Equal(stamp.Add(time.Second)) || got[0].ConversationSID != conv.SID {
		t.Errorf("notes %+v, %v", got, err)
	}
	wantNotFound(t, "a note on no conversation", s.AddNote(ctx, notes.Note{SID: sid.New(sid.Note),
		ConversationSID: "CH00000000000000000000000000000009", Author: "ana", Body: "x", Created: stamp}, 10))
	if got, err := s.Notes(ctx, "CH00000000000000000000000000000009"); err != nil || got == nil || len(got) != 0 {
		t.Errorf("notes of no conversation: %#v, %v; want an empty list", got, err)
	}
}

func testInteractions(t *testing.T, ctx context.Context, db *DB) {
	s := NewInteractions(db)
	must(t, s.Put(ctx,
		interactions.Object{Kind: "interaction", SID: "KD1", Body: []byte(`{"v":1}`)},
		interactions.Object{Kind: "channel", SID: "UO2", Parent: "KD1", Body: []byte(`{"c":2}`)},
		interactions.Object{Kind: "channel", SID: "UO1", Parent: "KD1", Body: []byte(`{"c":1}`)},
		interactions.Object{Kind: "invite", SID: "KG1", Parent: "KD1", Body: []byte(`{}`)},
	))
	must(t, s.Put(ctx, interactions.Object{Kind: "interaction", SID: "KD1", Body: []byte(`{"v":2}`)}))
	if body, found, err := s.Get(ctx, "interaction", "KD1"); err != nil || !found || string(body) != `{"v":2}` {
		t.Errorf("get: %s %v %v", body, found, err)
	}
	if _, found, err := s.Get(ctx, "channel", "KD1"); err != nil || found {
		t.Errorf("get of another kind: found=%v %v", found, err)
	}
	kids, err := s.Children(ctx, "KD1", "channel")
	if err != nil || len(kids) != 2 || string(kids[0]) != `{"c":2}` || string(kids[1]) != `{"c":1}` {
		t.Errorf("children %q, %v; want them in the order they were made", kids, err)
	}
	if kids, err := s.Children(ctx, "KD9", "channel"); err != nil || len(kids) != 0 {
		t.Errorf("children of nothing %q, %v", kids, err)
	}
}

func testRouting(t *testing.T, ctx context.Context, db *DB) {
	s := NewRouting(db)
	rec := func(kind, sid, body string) routing.Record {
		return routing.Record{Kind: kind, SID: sid, WorkspaceSID: "WS1", Body: []byte(body)}
	}
	must(t, s.SaveRouting(ctx, []routing.Record{rec("workspace", "WS1", "w"), rec("worker", "WK1", "ana"), rec("worker", "WK2", "ben")}, nil))
	pending := s.QueueRouting([]routing.Record{rec("worker", "WK1", "ana, busy"), rec("queue", "WQ1", "q")}, []string{"WK2"})
	must(t, pending.Wait())
	got, err := s.LoadRouting(ctx)
	var lines []string
	for _, r := range got {
		lines = append(lines, r.Kind+" "+r.SID+" "+r.WorkspaceSID+" "+string(r.Body))
	}
	want := []string{"workspace WS1 WS1 w", "worker WK1 WS1 ana, busy", "queue WQ1 WS1 q"}
	if err != nil || !slices.Equal(lines, want) {
		t.Errorf("routing loads %q, %v; want %q: a changed object keeps its place", lines, err, want)
	}
}

func testWebhooks(t *testing.T, ctx context.Context, db *DB) {
	s := NewWebhooks(db)
	if _, ok, err := s.Config(ctx); err != nil || ok {
		t.Errorf("config before any save: ok=%v, %v", ok, err)
	}
	cfg := webhooks.Config{Method: "POST", Filters: []string{"onMessageAdded"}, PostURL: "https://example.com/post", Target: "webhook"}
	must(t, s.SaveConfig(ctx, cfg))
	if got, ok, err := s.Config(ctx); err != nil || !ok || got.PostURL != cfg.PostURL || !slices.Equal(got.Filters, cfg.Filters) {
		t.Errorf("config reads %+v %v %v", got, ok, err)
	}
	conv, err := newService(db).CreateConversation(ctx, conversations.ConversationParams{})
	must(t, err)
	h := webhooks.Hook{SID: sid.New(sid.Webhook), ConversationSID: conv.SID, Target: "webhook",
		HookConfig: webhooks.HookConfig{URL: "https://example.com/a", Method: "POST", Filters: []string{"onMessageAdded"}}, Created: stamp, Updated: stamp}
	h.Key, err = s.InsertHook(ctx, h)
	must(t, err)
	other := h
	other.SID, other.Target, other.HookConfig = sid.New(sid.Webhook), "trigger", webhooks.HookConfig{Triggers: []string{"help"}, URL: "https://example.com/b"}
	other.Key, err = s.InsertHook(ctx, other)
	must(t, err)
	h.URL, h.Updated = "https://example.com/changed", stamp.Add(time.Second)
	must(t, s.UpdateHook(ctx, h))
	all, err := s.AllHooks(ctx)
	if err != nil || len(all) != 2 || all[0].Key != h.Key || all[0].URL != "https://example.com/changed" || !all[0].Updated.Equal(h.Updated) ||
		all[1].Target != "trigger" || !slices.Equal(all[1].Triggers, []string{"help"}) || all[1].ConversationSID != conv.SID {
		t.Errorf("hooks %+v, %v", all, err)
	}
	must(t, s.DeleteHook(ctx, h.SID))
	if all, _ := s.AllHooks(ctx); len(all) != 1 || all[0].SID != other.SID {
		t.Errorf("hooks after a delete %+v", all)
	}
}

func testMedia(t *testing.T, ctx context.Context, db *DB) {
	s := NewMedia(db)
	m := media.Media{SID: sid.New(sid.Media), Hash: "abc", Size: 42, ContentType: "image/png", Filename: "a.png", Author: "ana",
		Created: stamp, Updated: stamp}
	refused := errors.New("no room for the blob")
	if err := s.InsertMedia(ctx, m, func() error { return refused }); !errors.Is(err, refused) {
		t.Errorf("a blob that cannot be placed: %v", err)
	}
	_, err := s.Media(ctx, m.SID)
	wantNotFound(t, "media whose blob was not placed", err)
	placed := false
	must(t, s.InsertMedia(ctx, m, func() error { placed = true; return nil }))
	got, err := s.Media(ctx, m.SID)
	if err != nil || !placed || got.Hash != "abc" || got.Size != 42 || got.Filename != "a.png" || got.Author != "ana" ||
		got.MessageSID != "" || !got.Created.Equal(stamp) {
		t.Errorf("media reads %+v, %v (placed %v)", got, err, placed)
	}
	if f, err := NewConversations(db).MediaFile(ctx, m.SID); err != nil || f.ContentType != "image/png" || f.Size != 42 {
		t.Errorf("as a conversation's file: %+v, %v", f, err)
	}
	if used, err := s.Hashes(ctx); err != nil || !used["abc"] || len(used) != 1 {
		t.Errorf("hashes %v, %v", used, err)
	}
	must(t, s.DeleteMedia(ctx, m.SID))
	var removed []string
	must(t, s.CollectOrphans(ctx, func(h string) { removed = append(removed, h) }))
	if !slices.Equal(removed, []string{"abc"}) {
		t.Errorf("collected %v, want [abc]", removed)
	}
	removed = nil
	must(t, s.CollectOrphans(ctx, func(h string) { removed = append(removed, h) }))
	if len(removed) != 0 {
		t.Errorf("collected %v a second time", removed)
	}
	svc := newService(db)
	conv, err := svc.CreateConversation(ctx, conversations.ConversationParams{})
	must(t, err)
	_, err = svc.AddParticipant(ctx, conv.SID, conversations.ParticipantParams{Identity: ptr("ana")})
	must(t, err)
	for _, c := range []struct {
		who  string
		want bool
	}{{"ana", true}, {"ben", false}} {
		if got, err := s.Participates(ctx, c.who, conv.SID); err != nil || got != c.want {
			t.Errorf("%s participates: %v, %v", c.who, got, err)
		}
	}
}

func testSettings(t *testing.T, ctx context.Context, db *DB) {
	if v, err := db.Setting(ctx, "greeting"); err != nil || v != "" {
		t.Errorf("an unset setting reads %q, %v", v, err)
	}
	must(t, db.SetSetting(ctx, "greeting", "hello"))
	must(t, db.SetSetting(ctx, "greeting", "bonjour"))
	if v, err := db.SetSettingIfUnset(ctx, "greeting", "hola"); err != nil || v != "bonjour" {
		t.Errorf("SetSettingIfUnset over a set value: %q, %v", v, err)
	}
	if v, err := db.SetSettingIfUnset(ctx, "other", "hola"); err != nil || v != "hola" {
		t.Errorf("SetSettingIfUnset: %q, %v", v, err)
	}
}

// Text PostgreSQL cannot hold (a NUL character, bytes that are not UTF-8)
// is refused alike on every engine, as the caller's mistake, and nothing
// of the write is kept; SQLite would have stored it and PostgreSQL failed
// with an internal error.
func TestTextNoEngineCanHoldIsRefusedAlike(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(testing.TB) (*DB, string)) {
		db, _ := open(t)
		svc := newService(db)
		ctx := context.Background()
		conv, err := svc.CreateConversation(ctx, conversations.ConversationParams{})
		must(t, err)
		for _, c := range []struct {
			name  string
			write func() error
		}{
			{"a body with a NUL", func() error {
				_, err := svc.SendMessage(ctx, conv.SID, conversations.MessageParams{Author: ptr("ana"), Body: ptr("a\x00b")})
				return err
			}},
			{"a body that is not UTF-8", func() error {
				_, err := svc.SendMessage(ctx, conv.SID, conversations.MessageParams{Author: ptr("ana"), Body: ptr("a\xffb")})
				return err
			}},
			{"an idempotency key with a NUL", func() error {
				_, err := svc.SendMessage(ctx, conv.SID, conversations.MessageParams{Author: ptr("ana"), Body: ptr("b"), IdempotencyKey: "k\x00"})
				return err
			}},
			{"a note with a NUL", func() error {
				return NewNotes(db).AddNote(ctx, notes.Note{SID: sid.New(sid.Note), ConversationSID: conv.SID, Author: "ana", Body: "\x00", Created: stamp}, 10)
			}},
			{"a canned title with a NUL", func() error {
				_, err := NewCanned(db).InsertResponse(ctx, canned.Response{SID: sid.New(sid.CannedResponse), Title: "t\x00", Body: "b",
					DateCreated: stamp, DateUpdated: stamp}, 10)
				return err
			}},
		} {
			if err := c.write(); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%s: %v, want it refused as invalid", c.name, err)
			}
		}
		if got := indexes(t, svc, conv.SID); len(got) != 0 {
			t.Errorf("messages %v were stored", got)
		}
		if ns, _ := NewNotes(db).Notes(ctx, conv.SID); len(ns) != 0 {
			t.Errorf("notes %v were stored", ns)
		}
		if page, _ := NewCanned(db).Responses(ctx, paging.Request{}); len(page.Items) != 0 {
			t.Errorf("responses %v were stored", page.Items)
		}
	})
}
