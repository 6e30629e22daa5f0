package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"parley/shared/client"
	proto "parley/shared/realtime"
)

// monitor asks a session to follow a conversation and returns the answer.
func (w *wire) monitor(t *testing.T, id, conversation string) proto.ServerFrame {
	t.Helper()
	w.send(proto.ClientFrame{Type: proto.TypeMonitor, ID: id, ConversationSID: conversation})
	return w.await(t, "the answer to "+id, isReply(id))
}

// wantRefusal checks an answer is an error with status.
func wantRefusal(t *testing.T, what string, f proto.ServerFrame, status int) {
	t.Helper()
	if f.Type != proto.TypeError || f.Status != status || f.Message == "" {
		t.Errorf("%s: answered %+v, want an error with status %d saying why", what, f, status)
	}
}

// A supervisor's desk follows a chat live over its socket without taking
// part: messages, typing, read receipts and participants arrive as they
// happen, on the session that asked only; it may not send, type or read
// into the chat; and nobody but a supervisor may monitor.
func TestASupervisorMonitorsAChatLiveWithoutTakingPart(t *testing.T) {
	s := startServer(t)
	sue := s.mustSignIn(t, s.mustCreateAgent(t, "sue@example.com", "supervisor"))
	ben := s.mustSignIn(t, s.mustCreateAgent(t, "ben@example.com", "agent"))
	conv := s.conversationWith(t, "guest", "agent")
	guest, _ := s.connect(t, s.mintToken(t, "guest"), nil)
	agent, _ := s.connect(t, s.mintToken(t, "agent"), nil)
	watching, _ := s.connect(t, sue.token, nil)
	other, _ := s.connect(t, sue.token, nil) // Sue's second tab

	if ack := watching.monitor(t, "m1", conv); ack.Type != proto.TypeAck || ack.SID != conv {
		t.Fatalf("monitor answered %+v, want an ack naming the conversation", ack)
	}

	// The chat goes on, and the monitoring session sees each step live.
	guest.send(proto.ClientFrame{Type: proto.TypeTyping, ConversationSID: conv})
	watching.await(t, "the guest typing", isEvent(proto.TypingStarted, conv))
	guest.send(proto.ClientFrame{Type: proto.TypeSend, ID: "g1", ConversationSID: conv, Body: "my order is late"})
	guest.await(t, "ack", isReply("g1"))
	msg := watching.await(t, "the guest's message", func(f proto.ServerFrame) bool {
		return isEvent(proto.MessageAdded, conv)(f) && strings.Contains(string(f.Data), "my order is late")
	})
	if msg.Seq == 0 {
		t.Errorf("the monitored message came without its seq: %+v", msg)
	}
	agent.send(proto.ClientFrame{Type: proto.TypeRead, ID: "r1", ConversationSID: conv, Index: ptr(messageIndex(t, msg))})
	agent.await(t, "read ack", isReply("r1"))
	watching.await(t, "the agent's read receipt", func(f proto.ServerFrame) bool {
		return isEvent(proto.ParticipantUpdated, conv)(f) && strings.Contains(string(f.Data), `"last_read_message_index":0`)
	})
	mustAddChatParticipant(t, s.tw, conv, "colleague")
	watching.await(t, "a participant joining", func(f proto.ServerFrame) bool {
		return isEvent(proto.ParticipantAdded, conv)(f) && strings.Contains(string(f.Data), `"colleague"`)
	})

	// The attack: the monitoring supervisor tries to speak, type and read.
	watching.send(proto.ClientFrame{Type: proto.TypeSend, ID: "s1", ConversationSID: conv, Body: "psst", IdempotencyKey: "k"})
	wantRefusal(t, "a monitoring supervisor's send", watching.await(t, "the send's answer", isReply("s1")), http.StatusForbidden)
	watching.send(proto.ClientFrame{Type: proto.TypeTyping, ID: "t1", ConversationSID: conv})
	wantRefusal(t, "a monitoring supervisor's typing", watching.await(t, "the typing's answer", isReply("t1")), http.StatusForbidden)
	watching.send(proto.ClientFrame{Type: proto.TypeRead, ID: "h1", ConversationSID: conv, Index: ptr(0)})
	wantRefusal(t, "a monitoring supervisor's read", watching.await(t, "the read's answer", isReply("h1")), http.StatusForbidden)
	guest.quiet(t, 300*time.Millisecond, "anything from the monitoring supervisor", func(f proto.ServerFrame) bool {
		return strings.Contains(string(f.Data), sue.Identity) || strings.Contains(string(f.Data), "psst")
	})

	// Only the session that asked follows the chat: Sue's other tab does
	// not, and the identity stays out of the conversation.
	other.quiet(t, 100*time.Millisecond, "the monitored chat in another session", func(f proto.ServerFrame) bool {
		return f.ConversationSID == conv
	})
	for _, p := range mustListParticipants(t, s.tw, conv) {
		if p.Identity != nil && *p.Identity == sue.Identity {
			t.Errorf("monitoring made the supervisor a participant")
		}
	}

	// Nobody but a supervisor monitors: not an agent (even one in the
	// chat), not a customer, not an account's API token.
	benWire, _ := s.connect(t, ben.token, nil)
	for _, who := range []struct {
		name string
		w    *wire
	}{{"an agent", benWire}, {"the chat's own customer", guest}, {"an API token in the chat", agent},
		{"an API token outside it", func() *wire { w, _ := s.connect(t, s.mintToken(t, "snoop"), nil); return w }()}} {
		wantRefusal(t, who.name+" monitoring", who.w.monitor(t, "x", conv), http.StatusForbidden)
	}
	benWire.send(proto.ClientFrame{Type: proto.TypeSend, ID: "b1", ConversationSID: conv, Body: "hello?"})
	benWire.await(t, "the refused agent's send", isReply("b1"))
	benWire.quiet(t, 100*time.Millisecond, "the chat the agent was refused", func(f proto.ServerFrame) bool {
		return f.ConversationSID == conv && f.Type == proto.TypeEvent
	})
	wantRefusal(t, "monitoring no conversation", watching.monitor(t, "m404", "CH00000000000000000000000000000000"), http.StatusNotFound)

	// Unmonitoring stops the events.
	watching.send(proto.ClientFrame{Type: proto.TypeUnmonitor, ID: "u1", ConversationSID: conv})
	if ack := watching.await(t, "unmonitor's answer", isReply("u1")); ack.Type != proto.TypeAck {
		t.Fatalf("unmonitor answered %+v", ack)
	}
	guest.send(proto.ClientFrame{Type: proto.TypeSend, ID: "g2", ConversationSID: conv, Body: "hello again"})
	guest.await(t, "ack", isReply("g2"))
	watching.quiet(t, 300*time.Millisecond, "the chat after unmonitoring", func(f proto.ServerFrame) bool {
		return f.ConversationSID == conv && f.Type == proto.TypeEvent
	})

	// A monitor lasts as long as its session: a new one starts without.
	watching.monitor(t, "m2", conv)
	watching.ws.Close(websocket.StatusNormalClosure, "reload")
	again, _ := s.connect(t, sue.token, nil)
	guest.send(proto.ClientFrame{Type: proto.TypeSend, ID: "g3", ConversationSID: conv, Body: "anyone?"})
	guest.await(t, "ack", isReply("g3"))
	again.quiet(t, 300*time.Millisecond, "the chat in a session that did not ask", func(f proto.ServerFrame) bool {
		return f.ConversationSID == conv && f.Type == proto.TypeEvent
	})
}

