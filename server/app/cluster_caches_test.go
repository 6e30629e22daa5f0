package app

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"parley/server/cluster/natstest"
	"parley/server/store/pgtest"
	proto "parley/shared/realtime"
)

// These tests attack what one node of a cluster keeps in memory: each
// changes something through node A and looks for it through node B, two
// in-process nodes sharing one PostgreSQL database and one real NATS
// server. Nodes tell each other of changes asynchronously, so each waits
// for what it looks for, within a deadline.

// clusterOf is where a test's nodes meet: one database, one NATS server.
type clusterOf struct {
	database, nats string
}

// newCluster makes an empty database and starts NATS for nodes to share;
// without PARLEY_TEST_DATABASE the test skips.
func newCluster(t *testing.T) clusterOf {
	t.Helper()
	if !pgtest.Available() {
		t.Skip("a cluster needs PostgreSQL: run with scripts/with-postgres")
	}
	return clusterOf{database: pgtest.Database(t), nats: natstest.Start(t).URL}
}

// node starts one more node, with its own data directory.
func (c clusterOf) node(t *testing.T) *testServer {
	t.Helper()
	return startServerWith(t, func(cfg *Config) {
		cfg.GuestLimits = startServerLimits
		cfg.Database, cfg.NATS = c.database, c.nats
	})
}

// knowsAgent reports whether s serves the agent: its memory has it.
func (s *testServer) knowsAgent(t *testing.T, agentSID string) bool {
	return s.get(t, "/parley/v1/Agents/"+agentSID).status == http.StatusOK
}

// An agent an admin made through one node signs in through another.
func TestAnAgentMadeOnOneNodeSignsInOnAnother(t *testing.T) {
	c := newCluster(t)
	a, b := c.node(t), c.node(t)
	ana := a.mustCreateAgent(t, "ana@example.com", "agent")
	eventually(t, func() bool { return b.knowsAgent(t, ana.SID) },
		func() string { return "node B never heard of the agent node A made" })
	desk := b.mustSignIn(t, ana)
	desk.mustCall(t, "GET", "/parley/v1/CannedResponses", nil, nil)
}

// An agent who signs out on one node is out on every node: the old token
// is refused by another node's REST, and the desk socket it opened there
// closes as revoked. So is one whose password changes.
func TestAnAgentSignedOutOnOneNodeIsOutOnEveryNode(t *testing.T) {
	c := newCluster(t)
	a := c.node(t)
	ana := a.mustCreateAgent(t, "ana@example.com", "agent")
	b := c.node(t) // loads Ana as it starts: what follows is news to it

	desk := a.mustSignIn(t, ana)
	onB := b.deskWith(ana, desk.token)
	onB.mustCall(t, "GET", "/parley/v1/CannedResponses", nil, nil)
	w, _ := b.connect(t, desk.token, nil)
	desk.mustCall(t, "POST", "/parley/v1/Desktop/SignOut", nil, nil)
	wantRevoked(t, w, "signing out on node A", proto.CloseRevoked, http.StatusUnauthorized)
	onB.wantRefused(t, http.StatusUnauthorized, "GET", "/parley/v1/CannedResponses", nil)

	desk = b.mustSignIn(t, ana)
	w, _ = b.connect(t, desk.token, nil)
	a.postForm(t, "/parley/v1/Agents/"+ana.SID, url.Values{"Password": {agentPassword + "!"}})
	wantRevoked(t, w, "a new password set on node A", proto.CloseRevoked, http.StatusUnauthorized)
	if r := b.signIn(t, ana.Email, agentPassword); r.status != http.StatusUnauthorized {
		t.Errorf("node B let the agent sign in with the old password: %d %s", r.status, r.text)
	}
}

