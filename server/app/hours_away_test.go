package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	flex "github.com/twilio/twilio-go/rest/flex/v2"
	tr "github.com/twilio/twilio-go/rest/taskrouter/v1"

	"parley/server/conversations"
	"parley/server/mail/mailtest"
	"parley/server/routing"
	"parley/server/webchat"
)

// awayServer is a server whose clock the test moves, checking held chats
// every 20 ms, emailing through srv (nil: no SMTP) with a minute lasting
// minute, keeping its data in dir.
func awayServer(t *testing.T, clock *shiftedClock, srv *mailtest.Server, dir string, minute time.Duration) *testServer {
	return startServerWith(t, func(c *Config) {
		c.GuestLimits = startServerLimits
		c.Now = clock.Now
		c.HoursInterval = 20 * time.Millisecond
		c.DataDir = dir
		c.GuestTokenTTL = 24 * time.Hour
		if srv != nil {
			c.Mail, c.MailMinute = &srv.Config, minute
			c.Outbox = OutboxConfig{FirstRetry: 50 * time.Millisecond, MaxRetryWait: 200 * time.Millisecond}
		}
	})
}

// A message left on Saturday night is answered on Monday morning; the
// visitor is long gone, and the answer reaches the address they gave in
// the offline form, though the deployment emails no replies of its own
// (EmailReplies off) and its own form asks for no email at all.
func TestTheAnswerToAnOfflineMessageIsEmailedWithEmailRepliesOff(t *testing.T) {
	srv := mailtest.Start(t)
	clock := &shiftedClock{}
	paris, _ := time.LoadLocation("Europe/Paris")
	saturday := nextWeekday(time.Now(), time.Saturday, 20, 0, paris)
	clock.Set(saturday)
	const minute = 100 * time.Millisecond
	s := awayServer(t, clock, srv, t.TempDir(), minute)
	d := s.createDeployment(t, url.Values{"FriendlyName": {"Acme"}, "BusinessHours": {officeHours},
		"PreEngagementForm": {`[{"name":"friendlyName","label":"Name","type":"text","required":true},{"name":"question","label":"Question","type":"textarea"}]`}})
	if got := s.get(t, "/parley/v1/Deployments/"+d.Key); !strings.Contains(got.text, `"unread_minutes":0`) {
		t.Fatalf("the deployment should email no replies of its own: %s", got.text)
	}
	r := s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, offlineMessage(d.Key, "Ada", "ada@example.com", "Is my order shipped?"))
	if r.status != 200 {
		t.Fatalf("leaving a message: %d %s", r.status, r.text)
	}
	conv := r.json["conversation_sid"].(string)
	c, err := s.tw.ConversationsV1.FetchConversation(conv)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]any
	json.Unmarshal([]byte(*c.Attributes), &attrs)
	if at, _ := attrs["left_while_away_at"].(string); at != saturday.UTC().Format(time.RFC3339) {
		t.Errorf("the conversation is not marked as left while away at %s: %s", saturday.UTC().Format(time.RFC3339), *c.Attributes)
	}

	clock.Set(nextWeekday(saturday, time.Monday, 9, 0, paris))
	eventually(t, func() bool { return s.countRows(t, "webchat_held") == 0 }, func() string { return "the message was not routed at opening" })
	sent := time.Now()
	mustSendMessage(t, s.tw, conv, "agent_sam", "Yes: it left on Friday.")
	got := srv.Wait(t, 1, 20*time.Second)[0]
	if waited := time.Since(sent); waited < 2*minute { // the default for chats left while away
		t.Errorf("emailed %v after the reply, before it was unread for 2 minutes", waited)
	}
	if len(got.To) != 1 || got.To[0] != "ada@example.com" {
		t.Errorf("emailed %v, want the offline form's ada@example.com", got.To)
	}
	subject, text, _ := letterParts(t, got)
	if subject != "Acme replied to you" || !strings.Contains(text, "Yes: it left on Friday.") || resumeLink.FindString(text) == "" {
		t.Errorf("the email (%q) should hold the answer and a link back:\n%s", subject, text)
	}
}

// faultyRelease is a held-chat store whose releases fail: Parley stops
// after routing a held chat and before releasing it.
type faultyRelease struct{ webchat.HeldStore }

func (faultyRelease) Release(context.Context, int64) error {
	return errors.New("stopped before the release")
}

