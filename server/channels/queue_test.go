package channels

import (
	"testing"
	"time"

	"parley/shared/i18n"
)

// A place in line reads as the widget says it, in sentences; with no
// estimate, the place alone.
func TestPlaceText(t *testing.T) {
	for _, c := range []struct {
		lang string
		p    Place
		want string
	}{
		{"en", Place{Position: 3, Wait: 4 * time.Minute, Estimated: true}, "You are 3rd in line. Estimated wait: about 4 minutes."},
		{"en", Place{Position: 1, Wait: 20 * time.Second, Estimated: true}, "You are next in line. Estimated wait: less than a minute."},
		{"en", Place{Position: 2}, "You are 2nd in line."},
		{"fr", Place{Position: 2, Wait: 90 * time.Second, Estimated: true}, "Vous êtes en 2e position dans la file d’attente. Attente estimée : environ 2 minutes."},
	} {
		if got := PlaceText(i18n.For(c.lang, ""), c.p); got != c.want {
			t.Errorf("%s %+v: %q, want %q", c.lang, c.p, got, c.want)
		}
	}
}
