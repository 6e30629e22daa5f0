package app

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"parley/shared/model"
)

// ---- helpers ----

const ratingPath = "/flex/v2/Webchat/Rating"

// visitor is a web visitor's chat, as Init gave it.
type visitor struct{ key, token, conversation string }

// visits starts a chat on deployment key as a browser on the server's own
// page (the widget's iframe) does.
func (s *testServer) visits(t *testing.T, key, name, question string) visitor {
	t.Helper()
	r := s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, startChat(key, name, question))
	if r.status != http.StatusOK {
		t.Fatalf("init: %d %s", r.status, r.text)
	}
	return visitor{key: key, token: r.json["token"].(string), conversation: r.json["conversation_sid"].(string)}
}

// ends ends the visitor's chat from the widget.
func (s *testServer) ends(t *testing.T, v visitor) {
	t.Helper()
	r := s.guest(t, "/flex/v2/Webchat/End", s.baseURL, url.Values{"DeploymentKey": {v.key}, "Token": {v.token}, "ConversationSid": {v.conversation}})
	if r.status != http.StatusOK {
		t.Fatalf("end: %d %s", r.status, r.text)
	}
}

// rates sends the rating the widget sends, for conversation, with v's token.
func (s *testServer) rates(t *testing.T, v visitor, conversation, score, comment string) reply {
	t.Helper()
	return s.guest(t, ratingPath, s.baseURL, url.Values{"DeploymentKey": {v.key}, "Token": {v.token},
		"ConversationSid": {conversation}, "Score": {score}, "Comment": {comment}})
}

// ratingOf reads a conversation's rating from its attributes, as the
// account (and any integrator) reads it.
func (s *testServer) ratingOf(t *testing.T, conversation string) map[string]any {
	t.Helper()
	var c model.Conversation
	if err := json2(s.get(t, "/conversations/v1/Conversations/"+conversation), &c); err != nil {
		t.Fatal(err)
	}
	var attrs map[string]any
	json.Unmarshal([]byte(c.Attributes), &attrs)
	r, _ := attrs["csat"].(map[string]any)
	return r
}

// ---- tests ----

// A visitor whose chat ended rates it once: the rating is on the
// conversation, on its task for the reports (with the response rate), and
// announced to the integrator's webhook.
func TestAVisitorRatesTheirEndedChatOnceAndReportsAndWebhooksHearOfIt(t *testing.T) {
	s := startServer(t)
	rc := startReceiver(t, s.app.Credentials.AuthToken)
	s.mustSendWebhooksTo(t, rc, "onCsatSubmitted")
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Shop"}, "Csat.Enabled": {"true"},
		"Csat.Question.fr": {"Êtes-vous satisfait ?"}})
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	ana.goAvailable(t)

	ada := s.visits(t, d.Key, "Ada", "Where is order 1234?")
	offer := ana.waitForOffer(t)
	ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	s.ends(t, ada)

	r := s.rates(t, ada, ada.conversation, "4", "  Quick and kind.  ")
	if r.status != http.StatusCreated || r.json["score"] != float64(4) || r.json["comment"] != "Quick and kind." {
		t.Fatalf("rating: %d %s", r.status, r.text)
	}
	if got := s.ratingOf(t, ada.conversation); got["score"] != float64(4) || got["comment"] != "Quick and kind." ||
		got["channel"] != "web" || got["date_rated"] == nil {
		t.Errorf("the conversation's attributes carry the rating %v", got)
	}
	// Twice is once too many: the first answer stands.
	again := s.rates(t, ada, ada.conversation, "1", "")
	wantTwilioErrorShape(t, again, http.StatusConflict, 20400)
	if got := s.ratingOf(t, ada.conversation); got["score"] != float64(4) {
		t.Errorf("a second rating changed the first: %v", got)
	}

	// The reports average it and count the survey's answers: Bob left
	// without rating, so one in two ended chats was rated.
	bob := s.visits(t, d.Key, "Bob", "Hello?")
	ana.waitForOffer(t)
	s.ends(t, bob)
	var rep model.ConversationReport
	eventually(t, func() bool {
		rep = s.mustReadReport(t, reportAround(time.Now()))
		return rep.Totals.CSATCount == 1 && rep.Totals.Ended == 2
	}, func() string { b, _ := json.Marshal(rep.Totals); return "the report's totals are " + string(b) })
	if rep.Totals.CSATAvg == nil || *rep.Totals.CSATAvg != 4 || rep.Totals.CSATResponseRate == nil || *rep.Totals.CSATResponseRate != 0.5 {
		b, _ := json.Marshal(rep.Totals)
		t.Errorf("the report's totals %s, want csat_avg 4 and csat_response_rate 0.5", b)
	}

	eventually(t, func() bool { return len(rc.events()) == 1 }, func() string { return strings.Join(rc.events(), "; ") })
	rc.mu.Lock()
	got := rc.got[0]
	rc.mu.Unlock()
	if got.Get("EventType") != "onCsatSubmitted" || got.Get("ConversationSid") != ada.conversation || got.Get("Score") != "4" ||
		got.Get("Comment") != "Quick and kind." || got.Get("Source") != "SDK" {
		t.Errorf("the webhook said %v", got)
	}
}

