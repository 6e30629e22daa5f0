package app

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	taskrouter "github.com/twilio/twilio-go/rest/taskrouter/v1"
)

// What an integrator's code sees of a visitor's rating, read with twilio-go
// as it reads Twilio: the conversation's attributes carry it under `csat`
// beside what was there; the TaskRouter task's attributes carry the score
// as `conversations.csat` beside Flex's, while the agent wraps up and once
// the task is completed; and the onCsatSubmitted webhook is signed as
// Twilio signs (checked with twilio-go's RequestValidator) and names the
// rating in its form fields.
func TestIntegratorsReadARatingWithTwilioGo(t *testing.T) {
	s := startServer(t)
	rc := startReceiver(t, s.app.Credentials.AuthToken)
	s.mustSendWebhooksTo(t, rc, "onCsatSubmitted")
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop"}, "Csat.Enabled": {"true"}})
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	ana.goAvailable(t)

	ada := s.visits(t, d.Key, "Ada", "Where is order 1234?")
	offer := ana.waitForOffer(t)
	ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	s.ends(t, ada)

	// Before the rating neither resource mentions one.
	c, err := s.tw.ConversationsV1.FetchConversation(ada.conversation)
	if err != nil {
		t.Fatal(err)
	}
	if attrs := jsonObject(t, c.Attributes); attrs["csat"] != nil {
		t.Fatalf("an unrated conversation's attributes carry %v", attrs["csat"])
	}
	task, err := s.tw.TaskrouterV1.FetchTask(ana.WorkspaceSID, offer.TaskSID)
	if err != nil {
		t.Fatal(err)
	}
	if conv, _ := jsonObject(t, task.Attributes)["conversations"].(map[string]any); conv["csat"] != nil {
		t.Fatalf("an unrated task's attributes carry conversations.csat %v", conv["csat"])
	}

	if r := s.rates(t, ada, ada.conversation, "4", "Quick and kind."); r.status != 201 {
		t.Fatalf("rating: %d %s", r.status, r.text)
	}

	// The conversation: attributes.csat, the visitor's answers still there.
	c, err = s.tw.ConversationsV1.FetchConversation(ada.conversation)
	if err != nil {
		t.Fatal(err)
	}
	attrs := jsonObject(t, c.Attributes)
	csat, _ := attrs["csat"].(map[string]any)
	if csat["score"] != float64(4) || csat["comment"] != "Quick and kind." || csat["channel"] != "web" {
		t.Errorf("FetchConversation's attributes carry the rating %v, want score 4, the comment, channel web", csat)
	}
	if rated, _ := csat["date_rated"].(string); !parsesAsTime(rated) {
		t.Errorf("the rating's date_rated is %q, want an RFC 3339 time", csat["date_rated"])
	}
	if attrs["pre_engagement_data"] == nil {
		t.Errorf("the rating replaced the conversation's other attributes: %s", str(c.Attributes))
	}
	if str(c.State) != "closed" {
		t.Errorf("the rated conversation is %q", str(c.State))
	}

	// The task: conversations.csat while Ana wraps up, Flex's attributes
	// kept, and still there once she completes it.
	var wrapping *taskrouter.TaskrouterV1Task
	eventually(t, func() bool {
		wrapping, err = s.tw.TaskrouterV1.FetchTask(ana.WorkspaceSID, offer.TaskSID)
		if err != nil {
			return false
		}
		conv, _ := jsonObject(t, wrapping.Attributes)["conversations"].(map[string]any)
		return conv["csat"] == float64(4)
	}, func() string {
		return "FetchTask's attributes never carried conversations.csat: " + str(wrapping.Attributes)
	})
	if str(wrapping.AssignmentStatus) != "wrapping" {
		t.Errorf("the rated task is %q, want wrapping", str(wrapping.AssignmentStatus))
	}
	if taskAttrs := jsonObject(t, wrapping.Attributes); taskAttrs["conversationSid"] != ada.conversation {
		t.Errorf("the task's Flex attributes were lost: %s", str(wrapping.Attributes))
	}
	done, err := s.tw.TaskrouterV1.UpdateTask(ana.WorkspaceSID, offer.TaskSID,
		(&taskrouter.UpdateTaskParams{}).SetAssignmentStatus("completed").SetReason("resolved"))
	if err != nil {
		t.Fatal(err)
	}
	completed, err := s.tw.TaskrouterV1.FetchTask(ana.WorkspaceSID, *done.Sid)
	if err != nil {
		t.Fatal(err)
	}
	if conv, _ := jsonObject(t, completed.Attributes)["conversations"].(map[string]any); str(completed.AssignmentStatus) != "completed" || conv["csat"] != float64(4) {
		t.Errorf("the completed task is %q with attributes %s, want conversations.csat 4", str(completed.AssignmentStatus), str(completed.Attributes))
	}

	// The webhook, as the integrator's endpoint receives it.
	eventually(t, func() bool { rc.mu.Lock(); defer rc.mu.Unlock(); return len(rc.got) == 1 },
		func() string { return "no onCsatSubmitted webhook" })
	rc.mu.Lock()
	got, bad := rc.got[0], rc.badSigns
	rc.mu.Unlock()
	if bad != 0 {
		t.Errorf("%d webhooks failed twilio-go's signature check", bad)
	}
	for field, want := range map[string]string{"EventType": "onCsatSubmitted", "ConversationSid": ada.conversation,
		"AccountSid": s.app.Credentials.AccountSID, "State": "closed", "Score": "4", "Comment": "Quick and kind.",
		"Channel": "web", "Source": "SDK"} {
		if got.Get(field) != want {
			t.Errorf("the webhook's %s is %q, want %q", field, got.Get(field), want)
		}
	}
	if !parsesAsTime(got.Get("DateRated")) {
		t.Errorf("the webhook's DateRated is %q", got.Get("DateRated"))
	}
	if hook := jsonObject(t, ptr(got.Get("Attributes"))); hook["csat"] == nil {
		t.Errorf("the webhook's Attributes carry no csat: %s", got.Get("Attributes"))
	}
}

// jsonObject decodes a resource's attributes, as an integrator does.
func jsonObject(t *testing.T, s *string) map[string]any {
	t.Helper()
	m := map[string]any{}
	if s == nil {
		return m
	}
	if err := json.Unmarshal([]byte(*s), &m); err != nil {
		t.Fatalf("attributes %q are not a JSON object: %v", *s, err)
	}
	return m
}

func parsesAsTime(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}
