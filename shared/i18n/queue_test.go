package i18n

import "testing"

func TestQueuePlaceAndWait(t *testing.T) {
	tests := []struct {
		lang     string
		position int
		want     string
	}{
		{"en", 1, "You are next in line"},
		{"en", 2, "You are 2nd in line"},
		{"en", 3, "You are 3rd in line"},
		{"en", 4, "You are 4th in line"},
		{"en", 11, "You are 11th in line"},
		{"en", 12, "You are 12th in line"},
		{"en", 13, "You are 13th in line"},
		{"en", 21, "You are 21st in line"},
		{"en", 102, "You are 102nd in line"},
		{"en", 111, "You are 111th in line"},
		{"fr", 1, "Vous êtes le prochain dans la file d’attente"},
		{"fr", 3, "Vous êtes en 3e position dans la file d’attente"},
		{"ar", 1, "أنت التالي في قائمة الانتظار"},
		{"ar", 3, "أنت الثالث في قائمة الانتظار"},
		{"ar", 12, "أنت رقم 12 في قائمة الانتظار"},
	}
	for _, tt := range tests {
		if got := For(tt.lang, "").QueuePlace(tt.position); got != tt.want {
			t.Errorf("%s place %d: %q, want %q", tt.lang, tt.position, got, tt.want)
		}
	}
	waits := []struct {
		lang    string
		seconds int
		want    string
	}{
		{"en", 20, "Estimated wait: less than a minute"},
		{"en", 70, "Estimated wait: about 1 minute"},
		{"en", 230, "Estimated wait: about 4 minutes"},
		{"fr", 230, "Attente estimée : environ 4 minutes"},
		{"ar", 120, "الانتظار المتوقع: حوالي دقيقتين"},
		{"ar", 230, "الانتظار المتوقع: حوالي 4 دقائق"},
		{"ar", 900, "الانتظار المتوقع: حوالي 15 دقيقة"},
	}
	for _, tt := range waits {
		if got := For(tt.lang, "").QueueWait(tt.seconds); got != tt.want {
			t.Errorf("%s wait %d s: %q, want %q", tt.lang, tt.seconds, got, tt.want)
		}
	}
}