// The attacks: only the conversation's own customer rates it, once, after
// it ended, from 1 to 5, with a comment of bounded length, and only where
// the deployment asks. Every refusal is in the API's error shape.
func TestRatingsAreRefusedToOthersTooEarlyTwiceAndOutOfRange(t *testing.T) {
	s := startServer(t)
	d := s.createDeployment(t, url.Values{"Csat.Enabled": {"true"}})
	ada := s.visits(t, d.Key, "Ada", "Question one")
	eve := s.visits(t, d.Key, "Eve", "Question two")

	// A chat still going cannot be rated.
	wantTwilioErrorShape(t, s.rates(t, ada, ada.conversation, "5", ""), http.StatusConflict, 20400)
	s.ends(t, ada)

	// Another visitor cannot rate Ada's chat, nor learn whether it exists.
	wantTwilioErrorShape(t, s.rates(t, eve, ada.conversation, "1", "spite"), http.StatusForbidden, 20403)
	wantTwilioErrorShape(t, s.rates(t, eve, "CH00000000000000000000000000000000", "1", ""), http.StatusForbidden, 20403)
	// A forged or missing token is no visitor at all.
	wantTwilioErrorShape(t, s.rates(t, visitor{key: d.Key, token: "not.a.token"}, ada.conversation, "1", ""), http.StatusUnauthorized, 20003)
	// Another deployment's visitor is refused by this one.
	other := s.createDeployment(t, url.Values{"Csat.Enabled": {"true"}})
	mallory := s.visits(t, other.Key, "Mallory", "Hi")
	wantTwilioErrorShape(t, s.rates(t, visitor{key: d.Key, token: mallory.token}, ada.conversation, "1", ""), http.StatusUnauthorized, 20003)

	// Out of range, not a number, a comment too long.
	for _, score := range []string{"0", "6", "-1", "4.5", "five", ""} {
		r := s.rates(t, ada, ada.conversation, score, "")
		wantTwilioErrorShape(t, r, http.StatusBadRequest, 20400)
	}
	wantTwilioErrorShape(t, s.rates(t, ada, ada.conversation, "3", strings.Repeat("é", 1001)), http.StatusBadRequest, 20400)
	if got := s.ratingOf(t, ada.conversation); got != nil {
		t.Fatalf("refused ratings left %v on the conversation", got)
	}

	// Ada's own rating is taken once.
	if r := s.rates(t, ada, ada.conversation, "2", strings.Repeat("é", 1000)); r.status != http.StatusCreated {
		t.Fatalf("Ada's rating: %d %s", r.status, r.text)
	}
	wantTwilioErrorShape(t, s.rates(t, ada, ada.conversation, "5", ""), http.StatusConflict, 20400)

	// A deployment that does not ask takes no ratings.
	off := s.createDeployment(t, nil)
	bob := s.visits(t, off.Key, "Bob", "Hi")
	s.ends(t, bob)
	wantTwilioErrorShape(t, s.rates(t, bob, bob.conversation, "5", ""), http.StatusForbidden, 20403)
}

