package app

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"parley/server/cluster/natstest"
	"parley/server/store/pgtest"
)

// startNodesWith is startNodes with each node's configuration tweaked.
func startNodesWith(t *testing.T, n int, tweak func(*Config)) []*testServer {
	t.Helper()
	db := pgtest.Database(t)
	ns := natstest.Start(t)
	nodes := make([]*testServer, n)
	for i := range nodes {
		nodes[i] = startServerWith(t, func(c *Config) {
			c.GuestLimits = startServerLimits
			if tweak != nil {
				tweak(c)
			}
			c.Database, c.NATS = db, ns.URL
		})
	}
	return nodes
}

// A customer added by text through one node gets the messages sent
// through another: the other node knew nothing of the customer's number.
func TestACustomerAddedByTextOnOneNodeGetsWhatAnotherNodeSends(t *testing.T) {
	twilio := startFakeTwilio(t)
	nodes := startNodesWith(t, 2, func(c *Config) {
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
