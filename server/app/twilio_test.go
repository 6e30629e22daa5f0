package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	conv "github.com/twilio/twilio-go/rest/conversations/v1"
)

// These tests drive every Conversations resource through the official
// twilio-go client against a real Parley on a loopback port. Raw requests
// cover what twilio-go cannot send.

const (
	roleSID    = "RL0123456789abcdef0123456789abcdef"
	smsAddress = "+15551230001"
	smsProxy   = "+15557650000"
)

// ---- conversations ----

func TestCreateConversation(t *testing.T) {
	s := startServer(t)
	cfg, err := s.tw.ConversationsV1.FetchConfiguration()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		params     *conv.CreateConversationParams
		friendly   string // "" means null
		unique     string
		attributes string
		state      string
		// timers maps each timer field expected in the response to how long
		// after creation it fires.
		timers map[string]time.Duration
	}{
		{
			name:       "friendly name only",
			params:     new(conv.CreateConversationParams).SetFriendlyName("Support"),
			friendly:   "Support",
			attributes: "{}",
			state:      "active",
		},
		{
			name:       "nothing at all",
			params:     nil,
			attributes: "{}",
			state:      "active",
		},
		{
			name: "every field with both timers",
			params: new(conv.CreateConversationParams).SetFriendlyName("Order 1234").SetUniqueName("order-1234").
				SetAttributes(`{"order":1234,"tags":["late"]}`).SetState("active").
				SetTimersInactive("PT5M").SetTimersClosed("PT1H"),
			friendly:   "Order 1234",
			unique:     "order-1234",
			attributes: `{"order":1234,"tags":["late"]}`,
			state:      "active",
			timers:     map[string]time.Duration{"date_inactive": 5 * time.Minute, "date_closed": time.Hour},
		},
		{
			name:       "inactive with a closed timer",
			params:     new(conv.CreateConversationParams).SetState("inactive").SetTimersClosed("PT10M"),
			attributes: "{}",
			state:      "inactive",
			timers:     map[string]time.Duration{"date_closed": 10 * time.Minute},
		},
		{
			name:       "days and hours timer",
			params:     new(conv.CreateConversationParams).SetTimersInactive("P1DT2H"),
			attributes: "{}",
			state:      "active",
			timers:     map[string]time.Duration{"date_inactive": 26 * time.Hour},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := s.tw.ConversationsV1.CreateConversation(tt.params)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			sid := str(c.Sid)
			if !strings.HasPrefix(sid, "CH") || len(sid) != 34 {
				t.Errorf("sid %q is not a conversation SID", sid)
			}
			if got := str(c.AccountSid); got != s.accountSID {
				t.Errorf("account_sid %q, want %q", got, s.accountSID)
			}
			if got := str(c.ChatServiceSid); got != str(cfg.DefaultChatServiceSid) {
				t.Errorf("chat_service_sid %q, want the default %q", got, str(cfg.DefaultChatServiceSid))
			}
			if got := str(c.FriendlyName); got != tt.friendly {
				t.Errorf("friendly_name %q, want %q", got, tt.friendly)
			}
			if got := str(c.UniqueName); got != tt.unique {
				t.Errorf("unique_name %q, want %q", got, tt.unique)
			}
			if got := str(c.Attributes); got != tt.attributes {
				t.Errorf("attributes %q, want %q", got, tt.attributes)
			}
			if got := str(c.State); got != tt.state {
				t.Errorf("state %q, want %q", got, tt.state)
			}
			if c.DateCreated == nil || time.Since(*c.DateCreated) > time.Minute || time.Until(*c.DateCreated) > 2*time.Second {
				t.Errorf("date_created %v is not about now", c.DateCreated)
			}
			if want := s.baseURL + "/conversations/v1/Conversations/" + sid; str(c.Url) != want {
				t.Errorf("url %q, want %q", str(c.Url), want)
			}
			if c.Links == nil || (*c.Links)["messages"] != s.baseURL+"/conversations/v1/Conversations/"+sid+"/Messages" ||
				(*c.Links)["participants"] != s.baseURL+"/conversations/v1/Conversations/"+sid+"/Participants" {
				t.Errorf("links %v do not point at this conversation's messages and participants", c.Links)
			}
			checkTimers(t, object(c.Timers), *c.DateCreated, tt.timers)

			// What was created is what a fetch returns, by SID and by unique name.
			got := mustFetchConversation(t, s.tw, sid)
			if str(got.FriendlyName) != str(c.FriendlyName) || str(got.Attributes) != str(c.Attributes) ||
				str(got.State) != str(c.State) || !got.DateCreated.Equal(*c.DateCreated) {
				t.Errorf("fetched %+v, created %+v", got, c)
			}
			checkTimers(t, object(got.Timers), *c.DateCreated, tt.timers)
			if tt.unique != "" {
				byName := mustFetchConversation(t, s.tw, tt.unique)
				if str(byName.Sid) != sid {
					t.Errorf("fetch by unique name %q gave %s, want %s", tt.unique, str(byName.Sid), sid)
				}
			}
		})
	}
}

// checkTimers checks a conversation's timers object holds exactly the given
// fields, each firing the given time after created.
func checkTimers(t *testing.T, timers map[string]any, created time.Time, want map[string]time.Duration) {
	t.Helper()
	if len(timers) != len(want) {
		t.Errorf("timers %v, want the fields of %v", timers, want)
	}
	for field, after := range want {
		v, _ := timers[field].(string)
		at, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t.Errorf("timers.%s is %v, want an ISO 8601 time", field, timers[field])
			continue
		}
		if d := at.Sub(created) - after; d < -2*time.Second || d > 2*time.Second {
			t.Errorf("timers.%s is %s, want %s after creation (%s)", field, v, after, created.Format(time.RFC3339))
		}
	}
}

func TestCreateConversationRefuses(t *testing.T) {
	s := startServer(t)
	tests := []struct {
		name         string
		params       *conv.CreateConversationParams
		status, code int
	}{
		{"closed initial state", new(conv.CreateConversationParams).SetState("closed"), 400, 50384},
		{"attributes not JSON", new(conv.CreateConversationParams).SetAttributes("{not json"), 400, 50304},
		{"unknown state", new(conv.CreateConversationParams).SetState("archived"), 400, 0},
		{"inactive timer under a minute", new(conv.CreateConversationParams).SetTimersInactive("PT30S"), 400, 0},
		{"closed timer under ten minutes", new(conv.CreateConversationParams).SetTimersClosed("PT9M"), 400, 0},
		{"timer not a duration", new(conv.CreateConversationParams).SetTimersClosed("soon"), 400, 0},
		{"unique name shaped like a SID", new(conv.CreateConversationParams).SetUniqueName("CH0123456789abcdef0123456789abcdef"), 400, 0},
		{"friendly name over 256 characters", new(conv.CreateConversationParams).SetFriendlyName(strings.Repeat("é", 257)), 400, 0},
		{"messaging service SID of the wrong kind", new(conv.CreateConversationParams).SetMessagingServiceSid("IS0123456789abcdef0123456789abcdef"), 400, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.tw.ConversationsV1.CreateConversation(tt.params)
			wantTwilioError(t, err, tt.status, tt.code)
		})
	}
	if cs := mustListConversations(t, s.tw); len(cs) != 0 {
		t.Errorf("refused creates left %d conversations behind", len(cs))
	}
}

func TestFetchConversation(t *testing.T) {
	s := startServer(t)
	c := mustCreateConversationWith(t, s.tw, new(conv.CreateConversationParams).SetFriendlyName("Billing").SetUniqueName("billing-42"))
	for _, ref := range []string{str(c.Sid), "billing-42"} {
		got := mustFetchConversation(t, s.tw, ref)
		if str(got.Sid) != str(c.Sid) || str(got.FriendlyName) != "Billing" || str(got.UniqueName) != "billing-42" {
			t.Errorf("fetch %q gave sid %s name %q unique %q", ref, str(got.Sid), str(got.FriendlyName), str(got.UniqueName))
		}
	}
	for _, ref := range []string{"CH0000000000000000000000000000000a", "no-such-name"} {
		_, err := s.tw.ConversationsV1.FetchConversation(ref)
		wantNotFound(t, err)
	}
}