// The deployments API takes the survey's settings and names the field at
// fault when one is wrong.
func TestADeploymentsSurveySettingsAreCheckedFieldByField(t *testing.T) {
	s := startServer(t)
	r := s.postForm(t, "/parley/v1/Deployments", url.Values{})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.text)
	}
	csat, _ := r.json["csat"].(map[string]any)
	if csat["enabled"] != false || csat["comment"] != true {
		t.Errorf("a new deployment's survey is %v, want off with a comment box", r.json["csat"])
	}
	key := r.json["key"].(string)
	r = s.postForm(t, "/parley/v1/Deployments/"+key, url.Values{"Csat.Enabled": {"true"}, "Csat.Comment": {"false"},
		"Csat.Question.ar": {"ما رأيك؟"}})
	csat, _ = r.json["csat"].(map[string]any)
	if r.status != http.StatusOK || csat["enabled"] != true || csat["comment"] != false ||
		csat["questions"].(map[string]any)["ar"] != "ما رأيك؟" {
		t.Fatalf("update: %d %s", r.status, r.text)
	}
	for _, c := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"Csat.Enabled": {"maybe"}}, "Csat.Enabled"},
		{url.Values{"Csat.Question.de": {"Wie war's?"}}, "Csat.Question.de"},
		{url.Values{"Csat.Question.en": {strings.Repeat("x", 201)}}, "Csat.Question.en"},
		{url.Values{"Csat.Question.fr": {"Vous\u202eêtes"}}, "Csat.Question.fr"},
	} {
		r := s.postForm(t, "/parley/v1/Deployments/"+key, c.form)
		wantTwilioErrorShape(t, r, http.StatusBadRequest, 20400)
		if msg, _ := r.json["message"].(string); !strings.Contains(msg, c.field) {
			t.Errorf("%v: the error %q does not name %s", c.form, msg, c.field)
		}
	}
	// An empty question goes back to the default wording.
	r = s.postForm(t, "/parley/v1/Deployments/"+key, url.Values{"Csat.Question.ar": {""}})
	if csat, _ = r.json["csat"].(map[string]any); csat["questions"] != nil {
		t.Errorf("the question was not cleared: %v", r.json["csat"])
	}
}

