package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"parley/shared/model"
	proto "parley/shared/realtime"
)

// guestChat is a visitor's chat on the demo deployment: its conversation
// and the visitor's token.
type guestChat struct{ conversation, token string }

func (s *testServer) guestChats(t *testing.T, name, question string) guestChat {
	t.Helper()
	key, err := s.app.DemoDeployment(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, startChat(key, name, question))
	if r.status != http.StatusOK {
		t.Fatalf("init: %d %s", r.status, r.text)
	}
	return guestChat{conversation: r.json["conversation_sid"].(string), token: r.json["token"].(string)}
}

// queuePosition reads a queue_position event's data.
func queuePosition(t *testing.T, f proto.ServerFrame) model.QueuePosition {
	t.Helper()
	var p model.QueuePosition
	if err := json.Unmarshal(f.Data, &p); err != nil {
		t.Fatalf("queue_position data %s: %v", f.Data, err)
	}
	return p
}

func isPosition(conversation string, want *int) func(proto.ServerFrame) bool {
	return func(f proto.ServerFrame) bool {
		if f.Event != proto.QueuePosition || f.ConversationSID != conversation {
			return false
		}
		var p model.QueuePosition
		if json.Unmarshal(f.Data, &p) != nil {
			return false
		}
		if want == nil {
			return p.Position == nil
		}
		return p.Position != nil && *p.Position == *want
	}
}

// TestAWaitingCustomerHearsTheirPlaceInLine: two visitors wait for the only
// agent, who takes one chat at a time. The second hears they are 2nd,
// then 1st once the agent accepts the first chat, then that they no
// longer wait when the agent takes theirs; the first never hears of the
// second's place.
func TestAWaitingCustomerHearsTheirPlaceInLine(t *testing.T) {
	s := startServer(t)
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	ana.mustCall(t, "POST", ana.workerPath("/Channels/chat"), url.Values{"Capacity": {"1"}}, nil)

	first := s.guestChats(t, "Ada", "First question")
	firstWire, _ := s.connect(t, first.token, nil)
	second := s.guestChats(t, "Bob", "Second question")
	secondWire, _ := s.connect(t, second.token, nil)

	two, one := 2, 1
	f := secondWire.await(t, "Bob 2nd in line", isPosition(second.conversation, &two))
	if p := queuePosition(t, f); p.TasksInQueue != 2 || p.EstimatedWaitTime != nil || p.AvailableWorkers != 0 {
		t.Errorf("with nobody available Bob hears %+v: want 2 waiting, no estimate, no agent available", p)
	}
	// Over REST too, with the visitor's own token.
	r := s.do(t, rawRequest{method: http.MethodGet, path: "/conversations/v1/Conversations/" + second.conversation + "/QueuePosition",
		noAuth: true, header: map[string]string{"X-Twilio-Token": second.token}})
	if r.status != http.StatusOK || r.json["position"] != float64(2) {
		t.Errorf("Bob reads his place over REST: %d %s, want position 2", r.status, r.text)
	}

	ana.goAvailable(t)
	offer := ana.waitForOffer(t)
	ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	secondWire.await(t, "Bob 1st in line", isPosition(second.conversation, &one))
	firstWire.await(t, "Ada's place gone as Ana joins", isPosition(first.conversation, nil))

	// Ana finishes Ada's chat and takes Bob's: his place goes.
	var task model.Task
	ana.mustCall(t, "POST", "/taskrouter/v1/Workspaces/"+ana.WorkspaceSID+"/Tasks/"+offer.TaskSID,
		url.Values{"AssignmentStatus": {"wrapping"}}, &task)
	ana.mustCall(t, "POST", "/taskrouter/v1/Workspaces/"+ana.WorkspaceSID+"/Tasks/"+offer.TaskSID,
		url.Values{"AssignmentStatus": {"completed"}}, &task)
	next := ana.waitForOffer(t)
	ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+next.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	f = secondWire.await(t, "Bob's place gone as Ana joins", isPosition(second.conversation, nil))
	if p := queuePosition(t, f); p.AssignmentStatus != "assigned" {
		t.Errorf("Bob's last position says %q, want assigned", p.AssignmentStatus)
	}
	firstWire.quiet(t, 0, "Bob's place told to Ada", func(f proto.ServerFrame) bool { return f.ConversationSID == second.conversation })
}

// TestQueuePositionOverREST: integrators read a task's place and
// estimate under the task, in TaskRouter's shape; a task or conversation
// that does not exist is a 404 in the API's error shape, and a visitor
// cannot read another's.
func TestQueuePositionOverREST(t *testing.T) {
	s := startServer(t)
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	ada, bob := s.guestChats(t, "Ada", "Hello"), s.guestChats(t, "Bob", "Hello?")

	var tasks struct{ Tasks []model.Task }
	if err := json2(s.get(t, "/taskrouter/v1/Workspaces/"+ana.WorkspaceSID+"/Tasks?AssignmentStatus=pending"), &tasks); err != nil || len(tasks.Tasks) != 2 {
		t.Fatalf("pending tasks: %+v (%v)", tasks, err)
	}
	path := "/taskrouter/v1/Workspaces/" + ana.WorkspaceSID + "/Tasks/" + tasks.Tasks[1].SID + "/QueuePosition"
	var p model.QueuePosition
	if err := json2(s.get(t, path), &p); err != nil {
		t.Fatal(err)
	}
	if p.Position == nil || *p.Position != 2 || p.TasksInQueue != 2 || p.ConversationSID != bob.conversation ||
		p.AssignmentStatus != "pending" || p.EstimatedWaitTime != nil || p.URL == "" {
		t.Errorf("Bob's task: %+v, want 2nd of 2 in line, pending, for his conversation, no estimate yet", p)
	}

	wantTwilioErrorShape(t, s.get(t, "/taskrouter/v1/Workspaces/"+ana.WorkspaceSID+"/Tasks/WT00000000000000000000000000000000/QueuePosition"), http.StatusNotFound, 20404)
	wantTwilioErrorShape(t, s.get(t, "/conversations/v1/Conversations/CH00000000000000000000000000000000/QueuePosition"), http.StatusNotFound, 20404)
	other := s.do(t, rawRequest{method: http.MethodGet, path: "/conversations/v1/Conversations/" + bob.conversation + "/QueuePosition",
		noAuth: true, header: map[string]string{"X-Twilio-Token": ada.token}})
	wantTwilioErrorShape(t, other, http.StatusForbidden, 20403)
}