// The account's Conversations configuration changed through one node is
// what every node serves, and gives conversations made there.
func TestAConfigurationChangedOnOneNodeIsServedByAnother(t *testing.T) {
	c := newCluster(t)
	a, b := c.node(t), c.node(t)
	if r := a.postForm(t, "/conversations/v1/Configuration", url.Values{"DefaultInactiveTimer": {"PT7M"}}); r.status != http.StatusOK {
		t.Fatalf("configure on A: %d %s", r.status, r.text)
	}
	eventually(t, func() bool {
		return b.get(t, "/conversations/v1/Configuration").json["default_inactive_timer"] == "PT7M"
	},
		func() string { return "node B serves " + b.get(t, "/conversations/v1/Configuration").text })
	conv := mustCreateConversation(t, b.tw, "made on B")
	if got := object(conv.Timers)["date_inactive"]; got == nil {
		t.Errorf("a conversation made on node B has no inactive timer: %v", object(conv.Timers))
	}
}

// Webhook settings changed through one node are what another node posts
// by: the service's post-event URL, and a conversation's own webhook.
func TestWebhooksChangedOnOneNodeArePostedByAnother(t *testing.T) {
	c := newCluster(t)
	a, b := c.node(t), c.node(t)
	service, scoped := startReceiver(t, testAuthToken), startReceiver(t, testAuthToken)
	if r := a.postForm(t, "/conversations/v1/Configuration/Webhooks",
		url.Values{"PostWebhookUrl": {service.URL}, "Filters": {"onMessageAdded"}}); r.status != http.StatusOK {
		t.Fatalf("set webhooks on A: %d %s", r.status, r.text)
	}
	conv := str(mustCreateConversation(t, a.tw, "orders").Sid)
	if r := a.postForm(t, "/conversations/v1/Conversations/"+conv+"/Webhooks", url.Values{"Target": {"webhook"},
		"Configuration.Url": {scoped.URL}, "Configuration.Filters": {"onMessageAdded"}}); r.status != http.StatusCreated {
		t.Fatalf("add a conversation's webhook on A: %d %s", r.status, r.text)
	}
	eventually(t, func() bool {
		hooks, _ := b.get(t, "/conversations/v1/Conversations/"+conv+"/Webhooks").json["webhooks"].([]any)
		return b.get(t, "/conversations/v1/Configuration/Webhooks").json["post_webhook_url"] == service.URL && len(hooks) == 1
	}, func() string { return "node B does not serve the webhooks set on node A" })
	b.sendWithWebhooks(t, conv, "sent through B")
	for name, rc := range map[string]*receiver{"the service's": service, "the conversation's": scoped} {
		eventually(t, func() bool { return slices.Contains(rc.events(), "onMessageAdded sent through B") },
			func() string { return name + " webhook never heard of the message sent through node B" })
	}
}

// Access deleted through one node closes the sockets it opened on
// another: an API key's tokens, a webchat deployment's visitors.
func TestAccessDeletedOnOneNodeClosesSocketsOnAnother(t *testing.T) {
	c := newCluster(t)
	a, b := c.node(t), c.node(t)
	keySID, signed := a.keyedToken(t, "alice")
	keyed, _ := b.connect(t, signed, nil)
	if err := a.tw.Api.DeleteKey(keySID, (&api.DeleteKeyParams{}).SetPathAccountSid(a.accountSID)); err != nil {
		t.Fatal(err)
	}
	wantRevoked(t, keyed, "a key deleted on node A", proto.CloseRevoked, http.StatusUnauthorized)

	d := a.createDeployment(t, nil)
	r := b.guest(t, "/flex/v2/Webchat/Init", "", startChat(d.Key, "Ada", "Hi"))
	if r.status != http.StatusOK {
		t.Fatalf("init on B: %d %s", r.status, r.text)
	}
	visitor, _ := b.connect(t, r.json["token"].(string), nil)
	if r := a.do(t, rawRequest{method: http.MethodDelete, path: "/parley/v1/Deployments/" + d.Key}); r.status != http.StatusNoContent {
		t.Fatalf("delete the deployment on A: %d %s", r.status, r.text)
	}
	wantRevoked(t, visitor, "a deployment deleted on node A", proto.CloseRevoked, http.StatusUnauthorized)
}