func TestListConversationsFollowsPages(t *testing.T) {
	s := startServer(t)
	var want []string
	for i := range 5 {
		want = append(want, str(mustCreateConversation(t, s.tw, "conversation "+strconv.Itoa(i)).Sid))
	}
	counter := &countingTransport{}
	tw := newTwilioClient(t, s.baseURL, s.accountSID, s.authToken, counter)

	cs, err := tw.ConversationsV1.ListConversation(new(conv.ListConversationParams).SetPageSize(2).SetLimit(100))
	if err != nil {
		t.Fatal(err)
	}
	if got := sidsOfConversations(cs); !slices.Equal(got, want) {
		t.Errorf("listed\n%v\nwant every conversation once, in creation order:\n%v", got, want)
	}
	if n := counter.n.Load(); n != 3 {
		t.Errorf("listing 5 conversations 2 a page took %d requests, want 3 (one per page)", n)
	}

	limited, err := tw.ConversationsV1.ListConversation(new(conv.ListConversationParams).SetPageSize(2).SetLimit(3))
	if err != nil {
		t.Fatal(err)
	}
	if got := sidsOfConversations(limited); !slices.Equal(got, want[:3]) {
		t.Errorf("Limit 3 listed %v, want %v", got, want[:3])
	}

	all := mustListConversations(t, s.tw)
	if got := sidsOfConversations(all); !slices.Equal(got, want) {
		t.Errorf("default page size listed %v, want %v", got, want)
	}
}

func TestListConversationsByState(t *testing.T) {
	s := startServer(t)
	active := mustCreateConversation(t, s.tw, "active")
	inactive := mustCreateConversationWith(t, s.tw, new(conv.CreateConversationParams).SetState("inactive"))
	closed := mustCreateConversation(t, s.tw, "closed")
	mustCloseConversation(t, s.tw, str(closed.Sid))
	for state, want := range map[string]string{"active": str(active.Sid), "inactive": str(inactive.Sid), "closed": str(closed.Sid)} {
		cs, err := s.tw.ConversationsV1.ListConversation(new(conv.ListConversationParams).SetState(state))
		if err != nil {
			t.Fatal(err)
		}
		if got := sidsOfConversations(cs); !slices.Equal(got, []string{want}) {
			t.Errorf("State=%s listed %v, want [%s]", state, got, want)
		}
	}
}

func TestConversationPageLinks(t *testing.T) {
	s := startServer(t)
	var want []string
	for i := range 5 {
		want = append(want, str(mustCreateConversation(t, s.tw, "c"+strconv.Itoa(i)).Sid))
	}
	type page struct {
		Conversations []struct {
			Sid string `json:"sid"`
		} `json:"conversations"`
		Meta struct {
			Page            int     `json:"page"`
			PageSize        int     `json:"page_size"`
			FirstPageURL    string  `json:"first_page_url"`
			PreviousPageURL *string `json:"previous_page_url"`
			URL             string  `json:"url"`
			NextPageURL     *string `json:"next_page_url"`
			Key             string  `json:"key"`
		} `json:"meta"`
	}
	read := func(rawURL string) page {
		t.Helper()
		path, ok := strings.CutPrefix(rawURL, s.baseURL)
		if !ok {
			t.Fatalf("link %q does not point at the server %s", rawURL, s.baseURL)
		}
		r := s.get(t, path)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.status, r.text)
		}
		var p page
		if err := json.Unmarshal([]byte(r.text), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sids := func(p page) []string {
		var out []string
		for _, c := range p.Conversations {
			out = append(out, c.Sid)
		}
		return out
	}

	first := read(s.baseURL + "/conversations/v1/Conversations?PageSize=2")
	if got := sids(first); !slices.Equal(got, want[:2]) {
		t.Errorf("first page %v, want %v", got, want[:2])
	}
	if first.Meta.Key != "conversations" || first.Meta.PageSize != 2 || first.Meta.Page != 0 {
		t.Errorf("first page meta %+v", first.Meta)
	}
	if first.Meta.PreviousPageURL != nil || first.Meta.NextPageURL == nil {
		t.Fatalf("first page: previous %v next %v, want no previous and a next", first.Meta.PreviousPageURL, first.Meta.NextPageURL)
	}
	second := read(*first.Meta.NextPageURL)
	if got := sids(second); !slices.Equal(got, want[2:4]) || second.Meta.Page != 1 {
		t.Errorf("second page %v (page %d), want %v (page 1)", got, second.Meta.Page, want[2:4])
	}
	if second.Meta.PreviousPageURL == nil || second.Meta.NextPageURL == nil {
		t.Fatalf("second page: previous %v next %v, want both", second.Meta.PreviousPageURL, second.Meta.NextPageURL)
	}
	if back := read(*second.Meta.PreviousPageURL); !slices.Equal(sids(back), want[:2]) {
		t.Errorf("previous of the second page is %v, want %v", sids(back), want[:2])
	}
	last := read(*second.Meta.NextPageURL)
	if got := sids(last); !slices.Equal(got, want[4:]) || last.Meta.NextPageURL != nil {
		t.Errorf("last page %v next %v, want %v and no next", got, last.Meta.NextPageURL, want[4:])
	}
	if again := read(first.Meta.FirstPageURL); !slices.Equal(sids(again), want[:2]) {
		t.Errorf("first_page_url gave %v, want %v", sids(again), want[:2])
	}

	// Twilio caps a page size over 100 rather than refusing it.
	if big := read(s.baseURL + "/conversations/v1/Conversations?PageSize=1000"); big.Meta.PageSize != 100 || len(big.Conversations) != 5 {
		t.Errorf("PageSize=1000 gave page_size %d with %d items, want 100 with 5", big.Meta.PageSize, len(big.Conversations))
	}
}

func TestUpdateConversation(t *testing.T) {
	s := startServer(t)
	c := mustCreateConversation(t, s.tw, "Before")
	updated, err := s.tw.ConversationsV1.UpdateConversation(str(c.Sid), new(conv.UpdateConversationParams).
		SetFriendlyName("After").SetUniqueName("after-1").SetAttributes(`{"priority":"high"}`).
		SetState("inactive").SetTimersClosed("PT2H"))
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []*conv.ConversationsV1Conversation{updated, mustFetchConversation(t, s.tw, "after-1")} {
		if str(got.Sid) != str(c.Sid) || str(got.FriendlyName) != "After" || str(got.UniqueName) != "after-1" ||
			str(got.Attributes) != `{"priority":"high"}` || str(got.State) != "inactive" {
			t.Errorf("after update: sid %s name %q unique %q attributes %q state %q", str(got.Sid),
				str(got.FriendlyName), str(got.UniqueName), str(got.Attributes), str(got.State))
		}
		if got.DateUpdated == nil || got.DateUpdated.Before(*c.DateCreated) {
			t.Errorf("date_updated %v is before date_created %v", got.DateUpdated, c.DateCreated)
		}
		if _, ok := object(got.Timers)["date_closed"]; !ok {
			t.Errorf("timers %v have no date_closed after setting Timers.Closed", object(got.Timers))
		}
	}
	// Only what is given changes.
	again, err := s.tw.ConversationsV1.UpdateConversation(str(c.Sid), new(conv.UpdateConversationParams).SetState("active"))
	if err != nil {
		t.Fatal(err)
	}
	if str(again.FriendlyName) != "After" || str(again.Attributes) != `{"priority":"high"}` || str(again.State) != "active" {
		t.Errorf("a state-only update changed other fields: %+v", again)
	}

	_, err = s.tw.ConversationsV1.UpdateConversation(str(c.Sid), new(conv.UpdateConversationParams).SetAttributes("nope"))
	wantTwilioError(t, err, 400, 50304)
	_, err = s.tw.ConversationsV1.UpdateConversation("CH0000000000000000000000000000000a", new(conv.UpdateConversationParams).SetFriendlyName("x"))
	wantNotFound(t, err)
}

func TestUniqueNameConflict(t *testing.T) {
	s := startServer(t)
	first := mustCreateConversationWith(t, s.tw, new(conv.CreateConversationParams).SetUniqueName("ticket-1"))
	_, err := s.tw.ConversationsV1.CreateConversation(new(conv.CreateConversationParams).SetUniqueName("ticket-1"))
	wantTwilioError(t, err, http.StatusConflict, 50353)

	other := mustCreateConversation(t, s.tw, "other")
	_, err = s.tw.ConversationsV1.UpdateConversation(str(other.Sid), new(conv.UpdateConversationParams).SetUniqueName("ticket-1"))
	wantTwilioError(t, err, http.StatusConflict, 50353)

	// Setting a conversation's own unique name again is no conflict.
	if _, err := s.tw.ConversationsV1.UpdateConversation(str(first.Sid), new(conv.UpdateConversationParams).SetUniqueName("ticket-1")); err != nil {
		t.Errorf("re-setting the same unique name: %v", err)
	}
	if cs := mustListConversations(t, s.tw); len(cs) != 2 {
		t.Errorf("%d conversations, want 2", len(cs))
	}
}

