package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"
)

// TestEachTypedCallSendsItsRequestAndDecodesTheAnswer checks every call the
// front ends make: the method, the path (SIDs escaped), the parameters (in
// the query of a GET, the form of a POST), and that the answer is decoded.
func TestEachTypedCallSendsItsRequestAndDecodesTheAnswer(t *testing.T) {
	ctx := context.Background()
	type want struct {
		method, path string
		params       url.Values
	}
	cases := []struct {
		name   string
		answer string
		call   func(c *REST) (any, error) // the decoded answer, to compare with decoded
		want
		decoded any
	}{
		{"sign in", `{"token":"jwt","agent":{"worker_sid":"WK1"}}`,
			func(c *REST) (any, error) { l, err := c.DeskSignIn(ctx, "a@b.c", "pw"); return l.Agent.WorkerSID, err },
			want{"POST", "/parley/v1/Desktop/SignIn", url.Values{"Email": {"a@b.c"}, "Password": {"pw"}}}, "WK1"},
		{"refresh", `{"token":"jwt2"}`,
			func(c *REST) (any, error) { l, err := c.DeskRefresh(ctx); return l.Token, err },
			want{"POST", "/parley/v1/Desktop/Refresh", url.Values{}}, "jwt2"},
		{"sign out", `{}`,
			func(c *REST) (any, error) { return nil, c.DeskSignOut(ctx) },
			want{"POST", "/parley/v1/Desktop/SignOut", url.Values{}}, nil},
		{"complete a chat", `{"sid":"WT1","assignment_status":"completed"}`,
			func(c *REST) (any, error) {
				t, err := c.DeskComplete(ctx, "WT1", "resolved")
				return t.AssignmentStatus, err
			},
			want{"POST", "/parley/v1/Desktop/Tasks/WT1/Complete", url.Values{"Outcome": {"resolved"}}}, "completed"},
		{"activities", `{"activities":[{"sid":"WA1"}]}`,
			func(c *REST) (any, error) { a, err := c.Workspace("WS1").Activities(ctx); return a[0].SID, err },
			want{"GET", "/taskrouter/v1/Workspaces/WS1/Activities", url.Values{}}, "WA1"},
		{"a worker", `{"sid":"WK1","activity_sid":"WA2"}`,
			func(c *REST) (any, error) { w, err := c.Workspace("WS1").Worker(ctx, "WK1"); return w.ActivitySID, err },
			want{"GET", "/taskrouter/v1/Workspaces/WS1/Workers/WK1", url.Values{}}, "WA2"},
		{"available workers", `{"workers":[{"sid":"WK2"}]}`,
			func(c *REST) (any, error) { w, err := c.Workspace("WS1").Workers(ctx, 200, true); return w[0].SID, err },
			want{"GET", "/taskrouter/v1/Workspaces/WS1/Workers", url.Values{"PageSize": {"200"}, "Available": {"true"}}}, "WK2"},
		{"set activity", `{"sid":"WK1","activity_sid":"WA3"}`,
			func(c *REST) (any, error) {
				w, err := c.Workspace("WS1").SetActivity(ctx, "WK1", "WA3")
				return w.ActivitySID, err
			},
			want{"POST", "/taskrouter/v1/Workspaces/WS1/Workers/WK1", url.Values{"ActivitySid": {"WA3"}}}, "WA3"},
		{"a worker's reservations", `{"reservations":[{"sid":"WR1"}]}`,
			func(c *REST) (any, error) {
				r, err := c.Workspace("WS1").Reservations(ctx, "WK1", 50)
				return r[0].SID, err
			},
			want{"GET", "/taskrouter/v1/Workspaces/WS1/Workers/WK1/Reservations", url.Values{"PageSize": {"50"}}}, "WR1"},
		{"accept", `{"sid":"WR1","reservation_status":"accepted"}`,
			func(c *REST) (any, error) {
				r, err := c.Workspace("WS1").AnswerReservation(ctx, "WK1", "WR1", "accepted")
				return r.ReservationStatus, err
			},
			want{"POST", "/taskrouter/v1/Workspaces/WS1/Workers/WK1/Reservations/WR1", url.Values{"ReservationStatus": {"accepted"}}}, "accepted"},
		{"a task", `{"sid":"WT1"}`,
			func(c *REST) (any, error) { tk, err := c.Workspace("WS1").Task(ctx, "WT1"); return tk.SID, err },
			want{"GET", "/taskrouter/v1/Workspaces/WS1/Tasks/WT1", url.Values{}}, "WT1"},
		{"tasks", `{"tasks":[{"sid":"WT2"}]}`,
			func(c *REST) (any, error) { tk, err := c.Workspace("WS1").Tasks(ctx, 500); return tk[0].SID, err },
			want{"GET", "/taskrouter/v1/Workspaces/WS1/Tasks", url.Values{"PageSize": {"500"}}}, "WT2"},
		{"queues", `{"task_queues":[{"sid":"WQ1"}]}`,
			func(c *REST) (any, error) { q, err := c.Workspace("WS1").Queues(ctx, 100); return q[0].SID, err },
			want{"GET", "/taskrouter/v1/Workspaces/WS1/TaskQueues", url.Values{"PageSize": {"100"}}}, "WQ1"},
		{"queue statistics", `{"longest_task_waiting_age":7}`,
			func(c *REST) (any, error) {
				st, err := c.Workspace("WS1").QueueStatistics(ctx, "WQ1")
				return st.LongestTaskWaitingAge, err
			},
			want{"GET", "/taskrouter/v1/Workspaces/WS1/TaskQueues/WQ1/RealTimeStatistics", url.Values{}}, 7},
		{"a conversation", `{"sid":"CH1","state":"closed"}`,
			func(c *REST) (any, error) { cv, err := c.Conversation(ctx, "CH1"); return cv.State, err },
			want{"GET", "/conversations/v1/Conversations/CH1", url.Values{}}, "closed"},
		{"newest messages", `{"messages":[{"sid":"IM1"}],"meta":{"next_page_url":"https://public.example/conversations/v1/Conversations/CH1/Messages?Order=desc&PageSize=50&PageToken=PT1"}}`,
			func(c *REST) (any, error) {
				p, err := c.MessagesPage(ctx, "CH1", true, 50, "")
				return []string{p.Messages[0].SID, p.Next}, err
			},
			want{"GET", "/conversations/v1/Conversations/CH1/Messages", url.Values{"Order": {"desc"}, "PageSize": {"50"}}},
			[]string{"IM1", "/conversations/v1/Conversations/CH1/Messages?Order=desc&PageSize=50&PageToken=PT1"}},
		{"the next page of messages", `{"messages":[],"meta":{"next_page_url":null}}`,
			func(c *REST) (any, error) {
				p, err := c.MessagesPage(ctx, "CH1", true, 50, "/conversations/v1/Conversations/CH1/Messages?PageToken=PT1")
				return p.Next, err
			},
			want{"GET", "/conversations/v1/Conversations/CH1/Messages", url.Values{"PageToken": {"PT1"}}}, ""},
		{"participants", `{"participants":[{"sid":"MB1"}]}`,
			func(c *REST) (any, error) { p, err := c.Participants(ctx, "CH1"); return p[0].SID, err },
			want{"GET", "/conversations/v1/Conversations/CH1/Participants", url.Values{"PageSize": {"100"}}}, "MB1"},
		{"a customer's conversations", `{"conversations":[{"conversation_sid":"CH2"}]}`,
			func(c *REST) (any, error) {
				l, err := c.ParticipantConversations(ctx, ByAddress, "+15550100", 50)
				return l[0].ConversationSID, err
			},
			want{"GET", "/conversations/v1/ParticipantConversations", url.Values{"Address": {"+15550100"}, "PageSize": {"50"}}}, "CH2"},
		{"queue position", `{"position":3}`,
			func(c *REST) (any, error) { p, err := c.QueuePosition(ctx, "CH1"); return *p.Position, err },
			want{"GET", "/conversations/v1/Conversations/CH1/QueuePosition", url.Values{}}, 3},
		{"media", `{"sid":"ME1","links":{"content_direct_temporary":"https://x/y"}}`,
			func(c *REST) (any, error) {
				m, err := c.Media(ctx, "IS1", "ME1")
				return m.Links["content_direct_temporary"], err
			},
			want{"GET", "/mcs/v1/Services/IS1/Media/ME1", url.Values{}}, "https://x/y"},
		{"addresses", `{"address_configurations":[{"type":"sms","address":"+15550199"}]}`,
			func(c *REST) (any, error) { a, err := c.Addresses(ctx, 100); return a[0].Address, err },
			want{"GET", "/conversations/v1/Configuration/Addresses", url.Values{"PageSize": {"100"}}}, "+15550199"},
		{"notes", `{"notes":[{"sid":"NO1"}]}`,
			func(c *REST) (any, error) { n, err := c.Notes(ctx, "CH1"); return n[0].SID, err },
			want{"GET", "/parley/v1/Conversations/CH1/Notes", url.Values{}}, "NO1"},
		{"add a note", `{"sid":"NO2","body":"VIP"}`,
			func(c *REST) (any, error) { n, err := c.AddNote(ctx, "CH1", "VIP"); return n.Body, err },
			want{"POST", "/parley/v1/Conversations/CH1/Notes", url.Values{"Body": {"VIP"}}}, "VIP"},
		{"report", `{"start_date":"2026-12-01"}`,
			func(c *REST) (any, error) {
				r, err := c.Report(ctx, "2026-12-01", "2026-12-07", "Europe/Paris")
				return r.StartDate, err
			},
			want{"GET", "/parley/v1/Reports/Conversations", url.Values{"StartDate": {"2026-12-01"},
				"EndDate": {"2026-12-07"}, "Timezone": {"Europe/Paris"}}}, "2026-12-01"},
		{"report as CSV", "day,queue\n",
			func(c *REST) (any, error) {
				b, err := c.ReportCSV(ctx, "2026-12-01", "2026-12-07", "UTC")
				return string(b), err
			},
			want{"GET", "/parley/v1/Reports/Conversations", url.Values{"StartDate": {"2026-12-01"},
				"EndDate": {"2026-12-07"}, "Timezone": {"UTC"}, "Format": {"csv"}}}, "day,queue\n"},
		{"start an interaction", `{"sid":"KD1"}`,
			func(c *REST) (any, error) {
				ix, err := c.CreateInteraction(ctx, map[string]string{"type": "sms"}, map[string]int{"n": 1})
				return ix.SID, err
			},
			want{"POST", "/flex/v1/Interactions", url.Values{"Channel": {`{"type":"sms"}`}, "Routing": {`{"n":1}`}}}, "KD1"},
		{"end a chat", `{}`,
			func(c *REST) (any, error) { return nil, c.Channel("KD1", "UO1").Close(ctx) },
			want{"POST", "/flex/v1/Interactions/KD1/Channels/UO1", url.Values{"Status": {"closed"}, "Routing": {`{"status":"wrapup"}`}}}, nil},
		{"invite", `{}`,
			func(c *REST) (any, error) {
				return nil, c.Channel("KD1", "UO1").Invite(ctx, map[string]string{"workspace_sid": "WS1", "queue_sid": "WQ1"})
			},
			want{"POST", "/flex/v1/Interactions/KD1/Channels/UO1/Invites",
				url.Values{"Routing": {`{"properties":{"queue_sid":"WQ1","workspace_sid":"WS1"}}`}}}, nil},
		{"guest init", `{"token":"jwt","conversation_sid":"CH1","resume_token":"rt"}`,
			func(c *REST) (any, error) {
				g, err := c.Webchat("key1").Init(ctx, GuestStart{Name: "Ann", Data: map[string]string{"q": "hi"}, Locale: "fr"})
				return g.ResumeToken, err
			},
			want{"POST", "/flex/v2/Webchat/Init", url.Values{"DeploymentKey": {"key1"}, "CustomerFriendlyName": {"Ann"},
				"PreEngagementData": {`{"q":"hi"}`}, "Locale": {"fr"}}}, "rt"},
		{"guest resume", `{"token":"jwt3"}`,
			func(c *REST) (any, error) { g, err := c.Webchat("key1").Resume(ctx, "rt"); return g.Token, err },
			want{"POST", "/flex/v2/Webchat/Resume", url.Values{"DeploymentKey": {"key1"}, "ResumeToken": {"rt"}}}, "jwt3"},
		{"guest refresh", `{"token":"jwt4"}`,
			func(c *REST) (any, error) { g, err := c.Webchat("key1").Refresh(ctx, "jwt3"); return g.Token, err },
			want{"POST", "/flex/v2/Webchat/Tokens/Refresh", url.Values{"DeploymentKey": {"key1"}, "Token": {"jwt3"}}}, "jwt4"},
		{"guest end", `{}`,
			func(c *REST) (any, error) { return nil, c.Webchat("key1").End(ctx, "jwt", "CH1") },
			want{"POST", "/flex/v2/Webchat/End", url.Values{"DeploymentKey": {"key1"}, "Token": {"jwt"}, "ConversationSid": {"CH1"}}}, nil},
		{"guest transcript", `{}`,
			func(c *REST) (any, error) { return nil, c.Webchat("key1").Transcript(ctx, "jwt", "CH1", "de") },
			want{"POST", "/flex/v2/Webchat/Transcript", url.Values{"DeploymentKey": {"key1"}, "Token": {"jwt"},
				"ConversationSid": {"CH1"}, "Locale": {"de"}}}, nil},
		{"guest rating", `{}`,
			func(c *REST) (any, error) { return nil, c.Webchat("key1").Rate(ctx, "jwt", "CH1", 5, "") },
			want{"POST", "/flex/v2/Webchat/Rating", url.Values{"DeploymentKey": {"key1"}, "Token": {"jwt"},
				"ConversationSid": {"CH1"}, "Score": {"5"}, "Comment": {""}}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tw := newTwilio(t, func(*http.Request) (int, string) { return 200, tc.answer })
			got, err := tc.call(NewREST(tw.URL, nil, nil))
			if err != nil {
				t.Fatal(err)
			}
			if len(tw.reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(tw.reqs))
			}
			r := tw.reqs[0]
			params := r.URL.Query()
			if r.Method == http.MethodPost {
				params = tw.forms[0]
			}
			if r.Method != tc.method || r.URL.Path != tc.path || !reflect.DeepEqual(params, tc.params) {
				t.Errorf("sent %s %s %v\nwant %s %s %v", r.Method, r.URL.Path, params, tc.method, tc.path, tc.params)
			}
			if !reflect.DeepEqual(got, tc.decoded) {
				t.Errorf("decoded %#v, want %#v", got, tc.decoded)
			}
		})
	}
}

