package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"parley/server/channels"
	"parley/server/routing"
	"parley/shared/model"
)

// Texting customers their place in line (issue 28 §1): a customer of an
// SMS number who writes while their chat waits is told their place and
// the estimated wait, at most once per the number's minutes.

// textFrom is a Twilio inbound webhook's form from phone to our number.
func textFrom(phone, body, messageSID string) url.Values {
	v := textFromCustomer(body, messageSID)
	v.Set("From", phone)
	return v
}

// textsTo are the bodies Parley had Twilio send to phone, in order.
func (f *fakeTwilio) textsTo(phone string) []string {
	var out []string
	for _, m := range f.messages() {
		if m.Get("To") == phone {
			out = append(out, m.Get("Body"))
		}
	}
	return out
}

// queueTextsQueued counts the place-in-line texts Parley queued (any
// state): read right after an inbound webhook, it says whether that
// message queued one, with no wait for a text that may never come.
func (s *testServer) queueTextsQueued(t *testing.T) int {
	t.Helper()
	var list struct{ Deliveries []struct{ Kind string } }
	if err := json2(s.get(t, "/parley/v1/Deliveries?Kind="+channels.QueueTextKind+"&PageSize=1000"), &list); err != nil {
		t.Fatal(err)
	}
	return len(list.Deliveries)
}

// conversationOf is the open conversation a phone started (named after it).
func (s *testServer) conversationOf(t *testing.T, phone string) string {
	t.Helper()
	var convs struct{ Conversations []model.Conversation }
	json2(s.get(t, "/conversations/v1/Conversations?PageSize=100"), &convs)
	for _, c := range convs.Conversations {
		if c.FriendlyName != nil && *c.FriendlyName == phone && c.State == "active" {
			return c.SID
		}
	}
	t.Fatalf("no open conversation from %s", phone)
	return ""
}

// mustAddQueueNumber configures our SMS number routed to the desk, with
// tweaks to its form.
func (s *testServer) mustAddQueueNumber(t *testing.T, extra url.Values) {
	t.Helper()
	form := url.Values{"Type": {"sms"}, "Address": {ourNumber}, "AutoCreation.Enabled": {"true"},
		"AutoCreation.Type": {"default"}, "Parley.Adapter": {"twilio"}}
	for k, v := range extra {
		form[k] = v
	}
	if r := s.postForm(t, "/conversations/v1/Configuration/Addresses", form); r.status != http.StatusCreated {
		t.Fatalf("add number: %d %s", r.status, r.text)
	}
}

const (
	wandaPhone = "+15551230001"
	adaPhone   = "+15551230002"
	bobPhone   = "+15551230003"
	cyPhone    = "+15551230004"
)