func TestDeleteConversationCascades(t *testing.T) {
	s := startServer(t)
	c := mustCreateConversation(t, s.tw, "doomed")
	sid := str(c.Sid)
	alice := mustAddChatParticipant(t, s.tw, sid, "alice")
	mustAddSMSParticipant(t, s.tw, sid, smsAddress, smsProxy)
	m := mustSendMessage(t, s.tw, sid, "alice", "hello")
	mustSendMessage(t, s.tw, sid, "", "system notice")

	survivor := mustCreateConversation(t, s.tw, "survivor")
	mustAddChatParticipant(t, s.tw, str(survivor.Sid), "bob")
	mustSendMessage(t, s.tw, str(survivor.Sid), "bob", "still here")

	if err := s.tw.ConversationsV1.DeleteConversation(sid, nil); err != nil {
		t.Fatal(err)
	}
	_, err := s.tw.ConversationsV1.FetchConversation(sid)
	wantNotFound(t, err)
	_, err = s.tw.ConversationsV1.FetchConversationMessage(sid, str(m.Sid))
	wantNotFound(t, err)
	_, err = s.tw.ConversationsV1.FetchConversationParticipant(sid, str(alice.Sid))
	wantNotFound(t, err)
	_, err = s.tw.ConversationsV1.ListConversationMessage(sid, nil)
	wantNotFound(t, err)
	_, err = s.tw.ConversationsV1.ListConversationParticipant(sid, nil)
	wantNotFound(t, err)
	wantNotFound(t, s.tw.ConversationsV1.DeleteConversation(sid, nil))

	// The participants are gone from every view of them.
	if pcs, err := s.tw.ConversationsV1.ListParticipantConversation(new(conv.ListParticipantConversationParams).SetIdentity("alice")); err != nil || len(pcs) != 0 {
		t.Errorf("alice's conversations after the delete: %d, %v; want none", len(pcs), err)
	}
	if pcs, err := s.tw.ConversationsV1.ListParticipantConversation(new(conv.ListParticipantConversationParams).SetAddress(smsAddress)); err != nil || len(pcs) != 0 {
		t.Errorf("%s's conversations after the delete: %d, %v; want none", smsAddress, len(pcs), err)
	}
	// In storage, only the survivor's rows are left.
	if n := s.countRows(t, "messages"); n != 1 {
		t.Errorf("%d message rows after the delete, want the survivor's 1", n)
	}
	if n := s.countRows(t, "participants"); n != 1 {
		t.Errorf("%d participant rows after the delete, want the survivor's 1", n)
	}
	// Users are not part of a conversation: alice stays.
	mustFetchUser(t, s.tw, "alice")
	if cs := mustListConversations(t, s.tw); len(cs) != 1 || str(cs[0].Sid) != str(survivor.Sid) {
		t.Errorf("conversations left: %v, want only the survivor", sidsOfConversations(cs))
	}
}

func TestClosedConversation(t *testing.T) {
	s := startServer(t)
	c := mustCreateConversation(t, s.tw, "to close")
	sid := str(c.Sid)
	mustAddChatParticipant(t, s.tw, sid, "alice")
	mustSendMessage(t, s.tw, sid, "alice", "bye")
	mustCloseConversation(t, s.tw, sid)

	t.Run("refuses messages", func(t *testing.T) {
		_, err := s.tw.ConversationsV1.CreateConversationMessage(sid, new(conv.CreateConversationMessageParams).SetBody("anyone?"))
		wantTwilioError(t, err, 400, 50377)
	})
	t.Run("refuses chat participants", func(t *testing.T) {
		_, err := s.tw.ConversationsV1.CreateConversationParticipant(sid, new(conv.CreateConversationParticipantParams).SetIdentity("bob"))
		wantTwilioError(t, err, 400, 50377)
	})
	t.Run("refuses SMS participants", func(t *testing.T) {
		_, err := s.tw.ConversationsV1.CreateConversationParticipant(sid, new(conv.CreateConversationParticipantParams).
			SetMessagingBindingAddress(smsAddress).SetMessagingBindingProxyAddress(smsProxy))
		wantTwilioError(t, err, 400, 50377)
	})
	for _, state := range []string{"active", "inactive"} {
		t.Run("cannot be reopened as "+state, func(t *testing.T) {
			_, err := s.tw.ConversationsV1.UpdateConversation(sid, new(conv.UpdateConversationParams).SetState(state))
			wantTwilioError(t, err, 400, 50377)
		})
	}
	got := mustFetchConversation(t, s.tw, sid)
	if str(got.State) != "closed" {
		t.Errorf("state %q after refused changes, want closed", str(got.State))
	}
	if len(object(got.Timers)) != 0 {
		t.Errorf("a closed conversation has timers %v, want none", object(got.Timers))
	}
	// What it held can still be read.
	if ms := mustListMessages(t, s.tw, sid, nil); len(ms) != 1 {
		t.Errorf("%d messages in the closed conversation, want 1", len(ms))
	}
	if ps := mustListParticipants(t, s.tw, sid); len(ps) != 1 {
		t.Errorf("%d participants in the closed conversation, want 1", len(ps))
	}
}

// ---- participants ----

func TestChatParticipant(t *testing.T) {
	s := startServer(t)
	c := mustCreateConversation(t, s.tw, "chat")
	sid := str(c.Sid)

	if _, err := s.tw.ConversationsV1.FetchUser("alice"); err == nil {
		t.Fatal("user alice exists before she joined anything")
	}
	alice := mustAddChatParticipant(t, s.tw, sid, "alice")
	psid := str(alice.Sid)
	if !strings.HasPrefix(psid, "MB") || len(psid) != 34 {
		t.Errorf("participant sid %q is not an MB SID", psid)
	}
	if str(alice.Identity) != "alice" || str(alice.ConversationSid) != sid || str(alice.AccountSid) != s.accountSID {
		t.Errorf("participant identity %q conversation %q account %q", str(alice.Identity), str(alice.ConversationSid), str(alice.AccountSid))
	}
	if alice.MessagingBinding != nil && *alice.MessagingBinding != nil {
		t.Errorf("chat participant has messaging_binding %v, want null", *alice.MessagingBinding)
	}
	if str(alice.Attributes) != "{}" {
		t.Errorf("attributes %q, want {}", str(alice.Attributes))
	}
	if alice.LastReadMessageIndex != nil || alice.LastReadTimestamp != nil {
		t.Errorf("a new participant has read index %v at %v, want nulls", alice.LastReadMessageIndex, alice.LastReadTimestamp)
	}
	if want := s.baseURL + "/conversations/v1/Conversations/" + sid + "/Participants/" + psid; str(alice.Url) != want {
		t.Errorf("url %q, want %q", str(alice.Url), want)
	}

	// Joining by identity made a user of it.
	u := mustFetchUser(t, s.tw, "alice")
	if str(u.Identity) != "alice" || !strings.HasPrefix(str(u.Sid), "US") {
		t.Errorf("user for alice: identity %q sid %q", str(u.Identity), str(u.Sid))
	}

	for _, ref := range []string{psid, "alice"} {
		got := mustFetchParticipant(t, s.tw, sid, ref)
		if str(got.Sid) != psid || str(got.Identity) != "alice" {
			t.Errorf("fetch participant %q gave %s (%q)", ref, str(got.Sid), str(got.Identity))
		}
	}
	_, err := s.tw.ConversationsV1.FetchConversationParticipant(sid, "nobody")
	wantNotFound(t, err)

	// A user who exists already is reused, not duplicated.
	mustCreateUser(t, s.tw, "bob")
	bob := mustAddChatParticipant(t, s.tw, sid, "bob")
	users, err := s.tw.ConversationsV1.ListUser(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 {
		t.Errorf("%d users after alice and bob joined, want 2", len(users))
	}

	ps := mustListParticipants(t, s.tw, sid)
	var got []string
	for _, p := range ps {
		got = append(got, str(p.Sid))
	}
	if want := []string{psid, str(bob.Sid)}; !slices.Equal(got, want) {
		t.Errorf("participants %v, want %v in joining order", got, want)
	}
	paged, err := s.tw.ConversationsV1.ListConversationParticipant(sid, new(conv.ListConversationParticipantParams).SetPageSize(1))
	if err != nil || len(paged) != 2 {
		t.Errorf("listing participants one a page gave %d, %v; want 2", len(paged), err)
	}
}

func TestMessagingParticipant(t *testing.T) {
	s := startServer(t)
	sid := str(mustCreateConversation(t, s.tw, "sms").Sid)
	tests := []struct {
		name, address, proxy, wantType string
	}{
		{"sms", smsAddress, smsProxy, "sms"},
		{"whatsapp", "whatsapp:+15551230002", "whatsapp:+15557650000", "whatsapp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustAddSMSParticipant(t, s.tw, sid, tt.address, tt.proxy)
			for _, got := range []*conv.ConversationsV1ConversationParticipant{p, mustFetchParticipant(t, s.tw, sid, str(p.Sid))} {
				if got.Identity != nil {
					t.Errorf("identity %q, want null", *got.Identity)
				}
				b := object(got.MessagingBinding)
				if b["type"] != tt.wantType || b["address"] != tt.address || b["proxy_address"] != tt.proxy {
					t.Errorf("messaging_binding %v, want type %s address %s proxy_address %s", b, tt.wantType, tt.address, tt.proxy)
				}
			}
		})
	}
	if users, err := s.tw.ConversationsV1.ListUser(nil); err != nil || len(users) != 0 {
		t.Errorf("messaging participants made %d users (%v), want none", len(users), err)
	}
	if ps := mustListParticipants(t, s.tw, sid); len(ps) != 2 {
		t.Errorf("%d participants, want 2", len(ps))
	}
}

