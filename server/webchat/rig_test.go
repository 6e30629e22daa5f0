package webchat_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/server/apperr"
	"parley/server/auth"
	"parley/server/channels"
	"parley/server/conversations"
	"parley/server/store"
	"parley/server/webchat"
)

// These tests run webchat over the real services it stands on
// (conversations, tokens, addresses and the deployments' store) on a temp
// SQLite file: each is cheap, so nothing is faked but the clock, which
// the test moves by hand.

const (
	accountSID = "AC00000000000000000000000000000001"
	serviceSID = "IS00000000000000000000000000000001"
	self       = "https://parley.example.net" // the server's own origin
)

// rig is a webchat service and what a test looks at behind it.
type rig struct {
	t    *testing.T
	ctx  context.Context
	svc  *webchat.Service
	conv *conversations.Service
	auth *auth.Service
	// addresses are the account's addresses, in the deployments' store.
	addresses *channels.Service
	now       time.Time

	mu      sync.Mutex
	started []string // conversation SIDs handed to routing, in order
}

// newRig opens the services on a fresh store at a Wednesday 10:00 UTC
// (11:00 in Paris).
func newRig(t *testing.T) *rig {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "parley.db"), store.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := &rig{t: t, ctx: context.Background(), now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return r.now }
	r.conv = conversations.NewService(store.NewConversations(db), accountSID, serviceSID)
	r.auth = auth.NewService(store.NewKeys(db), accountSID, serviceSID,
		auth.Key{SID: "SK00000000000000000000000000000001", FriendlyName: "Parley", Secret: auth.NewSecret()})
	deployments := store.NewChannels(db)
	r.addresses = channels.NewService(deployments, accountSID)
	r.svc = webchat.NewService(deployments, r.addresses, r.conv, r.auth, self)
	r.conv.Now, r.auth.Now, r.svc.Now = clock, clock, clock
	r.svc.Held = deployments
	r.auth.CheckGuest = r.svc.CheckGuest
	r.svc.Started = func(_ context.Context, _ webchat.Deployment, c conversations.Conversation) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.started = append(r.started, c.SID)
		return nil
	}
	return r
}

// routed are the chats handed to routing so far.
func (r *rig) routed() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string{}, r.started...)
}

// deployment makes a deployment with p's settings.
func (r *rig) deployment(p webchat.DeploymentParams) webchat.Deployment {
	r.t.Helper()
	d, err := r.svc.CreateDeployment(r.ctx, p)
	if err != nil {
		r.t.Fatal(err)
	}
	return d
}

// init starts a chat the way the default form's widget does.
func (r *rig) init(d webchat.Deployment, name, question string) webchat.Chat {
	r.t.Helper()
	c, err := r.svc.Init(r.ctx, webchat.InitParams{DeploymentKey: d.Key, Origin: self,
		PreEngagementData: answers("friendlyName", name, "question", question)})
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

// thread is the conversation's messages as "author: body" lines.
func (r *rig) thread(conversationSID string) []string {
	r.t.Helper()
	page, err := r.conv.Messages(r.ctx, conversationSID, conversations.Ascending, conversations.PageRequest{Size: 50})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, m := range page.Items {
		out = append(out, m.Author+": "+m.Body)
	}
	return out
}

// attrs are a conversation's attributes.
func (r *rig) attrs(conversationSID string) map[string]any {
	r.t.Helper()
	c, err := r.conv.Conversation(r.ctx, conversationSID)
	if err != nil {
		r.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(c.Attributes), &m); err != nil {
		r.t.Fatal(err)
	}
	return m
}

// answers is a pre-engagement JSON object of name, value pairs.
func answers(kv ...string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func ptr[T any](v T) *T { return &v }

// wantRefused fails unless err is an apperr of kind, saying every part of
// why.
func wantRefused(t *testing.T, err error, kind apperr.Kind, why ...string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("got %v, want a %v refusal saying %q", err, kind, why)
	}
	if e.Kind != kind {
		t.Fatalf("got a %v refusal (%q), want %v", e.Kind, e.Message, kind)
	}
	for _, w := range why {
		if !strings.Contains(e.Message, w) {
			t.Fatalf("refusal %q does not say %q", e.Message, w)
		}
	}
}
