package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley/server/conversations"
	"parley/server/webchat"
	"parley/shared/model"
)

// shiftedClock is the clock a test moves: real time shifted by an offset, so
// that tokens and timers keep running while the test jumps to an hour of
// its choosing.
type shiftedClock struct{ offset atomic.Int64 }

func (c *shiftedClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Set makes now t.
func (c *shiftedClock) Set(t time.Time) { c.offset.Store(int64(time.Until(t))) }

// nextWeekday is the first day of the week wd after now, at hh:mm in loc.
func nextWeekday(now time.Time, wd time.Weekday, hh, mm int, loc *time.Location) time.Time {
	l := now.In(loc)
	days := (int(wd) - int(l.Weekday()) + 7) % 7
	if days == 0 {
		days = 7
	}
	return time.Date(l.Year(), l.Month(), l.Day()+days, hh, mm, 0, 0, loc)
}

// officeHours is a team in Paris, in Monday to Friday from 09:00 to 17:00.
const officeHours = `{"time_zone": "Europe/Paris", "weekly": {"monday": ["09:00-17:00"], "tuesday": ["09:00-17:00"],
	"wednesday": ["09:00-17:00"], "thursday": ["09:00-17:00"], "friday": ["09:00-17:00"]}}`

// offlineMessage is the offline form's answers.
func offlineMessage(key, name, email, message string) url.Values {
	data, _ := json.Marshal(map[string]string{"friendlyName": name, "email": email, "question": message})
	return url.Values{"DeploymentKey": {key}, "PreEngagementData": {string(data)}}
}

// Business hours are set and shown through the deployments API, and
// schedules that cannot be are refused in Twilio's error shape with the
// bad field named.
func TestBusinessHoursThroughTheDeploymentsAPI(t *testing.T) {
	s := startServer(t)
	d := s.createDeployment(t, url.Values{"BusinessHours": {officeHours}})
	got := s.get(t, "/parley/v1/Deployments/"+d.Key)
	bh, _ := got.json["business_hours"].(map[string]any)
	if bh["time_zone"] != "Europe/Paris" || !strings.Contains(got.text, `"monday":["09:00-17:00"]`) || !strings.Contains(got.text, `"sunday":[]`) {
		t.Fatalf("the deployment shows its hours as %s", got.text)
	}

	bad := []struct{ name, hours, says string }{
		{"an unknown zone", `{"time_zone": "Europe/Pariss"}`, `BusinessHours.time_zone "Europe/Pariss" is not an IANA time zone`},
		{"no zone", `{"weekly": {"monday": ["09:00-17:00"]}}`, "BusinessHours.time_zone is required"},
		{"overlapping ranges", `{"time_zone": "UTC", "weekly": {"monday": ["09:00-12:30", "12:00-17:00"]}}`,
			"BusinessHours.weekly.monday[1] 12:00-17:00 overlaps 09:00-12:30"},
		{"an end before the start", `{"time_zone": "UTC", "weekly": {"friday": ["22:00-02:00"]}}`, "BusinessHours.weekly.friday[0]"},
		{"a malformed time", `{"time_zone": "UTC", "weekly": {"friday": ["9am-5pm"]}}`, "BusinessHours.weekly.friday[0]"},
		{"an unknown day", `{"time_zone": "UTC", "weekly": {"funday": []}}`, "BusinessHours.weekly.funday is not a day"},
		{"a bad date", `{"time_zone": "UTC", "holidays": [{"date": "2026-13-01"}]}`, `BusinessHours.holidays[0].date "2026-13-01" is not a date`},
		{"not JSON", `monday 9 to 5`, "BusinessHours.(document)"},
	}
	for _, tc := range bad {
		r := s.postForm(t, "/parley/v1/Deployments/"+d.Key, url.Values{"BusinessHours": {tc.hours}})
		wantTwilioErrorShape(t, r, http.StatusBadRequest, 0)
		if msg, _ := r.json["message"].(string); !strings.Contains(msg, tc.says) {
			t.Errorf("%s: message %q does not say %q", tc.name, msg, tc.says)
		}
	}
	// Refused changes left the hours as they were; an empty value removes them.
	if got := s.get(t, "/parley/v1/Deployments/"+d.Key); !strings.Contains(got.text, `"Europe/Paris"`) {
		t.Errorf("a refused change altered the hours: %s", got.text)
	}
	if r := s.postForm(t, "/parley/v1/Deployments/"+d.Key, url.Values{"BusinessHours": {""}}); r.status != 200 ||
		!strings.Contains(r.text, `"business_hours":null`) {
		t.Errorf("removing the hours: %d %s", r.status, r.text)
	}
}

// A message left on Saturday evening is kept as a conversation (the
// visitor's message first, their email where the form's goes) and not
// routed; when the team opens on Monday at 09:00 it becomes a task, the
// messages in the order they were left, and an agent is offered it.
func TestAnOfflineMessageIsRoutedWhenTheTeamOpens(t *testing.T) {
	clock := &shiftedClock{}
	paris, _ := time.LoadLocation("Europe/Paris")
	saturday := nextWeekday(time.Now(), time.Saturday, 20, 0, paris)
	clock.Set(saturday)
	s := startServerWith(t, func(c *Config) {
		c.GuestLimits = startServerLimits
		c.Now = clock.Now
		c.HoursInterval = 20 * time.Millisecond
	})
	d := s.createDeployment(t, url.Values{"BusinessHours": {officeHours}, "WelcomeMessage": {"Hello!"}})

	// The offline form wants an email, and a real one.
	r := s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, startChat(d.Key, "Ada", "Is my order shipped?"))
	wantTwilioErrorShape(t, r, http.StatusBadRequest, 0)
	if msg, _ := r.json["message"].(string); !strings.Contains(msg, "PreEngagementData.email is required") {
		t.Errorf("a message without an email: %q", msg)
	}
	r = s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, offlineMessage(d.Key, "Ada", "ada@", "Is my order shipped?"))
	if msg, _ := r.json["message"].(string); r.status != 400 || !strings.Contains(msg, "not an email address") {
		t.Errorf("a message with a bad email: %d %q", r.status, msg)
	}

	// Who routed what, in order: the app's own routing, watched.
	var mu sync.Mutex
	var routed []string
	route := s.app.Webchat.Started
	s.app.Webchat.Started = func(ctx context.Context, dep webchat.Deployment, c conversations.Conversation) error {
		mu.Lock()
		routed = append(routed, c.SID)
		mu.Unlock()
		return route(ctx, dep, c)
	}
	var left []string
	for _, who := range []string{"Ada", "Bob"} {
		r := s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, offlineMessage(d.Key, who, strings.ToLower(who)+"@example.com", who+" asks: is my order shipped?"))
		if r.status != http.StatusOK {
			t.Fatalf("leaving a message: %d %s", r.status, r.text)
		}
		away, _ := r.json["away"].(map[string]any)
		if want := nextWeekday(saturday, time.Monday, 9, 0, paris).Format(time.RFC3339); away["back_at"] != want || away["time_zone"] != "Europe/Paris" {
			t.Errorf("init says %v; want the team back at %s", r.json["away"], want)
		}
		left = append(left, r.json["conversation_sid"].(string))
	}
	c, err := s.tw.ConversationsV1.FetchConversation(left[0])
	if err != nil {
		t.Fatal(err)
	}
	var attrs struct {
		PreEngagement map[string]string `json:"pre_engagement_data"`
	}
	json.Unmarshal([]byte(*c.Attributes), &attrs)
	if attrs.PreEngagement["email"] != "ada@example.com" {
		t.Errorf("the email is not where the form's answer goes: %s", *c.Attributes)
	}
	msgs := s.messagesOf(t, left[0])
	if len(msgs) != 1 || msgs[0].Body == nil || *msgs[0].Body != "Ada asks: is my order shipped?" {
		t.Errorf("the conversation should hold the message alone (no welcome: nobody is in), got %+v", msgs)
	}

	// Saturday night and Sunday pass: nothing is routed.
	for _, at := range []time.Time{saturday.Add(3 * time.Hour), nextWeekday(saturday, time.Monday, 8, 59, paris)} {
		clock.Set(at)
		time.Sleep(150 * time.Millisecond) // several checks
		mu.Lock()
		n := len(routed)
		mu.Unlock()
		if n != 0 || s.countRows(t, "webchat_held") != 2 {
			t.Fatalf("at %s, %d chats were routed and %d are held; want none routed, both held", at, n, s.countRows(t, "webchat_held"))
		}
	}

	// Monday 09:00: the team is in.
	clock.Set(nextWeekday(saturday, time.Monday, 9, 0, paris))
	eventually(t, func() bool { return s.countRows(t, "webchat_held") == 0 }, func() string { return "the held chats were not routed at opening" })
	mu.Lock()
	if len(routed) != 2 || routed[0] != left[0] || routed[1] != left[1] {
		t.Errorf("routed %v; want %v, in the order they were left", routed, left)
	}
	mu.Unlock()
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	ana.goAvailable(t)
	offer := ana.waitForOffer(t)
	var task model.Task
	ana.mustCall(t, "GET", "/taskrouter/v1/Workspaces/"+ana.WorkspaceSID+"/Tasks/"+offer.TaskSID, nil, &task)
	if !strings.Contains(task.Attributes, left[0]) && !strings.Contains(task.Attributes, left[1]) {
		t.Errorf("the offered task %s is for neither message", task.Attributes)
	}
}