func TestAddParticipantRefuses(t *testing.T) {
	s := startServer(t)
	sid := str(mustCreateConversation(t, s.tw, "busy").Sid)
	mustAddChatParticipant(t, s.tw, sid, "alice")
	mustAddSMSParticipant(t, s.tw, sid, smsAddress, smsProxy)
	p := func() *conv.CreateConversationParticipantParams { return new(conv.CreateConversationParticipantParams) }
	tests := []struct {
		name         string
		conversation string
		params       *conv.CreateConversationParticipantParams
		status, code int
	}{
		{"duplicate identity", sid, p().SetIdentity("alice"), 409, 50433},
		{"duplicate binding", sid, p().SetMessagingBindingAddress(smsAddress).SetMessagingBindingProxyAddress(smsProxy), 409, 50433},
		{"neither identity nor binding", sid, p(), 400, 0},
		{"address without proxy address", sid, p().SetMessagingBindingAddress("+15551239999"), 400, 0},
		{"identity and address", sid, p().SetIdentity("carol").SetMessagingBindingAddress("+15551239999").SetMessagingBindingProxyAddress(smsProxy), 400, 0},
		{"sms address through a whatsapp proxy", sid, p().SetMessagingBindingAddress("+15551239999").SetMessagingBindingProxyAddress("whatsapp:+15557650000"), 400, 0},
		{"attributes not JSON", sid, p().SetIdentity("dave").SetAttributes("[1,"), 400, 50304},
		{"role SID of the wrong shape", sid, p().SetIdentity("erin").SetRoleSid("RLnope"), 400, 0},
		{"unknown conversation", "CH0000000000000000000000000000000a", p().SetIdentity("frank"), 404, 20404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.tw.ConversationsV1.CreateConversationParticipant(tt.conversation, tt.params)
			wantTwilioError(t, err, tt.status, tt.code)
		})
	}
	if ps := mustListParticipants(t, s.tw, sid); len(ps) != 2 {
		t.Errorf("%d participants after refused adds, want 2", len(ps))
	}
	for _, identity := range []string{"carol", "dave", "erin", "frank"} {
		if _, err := s.tw.ConversationsV1.FetchUser(identity); err == nil {
			t.Errorf("a refused add left user %q behind", identity)
		}
	}
}

func TestUpdateParticipant(t *testing.T) {
	s := startServer(t)
	sid := str(mustCreateConversation(t, s.tw, "roles").Sid)
	alice := mustAddChatParticipant(t, s.tw, sid, "alice")
	updated, err := s.tw.ConversationsV1.UpdateConversationParticipant(sid, str(alice.Sid),
		new(conv.UpdateConversationParticipantParams).SetAttributes(`{"vip":true}`).SetRoleSid(roleSID))
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []*conv.ConversationsV1ConversationParticipant{updated, mustFetchParticipant(t, s.tw, sid, "alice")} {
		if str(got.Attributes) != `{"vip":true}` || str(got.RoleSid) != roleSID || str(got.Identity) != "alice" {
			t.Errorf("after update: attributes %q role_sid %q identity %q", str(got.Attributes), str(got.RoleSid), str(got.Identity))
		}
	}
	// By identity, too.
	if _, err := s.tw.ConversationsV1.UpdateConversationParticipant(sid, "alice",
		new(conv.UpdateConversationParticipantParams).SetAttributes(`{"vip":false}`)); err != nil {
		t.Errorf("update by identity: %v", err)
	}
	if got := mustFetchParticipant(t, s.tw, sid, str(alice.Sid)); str(got.Attributes) != `{"vip":false}` || str(got.RoleSid) != roleSID {
		t.Errorf("after an attributes-only update: attributes %q role_sid %q", str(got.Attributes), str(got.RoleSid))
	}

	_, err = s.tw.ConversationsV1.UpdateConversationParticipant(sid, str(alice.Sid), new(conv.UpdateConversationParticipantParams).SetRoleSid("RL123"))
	wantTwilioError(t, err, 400, 0)
	_, err = s.tw.ConversationsV1.UpdateConversationParticipant(sid, str(alice.Sid), new(conv.UpdateConversationParticipantParams).SetAttributes("{"))
	wantTwilioError(t, err, 400, 50304)
	_, err = s.tw.ConversationsV1.UpdateConversationParticipant(sid, "MB0000000000000000000000000000000a", new(conv.UpdateConversationParticipantParams).SetAttributes("{}"))
	wantNotFound(t, err)
}

