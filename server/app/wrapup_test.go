package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"parley/shared/model"
)

// completePath is the desk's call that completes a chat with its outcome.
func completePath(task string) string { return "/parley/v1/Desktop/Tasks/" + task + "/Complete" }

// bearer posts a form with a bearer token (or none), as any client may.
func (s *testServer) bearer(t *testing.T, token, path string, form url.Values) reply {
	t.Helper()
	rq := rawRequest{method: http.MethodPost, path: path, noAuth: token != "-account-",
		contentType: "application/x-www-form-urlencoded", body: form.Encode()}
	if token != "" && token != "-account-" {
		rq.header = map[string]string{"Authorization": "Bearer " + token}
	}
	return s.do(t, rq)
}

// The agent completes a chat with one call: the server keeps the outcome
// in the task's attributes without losing what else was written there
// meanwhile, and nobody but that agent may complete it: not another agent,
// not a supervisor watching, not the customer, not the account's
// credentials posing as a desk.
func TestOnlyTheAgentWorkingAChatCompletesItWithAnOutcome(t *testing.T) {
	s := startServer(t)
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	ben := s.mustSignIn(t, s.mustCreateAgent(t, "ben@example.com", "agent"))
	sue := s.mustSignIn(t, s.mustCreateAgent(t, "sue@example.com", "supervisor"))
	ana.goAvailable(t)
	chat := s.guestChats(t, "Ada", "Where is order 1234?")
	offer := ana.waitForOffer(t)
	ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	taskPath := "/taskrouter/v1/Workspaces/" + ana.WorkspaceSID + "/Tasks/" + offer.TaskSID

	// The attack: everyone but Ana tries to complete her chat.
	form := url.Values{"Outcome": {"resolved"}}
	for _, who := range []struct {
		name, token  string
		status, code int
	}{
		{"another agent", ben.token, http.StatusForbidden, 20403},
		{"a supervisor without the task", sue.token, http.StatusForbidden, 20403},
		{"the customer", chat.token, http.StatusUnauthorized, 20003},
		{"nobody", "", http.StatusUnauthorized, 20003},
		{"the account, which is no agent", "-account-", http.StatusUnauthorized, 20003},
	} {
		r := s.bearer(t, who.token, completePath(offer.TaskSID), form)
		t.Run(who.name, func(t *testing.T) { wantTwilioErrorShape(t, r, who.status, who.code) })
	}
	// An outcome the desk does not offer, or none, is refused saying
	// which it offers.
	for _, bad := range []string{"", "whatever I like", "Resolved"} {
		r := s.bearer(t, ana.token, completePath(offer.TaskSID), url.Values{"Outcome": {bad}})
		wantTwilioErrorShape(t, r, http.StatusBadRequest, 20400)
	}
	// Nor may Ana's browser rewrite her task's attributes through
	// TaskRouter: they are the integration's (a CSAT score, a ticket), and
	// the outcome goes through the wrap-up call.
	ana.wantRefused(t, http.StatusForbidden, "POST", taskPath, url.Values{"Attributes": {`{"conversations":{"outcome":"resolved","csat":5}}`}})
	ana.wantRefused(t, http.StatusForbidden, "POST", taskPath,
		url.Values{"AssignmentStatus": {"completed"}, "Attributes": {`{"vip":true}`}})
	var task model.Task
	ana.mustCall(t, "GET", taskPath, nil, &task)
	if task.AssignmentStatus != "assigned" {
		t.Fatalf("after refused attempts the task is %s, want still assigned", task.AssignmentStatus)
	}

	// Meanwhile someone else writes the attributes (an integration adds a
	// key, a rating comes in): completing keeps what they wrote.
	attrs := model.TaskAttributesOf(task.Attributes)
	attrs.Conversations.CSAT = model.ScoreOf(5)
	attrs.Other = map[string]json.RawMessage{"crm_ticket": json.RawMessage(`"T-42"`)}
	r := s.postForm(t, taskPath, url.Values{"Attributes": {attrs.String()}})
	if r.status != http.StatusOK {
		t.Fatalf("the integration's update: %d %s", r.status, r.text)
	}

	// Ana ends the chat (the task wraps up), then completes it.
	a := model.TaskAttributesOf(task.Attributes)
	if err := ana.rest.Channel(a.InteractionSID, a.ChannelSID).Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool {
		ana.mustCall(t, "GET", taskPath, nil, &task)
		return task.AssignmentStatus == "wrapping"
	}, func() string { return "the ended chat's task is " + task.AssignmentStatus + ", not wrapping" })
	done, err := ana.rest.DeskComplete(context.Background(), offer.TaskSID, "follow-up")
	if err != nil {
		t.Fatalf("Ana completes her chat: %v", err)
	}
	got := model.TaskAttributesOf(done.Attributes)
	if done.AssignmentStatus != "completed" || got.Conversations.Outcome != "follow-up" || got.Conversations.CSAT == nil ||
		*got.Conversations.CSAT != 5 || string(got.Other["crm_ticket"]) != `"T-42"` || got.ConversationSID != chat.conversation {
		t.Errorf("the completed task is %s with attributes %s; want completed, outcome follow-up, the score, the ticket and the conversation kept",
			done.AssignmentStatus, done.Attributes)
	}
	var res model.Reservation
	ana.mustCall(t, "GET", ana.workerPath("/Reservations/"+offer.SID), nil, &res)
	if res.ReservationStatus != "completed" {
		t.Errorf("Ana's reservation is %s, want completed", res.ReservationStatus)
	}
	// Done is done: a second completion is refused, and changes nothing.
	r = s.bearer(t, ana.token, completePath(offer.TaskSID), url.Values{"Outcome": {"resolved"}})
	wantTwilioErrorShape(t, r, http.StatusConflict, 0)
}
