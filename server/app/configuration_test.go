package app

import (
	"net/http"
	"testing"
	"time"

	conv "github.com/twilio/twilio-go/rest/conversations/v1"
)

// A team moving from Twilio sets its account's default timers with
// twilio-go; every conversation made afterwards without timers of its own
// gets them, and the defaults outlive a restart.
func TestAccountDefaultTimersWithTwilioGo(t *testing.T) {
	dir := t.TempDir()
	s := startServerWith(t, func(c *Config) { c.DataDir = dir })

	cfg, err := s.tw.ConversationsV1.FetchConfiguration()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DefaultInactiveTimer != nil || cfg.DefaultClosedTimer != nil {
		t.Fatalf("a new account has default timers %v %v, want none", str(cfg.DefaultInactiveTimer), str(cfg.DefaultClosedTimer))
	}
	cfg, err = s.tw.ConversationsV1.UpdateConfiguration(new(conv.UpdateConfigurationParams).
		SetDefaultInactiveTimer("PT10M").SetDefaultClosedTimer("P1D"))
	if err != nil {
		t.Fatalf("twilio-go UpdateConfiguration: %v", err)
	}
	if str(cfg.DefaultInactiveTimer) != "PT10M" || str(cfg.DefaultClosedTimer) != "P1D" || str(cfg.AccountSid) != s.accountSID ||
		str(cfg.Url) != s.baseURL+"/conversations/v1/Configuration" || cfg.DefaultChatServiceSid == nil {
		t.Fatalf("UpdateConfiguration answered %+v", cfg)
	}

	plain := mustCreateConversation(t, s.tw, "No timers of its own")
	checkTimers(t, object(plain.Timers), *plain.DateCreated, map[string]time.Duration{"date_inactive": 10 * time.Minute, "date_closed": 24 * time.Hour})
	own := mustCreateConversationWith(t, s.tw, new(conv.CreateConversationParams).SetTimersInactive("PT5M").SetTimersClosed("PT1H"))
	checkTimers(t, object(own.Timers), *own.DateCreated, map[string]time.Duration{"date_inactive": 5 * time.Minute, "date_closed": time.Hour})
	// One timer of its own: the other still comes from the account.
	half := mustCreateConversationWith(t, s.tw, new(conv.CreateConversationParams).SetTimersClosed("PT2H"))
	checkTimers(t, object(half.Timers), *half.DateCreated, map[string]time.Duration{"date_inactive": 10 * time.Minute, "date_closed": 2 * time.Hour})
	// A conversation made with its participants (as webchat and SMS make theirs) too.
	cwp := s.postForm(t, "/conversations/v1/ConversationWithParticipants", map[string][]string{"FriendlyName": {"With participants"}})
	if cwp.status != http.StatusCreated {
		t.Fatalf("ConversationWithParticipants: %d %s", cwp.status, cwp.text)
	}
	created, _ := time.Parse(time.RFC3339, cwp.json["date_created"].(string))
	timers, _ := cwp.json["timers"].(map[string]any)
	checkTimers(t, timers, created, map[string]time.Duration{"date_inactive": 10 * time.Minute, "date_closed": 24 * time.Hour})

	bad := []struct {
		name   string
		params *conv.UpdateConfigurationParams
	}{
		{"not a duration", new(conv.UpdateConfigurationParams).SetDefaultInactiveTimer("ten minutes")},
		{"an inactive timer under a minute", new(conv.UpdateConfigurationParams).SetDefaultInactiveTimer("PT30S")},
		{"a closed timer under ten minutes", new(conv.UpdateConfigurationParams).SetDefaultClosedTimer("PT5M")},
		{"another chat service", new(conv.UpdateConfigurationParams).SetDefaultChatServiceSid("IS00000000000000000000000000000000")},
		{"a messaging service that is no SID", new(conv.UpdateConfigurationParams).SetDefaultMessagingServiceSid("sales")},
	}
	for _, tc := range bad {
		_, err := s.tw.ConversationsV1.UpdateConfiguration(tc.params)
		wantTwilioError(t, err, http.StatusBadRequest, 0)
	}
	if cfg, err := s.tw.ConversationsV1.FetchConfiguration(); err != nil || str(cfg.DefaultInactiveTimer) != "PT10M" || str(cfg.DefaultClosedTimer) != "P1D" {
		t.Fatalf("refused updates changed the configuration: %+v %v", cfg, err)
	}

	// The defaults are kept with the account's data.
	s.stop()
	s = startServerWith(t, func(c *Config) { c.DataDir = dir })
	if cfg, err := s.tw.ConversationsV1.FetchConfiguration(); err != nil || str(cfg.DefaultInactiveTimer) != "PT10M" || str(cfg.DefaultClosedTimer) != "P1D" {
		t.Fatalf("after a restart the configuration is %+v %v", cfg, err)
	}
	again := mustCreateConversation(t, s.tw, "After the restart")
	checkTimers(t, object(again.Timers), *again.DateCreated, map[string]time.Duration{"date_inactive": 10 * time.Minute, "date_closed": 24 * time.Hour})

	// An empty value clears a default.
	cfg, err = s.tw.ConversationsV1.UpdateConfiguration(new(conv.UpdateConfigurationParams).SetDefaultInactiveTimer(""))
	if err != nil || cfg.DefaultInactiveTimer != nil || str(cfg.DefaultClosedTimer) != "P1D" {
		t.Fatalf("clearing the inactive default: %+v %v", cfg, err)
	}
	last := mustCreateConversation(t, s.tw, "Closed default only")
	checkTimers(t, object(last.Timers), *last.DateCreated, map[string]time.Duration{"date_closed": 24 * time.Hour})
}