func TestParticipantReadHorizon(t *testing.T) {
	s := startServer(t)
	sid := str(mustCreateConversation(t, s.tw, "reading").Sid)
	alice := mustAddChatParticipant(t, s.tw, sid, "alice")

	// Nothing to read yet.
	_, err := s.tw.ConversationsV1.UpdateConversationParticipant(sid, str(alice.Sid),
		new(conv.UpdateConversationParticipantParams).SetLastReadMessageIndex(0))
	wantTwilioError(t, err, 400, 0)

	mustSendMessages(t, s.tw, sid, "bob", 3) // indexes 0, 1, 2
	tests := []struct {
		index int
		ok    bool
	}{
		{0, true},
		{2, true},
		{1, true}, // a horizon can move back
		{3, false},
		{100, false},
		{-1, false},
	}
	for _, tt := range tests {
		t.Run("index "+strconv.Itoa(tt.index), func(t *testing.T) {
			before := time.Now().Add(-2 * time.Second)
			p, err := s.tw.ConversationsV1.UpdateConversationParticipant(sid, str(alice.Sid),
				new(conv.UpdateConversationParticipantParams).SetLastReadMessageIndex(tt.index))
			if !tt.ok {
				wantTwilioError(t, err, 400, 0)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range []*conv.ConversationsV1ConversationParticipant{p, mustFetchParticipant(t, s.tw, sid, str(alice.Sid))} {
				if intOr(got.LastReadMessageIndex, -1) != tt.index {
					t.Errorf("last_read_message_index %v, want %d", got.LastReadMessageIndex, tt.index)
				}
				at, err := time.Parse(time.RFC3339, str(got.LastReadTimestamp))
				if err != nil || at.Before(before.Truncate(time.Second)) || at.After(time.Now().Add(2*time.Second)) {
					t.Errorf("last_read_timestamp %q is not about now (%v)", str(got.LastReadTimestamp), err)
				}
			}
		})
	}
	// A refused move left the horizon where it was.
	if got := mustFetchParticipant(t, s.tw, sid, "alice"); intOr(got.LastReadMessageIndex, -1) != 1 {
		t.Errorf("last_read_message_index %v after refused moves, want 1", got.LastReadMessageIndex)
	}
}

func TestDeleteParticipant(t *testing.T) {
	s := startServer(t)
	sid := str(mustCreateConversation(t, s.tw, "leaving").Sid)
	alice := mustAddChatParticipant(t, s.tw, sid, "alice")
	bob := mustAddChatParticipant(t, s.tw, sid, "bob")
	sms := mustAddSMSParticipant(t, s.tw, sid, smsAddress, smsProxy)
	m := mustSendMessage(t, s.tw, sid, "alice", "I'm off")

	if err := s.tw.ConversationsV1.DeleteConversationParticipant(sid, str(alice.Sid), nil); err != nil {
		t.Fatal(err)
	}
	// By identity, too.
	if err := s.tw.ConversationsV1.DeleteConversationParticipant(sid, "bob", nil); err != nil {
		t.Fatal(err)
	}
	_, err := s.tw.ConversationsV1.FetchConversationParticipant(sid, str(alice.Sid))
	wantNotFound(t, err)
	_, err = s.tw.ConversationsV1.FetchConversationParticipant(sid, str(bob.Sid))
	wantNotFound(t, err)
	wantNotFound(t, s.tw.ConversationsV1.DeleteConversationParticipant(sid, str(alice.Sid), nil))

	if ps := mustListParticipants(t, s.tw, sid); len(ps) != 1 || str(ps[0].Sid) != str(sms.Sid) {
		t.Errorf("%d participants left, want only the SMS one", len(ps))
	}
	// Her messages stay, and she can come back as a new participant.
	if got, err := s.tw.ConversationsV1.FetchConversationMessage(sid, str(m.Sid)); err != nil || str(got.Body) != "I'm off" {
		t.Errorf("alice's message after she left: %v", err)
	}
	again := mustAddChatParticipant(t, s.tw, sid, "alice")
	if str(again.Sid) == str(alice.Sid) {
		t.Error("alice rejoined with her old participant SID")
	}
}

// ---- messages ----

func TestSendMessage(t *testing.T) {
	s := startServer(t)
	sid := str(mustCreateConversation(t, s.tw, "messages").Sid)
	alice := mustAddChatParticipant(t, s.tw, sid, "alice")

	tests := []struct {
		name, author, body string
		wantAuthor         string
		wantParticipant    string // "" means null
		wantIndex          int
	}{
		{"no author is system", "", "welcome", "system", "", 0},
		{"participant author is linked", "alice", "hi there", "alice", str(alice.Sid), 1},
		{"stranger author is not linked", "stranger", "who's this?", "stranger", "", 2},
		{"unicode body", "alice", "héllo 👋 — 你好", "alice", str(alice.Sid), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustSendMessage(t, s.tw, sid, tt.author, tt.body)
			msid := str(m.Sid)
			if !strings.HasPrefix(msid, "IM") || len(msid) != 34 {
				t.Errorf("message sid %q is not an IM SID", msid)
			}
			for _, got := range []*conv.ConversationsV1ConversationMessage{m, mustFetchMessage(t, s, sid, msid)} {
				if str(got.Author) != tt.wantAuthor || str(got.Body) != tt.body || got.Index != tt.wantIndex {
					t.Errorf("author %q body %q index %d, want %q %q %d", str(got.Author), str(got.Body), got.Index,
						tt.wantAuthor, tt.body, tt.wantIndex)
				}
				if str(got.ParticipantSid) != tt.wantParticipant {
					t.Errorf("participant_sid %q, want %q", str(got.ParticipantSid), tt.wantParticipant)
				}
				if str(got.ConversationSid) != sid || str(got.AccountSid) != s.accountSID || str(got.Attributes) != "{}" {
					t.Errorf("conversation_sid %q account_sid %q attributes %q", str(got.ConversationSid), str(got.AccountSid), str(got.Attributes))
				}
				if got.Delivery != nil && *got.Delivery != nil {
					t.Errorf("a chat message has delivery %v, want null", *got.Delivery)
				}
				if want := s.baseURL + "/conversations/v1/Conversations/" + sid + "/Messages/" + msid; str(got.Url) != want {
					t.Errorf("url %q, want %q", str(got.Url), want)
				}
				if got.Links == nil || (*got.Links)["delivery_receipts"] != str(got.Url)+"/Receipts" {
					t.Errorf("links %v have no delivery_receipts", got.Links)
				}
			}
			receipts, err := s.tw.ConversationsV1.ListConversationMessageReceipt(sid, msid, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(receipts) != 0 {
				t.Errorf("a chat message has %d receipts, want none", len(receipts))
			}
		})
	}

	withAttributes, err := s.tw.ConversationsV1.CreateConversationMessage(sid,
		new(conv.CreateConversationMessageParams).SetBody("tagged").SetAttributes(`{"importance":"high"}`))
	if err != nil {
		t.Fatal(err)
	}
	if str(withAttributes.Attributes) != `{"importance":"high"}` {
		t.Errorf("attributes %q", str(withAttributes.Attributes))
	}
	// The longest body Twilio takes is 32 KiB.
	longest := strings.Repeat("x", 32*1024)
	if m := mustSendMessage(t, s.tw, sid, "alice", longest); str(m.Body) != longest {
		t.Errorf("a 32 KiB body came back as %d bytes", len(str(m.Body)))
	}
}

func mustFetchMessage(t *testing.T, s *testServer, convSID, msgSID string) *conv.ConversationsV1ConversationMessage {
	t.Helper()
	m, err := s.tw.ConversationsV1.FetchConversationMessage(convSID, msgSID)
	if err != nil {
		t.Fatalf("fetch message %s: %v", msgSID, err)
	}
	return m
}

func TestSendMessageRefuses(t *testing.T) {
	s := startServer(t)
	sid := str(mustCreateConversation(t, s.tw, "strict").Sid)
	m := func() *conv.CreateConversationMessageParams { return new(conv.CreateConversationMessageParams) }
	tests := []struct {
		name         string
		conversation string
		params       *conv.CreateConversationMessageParams
		status, code int
	}{
		{"body over 32 KiB", sid, m().SetBody(strings.Repeat("x", 32*1024+1)), 400, 0},
		{"no body", sid, m().SetAuthor("alice"), 400, 0},
		{"empty body", sid, m().SetBody(""), 400, 0},
		{"attributes not JSON", sid, m().SetBody("hi").SetAttributes("{'single':'quotes'}"), 400, 50304},
		{"author over 256 characters", sid, m().SetBody("hi").SetAuthor(strings.Repeat("a", 257)), 400, 0},
		{"unknown conversation", "CH0000000000000000000000000000000a", m().SetBody("hi"), 404, 20404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.tw.ConversationsV1.CreateConversationMessage(tt.conversation, tt.params)
			wantTwilioError(t, err, tt.status, tt.code)
		})
	}
	if ms := mustListMessages(t, s.tw, sid, nil); len(ms) != 0 {
		t.Errorf("refused sends stored %d messages", len(ms))
	}
	// Refused sends use up no index.
	if got := mustSendMessage(t, s.tw, sid, "", "first"); got.Index != 0 {
		t.Errorf("the first accepted message has index %d, want 0", got.Index)
	}
}

func TestListMessages(t *testing.T) {
	s := startServer(t)
	sid := str(mustCreateConversation(t, s.tw, "history").Sid)
	sent := mustSendMessages(t, s.tw, sid, "alice", 5)
	var asc []string
	for _, m := range sent {
		asc = append(asc, str(m.Sid))
	}
	desc := slices.Clone(asc)
	slices.Reverse(desc)

	l := func() *conv.ListConversationMessageParams { return new(conv.ListConversationMessageParams) }
	tests := []struct {
		name      string
		params    *conv.ListConversationMessageParams
		want      []string
		wantCalls int64 // requests made; 0 to skip the check
	}{
		{"default", nil, asc, 1},
		{"asc two a page", l().SetOrder("asc").SetPageSize(2).SetLimit(100), asc, 3},
		{"desc", l().SetOrder("desc"), desc, 1},
		{"desc two a page", l().SetOrder("desc").SetPageSize(2).SetLimit(100), desc, 3},
		{"desc limited", l().SetOrder("desc").SetPageSize(2).SetLimit(3), desc[:3], 2},
		// The page holding the last message says there is no next one, so
		// no empty page is fetched.
		{"one a page", l().SetPageSize(1), asc, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counter := &countingTransport{}
			tw := newTwilioClient(t, s.baseURL, s.accountSID, s.authToken, counter)
			ms, err := tw.ConversationsV1.ListConversationMessage(sid, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			if got := sidsOfMessages(ms); !slices.Equal(got, tt.want) {
				t.Errorf("listed %v (indexes %v), want %v", got, indexesOf(ms), tt.want)
			}
			if n := counter.n.Load(); tt.wantCalls != 0 && n != tt.wantCalls {
				t.Errorf("%d requests, want %d", n, tt.wantCalls)
			}
		})
	}
	_, err := s.tw.ConversationsV1.ListConversationMessage(sid, l().SetOrder("sideways"))
	wantTwilioError(t, err, 400, 0)
}

func TestUpdateAndDeleteMessage(t *testing.T) {
	s := startServer(t)
	sid := str(mustCreateConversation(t, s.tw, "edits").Sid)
	mustAddChatParticipant(t, s.tw, sid, "alice")
	sent := mustSendMessages(t, s.tw, sid, "", 3) // indexes 0, 1, 2

	edited, err := s.tw.ConversationsV1.UpdateConversationMessage(sid, str(sent[1].Sid),
		new(conv.UpdateConversationMessageParams).SetBody("edited").SetAttributes(`{"edited":true}`).SetAuthor("alice"))
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []*conv.ConversationsV1ConversationMessage{edited, mustFetchMessage(t, s, sid, str(sent[1].Sid))} {
		if str(got.Body) != "edited" || str(got.Attributes) != `{"edited":true}` || got.Index != 1 || str(got.Author) != "alice" {
			t.Errorf("after edit: body %q attributes %q index %d author %q", str(got.Body), str(got.Attributes), got.Index, str(got.Author))
		}
		if str(got.ParticipantSid) == "" {
			t.Error("re-authoring a message to a participant did not link it to her")
		}
		if got.DateUpdated == nil || got.DateUpdated.Before(*sent[1].DateCreated) {
			t.Errorf("date_updated %v is before date_created %v", got.DateUpdated, sent[1].DateCreated)
		}
	}
	_, err = s.tw.ConversationsV1.UpdateConversationMessage(sid, str(sent[1].Sid), new(conv.UpdateConversationMessageParams).SetAttributes("nope"))
	wantTwilioError(t, err, 400, 50304)
	_, err = s.tw.ConversationsV1.UpdateConversationMessage(sid, "IM0000000000000000000000000000000a", new(conv.UpdateConversationMessageParams).SetBody("x"))
	wantNotFound(t, err)

	// Deleting the last message does not free its index.
	if err := s.tw.ConversationsV1.DeleteConversationMessage(sid, str(sent[2].Sid), nil); err != nil {
		t.Fatal(err)
	}
	_, err = s.tw.ConversationsV1.FetchConversationMessage(sid, str(sent[2].Sid))
	wantNotFound(t, err)
	wantNotFound(t, s.tw.ConversationsV1.DeleteConversationMessage(sid, str(sent[2].Sid), nil))
	if got := indexesOf(mustListMessages(t, s.tw, sid, nil)); !slices.Equal(got, []int{0, 1}) {
		t.Errorf("indexes after the delete %v, want [0 1]", got)
	}
	if next := mustSendMessage(t, s.tw, sid, "", "after the delete"); next.Index != 3 {
		t.Errorf("the message after deleting index 2 got index %d, want 3", next.Index)
	}
	if got := indexesOf(mustListMessages(t, s.tw, sid, nil)); !slices.Equal(got, []int{0, 1, 3}) {
		t.Errorf("indexes %v, want [0 1 3]", got)
	}
}

