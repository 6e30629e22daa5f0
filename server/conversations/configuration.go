package conversations

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"parley/server/apperr"
	"parley/shared/sid"
)

// Configuration is the account's Conversations configuration (Twilio's
// /v1/Configuration): defaults for conversations that are made without
// their own. Empty fields are unset.
type Configuration struct {
	DefaultMessagingServiceSID string `json:"default_messaging_service_sid,omitempty"`
	// DefaultInactiveTimer and DefaultClosedTimer are ISO 8601 durations,
	// kept as the account wrote them (Twilio shows them so).
	DefaultInactiveTimer string `json:"default_inactive_timer,omitempty"`
	DefaultClosedTimer   string `json:"default_closed_timer,omitempty"`
}

// ConfigurationParams are the configuration's settable fields; nil leaves
// a field as it is and "" clears it.
type ConfigurationParams struct {
	// DefaultChatServiceSID may only name the one chat service Parley has.
	DefaultChatServiceSID      *string
	DefaultMessagingServiceSID *string
	DefaultInactiveTimer       *string
	DefaultClosedTimer         *string
}

// Settings keep small named values durably: the store's settings.
type Settings interface {
	Setting(ctx context.Context, name string) (string, error)
	SetSetting(ctx context.Context, name, value string) error
}

// configurationSetting names the stored configuration (JSON).
const configurationSetting = "conversations_configuration"

// accountConfig is the configuration in force and where it is kept.
type accountConfig struct {
	mu       sync.RWMutex
	current  Configuration
	settings Settings
}

// LoadConfiguration reads the account's configuration from settings and
// keeps it there from now on. Until it is called the configuration is
// empty and cannot be changed.
func (s *Service) LoadConfiguration(ctx context.Context, settings Settings) error {
	c, err := readConfiguration(ctx, settings)
	if err != nil {
		return err
	}
	s.config.mu.Lock()
	defer s.config.mu.Unlock()
	s.config.current, s.config.settings = c, settings
	return nil
}

// ReloadConfiguration reads the configuration again and serves it from
// then on: in a cluster another node changed it. It reads under the lock,
// so a change made here meanwhile is not overwritten by an older read.
func (s *Service) ReloadConfiguration(ctx context.Context) error {
	s.config.mu.Lock()
	defer s.config.mu.Unlock()
	if s.config.settings == nil {
		return fmt.Errorf("conversations: the configuration was never loaded")
	}
	c, err := readConfiguration(ctx, s.config.settings)
	if err != nil {
		return err
	}
	s.config.current = c
	return nil
}

// readConfiguration reads the stored configuration; none stored is empty.
func readConfiguration(ctx context.Context, settings Settings) (Configuration, error) {
	var c Configuration
	raw, err := settings.Setting(ctx, configurationSetting)
	if err != nil {
		return c, fmt.Errorf("read the conversations configuration: %w", err)
	}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return c, fmt.Errorf("the stored conversations configuration is damaged: %w", err)
		}
	}
	return c, nil
}

// Configuration is the account's configuration in force.
func (s *Service) Configuration() Configuration {
	s.config.mu.RLock()
	defer s.config.mu.RUnlock()
	return s.config.current
}

// UpdateConfiguration changes the account's configuration. Timers are
// checked with the same minimums as a conversation's own; new defaults
// apply to conversations made afterwards, never to existing ones.
func (s *Service) UpdateConfiguration(ctx context.Context, p ConfigurationParams) (Configuration, error) {
	s.config.mu.Lock()
	defer s.config.mu.Unlock()
	c := s.config.current
	if s.config.settings == nil {
		return c, fmt.Errorf("conversations: the configuration was never loaded")
	}
	if p.DefaultChatServiceSID != nil && *p.DefaultChatServiceSID != s.serviceSID {
		return c, apperr.Invalidf(apperr.CodeBadRequest,
			"DefaultChatServiceSid %q: Parley has one chat service, %s", *p.DefaultChatServiceSID, s.serviceSID)
	}
	if v := p.DefaultMessagingServiceSID; v != nil {
		if *v != "" && !sid.Is(sid.MessagingSvc, *v) {
			return c, apperr.Invalidf(apperr.CodeBadRequest, "DefaultMessagingServiceSid %q is not a messaging service SID (MG...)", *v)
		}
		c.DefaultMessagingServiceSID = *v
	}
	for _, t := range []struct {
		param string
		v     *string
		min   time.Duration
		dst   *string
	}{
		{"DefaultInactiveTimer", p.DefaultInactiveTimer, MinInactiveTimer, &c.DefaultInactiveTimer},
		{"DefaultClosedTimer", p.DefaultClosedTimer, MinClosedTimer, &c.DefaultClosedTimer},
	} {
		if t.v == nil {
			continue
		}
		v := strings.TrimSpace(*t.v)
		if _, err := checkTimer(t.param, v, t.min); err != nil {
			return s.config.current, err
		}
		*t.dst = v
	}
	b, err := json.Marshal(c)
	if err != nil {
		return s.config.current, err
	}
	if err := s.config.settings.SetSetting(ctx, configurationSetting, string(b)); err != nil {
		return s.config.current, err
	}
	s.config.current = c
	if s.ConfigurationChanged != nil {
		s.ConfigurationChanged()
	}
	return c, nil
}

// withDefaults fills in what a new conversation leaves unset from the
// account's configuration.
func (s *Service) withDefaults(p ConversationParams) ConversationParams {
	c := s.Configuration()
	if p.TimersInactive == nil && c.DefaultInactiveTimer != "" {
		p.TimersInactive = &c.DefaultInactiveTimer
	}
	if p.TimersClosed == nil && c.DefaultClosedTimer != "" {
		p.TimersClosed = &c.DefaultClosedTimer
	}
	if p.MessagingServiceSID == nil && c.DefaultMessagingServiceSID != "" {
		p.MessagingServiceSID = &c.DefaultMessagingServiceSID
	}
	return p
}
