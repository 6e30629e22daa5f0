package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"parley/shared/model"
)

// The desk reads a chat's thread as soon as the accept answers. Interactions
// joins the agent to the conversation on its own goroutine, after routing
// has told it of the acceptance: the accept must not answer before that
// join, or the first reads are refused (about one accept in fifteen did).
func TestEveryAcceptedChatCanBeReadAtOnce(t *testing.T) {
	s := startServer(t)
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	desk := s.mustSignIn(t, ana)
	desk.goAvailable(t)
	ws := "/taskrouter/v1/Workspaces/" + desk.WorkspaceSID

	refused := 0
	for i := range 100 {
		question := fmt.Sprintf("Question %d", i)
		conversation := s.visitorChats(t, fmt.Sprintf("Visitor %d", i), question)
		offer := desk.waitForOffer(t)
		desk.mustCall(t, "POST", desk.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)

		// What the desk does next: read the thread, at once.
		var msgs struct{ Messages []model.Message }
		status, err := desk.call("GET", "/conversations/v1/Conversations/"+conversation+"/Messages", url.Values{"Order": {"desc"}}, &msgs)
		switch {
		case status != http.StatusOK:
			refused++
			t.Logf("accept %d: reading the thread right after the accept: %d %v", i, status, err)
		case len(msgs.Messages) == 0 || msgs.Messages[0].Body == nil || *msgs.Messages[0].Body != question:
			t.Errorf("accept %d: the thread shows %+v, want the visitor's question last", i, msgs.Messages)
		}
		// Done with it: the agent has room for the next.
		desk.mustCall(t, "POST", ws+"/Tasks/"+offer.TaskSID, url.Values{"AssignmentStatus": {"completed"}, "Reason": {"done"}}, nil)
	}
	if refused > 0 {
		t.Errorf("%d of 100 accepted chats could not be read right after the accept", refused)
	}
}

// A visitor who ends the chat in the widget ends the agent's part as the
// agent's own "End chat" would: the task goes to wrap-up, the channel
// closes and the agent leaves the conversation.
func TestAVisitorWhoEndsTheChatSendsTheAgentsTaskToWrapUp(t *testing.T) {
	s := startServer(t)
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	desk := s.mustSignIn(t, ana)
	desk.goAvailable(t)
	key, err := s.app.DemoDeployment(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, startChat(key, "Ada", "Where is order 1234?"))
	if r.status != http.StatusOK {
		t.Fatalf("init: %d %s", r.status, r.text)
	}
	conversation, token := r.json["conversation_sid"].(string), r.json["token"].(string)
	offer := desk.waitForOffer(t)
	desk.mustCall(t, "POST", desk.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)

	if r := s.guest(t, "/flex/v2/Webchat/End", s.baseURL, url.Values{"DeploymentKey": {key}, "Token": {token},
		"ConversationSid": {conversation}}); r.status != http.StatusOK {
		t.Fatalf("the visitor ends the chat: %d %s", r.status, r.text)
	}
	var task model.Task
	eventually(t, func() bool {
		desk.mustCall(t, "GET", "/taskrouter/v1/Workspaces/"+desk.WorkspaceSID+"/Tasks/"+offer.TaskSID, nil, &task)
		return task.AssignmentStatus == "wrapping"
	}, func() string {
		return "the agent's task is " + task.AssignmentStatus + " after the visitor left, want wrapping"
	})
	if task.Reason == nil || *task.Reason != model.ReasonCustomerLeft {
		t.Errorf("the task's reason is %v, want %q: the desk tells the agent the customer left by it", task.Reason, model.ReasonCustomerLeft)
	}
	var attrs struct {
		Channel     string `json:"flexInteractionChannelSid"`
		Interaction string `json:"flexInteractionSid"`
	}
	json.Unmarshal([]byte(task.Attributes), &attrs)
	eventually(t, func() bool {
		ch, err := s.app.Interactions.Channel(context.Background(), attrs.Interaction, attrs.Channel)
		return err == nil && ch.Status == "closed"
	}, func() string { return "the interaction's channel is not closed" })
	for _, p := range mustListParticipants(t, s.tw, conversation) {
		if *p.Identity == ana.Identity {
			t.Errorf("the agent is still a participant of the closed conversation")
		}
	}
}
