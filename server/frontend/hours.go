package frontend

import (
	"time"

	"parley/server/webchat"
	"parley/shared/i18n"
)

// AwayConfig tells the widget its team is outside business hours. Times
// are RFC 3339 with the team's zone's offset, so that their wall clock is
// the team's: the widget words them without a zone database of its own,
// and from the server's clock, not the visitor's.
type AwayConfig struct {
	Back string `json:"back,omitempty"` // when the team is back; absent when not in sight
	Now  string `json:"now"`            // the server's now, for "today" and "tomorrow"
	Zone string `json:"zone"`           // the team's IANA zone
}

// firstScreen is what the widget's first screen shows that depends on
// the team being in or away.
type firstScreen struct {
	form                    []webchat.Field
	subtitle, intro, submit string
}

// awayOf reads deployment d's business hours at the server's now: nil
// while the team is in, else what the widget is told.
func (s *Server) awayOf(d webchat.Deployment, t i18n.Texts) (*AwayConfig, firstScreen) {
	now := s.Now()
	away, ok := d.AwayAt(now)
	if !ok {
		return nil, firstScreen{form: d.Form, subtitle: t.Subtitle, submit: t.Start}
	}
	now = now.In(d.Hours.Location())
	cfg := &AwayConfig{Now: now.Format(time.RFC3339), Zone: away.Zone}
	if !away.Back.IsZero() {
		cfg.Back = away.Back.Format(time.RFC3339)
	}
	return cfg, firstScreen{form: webchat.OfflineForm(), subtitle: t.BackAt(away.Back, now, away.Zone),
		intro: t.Hours().Intro, submit: t.Hours().Send}
}
