package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"parley/server/httpapi"
	"parley/shared/client"
	"parley/shared/model"
)

// ---- helpers that read like an agent's day ----

const agentPassword = "correct horse battery"

// desk is an agent signed in to the desktop, holding its token.
type deskAgent struct {
	model.Agent
	token string
	rest  *client.REST
}

// mustCreateAgent makes an agent through the REST API, as the account.
func (s *testServer) mustCreateAgent(t *testing.T, email, role string) model.Agent {
	t.Helper()
	r := s.postForm(t, "/parley/v1/Agents", url.Values{"Email": {email}, "Password": {agentPassword}, "Role": {role},
		"DisplayName": {strings.Split(email, "@")[0]}})
	if r.status != http.StatusCreated {
		t.Fatalf("create agent %s: %d %s", email, r.status, r.text)
	}
	if strings.Contains(r.text, "argon2") || strings.Contains(r.text, agentPassword) {
		t.Fatalf("the agent's password or its hash is in the answer: %s", r.text)
	}
	return model.Agent{SID: r.json["sid"].(string), Email: email, Role: role, Identity: r.json["identity"].(string),
		WorkspaceSID: r.json["workspace_sid"].(string), WorkerSID: r.json["worker_sid"].(string)}
}

// signIn posts the desktop's sign-in form.
func (s *testServer) signIn(t *testing.T, email, password string) reply {
	t.Helper()
	return s.do(t, rawRequest{method: http.MethodPost, path: "/parley/v1/Desktop/SignIn", noAuth: true,
		contentType: "application/x-www-form-urlencoded", body: url.Values{"Email": {email}, "Password": {password}}.Encode()})
}

// mustSignIn signs an agent in and returns its desk.
func (s *testServer) mustSignIn(t *testing.T, a model.Agent) *deskAgent {
	t.Helper()
	r := s.signIn(t, a.Email, agentPassword)
	if r.status != http.StatusOK {
		t.Fatalf("sign in %s: %d %s", a.Email, r.status, r.text)
	}
	return s.deskWith(a, r.json["token"].(string))
}

func (s *testServer) deskWith(a model.Agent, token string) *deskAgent {
	return &deskAgent{Agent: a, token: token, rest: client.NewREST(s.baseURL,
		client.TokenAuth(func(context.Context) (string, error) { return token, nil }), nil)}
}

// call makes a REST call with the agent's token and returns its HTTP
// status (200 family as 200).
func (d *deskAgent) call(method, path string, form url.Values, out any) (int, error) {
	err := d.rest.Do(context.Background(), method, path, form, out)
	var apiErr *client.APIError
	switch {
	case err == nil:
		return http.StatusOK, nil
	case errors.As(err, &apiErr):
		return apiErr.Status, err
	}
	return 0, err
}

func (d *deskAgent) mustCall(t *testing.T, method, path string, form url.Values, out any) {
	t.Helper()
	if _, err := d.call(method, path, form, out); err != nil {
		t.Fatalf("%s %s %s: %v", d.Email, method, path, err)
	}
}

// wantRefused checks the agent's call is refused with status.
func (d *deskAgent) wantRefused(t *testing.T, status int, method, path string, form url.Values) {
	t.Helper()
	got, err := d.call(method, path, form, nil)
	if got != status {
		t.Errorf("%s: %s %s: status %d (%v), want %d", d.Email, method, path, got, err, status)
	}
}

func (d *deskAgent) workerPath(under string) string {
	return fmt.Sprintf("/taskrouter/v1/Workspaces/%s/Workers/%s%s", d.WorkspaceSID, d.WorkerSID, under)
}

// goAvailable moves the agent to the Available activity.
func (d *deskAgent) goAvailable(t *testing.T) {
	t.Helper()
	var acts struct{ Activities []model.Activity }
	d.mustCall(t, "GET", "/taskrouter/v1/Workspaces/"+d.WorkspaceSID+"/Activities", url.Values{"FriendlyName": {"Available"}}, &acts)
	if len(acts.Activities) != 1 {
		t.Fatalf("activities named Available: %+v", acts.Activities)
	}
	d.mustCall(t, "POST", d.workerPath(""), url.Values{"ActivitySid": {acts.Activities[0].SID}}, nil)
}