func TestMessageIdempotencyToken(t *testing.T) {
	s := startServer(t)
	sid := str(mustCreateConversation(t, s.tw, "retries").Sid)
	send := func() reply {
		return s.do(t, rawRequest{method: http.MethodPost, path: "/conversations/v1/Conversations/" + sid + "/Messages",
			contentType: "application/x-www-form-urlencoded", body: url.Values{"Body": {"once"}}.Encode(),
			header: map[string]string{"I-Twilio-Idempotency-Token": "retry-1"}})
	}
	first, second := send(), send()
	if first.status != http.StatusCreated || second.status/100 != 2 {
		t.Fatalf("statuses %d and %d", first.status, second.status)
	}
	if first.json["sid"] != second.json["sid"] {
		t.Errorf("a retried send made a second message: %v and %v", first.json["sid"], second.json["sid"])
	}
	if ms := mustListMessages(t, s.tw, sid, nil); len(ms) != 1 {
		t.Errorf("%d messages after a retried send, want 1", len(ms))
	}
}

// ---- users ----

func TestUserLifecycle(t *testing.T) {
	s := startServer(t)
	u, err := s.tw.ConversationsV1.CreateUser(new(conv.CreateUserParams).SetIdentity("carol").
		SetFriendlyName("Carol").SetAttributes(`{"team":"support"}`).SetRoleSid(roleSID))
	if err != nil {
		t.Fatal(err)
	}
	usid := str(u.Sid)
	if !strings.HasPrefix(usid, "US") || len(usid) != 34 || str(u.Identity) != "carol" || str(u.FriendlyName) != "Carol" ||
		str(u.Attributes) != `{"team":"support"}` || str(u.RoleSid) != roleSID || !strings.HasPrefix(str(u.ChatServiceSid), "IS") {
		t.Errorf("created user %+v", u)
	}
	if u.Links == nil || (*u.Links)["user_conversations"] != s.baseURL+"/conversations/v1/Users/"+usid+"/Conversations" {
		t.Errorf("links %v", u.Links)
	}

	_, err = s.tw.ConversationsV1.CreateUser(new(conv.CreateUserParams).SetIdentity("carol"))
	wantTwilioError(t, err, http.StatusConflict, 0)
	_, err = s.tw.ConversationsV1.CreateUser(nil)
	wantTwilioError(t, err, 400, 0)
	_, err = s.tw.ConversationsV1.CreateUser(new(conv.CreateUserParams).SetIdentity("dan").SetAttributes("nope"))
	wantTwilioError(t, err, 400, 50304)

	for _, ref := range []string{usid, "carol"} {
		if got := mustFetchUser(t, s.tw, ref); str(got.Sid) != usid || str(got.Identity) != "carol" {
			t.Errorf("fetch user %q gave %s (%q)", ref, str(got.Sid), str(got.Identity))
		}
	}
	_, err = s.tw.ConversationsV1.FetchUser("nobody")
	wantNotFound(t, err)

	mustCreateUser(t, s.tw, "dave")
	users, err := s.tw.ConversationsV1.ListUser(new(conv.ListUserParams).SetPageSize(1))
	if err != nil {
		t.Fatal(err)
	}
	var identities []string
	for _, u := range users {
		identities = append(identities, str(u.Identity))
	}
	if !slices.Equal(identities, []string{"carol", "dave"}) {
		t.Errorf("users %v, want [carol dave]", identities)
	}

	updated, err := s.tw.ConversationsV1.UpdateUser(usid, new(conv.UpdateUserParams).SetFriendlyName("Carol B."))
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []*conv.ConversationsV1User{updated, mustFetchUser(t, s.tw, "carol")} {
		if str(got.FriendlyName) != "Carol B." || str(got.Attributes) != `{"team":"support"}` || str(got.Identity) != "carol" {
			t.Errorf("after update: friendly_name %q attributes %q identity %q", str(got.FriendlyName), str(got.Attributes), str(got.Identity))
		}
	}
	_, err = s.tw.ConversationsV1.UpdateUser("carol", new(conv.UpdateUserParams).SetRoleSid("nope"))
	wantTwilioError(t, err, 400, 0)

	if err := s.tw.ConversationsV1.DeleteUser(usid, nil); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{usid, "carol"} {
		_, err := s.tw.ConversationsV1.FetchUser(ref)
		wantNotFound(t, err)
	}
	wantNotFound(t, s.tw.ConversationsV1.DeleteUser(usid, nil))
	if users, _ := s.tw.ConversationsV1.ListUser(nil); len(users) != 1 {
		t.Errorf("%d users after deleting carol, want 1", len(users))
	}
	// The identity is free again.
	mustCreateUser(t, s.tw, "carol")
}

