package i18n

import (
	"testing"
	"time"
)

func TestBackAtSaysTheDayAndTheTeamsTime(t *testing.T) {
	paris := time.FixedZone("CET", 3600) // a wall clock of the team's zone
	sat := time.Date(2026, 3, 7, 20, 0, 0, 0, paris)
	cases := []struct {
		lang       string
		back, now  time.Time
		zone, want string
	}{
		{"en", time.Date(2026, 3, 9, 9, 0, 0, 0, paris), sat, "Europe/Paris", "We’re back Monday at 09:00 (Paris time)"},
		{"fr", time.Date(2026, 3, 9, 9, 0, 0, 0, paris), sat, "Europe/Paris", "Nous serons de retour lundi à 09:00 (heure de Paris)"},
		{"ar", time.Date(2026, 3, 9, 9, 0, 0, 0, paris), sat, "Europe/Paris", "سنعود يوم الاثنين الساعة 09:00 (بتوقيت Paris)"},
		{"en", time.Date(2026, 3, 8, 9, 30, 0, 0, paris), sat, "America/New_York", "We’re back tomorrow at 09:30 (New York time)"},
		{"en", time.Date(2026, 3, 7, 21, 0, 0, 0, paris), sat, "UTC", "We’re back today at 21:00 (UTC time)"},
		{"fr", time.Date(2026, 3, 20, 9, 0, 0, 0, paris), sat, "Europe/Paris", "Nous serons de retour le 20 mars à 09:00 (heure de Paris)"},
		{"en", time.Time{}, sat, "Europe/Paris", "We’re away right now."},
		{"de", time.Date(2026, 3, 9, 9, 0, 0, 0, paris), sat, "Europe/Paris", "We’re back Monday at 09:00 (Paris time)"},
	}
	for _, tc := range cases {
		if got := For(tc.lang, "").BackAt(tc.back, tc.now, tc.zone); got != tc.want {
			t.Errorf("%s: BackAt(%s) = %q, want %q", tc.lang, tc.back, got, tc.want)
		}
	}
}