// waitForOffer waits for a pending reservation and returns it.
func (d *deskAgent) waitForOffer(t *testing.T) model.Reservation {
	t.Helper()
	var got model.Reservation
	eventually(t, func() bool {
		var list struct{ Reservations []model.Reservation }
		d.mustCall(t, "GET", d.workerPath("/Reservations"), url.Values{"ReservationStatus": {"pending"}}, &list)
		if len(list.Reservations) > 0 {
			got = list.Reservations[0]
			return true
		}
		return false
	}, func() string { return d.Email + " was offered nothing" })
	return got
}

// visitorChats starts a chat on the demo deployment and returns its
// conversation.
func (s *testServer) visitorChats(t *testing.T, name, question string) string {
	t.Helper()
	return s.guestChats(t, name, question).conversation
}

// ---- tests ----

func TestAnAgentSignsInAndAnswersAWebChat(t *testing.T) {
	s := startServer(t)
	ana := s.mustCreateAgent(t, "Ana@Example.com", "agent")
	if !strings.HasPrefix(ana.Identity, "agent_") || strings.Contains(ana.Identity, "ana") {
		t.Errorf("identity %q: want an opaque agent identity that does not carry the email", ana.Identity)
	}

	wrong, unknown := s.signIn(t, "ana@example.com", "not her password"), s.signIn(t, "nobody@example.com", agentPassword)
	wantTwilioErrorShape(t, wrong, http.StatusUnauthorized, 20003)
	if wrong.json["message"] != unknown.json["message"] {
		t.Errorf("a wrong password says %q but an unknown email %q: they must read the same", wrong.json["message"], unknown.json["message"])
	}

	desk := s.mustSignIn(t, ana)
	desk.goAvailable(t)
	conversation := s.visitorChats(t, "Ada", "Where is order 1234?")

	offer := desk.waitForOffer(t)
	var task model.Task
	desk.mustCall(t, "GET", "/taskrouter/v1/Workspaces/"+desk.WorkspaceSID+"/Tasks/"+offer.TaskSID, nil, &task)
	if !strings.Contains(task.Attributes, conversation) || !strings.Contains(task.Attributes, "Ada") {
		t.Errorf("the offered task's attributes %s should name the conversation %s and the customer", task.Attributes, conversation)
	}
	desk.mustCall(t, "POST", desk.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)

	// Accepting brings the agent into the conversation, with its history.
	var msgs struct{ Messages []model.Message }
	eventually(t, func() bool {
		_, err := desk.call("GET", "/conversations/v1/Conversations/"+conversation+"/Messages", nil, &msgs)
		return err == nil && len(msgs.Messages) > 0
	}, func() string { return "the agent cannot read the chat it accepted" })
	if last := msgs.Messages[len(msgs.Messages)-1]; last.Body == nil || *last.Body != "Where is order 1234?" {
		t.Errorf("the agent sees %+v, want the visitor's question last", last)
	}

	// A refreshed token works; signing out ends every token of the sign-in
	// and takes the agent offline.
	var login model.DeskLogin
	desk.mustCall(t, "POST", "/parley/v1/Desktop/Refresh", nil, &login)
	fresh := s.deskWith(ana, login.Token)
	fresh.mustCall(t, "GET", fresh.workerPath(""), nil, nil)
	fresh.mustCall(t, "POST", "/parley/v1/Desktop/SignOut", nil, nil)
	desk.wantRefused(t, http.StatusUnauthorized, "GET", desk.workerPath(""), nil)
	fresh.wantRefused(t, http.StatusUnauthorized, "GET", desk.workerPath(""), nil)
	var worker model.Worker
	if err := json2(s.get(t, desk.workerPath("")), &worker); err != nil || worker.ActivityName != "Offline" {
		t.Errorf("after sign-out the worker is %q (%v), want Offline", worker.ActivityName, err)
	}
}