func TestUserConversations(t *testing.T) {
	s := startServer(t)
	a := mustCreateConversationWith(t, s.tw, new(conv.CreateConversationParams).SetFriendlyName("A").SetUniqueName("conv-a"))
	b := mustCreateConversation(t, s.tw, "B")
	c := mustCreateConversation(t, s.tw, "C")
	pa := mustAddChatParticipant(t, s.tw, str(a.Sid), "alice")
	mustAddChatParticipant(t, s.tw, str(b.Sid), "alice")
	mustAddChatParticipant(t, s.tw, str(c.Sid), "bob")
	alice := mustFetchUser(t, s.tw, "alice")
	usid := str(alice.Sid)

	ucs, err := s.tw.ConversationsV1.ListUserConversation(usid, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, uc := range ucs {
		got = append(got, str(uc.ConversationSid))
		if str(uc.UserSid) != usid {
			t.Errorf("user_sid %q, want %q", str(uc.UserSid), usid)
		}
	}
	if want := []string{str(a.Sid), str(b.Sid)}; !slices.Equal(got, want) {
		t.Errorf("alice's conversations %v, want %v", got, want)
	}

	uc, err := s.tw.ConversationsV1.FetchUserConversation(usid, str(a.Sid))
	if err != nil {
		t.Fatal(err)
	}
	if str(uc.ParticipantSid) != str(pa.Sid) || str(uc.FriendlyName) != "A" || str(uc.UniqueName) != "conv-a" ||
		str(uc.ConversationState) != "active" || str(uc.ChatServiceSid) != str(a.ChatServiceSid) {
		t.Errorf("alice's view of A: %+v", uc)
	}
	_, err = s.tw.ConversationsV1.FetchUserConversation(usid, str(c.Sid))
	wantNotFound(t, err)
	_, err = s.tw.ConversationsV1.FetchUserConversation("US0000000000000000000000000000000a", str(a.Sid))
	wantNotFound(t, err)

	mustSendMessages(t, s.tw, str(a.Sid), "bob", 4) // indexes 0..3
	tests := []struct {
		read, unread int
	}{
		{0, 3},
		{1, 2},
		{3, 0},
		{2, 1},
	}
	for _, tt := range tests {
		t.Run("read up to "+strconv.Itoa(tt.read), func(t *testing.T) {
			uc, err := s.tw.ConversationsV1.UpdateUserConversation(usid, str(a.Sid),
				new(conv.UpdateUserConversationParams).SetLastReadMessageIndex(tt.read))
			if err != nil {
				t.Fatal(err)
			}
			fetched, err := s.tw.ConversationsV1.FetchUserConversation(usid, str(a.Sid))
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range []*conv.ConversationsV1UserConversation{uc, fetched} {
				if intOr(got.LastReadMessageIndex, -1) != tt.read || intOr(got.UnreadMessagesCount, -1) != tt.unread {
					t.Errorf("last_read_message_index %v unread_messages_count %v, want %d and %d",
						got.LastReadMessageIndex, got.UnreadMessagesCount, tt.read, tt.unread)
				}
			}
			// The participant shows the same horizon.
			if p := mustFetchParticipant(t, s.tw, str(a.Sid), "alice"); intOr(p.LastReadMessageIndex, -1) != tt.read {
				t.Errorf("participant last_read_message_index %v, want %d", p.LastReadMessageIndex, tt.read)
			}
		})
	}
	_, err = s.tw.ConversationsV1.UpdateUserConversation(usid, str(a.Sid), new(conv.UpdateUserConversationParams).SetLastReadMessageIndex(4))
	wantTwilioError(t, err, 400, 0)

	// Leaving through the user's view removes the participant.
	if err := s.tw.ConversationsV1.DeleteUserConversation(usid, str(b.Sid)); err != nil {
		t.Fatal(err)
	}
	if ucs, err := s.tw.ConversationsV1.ListUserConversation(usid, nil); err != nil || len(ucs) != 1 {
		t.Errorf("alice is in %d conversations after leaving B (%v), want 1", len(ucs), err)
	}
}

func TestParticipantConversations(t *testing.T) {
	s := startServer(t)
	a := mustCreateConversationWith(t, s.tw, new(conv.CreateConversationParams).SetFriendlyName("A").SetUniqueName("pc-a"))
	b := mustCreateConversation(t, s.tw, "B")
	c := mustCreateConversation(t, s.tw, "C")
	mustAddChatParticipant(t, s.tw, str(a.Sid), "alice")
	mustAddChatParticipant(t, s.tw, str(b.Sid), "alice")
	mustAddSMSParticipant(t, s.tw, str(b.Sid), smsAddress, smsProxy)
	// A second number: one address and proxy pair is in one open conversation at most.
	mustAddSMSParticipant(t, s.tw, str(c.Sid), smsAddress, "+15557650001")
	mustAddChatParticipant(t, s.tw, str(c.Sid), "bob")
	alice := mustFetchUser(t, s.tw, "alice")

	p := func() *conv.ListParticipantConversationParams { return new(conv.ListParticipantConversationParams) }
	tests := []struct {
		name   string
		params *conv.ListParticipantConversationParams
		want   []string
		check  func(t *testing.T, pc conv.ConversationsV1ParticipantConversation)
	}{
		{
			name: "by identity", params: p().SetIdentity("alice"), want: []string{str(a.Sid), str(b.Sid)},
			check: func(t *testing.T, pc conv.ConversationsV1ParticipantConversation) {
				if str(pc.ParticipantIdentity) != "alice" || str(pc.ParticipantUserSid) != str(alice.Sid) {
					t.Errorf("participant_identity %q participant_user_sid %q, want alice and %s",
						str(pc.ParticipantIdentity), str(pc.ParticipantUserSid), str(alice.Sid))
				}
			},
		},
		{
			name: "by address", params: p().SetAddress(smsAddress), want: []string{str(b.Sid), str(c.Sid)},
			check: func(t *testing.T, pc conv.ConversationsV1ParticipantConversation) {
				b := object(pc.ParticipantMessagingBinding)
				if pc.ParticipantIdentity != nil || b["address"] != smsAddress || !strings.HasPrefix(fmt.Sprint(b["proxy_address"]), "+1555765000") {
					t.Errorf("participant_identity %v messaging binding %v", pc.ParticipantIdentity, b)
				}
			},
		},
		{name: "by identity one a page", params: p().SetIdentity("alice").SetPageSize(1), want: []string{str(a.Sid), str(b.Sid)}},
		{name: "unknown identity", params: p().SetIdentity("nobody"), want: nil},
		{name: "unknown address", params: p().SetAddress("+15550000000"), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pcs, err := s.tw.ConversationsV1.ListParticipantConversation(tt.params)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, pc := range pcs {
				got = append(got, str(pc.ConversationSid))
				if tt.check != nil {
					tt.check(t, pc)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("conversations %v, want %v", got, tt.want)
			}
		})
	}
	pcs, err := s.tw.ConversationsV1.ListParticipantConversation(p().SetIdentity("alice"))
	if err != nil || len(pcs) == 0 {
		t.Fatal(err)
	}
	if pc := pcs[0]; str(pc.ConversationUniqueName) != "pc-a" || str(pc.ConversationFriendlyName) != "A" ||
		str(pc.ConversationState) != "active" || str(pc.ConversationAttributes) != "{}" {
		t.Errorf("conversation fields of alice's first membership: %+v", pc)
	}
	_, err = s.tw.ConversationsV1.ListParticipantConversation(nil)
	wantTwilioError(t, err, 400, 0)
}

// ---- conversation with participants ----

func TestConversationWithParticipants(t *testing.T) {
	s := startServer(t)
	c, err := s.tw.ConversationsV1.CreateConversationWithParticipants(new(conv.CreateConversationWithParticipantsParams).
		SetFriendlyName("Together").SetUniqueName("together").SetParticipant([]string{
		`{"identity":"alice","attributes":"{\"lead\":true}"}`,
		`{"messaging_binding":{"address":"` + smsAddress + `","proxy_address":"` + smsProxy + `"}}`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	sid := str(c.Sid)
	if !strings.HasPrefix(sid, "CH") || str(c.FriendlyName) != "Together" || str(c.UniqueName) != "together" || str(c.State) != "active" {
		t.Errorf("created %+v", c)
	}
	ps := mustListParticipants(t, s.tw, sid)
	if len(ps) != 2 {
		t.Fatalf("%d participants, want 2", len(ps))
	}
	if str(ps[0].Identity) != "alice" || str(ps[0].Attributes) != `{"lead":true}` {
		t.Errorf("first participant identity %q attributes %q", str(ps[0].Identity), str(ps[0].Attributes))
	}
	if b := object(ps[1].MessagingBinding); ps[1].Identity != nil || b["address"] != smsAddress || b["proxy_address"] != smsProxy {
		t.Errorf("second participant identity %v binding %v", ps[1].Identity, b)
	}
	mustFetchUser(t, s.tw, "alice")

	tooMany := make([]string, 11)
	for i := range tooMany {
		tooMany[i] = `{"identity":"crowd-` + strconv.Itoa(i) + `"}`
	}
	w := func() *conv.CreateConversationWithParticipantsParams {
		return new(conv.CreateConversationWithParticipantsParams).SetFriendlyName("should not exist")
	}
	tests := []struct {
		name         string
		params       *conv.CreateConversationWithParticipantsParams
		status, code int
	}{
		{"second participant has neither identity nor binding", w().SetParticipant([]string{`{"identity":"dave"}`, `{}`}), 400, 0},
		{"the same identity twice", w().SetParticipant([]string{`{"identity":"dave"}`, `{"identity":"dave"}`}), 409, 50433},
		{"participant is not JSON", w().SetParticipant([]string{`{"identity":"dave"}`, `identity=erin`}), 400, 0},
		{"participant attributes not JSON", w().SetParticipant([]string{`{"identity":"dave","attributes":"{"}`}), 400, 50304},
		{"binding without proxy address", w().SetParticipant([]string{`{"identity":"dave"}`, `{"messaging_binding":{"address":"+15551239999"}}`}), 400, 0},
		{"unique name taken", w().SetUniqueName("together").SetParticipant([]string{`{"identity":"dave"}`}), 409, 50353},
		{"closed initial state", w().SetState("closed").SetParticipant([]string{`{"identity":"dave"}`}), 400, 50384},
		{"more than ten participants", w().SetParticipant(tooMany), 400, 50426},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.tw.ConversationsV1.CreateConversationWithParticipants(tt.params)
			wantTwilioError(t, err, tt.status, tt.code)
			// Nothing of it was created: no conversation, no user.
			if cs := mustListConversations(t, s.tw); len(cs) != 1 || str(cs[0].Sid) != sid {
				t.Errorf("conversations after a refused create: %v, want only %s", sidsOfConversations(cs), sid)
			}
			if _, err := s.tw.ConversationsV1.FetchUser("dave"); err == nil {
				t.Error("a refused create left user dave behind")
			}
		})
	}
}

// ---- configuration ----

func TestConfiguration(t *testing.T) {
	s := startServer(t)
	cfg, err := s.tw.ConversationsV1.FetchConfiguration()
	if err != nil {
		t.Fatal(err)
	}
	is := str(cfg.DefaultChatServiceSid)
	if !strings.HasPrefix(is, "IS") || len(is) != 34 {
		t.Errorf("default_chat_service_sid %q is not an IS SID", is)
	}
	if str(cfg.AccountSid) != s.accountSID {
		t.Errorf("account_sid %q, want %q", str(cfg.AccountSid), s.accountSID)
	}
	if str(cfg.Url) != s.baseURL+"/conversations/v1/Configuration" {
		t.Errorf("url %q", str(cfg.Url))
	}
	if c := mustCreateConversation(t, s.tw, "x"); str(c.ChatServiceSid) != is {
		t.Errorf("a new conversation is in service %q, want the default %q", str(c.ChatServiceSid), is)
	}
	if u := mustCreateUser(t, s.tw, "x"); str(u.ChatServiceSid) != is {
		t.Errorf("a new user is in service %q, want the default %q", str(u.ChatServiceSid), is)
	}
}

// ---- authentication ----

func TestAuthentication(t *testing.T) {
	s := startServer(t)
	tests := []struct {
		name, accountSID, authToken string
	}{
		{"wrong auth token", s.accountSID, "ffffffffffffffffffffffffffffffff"},
		{"wrong account", "ACffffffffffffffffffffffffffffffff", s.authToken},
		{"token of the right prefix", s.accountSID, s.authToken[:16]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tw := newTwilioClient(t, s.baseURL, tt.accountSID, tt.authToken, nil)
			_, err := tw.ConversationsV1.CreateConversation(new(conv.CreateConversationParams).SetFriendlyName("intruder"))
			wantTwilioError(t, err, http.StatusUnauthorized, 20003)
			_, err = tw.ConversationsV1.FetchConfiguration()
			wantTwilioError(t, err, http.StatusUnauthorized, 20003)
		})
	}
	t.Run("no credentials", func(t *testing.T) {
		for _, path := range []string{"/conversations/v1/Conversations", "/conversations/v1/Configuration", "/conversations/v1/Nope"} {
			r := s.do(t, rawRequest{method: http.MethodGet, path: path, noAuth: true})
			wantTwilioErrorShape(t, r, http.StatusUnauthorized, 20003)
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("GET %s without credentials: WWW-Authenticate %q, want a Basic challenge", path, r.header.Get("WWW-Authenticate"))
			}
		}
	})
	if cs := mustListConversations(t, s.tw); len(cs) != 0 {
		t.Errorf("unauthenticated requests created %d conversations", len(cs))
	}
	if r := s.do(t, rawRequest{method: http.MethodGet, path: "/healthz", noAuth: true}); r.status != http.StatusOK {
		t.Errorf("GET /healthz without credentials: %d, want 200", r.status)
	}
}