// An agent signed out while NATS was away, through a node that then
// stopped with the news unsent, is out on every node once NATS is back:
// the other nodes read what they keep again when their link returns.
func TestAnAgentSignedOutWhileNATSWasAwayIsOutOnEveryNodeWhenItReturns(t *testing.T) {
	nodes, ns := startNodes(t, 2)
	a, b := nodes[0], nodes[1]
	ana := a.mustCreateAgent(t, "ana@example.com", "agent")
	eventually(t, func() bool { return b.knowsAgent(t, ana.SID) }, func() string { return "node B never heard of the agent" })
	desk := a.mustSignIn(t, ana)
	onB := b.deskWith(ana, desk.token)
	onB.mustCall(t, "GET", "/parley/v1/CannedResponses", nil, nil)

	ns.Stop()
	desk.mustCall(t, "POST", "/parley/v1/Desktop/SignOut", nil, nil)
	a.stop()
	ns.Restart()
	eventually(t, func() bool {
		status, _ := onB.call("GET", "/parley/v1/CannedResponses", nil, nil)
		return status == http.StatusUnauthorized
	}, func() string { return "node B still takes the token of an agent signed out while NATS was away" })
}

// An API key or a webchat deployment deleted while NATS was away, through
// a node that then stopped with the news unsent, closes the sockets it
// opened on every node once NATS is back: a socket authenticated once, so
// without this a stolen key's socket stayed open, on the nodes that never
// heard, until its token expired.
func TestAccessDeletedWhileNATSWasAwayClosesSocketsOnEveryNodeWhenItReturns(t *testing.T) {
	nodes, ns := startNodes(t, 2)
	a, b := nodes[0], nodes[1]
	keySID, signed := a.keyedToken(t, "alice")
	keyed, _ := b.connect(t, signed, nil)
	d := a.createDeployment(t, nil)
	r := b.guest(t, "/flex/v2/Webchat/Init", "", startChat(d.Key, "Ada", "Hi"))
	if r.status != http.StatusOK {
		t.Fatalf("init on B: %d %s", r.status, r.text)
	}
	visitor, _ := b.connect(t, r.json["token"].(string), nil)
	// A session of what stays (Parley's own key, another deployment) must
	// stay open.
	other := a.createDeployment(t, nil)
	r = b.guest(t, "/flex/v2/Webchat/Init", "", startChat(other.Key, "Bo", "Hi"))
	if r.status != http.StatusOK {
		t.Fatalf("init on B: %d %s", r.status, r.text)
	}
	stays, _ := b.connect(t, r.json["token"].(string), nil)

	ns.Stop()
	if err := a.tw.Api.DeleteKey(keySID, (&api.DeleteKeyParams{}).SetPathAccountSid(a.accountSID)); err != nil {
		t.Fatal(err)
	}
	if r := a.do(t, rawRequest{method: http.MethodDelete, path: "/parley/v1/Deployments/" + d.Key}); r.status != http.StatusNoContent {
		t.Fatalf("delete the deployment on A: %d %s", r.status, r.text)
	}
	a.stop()
	ns.Restart()
	eventually(t, func() bool { return b.app.node.Ready() == nil }, func() string { return "node B never found NATS again" })
	wantRevoked(t, keyed, "a key deleted while NATS was away", proto.CloseRevoked, http.StatusUnauthorized)
	wantRevoked(t, visitor, "a deployment deleted while NATS was away", proto.CloseRevoked, http.StatusUnauthorized)
	select {
	case <-stays.closed:
		t.Errorf("a visitor of a deployment still there was closed too: %d %q", stays.status, stays.reason)
	case <-time.After(500 * time.Millisecond):
	}
}