// Routing a held chat and releasing it are two writes. Parley stopping
// between them, or inside the routing after its task was made, leaves a
// chat routed and still held; after the restart it is released, not routed
// again: one task, one offer.
func TestAHeldChatRoutedJustBeforeAStopIsNotRoutedAgain(t *testing.T) {
	for _, stop := range []string{"before the release", "after the task, before the interaction"} {
		t.Run(stop, func(t *testing.T) {
			clock := &shiftedClock{}
			paris, _ := time.LoadLocation("Europe/Paris")
			saturday := nextWeekday(time.Now(), time.Saturday, 20, 0, paris)
			clock.Set(saturday)
			dir := t.TempDir()
			s := awayServer(t, clock, nil, dir, 0)
			ana := s.mustCreateAgent(t, "ana@example.com", "agent") // the desk exists
			d := s.createDeployment(t, url.Values{"BusinessHours": {officeHours}})
			r := s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, offlineMessage(d.Key, "Ada", "ada@example.com", "Is my order shipped?"))
			if r.status != 200 {
				t.Fatalf("leaving a message: %d %s", r.status, r.text)
			}
			conv := r.json["conversation_sid"].(string)

			routedOnce := make(chan struct{})
			route := s.app.Webchat.Started
			s.app.Webchat.Started = func(ctx context.Context, dep webchat.Deployment, c conversations.Conversation) error {
				defer func() {
					select {
					case <-routedOnce:
					default:
						close(routedOnce)
					}
				}()
				if stop == "before the release" {
					s.app.Webchat.Held = faultyRelease{s.app.Webchat.Held}
					return route(ctx, dep, c)
				}
				// What Interactions.Create's first write leaves: the
				// task, with no channel stored yet.
				k, _, err := s.app.desk.Find(ctx)
				if err != nil {
					return err
				}
				attrs := fmt.Sprintf(`{"conversationSid": %q, "customerName": "Ada"}`, c.SID)
				if _, err := s.app.Routing.CreateTask(ctx, k.WorkspaceSID, routing.TaskParams{Attributes: &attrs,
					WorkflowSID: &k.WorkflowSID, TaskChannel: ptr("chat")}); err != nil {
					return err
				}
				return errors.New("stopped inside the routing")
			}
			clock.Set(nextWeekday(saturday, time.Monday, 9, 0, paris))
			select {
			case <-routedOnce:
			case <-time.After(10 * time.Second):
				t.Fatal("the held chat was not routed at opening")
			}
			s.stop()

			s = awayServer(t, clock, nil, dir, 0)
			eventually(t, func() bool { return s.countRows(t, "webchat_held") == 0 }, func() string { return "the chat is still held after the restart" })
			k, _, err := s.app.desk.Find(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			tasks, err := s.tw.TaskrouterV1.ListTask(k.WorkspaceSID, (&tr.ListTaskParams{}).
				SetEvaluateTaskAttributes(fmt.Sprintf("conversationSid == %q", conv)))
			if err != nil {
				t.Fatal(err)
			}
			if len(tasks) != 1 {
				t.Fatalf("%d tasks for the chat after the restart; want the one made before the stop", len(tasks))
			}
			a := s.mustSignIn(t, ana)
			a.goAvailable(t)
			if offer := a.waitForOffer(t); offer.TaskSID != *tasks[0].Sid {
				t.Errorf("offered task %s, want %s", offer.TaskSID, *tasks[0].Sid)
			}
		})
	}
}

// A chat a backend starts (Flex's POST /v2/WebChats) is the account's
// decision, made with its own knowledge of the customer: it is routed at
// once, outside the hours too, and not marked as left while away (docs/API.md,
// Business hours).
func TestABackendsChatOutsideHoursIsRoutedAtOnce(t *testing.T) {
	clock := &shiftedClock{}
	paris, _ := time.LoadLocation("Europe/Paris")
	clock.Set(nextWeekday(time.Now(), time.Saturday, 20, 0, paris))
	s := awayServer(t, clock, nil, t.TempDir(), 0)
	s.mustCreateAgent(t, "ana@example.com", "agent") // the desk exists
	d := s.createDeployment(t, url.Values{"BusinessHours": {officeHours}})
	wc, err := s.tw.FlexV2.CreateWebChannel((&flex.CreateWebChannelParams{}).SetAddressSid(d.AddressSID).
		SetCustomerFriendlyName("Ada").SetPreEngagementData(`{"question":"Is it shipped?"}`))
	if err != nil {
		t.Fatalf("twilio-go CreateWebChannel: %v", err)
	}
	if n := s.countRows(t, "webchat_held"); n != 0 {
		t.Errorf("%d chats held; a backend's chat is routed at once", n)
	}
	k, _, err := s.app.desk.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := s.tw.TaskrouterV1.ListTask(k.WorkspaceSID, (&tr.ListTaskParams{}).
		SetEvaluateTaskAttributes(fmt.Sprintf("conversationSid == %q", *wc.ConversationSid)))
	if err != nil || len(tasks) != 1 {
		t.Fatalf("%d tasks (%v) for the backend's chat; want it routed", len(tasks), err)
	}
	if strings.Contains(*tasks[0].Attributes, "left_while_away_at") {
		t.Errorf("a backend's chat is marked as left while away: %s", *tasks[0].Attributes)
	}
}