// ---- bad input ----

func TestBadInputKeepsServing(t *testing.T) {
	s := startServer(t)
	existing := str(mustCreateConversation(t, s.tw, "existing").Sid)
	const form = "application/x-www-form-urlencoded"
	conversations := "/conversations/v1/Conversations"
	tests := []struct {
		name         string
		req          rawRequest
		status, code int
	}{
		{"malformed form body", rawRequest{method: "POST", path: conversations, contentType: form, body: "FriendlyName=%zz"}, 400, 20400},
		{"malformed query", rawRequest{method: "GET", path: conversations + "?PageSize=%zz"}, 400, 20400},
		{"body over 512 KiB", rawRequest{method: "POST", path: conversations, contentType: form,
			body: "FriendlyName=" + strings.Repeat("a", 600<<10)}, 413, 20413},
		{"JSON body", rawRequest{method: "POST", path: conversations, contentType: "application/json", body: `{"FriendlyName":"json"}`}, 415, 20415},
		{"unparsable content type", rawRequest{method: "POST", path: conversations, contentType: "form;;;", body: "FriendlyName=x"}, 415, 20415},
		{"unknown conversation SID", rawRequest{method: "GET", path: conversations + "/CH0000000000000000000000000000000a"}, 404, 20404},
		{"unknown conversation name", rawRequest{method: "GET", path: conversations + "/no-such-name"}, 404, 20404},
		{"messages of an unknown conversation", rawRequest{method: "GET", path: conversations + "/CH0000000000000000000000000000000a/Messages"}, 404, 20404},
		{"unknown message", rawRequest{method: "GET", path: conversations + "/" + existing + "/Messages/IM0000000000000000000000000000000a"}, 404, 20404},
		{"PageSize 0", rawRequest{method: "GET", path: conversations + "?PageSize=0"}, 400, 20400},
		{"negative PageSize", rawRequest{method: "GET", path: conversations + "?PageSize=-3"}, 400, 20400},
		{"PageSize not a number", rawRequest{method: "GET", path: conversations + "?PageSize=ten"}, 400, 20400},
		{"forged PageToken, right prefix", rawRequest{method: "GET", path: conversations + "?PageSize=2&Page=1&PageToken=PAnotakey"}, 400, 20400},
		{"forged PageToken, wrong prefix", rawRequest{method: "GET", path: conversations + "?PageSize=2&Page=1&PageToken=XX12"}, 400, 20400},
		{"forged PageToken, garbage", rawRequest{method: "GET", path: "/conversations/v1/Users?PageToken=%27%3B--"}, 400, 20400},
		{"Page without a PageToken", rawRequest{method: "GET", path: conversations + "?Page=3"}, 400, 20400},
		{"unknown Order", rawRequest{method: "GET", path: conversations + "/" + existing + "/Messages?Order=sideways"}, 400, 20400},
		{"unknown State filter", rawRequest{method: "GET", path: conversations + "?State=asleep"}, 400, 20400},
		{"ParticipantConversations without a filter", rawRequest{method: "GET", path: "/conversations/v1/ParticipantConversations"}, 400, 20400},
		{"unknown API path", rawRequest{method: "GET", path: "/conversations/v1/Nope"}, 404, 20404},
		{"unknown product path", rawRequest{method: "GET", path: "/conversations/v2/Conversations"}, 404, 20404},
		{"unknown path outside the API", rawRequest{method: "GET", path: "/nope"}, 404, 20404},
		// A method the path does not take is 405, with Allow naming the ones it does.
		{"unsupported method", rawRequest{method: "PUT", path: conversations + "/" + existing, contentType: form, body: "FriendlyName=x"}, 405, 20004},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, tt.req)
			wantTwilioErrorShape(t, r, tt.status, tt.code)
			wantServing(t, s)
		})
	}
	// Nothing bad input did changed anything.
	if cs := mustListConversations(t, s.tw); len(cs) != 1 || str(cs[0].FriendlyName) != "existing" {
		t.Errorf("conversations after bad input: %v", sidsOfConversations(cs))
	}
}

// ---- the explicit service path ----

func TestExplicitServicePath(t *testing.T) {
	s := startServer(t)
	cfg, err := s.tw.ConversationsV1.FetchConfiguration()
	if err != nil {
		t.Fatal(err)
	}
	service := "/conversations/v1/Services/" + str(cfg.DefaultChatServiceSid)

	r := s.postForm(t, service+"/Conversations", url.Values{"FriendlyName": {"via service"}, "UniqueName": {"svc-1"}})
	if r.status != http.StatusCreated {
		t.Fatalf("create through the service path: %d %s", r.status, r.text)
	}
	sid, _ := r.json["sid"].(string)
	if r.json["chat_service_sid"] != str(cfg.DefaultChatServiceSid) {
		t.Errorf("chat_service_sid %v, want %s", r.json["chat_service_sid"], str(cfg.DefaultChatServiceSid))
	}
	// It is the same conversation the plain path sees.
	if got := mustFetchConversation(t, s.tw, sid); str(got.FriendlyName) != "via service" {
		t.Errorf("plain path sees friendly_name %q", str(got.FriendlyName))
	}
	for _, path := range []string{service + "/Conversations/" + sid, service + "/Conversations/svc-1"} {
		if r := s.get(t, path); r.status != http.StatusOK || r.json["sid"] != sid {
			t.Errorf("GET %s: %d %v", path, r.status, r.json["sid"])
		}
	}
	if r := s.get(t, service+"/Conversations"); r.status != http.StatusOK {
		t.Errorf("list through the service path: %d %s", r.status, r.text)
	} else if list, _ := r.json["conversations"].([]any); len(list) != 1 {
		t.Errorf("list through the service path has %d conversations, want 1", len(list))
	}
	if r := s.postForm(t, service+"/Conversations/"+sid+"/Participants", url.Values{"Identity": {"alice"}}); r.status != http.StatusCreated {
		t.Errorf("add a participant through the service path: %d %s", r.status, r.text)
	}
	if r := s.postForm(t, service+"/Conversations/"+sid+"/Messages", url.Values{"Author": {"alice"}, "Body": {"hi"}}); r.status != http.StatusCreated {
		t.Errorf("send through the service path: %d %s", r.status, r.text)
	}
	if r := s.get(t, service+"/Users/alice"); r.status != http.StatusOK || r.json["identity"] != "alice" {
		t.Errorf("fetch a user through the service path: %d %s", r.status, r.text)
	}

	for _, other := range []string{"IS0000000000000000000000000000000a", "not-a-service"} {
		wrong := "/conversations/v1/Services/" + other
		wantTwilioErrorShape(t, s.get(t, wrong+"/Conversations/"+sid), http.StatusNotFound, 20404)
		wantTwilioErrorShape(t, s.postForm(t, wrong+"/Conversations", url.Values{"FriendlyName": {"lost"}}), http.StatusNotFound, 20404)
	}
	if cs := mustListConversations(t, s.tw); len(cs) != 1 {
		t.Errorf("%d conversations, want 1: a wrong service created one", len(cs))
	}
}