// A texting customer is asked for a rating when the chat ends, and their
// bare digit is the rating, thanked and not routed as a new chat; their
// next real question is a new chat, as before.
func TestAnSMSCustomerRatesByReplyingWithADigit(t *testing.T) {
	twilio := startFakeTwilio(t)
	s := startServerWithChannels(t, twilio.URL, nil)
	r := s.postForm(t, "/conversations/v1/Configuration/Addresses", url.Values{"Type": {"sms"}, "Address": {ourNumber},
		"AutoCreation.Enabled": {"true"}, "AutoCreation.Type": {"default"}, "Parley.Adapter": {"twilio"},
		"Parley.Csat.Enabled": {"true"}})
	if r.status != http.StatusCreated {
		t.Fatalf("add number: %d %s", r.status, r.text)
	}
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	ana.goAvailable(t)

	s.twilioPosts(t, httpapi_TwilioInbound, textFromCustomer("My parcel is late", "SM0001"), twilioTestAuth)
	offer := ana.waitForOffer(t)
	ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
	var convs struct{ Conversations []model.Conversation }
	json2(s.get(t, "/conversations/v1/Conversations"), &convs)
	first := convs.Conversations[0].SID

	// A digit while the chat goes on is part of the chat.
	s.twilioPosts(t, httpapi_TwilioInbound, textFromCustomer("2", "SM0002"), twilioTestAuth)
	if msgs := s.messagesOf(t, first); len(msgs) != 2 || *msgs[1].Body != "2" {
		t.Fatalf("the open chat holds %d messages, want the digit in it", len(msgs))
	}

	// Ana ends the chat; the customer is asked.
	mustCloseConversation(t, s.tw, first)
	eventually(t, func() bool { return len(twilio.messages()) == 1 }, func() string { return "no question was texted" })
	if q := twilio.messages()[0]; q.Get("To") != customerPhone || q.Get("From") != ourNumber || !strings.Contains(q.Get("Body"), "1 (very poor) to 5") {
		t.Errorf("the question texted: %v", q)
	}
	if got := s.ratingOf(t, first); got["date_asked"] == nil || got["score"] != nil {
		t.Errorf("the conversation is not marked asked: %v", got)
	}

	// The reply " 5 " is the rating: thanked, not a new chat.
	if r := s.twilioPosts(t, httpapi_TwilioInbound, textFromCustomer(" 5 ", "SM0003"), twilioTestAuth); r.status != http.StatusOK {
		t.Fatalf("the rating's webhook: %d %s", r.status, r.text)
	}
	if got := s.ratingOf(t, first); got["score"] != float64(5) || got["channel"] != "sms" {
		t.Errorf("the rating on the conversation: %v", got)
	}
	eventually(t, func() bool { return len(twilio.messages()) == 2 }, func() string { return "no thanks was texted" })
	if thanks := twilio.messages()[1].Get("Body"); !strings.Contains(thanks, "Thank you") {
		t.Errorf("the thanks said %q", thanks)
	}
	// Twilio retries the same webhook; the customer taps 5 again: neither
	// is a chat.
	s.twilioPosts(t, httpapi_TwilioInbound, textFromCustomer(" 5 ", "SM0003"), twilioTestAuth)
	s.twilioPosts(t, httpapi_TwilioInbound, textFromCustomer("5", "SM0004"), twilioTestAuth)
	json2(s.get(t, "/conversations/v1/Conversations"), &convs)
	if len(convs.Conversations) != 1 {
		t.Fatalf("%d conversations after the rating, want the one chat", len(convs.Conversations))
	}

	// The rating reached the task's score in the reports.
	var rep model.ConversationReport
	eventually(t, func() bool {
		rep = s.mustReadReport(t, reportAround(time.Now()))
		return rep.Totals.CSATCount == 1
	}, func() string { b, _ := json.Marshal(rep.Totals); return "the report's totals are " + string(b) })
	if *rep.Totals.CSATAvg != 5 {
		t.Errorf("the report's average is %v, want 5", *rep.Totals.CSATAvg)
	}

	// Ana is still wrapping up: the task she holds shows the score too.
	eventually(t, func() bool {
		var task model.Task
		ana.mustCall(t, "GET", "/taskrouter/v1/Workspaces/"+ana.WorkspaceSID+"/Tasks/"+offer.TaskSID, nil, &task)
		var attrs struct {
			Conversations struct {
				CSAT float64 `json:"csat"`
			} `json:"conversations"`
		}
		json.Unmarshal([]byte(task.Attributes), &attrs)
		return task.AssignmentStatus == "wrapping" && attrs.Conversations.CSAT == 5
	}, func() string { return "the wrapping task's attributes have no conversations.csat" })

	// Anything else is a new chat, routed as always (once Ana has wrapped
	// up the first).
	ana.mustCall(t, "POST", "/taskrouter/v1/Workspaces/"+ana.WorkspaceSID+"/Tasks/"+offer.TaskSID,
		url.Values{"AssignmentStatus": {"completed"}}, nil)
	s.twilioPosts(t, httpapi_TwilioInbound, textFromCustomer("5 more parcels are late", "SM0005"), twilioTestAuth)
	json2(s.get(t, "/conversations/v1/Conversations"), &convs)
	if len(convs.Conversations) != 2 {
		t.Fatalf("%d conversations, want a new chat for the new question", len(convs.Conversations))
	}
	ana.waitForOffer(t)
}