// In a cluster a supervisor's socket on one node follows a chat whose
// customer and agent write through another: logged events come through
// the stream, typing through the topic's notices, which the monitor's
// interest subscribes.
func TestAMonitorOnOneNodeFollowsAChatOnAnother(t *testing.T) {
	nodes, _ := startNodes(t, 2)
	a, b := nodes[0], nodes[1]
	sueAgent := a.mustCreateAgent(t, "sue@example.com", "supervisor")
	var sue *deskAgent
	eventually(t, func() bool {
		r := b.signIn(t, sueAgent.Email, agentPassword)
		if r.status == http.StatusOK {
			sue = b.deskWith(sueAgent, r.json["token"].(string))
		}
		return sue != nil
	}, func() string { return "the supervisor made on node A cannot sign in on node B" })
	conv := a.conversationWith(t, "guest", "agent")
	guest, _ := a.connect(t, a.mintToken(t, "guest"), nil)
	agent, _ := a.connect(t, a.mintToken(t, "agent"), nil)
	watching, _ := b.connect(t, sue.token, nil)
	if ack := watching.monitor(t, "m1", conv); ack.Type != proto.TypeAck {
		t.Fatalf("monitor on node B answered %+v", ack)
	}

	guest.send(proto.ClientFrame{Type: proto.TypeSend, ID: "g1", ConversationSID: conv, Body: "my order is late"})
	guest.await(t, "ack", isReply("g1"))
	msg := watching.await(t, "the message written on node A", func(f proto.ServerFrame) bool {
		return isEvent(proto.MessageAdded, conv)(f) && strings.Contains(string(f.Data), "my order is late")
	})
	// Typing crosses as a notice, which node B subscribed to as the
	// monitor began (NATS takes the subscription a moment later: a notice
	// sent in that instant is missed, as for a participant who just
	// joined; the message above came after it).
	guest.send(proto.ClientFrame{Type: proto.TypeTyping, ConversationSID: conv})
	watching.await(t, "typing from node A", isEvent(proto.TypingStarted, conv))
	agent.send(proto.ClientFrame{Type: proto.TypeRead, ID: "r1", ConversationSID: conv, Index: ptr(messageIndex(t, msg))})
	agent.await(t, "read ack", isReply("r1"))
	watching.await(t, "the read receipt written on node A", func(f proto.ServerFrame) bool {
		return isEvent(proto.ParticipantUpdated, conv)(f) && strings.Contains(string(f.Data), `"last_read_message_index":0`)
	})
	watching.send(proto.ClientFrame{Type: proto.TypeSend, ID: "s1", ConversationSID: conv, Body: "psst", IdempotencyKey: "k"})
	wantRefusal(t, "a monitoring supervisor's send on node B", watching.await(t, "the send's answer", isReply("s1")), http.StatusForbidden)
}