// Cy writes while 2nd in line and is texted his place and wait; writing
// again within the number's 5 minutes texts nothing (across a restart
// too); 5 minutes on, with the queue moved, he is told his new place. Ada,
// whom Ana has accepted, is told nothing when she writes; every message
// still reaches its conversation.
func TestAWaitingSMSCustomerWhoWritesIsTextedTheirPlace(t *testing.T) {
	clock := &shiftedClock{}
	twilio := startFakeTwilio(t)
	dir := t.TempDir()
	start := func() *testServer {
		s := startServerWithChannels(t, twilio.URL, func(c *Config) { c.Now, c.DataDir = clock.Now, dir })
		s.app.Routing.(*routing.Service).SetClock(clock.Now) // handle times measured in the test's minutes
		return s
	}
	s := start()
	s.mustAddQueueNumber(t, url.Values{"Parley.QueueUpdates.Minutes": {"5"}})
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	ana.mustCall(t, "POST", ana.workerPath("/Channels/sms"), url.Values{"Capacity": {"1"}}, nil)
	ana.goAvailable(t)
	finish := func(taskSID string) {
		for _, st := range []string{"wrapping", "completed"} {
			ana.mustCall(t, "POST", "/taskrouter/v1/Workspaces/"+ana.WorkspaceSID+"/Tasks/"+taskSID, url.Values{"AssignmentStatus": {st}}, nil)
		}
	}
	accept := func() model.Reservation {
		offer := ana.waitForOffer(t)
		ana.mustCall(t, "POST", ana.workerPath("/Reservations/"+offer.SID), url.Values{"ReservationStatus": {"accepted"}}, nil)
		return offer
	}
	post := func(phone, body, messageSID string) {
		t.Helper()
		if r := s.twilioPosts(t, httpapi_TwilioInbound, textFrom(phone, body, messageSID), twilioTestAuth); r.status != http.StatusOK {
			t.Fatalf("inbound %s: %d %s", messageSID, r.status, r.text)
		}
	}

	// Wanda's chat takes Ana 4 minutes: routing now knows the pace.
	post(wandaPhone, "Hi", "SM0001")
	wanda := accept()
	clock.Set(time.Now().Add(4 * time.Minute))
	finish(wanda.TaskSID)

	// Ana takes Ada's chat; Bob and Cy wait behind it.
	post(adaPhone, "Where is my parcel?", "SM0002")
	ada := accept()
	post(bobPhone, "My bill is wrong", "SM0003")
	post(cyPhone, "I cannot sign in", "SM0004")
	if n := s.queueTextsQueued(t); n != 0 {
		t.Fatalf("%d place texts queued for first messages, want none: a chat is only starting to wait", n)
	}

	// Cy writes again: he is 2nd, and one chat of 4 minutes ahead of him
	// and Bob's make 8.
	post(cyPhone, "Hello? Anyone there?", "SM0005")
	const cyFirst = "You are 2nd in line. Estimated wait: about 8 minutes."
	eventually(t, func() bool { return len(twilio.textsTo(cyPhone)) == 1 },
		func() string { return "Cy was texted " + strings.Join(twilio.textsTo(cyPhone), " | ") })
	if got := twilio.textsTo(cyPhone)[0]; got != cyFirst {
		t.Errorf("Cy was texted %q, want %q", got, cyFirst)
	}
	cy := s.conversationOf(t, cyPhone)
	if msgs := s.messagesOf(t, cy); len(msgs) != 2 || *msgs[1].Body != "Hello? Anyone there?" {
		t.Errorf("Cy's conversation holds %d messages, want his two", len(msgs))
	}

	// Within 5 minutes: nothing more.
	clock.Set(time.Now().Add(8*time.Minute + 30*time.Second))
	post(cyPhone, "Still there?", "SM0006")
	if n := s.queueTextsQueued(t); n != 1 {
		t.Fatalf("%d place texts queued, want Cy's one: he was told 4 minutes 30 ago", n)
	}

	// Ada, whom Ana has, writes: she is not in line.
	post(adaPhone, "Thanks, waiting for your answer", "SM0007")
	if n := s.queueTextsQueued(t); n != 1 {
		t.Fatalf("%d place texts queued, want none for Ada, whose chat an agent has", n)
	}

	// Five minutes after his text Ana has finished Ada's chat and taken
	// Bob's: Cy is next.
	clock.Set(time.Now().Add(9 * time.Minute))
	finish(ada.TaskSID)
	accept()
	post(cyPhone, "Anyone?", "SM0008")
	eventually(t, func() bool { return len(twilio.textsTo(cyPhone)) == 2 },
		func() string { return "Cy was texted " + strings.Join(twilio.textsTo(cyPhone), " | ") })
	if got := twilio.textsTo(cyPhone)[1]; !strings.HasPrefix(got, "You are next in line. Estimated wait: about ") {
		t.Errorf("Cy's second text: %q, want that he is next, with an estimate", got)
	}

	// What was sent when is kept with the data: a restart does not text
	// him again within the 5 minutes.
	s.stop()
	s = start()
	if r := s.get(t, "/conversations/v1/Conversations/"+cy+"/QueuePosition"); r.json["position"] != float64(1) {
		t.Fatalf("Cy's place after the restart: %s, want still next (so a text would be due but for the limit)", r.text)
	}
	post(cyPhone, "Hello??", "SM0009")
	if n := s.queueTextsQueued(t); n != 2 {
		t.Fatalf("%d place texts queued after a restart, want Cy's two still", n)
	}
	if msgs := s.messagesOf(t, cy); len(msgs) != 5 {
		t.Errorf("Cy's conversation holds %d messages, want his five", len(msgs))
	}
	if texts := twilio.textsTo(adaPhone); len(texts) != 0 {
		t.Errorf("Ada was texted %q", texts)
	}
	if texts := twilio.textsTo(bobPhone); len(texts) != 0 {
		t.Errorf("Bob, who wrote once, was texted %q", texts)
	}
}

