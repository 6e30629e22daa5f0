package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"parley/server/cluster/natstest"
	"parley/server/store/pgtest"
	proto "parley/shared/realtime"
)

// startNodes starts n nodes of one cluster: one PostgreSQL database, one
// real NATS server, each node its own data directory and HTTP server.
func startNodes(t *testing.T, n int) ([]*testServer, *natstest.Server) {
	t.Helper()
	return startNodesWith(t, n, func(*Config) {})
}

// startNodesWith is startNodes with changes to each node's config.
func startNodesWith(t *testing.T, n int, tweak func(*Config)) ([]*testServer, *natstest.Server) {
	t.Helper()
	db := pgtest.Database(t)
	ns := natstest.Start(t)
	nodes := make([]*testServer, n)
	for i := range nodes {
		nodes[i] = startServerWith(t, func(c *Config) {
			c.GuestLimits = startServerLimits
			c.Database, c.NATS = db, ns.URL
			tweak(c)
		})
	}
	return nodes, ns
}

// A customer on one node and an agent on another see each other's
// messages, typing, read receipts and presence as on one node.
func TestSocketsOnDifferentNodesTalkAsOnOne(t *testing.T) {
	nodes, _ := startNodes(t, 2)
	a, b := nodes[0], nodes[1]
	conv := a.conversationWith(t, "guest", "agent")
	agent, _ := b.connect(t, b.mintToken(t, "agent"), nil)
	guest, _ := a.connect(t, a.mintToken(t, "guest"), nil)

	agent.await(t, "the guest's user_online from the other node", func(f proto.ServerFrame) bool {
		return isEvent(proto.UserOnline, conv)(f) && strings.Contains(string(f.Data), `"guest"`)
	})
	guest.send(proto.ClientFrame{Type: proto.TypeTyping, ConversationSID: conv})
	agent.await(t, "typing_started from the other node", isEvent(proto.TypingStarted, conv))
	guest.send(proto.ClientFrame{Type: proto.TypeSend, ID: "m", ConversationSID: conv, Body: "my order is late"})
	guest.await(t, "ack", isReply("m"))
	// typing_ended comes from the guest's node, the message from the log's
	// order: either may come first.
	var msg proto.ServerFrame
	for ended := false; !ended || msg.Seq == 0; {
		f := agent.await(t, "typing_ended and the message from the other node", func(f proto.ServerFrame) bool {
			return isEvent(proto.TypingEnded, conv)(f) || isEvent(proto.MessageAdded, conv)(f)
		})
		if f.Event == proto.TypingEnded {
			ended = true
		} else {
			msg = f
		}
	}
	if !strings.Contains(string(msg.Data), "my order is late") || msg.Seq == 0 {
		t.Fatalf("the agent got %+v", msg)
	}

	// The agent answers and reads through its own node.
	agent.send(proto.ClientFrame{Type: proto.TypeSend, ID: "r", ConversationSID: conv, Body: "on its way"})
	agent.await(t, "ack", isReply("r"))
	guest.await(t, "the answer from the other node", func(f proto.ServerFrame) bool {
		return isEvent(proto.MessageAdded, conv)(f) && strings.Contains(string(f.Data), "on its way")
	})
	agent.send(proto.ClientFrame{Type: proto.TypeRead, ID: "h", ConversationSID: conv, Index: ptr(messageIndex(t, msg))})
	agent.await(t, "read ack", isReply("h"))
	guest.await(t, "the read receipt from the other node", func(f proto.ServerFrame) bool {
		return isEvent(proto.ParticipantUpdated, conv)(f) && strings.Contains(string(f.Data), `"last_read_message_index":0`)
	})

	guest.ws.Close(websocket.StatusNormalClosure, "bye")
	agent.await(t, "user_offline from the other node", isEvent(proto.UserOffline, conv))

	// The operator sees, per node, what crossed.
	metrics := b.get(t, "/metrics").text
	for _, want := range []string{
		`parley_cluster_nats_connected{node="` + b.app.Node() + `"} 1`,
		`parley_cluster_batches_received_total{node="` + b.app.Node() + `"}`,
		`parley_cluster_notices_received_total{node="` + b.app.Node() + `"}`,
		`parley_cluster_nats_rtt_seconds{node="` + b.app.Node() + `"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics on the agent's node lacks %s", want)
		}
	}
	if strings.Contains(metrics, `parley_cluster_batches_received_total{node="`+b.app.Node()+`"} 0`) {
		t.Error("the agent's node counts no batch received, though the guest's messages crossed")
	}
}

// Events reach every node in one order, whichever node wrote them: a
// session sees seqs only grow and no message twice, while two nodes write
// into one conversation at once.
func TestEveryNodeDeliversEveryNodesEventsInOrder(t *testing.T) {
	nodes, _ := startNodes(t, 3)
	conv := nodes[0].conversationWith(t, "ann", "bea", "cat")
	wires := make([]*wire, len(nodes))
	for i, n := range nodes {
		wires[i], _ = n.connect(t, n.mintToken(t, []string{"ann", "bea", "cat"}[i]), nil)
	}
	const each = 40
	done := make(chan error, 2)
	for _, i := range []int{0, 1} {
		go func() {
			for k := range each {
				if _, err := nodes[i].app.Conversations.SendAs(t.Context(), []string{"ann", "bea"}[i], conv, sendParams(fmt.Sprintf("%d-%d", i, k))); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for i, w := range wires {
		var last int64
		seen := map[string]bool{}
		for len(seen) < 2*each {
			f := w.await(t, fmt.Sprintf("message %d on node %d", len(seen), i), isEvent(proto.MessageAdded, conv))
			if f.Seq <= last {
				t.Fatalf("node %d: seq %d after %d", i, f.Seq, last)
			}
			last = f.Seq
			var m struct{ Body string }
			json.Unmarshal(f.Data, &m)
			if seen[m.Body] {
				t.Fatalf("node %d: %q twice", i, m.Body)
			}
			seen[m.Body] = true
		}
	}
}

// A client whose node goes away reconnects to another with its cursor and
// gets what it missed once, in order, then live events.
func TestAClientResumesOnAnotherNode(t *testing.T) {
	nodes, _ := startNodes(t, 2)
	a, b := nodes[0], nodes[1]
	conv := a.conversationWith(t, "guest", "agent")
	token := a.mintToken(t, "agent")
	w, _ := a.connect(t, token, nil)
	mustSendMessage(t, a.tw, conv, "guest", "before")
	first := w.await(t, "the first message", isEvent(proto.MessageAdded, conv))
	cursor := first.Seq
	w.ws.Close(websocket.StatusNormalClosure, "node lost")

	for i := range 5 {
		mustSendMessage(t, b.tw, conv, "guest", fmt.Sprintf("missed %d", i))
	}
	back, replay := b.connect(t, token, &cursor)
	var got []string
	for _, f := range replay {
		if f.Type == proto.TypeEvent && f.Event == proto.MessageAdded {
			var m struct{ Body string }
			json.Unmarshal(f.Data, &m)
			got = append(got, m.Body)
		}
	}
	if want := "missed 0,missed 1,missed 2,missed 3,missed 4"; strings.Join(got, ",") != want {
		t.Fatalf("replayed %q, want %q", got, want)
	}
	mustSendMessage(t, a.tw, conv, "guest", "after")
	f := back.await(t, "a live message written on the first node", isEvent(proto.MessageAdded, conv))
	if !strings.Contains(string(f.Data), `"after"`) {
		t.Fatalf("after the replay came %s, want the new message (no replayed one twice)", f.Data)
	}
}

// NATS is for speed, the database for truth: while NATS is down, events
// still reach the other node's sockets, read from the log; when it is back,
// they flow as before.
func TestEventsCrossNodesWhileNATSIsDown(t *testing.T) {
	nodes, ns := startNodes(t, 2)
	a, b := nodes[0], nodes[1]
	conv := a.conversationWith(t, "guest", "agent")
	w, _ := b.connect(t, b.mintToken(t, "agent"), nil)
	ns.Stop()
	// Cut off from the others, a node says so and takes no new socket;
	// the sockets it has keep being served.
	deadline := time.Now().Add(10 * time.Second)
	for b.app.clusterReady() == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if r := b.get(t, "/healthz"); r.status != 503 || !strings.Contains(r.text, "NATS is unreachable") {
		t.Errorf("/healthz without NATS: %d %s, want 503 saying NATS is unreachable", r.status, r.text)
	}
	if _, resp, err := b.dialRaw(t, nil); err == nil || resp == nil || resp.StatusCode != 503 {
		t.Errorf("a new socket without NATS: %v %v, want 503", resp, err)
	}
	mustSendMessage(t, a.tw, conv, "guest", "while NATS is down")
	f := w.await(t, "a message written on the other node while NATS is down", isEvent(proto.MessageAdded, conv))
	if !strings.Contains(string(f.Data), "while NATS is down") {
		t.Fatalf("got %s", f.Data)
	}
	ns.Restart()
	deadline = time.Now().Add(10 * time.Second)
	for a.app.clusterReady() != nil || b.app.clusterReady() != nil {
		if time.Now().After(deadline) {
			t.Fatal("the nodes did not reconnect to NATS within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := b.get(t, "/healthz"); r.status != 200 {
		t.Errorf("/healthz with NATS back: %d %s", r.status, r.text)
	}
	b.connect(t, b.mintToken(t, "agent"), nil) // new sockets again
	mustSendMessage(t, a.tw, conv, "guest", "NATS is back")
	f = w.await(t, "a message after NATS came back", isEvent(proto.MessageAdded, conv))
	if !strings.Contains(string(f.Data), "NATS is back") {
		t.Fatalf("got %s", f.Data)
	}
}

// The caps on sockets hold for the cluster: an identity spreading its
// sockets over the nodes gets no more than from one node, and what a node
// stopped held stops counting.
func TestSocketCapsHoldAcrossNodes(t *testing.T) {
	nodes, _ := startNodesWith(t, 2, func(c *Config) { c.MaxSessionsPerIdentity, c.MaxSessionsPerAddress = 3, 5 })
	a, b := nodes[0], nodes[1]
	token := a.mintToken(t, "mallory")
	first, _ := a.connect(t, token, nil)
	a.connect(t, token, nil)
	b.connect(t, token, nil)
	if code, reason := b.helloRefused(t, token); code != proto.CloseTooManySessions || !strings.Contains(reason, "mallory") {
		t.Errorf("a fourth socket for one identity, on the other node: closed %d %q, want 4029 naming the identity", code, reason)
	}
	// One closed on the first node frees a place on the second.
	first.ws.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for {
		w, _, err := b.dialRaw(t, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.send(proto.ClientFrame{Type: proto.TypeHello, Version: proto.Version, Token: token})
		f := w.next(t)
		if f.Type == proto.TypeReady {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a socket closed on one node freed no place on the other: %+v", f)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// From one address over both nodes: five in all (mallory's three, and
	// these two).
	b.connect(t, b.mintToken(t, "trent"), nil)
	b.connect(t, b.mintToken(t, "peggy"), nil)
	if code, reason := a.helloRefused(t, a.mintToken(t, "victor")); code != proto.CloseTooManySessions || !strings.Contains(reason, "address") {
		t.Errorf("a sixth socket from one address over two nodes: closed %d %q, want 4029 naming the address", code, reason)
	}
	// A node that stops releases its sessions' counts (one that dies
	// stops counting when its heartbeat lapses: store's TestSessionCounts...).
	a.stop()
	b.connect(t, b.mintToken(t, "victor"), nil)
}