// The desk's client monitors with one call, and after its connection is
// cut it follows the chat again by itself, telling the desk to refetch.
func TestTheClientKeepsMonitoringAcrossACutConnection(t *testing.T) {
	s := startServer(t)
	sue := s.mustSignIn(t, s.mustCreateAgent(t, "sue@example.com", "supervisor"))
	conv := s.conversationWith(t, "guest", "agent")
	link := newCable(t, strings.TrimPrefix(s.baseURL, "http://"))
	rest := client.NewREST(s.baseURL, client.AccountAuth(s.accountSID, s.authToken), nil)
	bodies, renewed := make(chan string, 100), make(chan error, 10)
	sess, err := client.Dial(context.Background(), client.SessionOptions{
		URL:        link.url(),
		Token:      func(context.Context) (string, error) { return sue.token, nil },
		MinBackoff: 10 * time.Millisecond,
		OnEvent: func(f proto.ServerFrame) {
			var m struct{ Body string }
			if f.Event == proto.MessageAdded && f.ConversationSID == conv && json.Unmarshal(f.Data, &m) == nil {
				bodies <- m.Body
			}
		},
		OnMonitor: func(c string, err error) {
			if c == conv {
				renewed <- err
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.Monitor(context.Background(), conv); err != nil {
		t.Fatalf("a supervisor monitors: %v", err)
	}
	said := func(body string) {
		t.Helper()
		if _, err := rest.SendMessage(context.Background(), conv, "guest", body); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-bodies:
			if got != body {
				t.Fatalf("the monitor got %q, want %q", got, body)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("the monitor did not get %q", body)
		}
	}
	said("before the cut")
	link.cut()
	select {
	case err := <-renewed:
		if err != nil {
			t.Fatalf("renewing the monitor: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the session did not follow the chat again after the cut")
	}
	said("after the cut")
	if _, err := sess.Send(context.Background(), conv, "psst", ""); err == nil {
		t.Errorf("the monitoring client sent into the chat")
	}
	if err := sess.Unmonitor(context.Background(), conv); err != nil {
		t.Fatal(err)
	}
	if _, err := rest.SendMessage(context.Background(), conv, "guest", "after unmonitoring"); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-bodies:
		t.Errorf("after Unmonitor the client still got %q", got)
	case <-time.After(300 * time.Millisecond):
	}

	// An agent's client is refused.
	ben := s.mustSignIn(t, s.mustCreateAgent(t, "ben@example.com", "agent"))
	bs, err := client.Dial(context.Background(), client.SessionOptions{URL: s.baseURL,
		Token: func(context.Context) (string, error) { return ben.token, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	var apiErr *client.APIError
	if err := bs.Monitor(context.Background(), conv); !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		t.Errorf("an agent's Monitor: %v, want a 403 APIError", err)
	}
}
