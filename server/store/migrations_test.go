package store

import (
	"context"
	"strings"
	"testing"
)

// SQLite only: migration 015 is SQLite's, and PostgreSQL's schema starts
// after it.
//
// An install from before opaque agent identities named each agent by its
// email everywhere. Reopened, every place that named the agent names its
// new identity, and nothing else that mentions the email changes.
func TestAgentIdentitiesMigrateFromEmails(t *testing.T) {
	db, path := mustOpen(t)
	ctx := context.Background()
	const agentSID = "UOABCDEF0123456789abcdef0123456789"
	const want = "agent_abcdef0123456789abcdef0123456789"
	old := []string{
		`INSERT INTO agents (sid, email, display_name, role, identity, workspace_sid, worker_sid, password_hash, date_created, date_updated)
			VALUES ('` + agentSID + `', 'ana@example.com', 'Ana', 'agent', 'ana@example.com', 'WS1', 'WK1', 'x', 0, 0)`,
		`INSERT INTO conversations (sid, account_sid, service_sid, state, date_created, date_updated) VALUES ('CH1', 'AC1', 'IS1', 'active', 0, 0)`,
		`INSERT INTO participants (sid, conversation_seq, identity, date_created, date_updated) VALUES ('MB1', 1, 'ana@example.com', 0, 0)`,
		`INSERT INTO participants (sid, conversation_seq, identity, date_created, date_updated) VALUES ('MB2', 1, 'guest_1', 0, 0)`,
		`INSERT INTO messages (conversation_seq, idx, sid, author, body, date_created, date_updated) VALUES (1, 0, 'IM1', 'ana@example.com', 'write to ana@example.com', 0, 0)`,
		`INSERT INTO users (sid, account_sid, service_sid, identity, date_created, date_updated) VALUES ('US1', 'AC1', 'IS1', 'ana@example.com', 0, 0)`,
		`INSERT INTO notes (sid, conversation_seq, author, author_name, body, date_created) VALUES ('NO1', 1, 'ana@example.com', 'Ana', 'n', 0)`,
		`INSERT INTO events (type, conversation_sid, target, data, created) VALUES ('participant_added', 'CH1', 'ana@example.com', '{"identity":"ana@example.com"}', 0)`,
		`INSERT INTO routing_objects (sid, kind, workspace_sid, body) VALUES ('WK1', 'worker', 'WS1',
			'{"sid":"WK1","friendly_name":"ana@example.com","attributes":"{\"contact_uri\":\"client:ana@example.com\",\"email\":\"ana@example.com\"}"}')`,
		`INSERT INTO interaction_objects (sid, kind, parent_sid, body) VALUES ('UT1', 'participant', 'UO1', '{"identity":"ana@example.com","type":"agent"}')`,
		`DELETE FROM schema_migrations WHERE name = '015_agent_identities.sql'`,
	}
	err := db.Write(ctx, func(q WriteTx) error {
		for _, stmt := range old {
			if _, err := q.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for query, wantValue := range map[string]string{
		"SELECT identity FROM agents":                                       want,
		"SELECT email FROM agents":                                          "ana@example.com",
		"SELECT identity FROM participants WHERE sid = 'MB1'":               want,
		"SELECT identity FROM participants WHERE sid = 'MB2'":               "guest_1",
		"SELECT author FROM messages":                                       want,
		"SELECT body FROM messages":                                         "write to ana@example.com",
		"SELECT identity FROM users":                                        want,
		"SELECT author FROM notes":                                          want,
		"SELECT target FROM events":                                         want,
		"SELECT data FROM events":                                           `{"identity":"` + want + `"}`,
		"SELECT body FROM interaction_objects":                              `{"identity":"` + want + `","type":"agent"}`,
		"SELECT json_extract(body, '$.friendly_name') FROM routing_objects": want,
		"SELECT json_extract(json_extract(body, '$.attributes'), '$.contact_uri') FROM routing_objects": "client:" + want,
		"SELECT json_extract(json_extract(body, '$.attributes'), '$.email') FROM routing_objects":       "ana@example.com",
	} {
		var got string
		if err := db.read.QueryRowContext(ctx, query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		if got != wantValue {
			t.Errorf("%s = %q, want %q", query, got, wantValue)
		}
	}
	if strings.Contains(want, "@") {
		t.Fatal("the new identity must not carry the email")
	}
}
