package i18n

import (
	"fmt"
	"strconv"
)

// The words of a waiting customer's place in line and estimated wait.
// They are functions, not Texts fields, because ordinals and plurals differ
// by language in ways one format string cannot say.

// QueuePlace says where the customer is in line: "You are 3rd in line".
func (t Texts) QueuePlace(position int) string {
	switch t.Lang {
	case "fr":
		if position == 1 {
			return "Vous êtes le prochain dans la file d’attente"
		}
		// French ordinals in figures: 2e, 3e ... ("en 2e position").
		return fmt.Sprintf("Vous êtes en %de position dans la file d’attente", position)
	case "ar":
		if position == 1 {
			return "أنت التالي في قائمة الانتظار"
		}
		// Arabic ordinals are words up to the tenth; beyond, "number N".
		if position <= 10 {
			return "أنت " + arabicOrdinals[position] + " في قائمة الانتظار"
		}
		return "أنت رقم " + strconv.Itoa(position) + " في قائمة الانتظار"
	}
	if position == 1 {
		return "You are next in line"
	}
	return "You are " + englishOrdinal(position) + " in line"
}

var arabicOrdinals = [...]string{2: "الثاني", 3: "الثالث", 4: "الرابع", 5: "الخامس", 6: "السادس", 7: "السابع", 8: "الثامن", 9: "التاسع", 10: "العاشر"}

// englishOrdinal is 1st, 2nd, 3rd, 4th ... 11th, 12th, 13th ... 21st.
func englishOrdinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

// QueueWait says the estimated wait, rounded to the minute: "Estimated
// wait: about 4 minutes".
// WaitStep is the wait as QueueWait words it, in every language: 0 for
// under 45 s ("less than a minute"), else whole minutes. Two estimates of
// one step read the same, so the server tells the customer of a change
// only when the step changes.
func WaitStep(seconds int) int {
	if seconds < 45 {
		return 0
	}
	return max(1, (seconds+30)/60)
}

func (t Texts) QueueWait(seconds int) string {
	minutes := (seconds + 30) / 60
	switch t.Lang {
	case "fr":
		switch {
		case seconds < 45:
			return "Attente estimée : moins d’une minute"
		case minutes <= 1:
			return "Attente estimée : environ 1 minute"
		}
		return fmt.Sprintf("Attente estimée : environ %d minutes", minutes)
	case "ar":
		switch {
		case seconds < 45:
			return "الانتظار المتوقع: أقل من دقيقة"
		case minutes <= 1:
			return "الانتظار المتوقع: حوالي دقيقة واحدة"
		case minutes == 2:
			return "الانتظار المتوقع: حوالي دقيقتين"
		case minutes <= 10:
			return fmt.Sprintf("الانتظار المتوقع: حوالي %d دقائق", minutes)
		}
		return fmt.Sprintf("الانتظار المتوقع: حوالي %d دقيقة", minutes)
	}
	switch {
	case seconds < 45:
		return "Estimated wait: less than a minute"
	case minutes <= 1:
		return "Estimated wait: about 1 minute"
	}
	return fmt.Sprintf("Estimated wait: about %d minutes", minutes)
}