// A number that does not say to send nothing: a waiting customer who
// writes is not texted, and their message goes in as always.
func TestPlaceTextsAreOffByDefault(t *testing.T) {
	twilio := startFakeTwilio(t)
	s := startServerWithChannels(t, twilio.URL, nil)
	s.mustAddQueueNumber(t, nil)
	for i, body := range []string{"Hi", "Hello?", "Anyone?"} {
		if r := s.twilioPosts(t, httpapi_TwilioInbound, textFrom(cyPhone, body, "SM000"+string(rune('1'+i))), twilioTestAuth); r.status != http.StatusOK {
			t.Fatalf("inbound: %d %s", r.status, r.text)
		}
	}
	cy := s.conversationOf(t, cyPhone)
	if r := s.get(t, "/conversations/v1/Conversations/"+cy+"/QueuePosition"); r.json["position"] != float64(1) {
		t.Fatalf("Cy's place: %s, want 1st (no agent)", r.text)
	}
	if n := s.queueTextsQueued(t); n != 0 {
		t.Errorf("%d place texts queued with the setting off", n)
	}
	if msgs := s.messagesOf(t, cy); len(msgs) != 3 {
		t.Errorf("Cy's conversation holds %d messages, want 3", len(msgs))
	}
	if texts := twilio.textsTo(cyPhone); len(texts) != 0 {
		t.Errorf("Cy was texted %q", texts)
	}
}

// The setting is read back, bounded, and refused with the field's name
// where it has no meaning.
func TestPlaceTextSettingIsValidated(t *testing.T) {
	s := startServerWithChannels(t, "http://127.0.0.1:9", nil)
	s.mustAddQueueNumber(t, url.Values{"Parley.QueueUpdates.Minutes": {"10"}})
	var list struct {
		AddressConfigurations []map[string]any `json:"address_configurations"`
	}
	json2(s.get(t, "/conversations/v1/Configuration/Addresses?Type=sms"), &list)
	if len(list.AddressConfigurations) != 1 {
		t.Fatalf("addresses: %+v", list)
	}
	a := list.AddressConfigurations[0]
	parley, _ := a["parley"].(map[string]any)
	qu, _ := parley["queue_updates"].(map[string]any)
	if qu["minutes"] != float64(10) {
		t.Errorf("the address reads %v, want queue_updates.minutes 10", parley)
	}
	path := "/conversations/v1/Configuration/Addresses/" + a["sid"].(string)
	for _, bad := range []string{"-1", "1441", "soon"} {
		r := s.postForm(t, path, url.Values{"Parley.QueueUpdates.Minutes": {bad}})
		wantTwilioErrorShape(t, r, http.StatusBadRequest, 0)
		if msg, _ := r.json["message"].(string); !strings.Contains(msg, "Parley.QueueUpdates.Minutes") {
			t.Errorf("%s: the error %q does not name Parley.QueueUpdates.Minutes", bad, msg)
		}
	}
	// 0 turns it off: the address reads as it did before.
	r := s.postForm(t, path, url.Values{"Parley.QueueUpdates.Minutes": {"0"}})
	if parley, _ := r.json["parley"].(map[string]any); r.status != http.StatusOK || parley["queue_updates"] != nil {
		t.Errorf("turned off: %d %s", r.status, r.text)
	}
	web := s.postForm(t, "/conversations/v1/Configuration/Addresses", url.Values{"Type": {"chat"}, "Address": {"support"},
		"Parley.QueueUpdates.Minutes": {"5"}})
	wantTwilioErrorShape(t, web, http.StatusBadRequest, 0)
	if msg, _ := web.json["message"].(string); !strings.Contains(msg, "Parley.QueueUpdates") {
		t.Errorf("a chat address with the setting: %q", msg)
	}
}