func TestSIDsAreEscapedInPaths(t *testing.T) {
	tw := newTwilio(t, func(*http.Request) (int, string) { return 200, `{}` })
	if _, err := NewREST(tw.URL, nil, nil).Workspace("WS/1").Task(context.Background(), "a b"); err != nil {
		t.Fatal(err)
	}
	if got := tw.reqs[0].URL.EscapedPath(); got != "/taskrouter/v1/Workspaces/WS%2F1/Tasks/a%20b" {
		t.Errorf("path %s", got)
	}
}

func TestATransferIsJSON(t *testing.T) {
	var body map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/flex/v1/Interactions/KD1/Channels/UO1/Transfers" ||
			r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("sent %s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	if err := NewREST(srv.URL, nil, nil).Channel("KD1", "UO1").Transfer(context.Background(), "WK1", "WQ1", "cold"); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"from": "WK1", "to": "WQ1", "type": "cold"}; !reflect.DeepEqual(body, want) {
		t.Errorf("body %v, want %v", body, want)
	}
}

func TestCannedResponsesFollowEveryPageOnThisServer(t *testing.T) {
	tw := newTwilio(t, func(r *http.Request) (int, string) {
		if r.URL.Query().Get("PageToken") == "" {
			return 200, `{"canned_responses":[{"sid":"CR1"}],"meta":{"next_page_url":"https://elsewhere.example/parley/v1/CannedResponses?PageSize=100&PageToken=P2"}}`
		}
		return 200, `{"canned_responses":[{"sid":"CR2"}],"meta":{"next_page_url":null}}`
	})
	all, err := NewREST(tw.URL, nil, nil).CannedResponses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].SID != "CR1" || all[1].SID != "CR2" || len(tw.reqs) != 2 ||
		tw.reqs[1].URL.Path != "/parley/v1/CannedResponses" || tw.reqs[1].URL.Query().Get("PageToken") != "P2" {
		t.Errorf("got %v after %d requests", all, len(tw.reqs))
	}
}

func TestMediaUploadURL(t *testing.T) {
	if got, want := MediaUploadURL("https://chat.example/", "IS1", "a b.png"), "https://chat.example/mcs/v1/Services/IS1/Media?Filename=a+b.png"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
