package app

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"parley/server/cluster/natstest"
	"parley/server/interactions"
	"parley/server/routing"
	"parley/server/store/pgtest"
	"parley/shared/model"
)

// startGrowingCluster starts n nodes of one cluster (as startNodes), each
// node's configuration tweaked;
// add starts one more node of the same cluster.
func startGrowingCluster(t *testing.T, n int, tweak func(*Config)) (nodes []*testServer, add func() *testServer) {
	t.Helper()
	db := pgtest.Database(t)
	ns := natstest.Start(t)
	add = func() *testServer {
		return startServerWith(t, func(c *Config) {
			c.GuestLimits = startServerLimits
			if tweak != nil {
				tweak(c)
			}
			c.Database, c.NATS = db, ns.URL
		})
	}
	for range n {
		nodes = append(nodes, add())
	}
	return nodes, add
}

// A customer added by text through one node gets the messages sent
// through another: the other node knew nothing of the customer's number.
func TestACustomerAddedByTextOnOneNodeGetsWhatAnotherNodeSends(t *testing.T) {
	twilio := startFakeTwilio(t)
	nodes, _ := startGrowingCluster(t, 2, func(c *Config) {
		c.Channels = ChannelConfig{TwilioAccountSID: twilioTestSID, TwilioAuthToken: twilioTestAuth, TwilioAPIBase: twilio.URL}
		c.Outbox = OutboxConfig{FirstRetry: 50 * time.Millisecond, MaxRetryWait: 200 * time.Millisecond}
	})
	a, b := nodes[0], nodes[1]
	a.mustAddNumber(t, ourNumber, "twilio")
	conversation := a.conversationWith(t, "agent")
	r := a.postForm(t, "/conversations/v1/Conversations/"+conversation+"/Participants", url.Values{
		"MessagingBinding.Address": {customerPhone}, "MessagingBinding.ProxyAddress": {ourNumber}})
	if r.status != http.StatusCreated {
		t.Fatalf("add the customer's number: %d %s", r.status, r.text)
	}
	mustSendMessage(t, b.tw, conversation, "agent", "Your parcel ships today.")
	eventually(t, func() bool { return len(twilio.messages()) == 1 }, func() string {
		return "Twilio was asked to text nothing: the message sent through the other node never reached the customer"
	})
	if sent := twilio.messages()[0]; sent.Get("To") != customerPhone || sent.Get("Body") != "Your parcel ships today." {
		t.Errorf("Twilio was asked to send %v", sent)
	}
}

// An agent accepting a chat through one node, whose join to the chat
// happens on another (the node routing runs on, where the accept is
// forwarded), is answered once they are in the chat, as on one node: the
// accepting node waited in memory for a join it never heard of, and the
// desk hung for interactions.JoinWait.
func TestAnAcceptAnsweredOnOneNodeWaitsForAJoinOnAnother(t *testing.T) {
	nodes, add := startGrowingCluster(t, 1, nil)
	a := nodes[0]
	ana := a.mustSignIn(t, a.mustCreateAgent(t, "ana@example.com", "agent"))
	ana.goAvailable(t)
	conversation := a.visitorChats(t, "Vic", "Where is my parcel?")
	offer := ana.waitForOffer(t)
	// b starts once the chat is offered: its routing read the task and
	// the offer from the database, as the routing node's are forwarded.
	b := add()

	ctx := context.Background()
	start := time.Now()
	r, err := b.app.Interactions.Accept(ctx, offer.SID, func() (routing.Reservation, error) {
		return a.app.Routing.UpdateReservation(ctx, ana.WorkspaceSID, offer.TaskSID, "", offer.SID,
			routing.ReservationParams{Status: routing.ReservationAccepted})
	})
	took := time.Since(start)
	if err != nil || r.Status != routing.ReservationAccepted {
		t.Fatalf("accept: %+v %v", r, err)
	}
	if took >= interactions.JoinWait {
		t.Errorf("the accept was answered after %v, the most it waits for the join: it never saw the join on the other node", took)
	}
	// Answered, the agent reads the chat at once.
	var page struct{ Messages []model.Message }
	if _, err := ana.call("GET", "/conversations/v1/Conversations/"+conversation+"/Messages", nil, &page); err != nil || len(page.Messages) == 0 {
		t.Errorf("ana reads the chat she accepted: %v, %d messages", err, len(page.Messages))
	}
}

// Agents made through two nodes before either made the desk land in one
// desk: the node that looked first does not remember "no desk".
func TestAgentsMadeThroughTwoNodesShareOneDesk(t *testing.T) {
	nodes, _ := startNodes(t, 2)
	a, b := nodes[0], nodes[1]
	if _, ok, err := a.app.desk.Find(t.Context()); ok || err != nil {
		t.Fatalf("a desk before any agent: %v %v", ok, err)
	}
	ann := b.mustCreateAgent(t, "ann@example.com", "agent")
	bea := a.mustCreateAgent(t, "bea@example.com", "agent")
	if ann.WorkspaceSID != bea.WorkspaceSID {
		t.Errorf("ann is in %s, bea in %s: two desks", ann.WorkspaceSID, bea.WorkspaceSID)
	}
}