func TestAgentsWorkOnlyTheirOwnChatsAndSupervisorsOnlyWatch(t *testing.T) {
	s := startServer(t)
	ana, ben := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent")), s.mustSignIn(t, s.mustCreateAgent(t, "ben@example.com", "agent"))
	sue := s.mustSignIn(t, s.mustCreateAgent(t, "sue@example.com", "supervisor"))
	ana.goAvailable(t)
	conversation := s.visitorChats(t, "Ada", "Hello?")
	offer := ana.waitForOffer(t)
	ws := "/taskrouter/v1/Workspaces/" + ana.WorkspaceSID

	// Ben reads the directory but not Ana's chat, task or reservations,
	// and cannot answer her offer or change her activity.
	ben.mustCall(t, "GET", ws+"/TaskQueues", nil, nil)
	ben.wantRefused(t, http.StatusForbidden, "GET", "/conversations/v1/Conversations/"+conversation+"/Messages", nil)
	ben.wantRefused(t, http.StatusForbidden, "GET", ws+"/Tasks/"+offer.TaskSID, nil)
	ben.wantRefused(t, http.StatusForbidden, "GET", ws+"/Tasks", nil)
	ben.wantRefused(t, http.StatusForbidden, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}})
	ben.wantRefused(t, http.StatusForbidden, "POST", ws+"/Tasks/"+offer.TaskSID+"/Reservations/"+offer.SID, url.Values{"ReservationStatus": {"accepted"}})
	ben.wantRefused(t, http.StatusForbidden, "POST", ana.workerPath(""), url.Values{"ActivitySid": {"WA00000000000000000000000000000000"}})
	// Nor may an agent reconfigure routing, its own worker's skills, or
	// the team.
	ben.wantRefused(t, http.StatusForbidden, "POST", ws+"/TaskQueues", url.Values{"FriendlyName": {"Mine"}})
	ben.wantRefused(t, http.StatusForbidden, "POST", ben.workerPath(""), url.Values{"Attributes": {`{"skills":["all"]}`}})
	ben.wantRefused(t, http.StatusForbidden, "POST", "/parley/v1/Agents", url.Values{"Email": {"x@example.com"}, "Password": {agentPassword}})
	ben.wantRefused(t, http.StatusForbidden, "GET", "/taskrouter/v1/Workspaces", nil)

	// Sue watches: she reads any chat and every task, without joining.
	sue.mustCall(t, "GET", "/conversations/v1/Conversations/"+conversation+"/Messages", nil, nil)
	sue.mustCall(t, "GET", ws+"/Tasks", nil, nil)
	for _, p := range mustListParticipants(t, s.tw, conversation) {
		if p.Identity != nil && *p.Identity == sue.Identity {
			t.Errorf("monitoring made the supervisor a participant the customer sees")
		}
	}
	// ... but never speaks as anyone else, nor answers Ana's offer.
	sue.wantRefused(t, http.StatusForbidden, "POST", "/conversations/v1/Conversations/"+conversation+"/Messages",
		url.Values{"Author": {"ana@example.com"}, "Body": {"hi"}})
	sue.wantRefused(t, http.StatusForbidden, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}})
	sess, err := client.Dial(context.Background(), client.SessionOptions{URL: s.baseURL,
		Token: func(context.Context) (string, error) { return sue.token, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if _, err := sess.Send(context.Background(), conversation, "psst", ""); err == nil {
		t.Errorf("a supervisor sent a message into a chat she only monitors")
	}

	// Ana answers her own offer.
	ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
}

func TestDesktopTokensDieWithTheAgentsPasswordOrAccount(t *testing.T) {
	s := startServer(t)
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	before := s.mustSignIn(t, ana)
	r := s.postForm(t, "/parley/v1/Agents/"+ana.SID, url.Values{"Password": {"a new long password"}})
	if r.status != http.StatusOK {
		t.Fatalf("change password: %d %s", r.status, r.text)
	}
	before.wantRefused(t, http.StatusUnauthorized, "GET", before.workerPath(""), nil)
	wantTwilioErrorShape(t, s.signIn(t, ana.Email, agentPassword), http.StatusUnauthorized, 20003)
	if r := s.signIn(t, ana.Email, "a new long password"); r.status != http.StatusOK {
		t.Fatalf("sign in with the new password: %d %s", r.status, r.text)
	}
	after := s.deskWith(ana, s.signIn(t, ana.Email, "a new long password").json["token"].(string))
	if r := s.do(t, rawRequest{method: http.MethodDelete, path: "/parley/v1/Agents/" + ana.SID}); r.status != http.StatusNoContent {
		t.Fatalf("delete agent: %d %s", r.status, r.text)
	}
	after.wantRefused(t, http.StatusUnauthorized, "GET", after.workerPath(""), nil)
	if r := s.get(t, after.workerPath("")); r.status != http.StatusNotFound {
		t.Errorf("the deleted agent's worker is still there: %d", r.status)
	}
}

func TestBadAgentRequestsAreRefusedSayingWhy(t *testing.T) {
	s := startServer(t)
	s.mustCreateAgent(t, "ana@example.com", "agent")
	for _, c := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no email", url.Values{"Password": {agentPassword}}, "Email is required"},
		{"bad email", url.Values{"Email": {"ana at example"}, "Password": {agentPassword}}, "not an email address"},
		{"short password", url.Values{"Email": {"b@example.com"}, "Password": {"short"}}, "at least 10"},
		{"unknown role", url.Values{"Email": {"b@example.com"}, "Password": {agentPassword}, "Role": {"boss"}}, "agent, supervisor, admin"},
		{"taken email", url.Values{"Email": {"ANA@example.com"}, "Password": {agentPassword}}, "already exists"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := s.postForm(t, "/parley/v1/Agents", c.form)
			if r.status/100 != 4 || !strings.Contains(fmt.Sprint(r.json["message"]), c.want) {
				t.Errorf("%d %s: want a 4xx saying %q", r.status, r.text, c.want)
			}
		})
	}
	// A forged desk grant, signed by an API key rather than Parley, grants nothing.
	r := s.do(t, rawRequest{method: http.MethodPost, path: "/parley/v1/Desktop/Refresh", noAuth: true,
		header: map[string]string{"Authorization": "Bearer " + s.mintToken(t, "ana@example.com")}})
	wantTwilioErrorShape(t, r, http.StatusUnauthorized, 20003)
	wantServing(t, s)
}

func TestSignInAttemptsAreRateLimited(t *testing.T) {
	s := startServerWith(t, func(c *Config) {
		c.SignInLimits = httpapi.SignInLimits{PerEmailAddress: 3}
	})
	ana := s.mustCreateAgent(t, "ana@example.com", "agent")
	for range 3 {
		wantTwilioErrorShape(t, s.signIn(t, ana.Email, "guessing wrong"), http.StatusUnauthorized, 20003)
	}
	// The right password does not help an address that has guessed too often.
	r := s.signIn(t, ana.Email, agentPassword)
	wantTwilioErrorShape(t, r, http.StatusTooManyRequests, 20429)
	if r.header.Get("Retry-After") == "" {
		t.Errorf("a 429 without Retry-After")
	}
	// Other agents are not locked out by it.
	ben := s.mustCreateAgent(t, "ben@example.com", "agent")
	s.mustSignIn(t, ben)
}

// json2 decodes a raw reply's body.
func json2(r reply, out any) error {
	if r.status/100 != 2 {
		return fmt.Errorf("status %d: %s", r.status, r.text)
	}
	return json.Unmarshal([]byte(r.text), out)
}
