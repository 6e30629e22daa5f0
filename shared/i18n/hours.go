package i18n

import (
	"fmt"
	"strings"
	"time"
)

// HoursTexts are the widget's words for a team outside its business
// hours. (Kept apart from Texts so that other features' words and these
// can grow without meeting.)
type HoursTexts struct {
	// Away heads the widget while the team is away and says nothing of
	// when it is back (it opens in no time in sight).
	Away string
	// BackAt says when the team is back: the day (Today, Tomorrow, a
	// weekday or On a date) and the time.
	BackAt, Today, Tomorrow, On string
	// Weekdays as BackAt's day, Sunday first; Months for On's date.
	Weekdays [7]string
	Months   [12]string
	// ZoneTime names the zone the time is given in: the team's.
	ZoneTime string
	// Intro tops the offline form; Message labels its message field;
	// Send is its button.
	Intro, Message, Send string
	// Held tells a visitor who left a message while the team is away
	// what happens next.
	Held string
	// Launcher is the launcher's name while the team is away.
	Launcher string
}

var hoursTexts = map[string]HoursTexts{
	"en": {
		Away:   "We’re away right now.",
		BackAt: "We’re back %s at %s", Today: "today", Tomorrow: "tomorrow", On: "on %d %s",
		Weekdays: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		Months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
			"October", "November", "December"},
		ZoneTime: "(%s time)",
		Intro:    "Leave us a message and we’ll reply by email.",
		Message:  "Message", Send: "Send message",
		Held:     "Thanks! We’ve got your message and will reply here, or by email if you’ve left.",
		Launcher: "Leave a message",
	},
	"fr": {
		Away:   "Nous sommes absents pour le moment.",
		BackAt: "Nous serons de retour %s à %s", Today: "aujourd’hui", Tomorrow: "demain", On: "le %d %s",
		Weekdays: [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		Months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
			"octobre", "novembre", "décembre"},
		ZoneTime: "(heure de %s)",
		Intro:    "Laissez-nous un message, nous vous répondrons par e-mail.",
		Message:  "Message", Send: "Envoyer le message",
		Held:     "Merci ! Nous avons bien reçu votre message et vous répondrons ici, ou par e-mail si vous êtes parti.",
		Launcher: "Laisser un message",
	},
	"ar": {
		Away:   "نحن غير متاحين حاليًا.",
		BackAt: "سنعود %s الساعة %s", Today: "اليوم", Tomorrow: "غدًا", On: "في %d %s",
		Weekdays: [7]string{"يوم الأحد", "يوم الاثنين", "يوم الثلاثاء", "يوم الأربعاء", "يوم الخميس", "يوم الجمعة", "يوم السبت"},
		Months: [12]string{"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
			"أكتوبر", "نوفمبر", "ديسمبر"},
		ZoneTime: "(بتوقيت %s)",
		Intro:    "اترك لنا رسالة وسنرد عليك عبر البريد الإلكتروني.",
		Message:  "الرسالة", Send: "إرسال الرسالة",
		Held:     "شكرًا! وصلتنا رسالتك وسنرد عليك هنا، أو عبر البريد الإلكتروني إذا غادرت.",
		Launcher: "اترك رسالة",
	},
}

// Hours are t's words for a team outside its business hours.
func (t Texts) Hours() HoursTexts {
	if h, ok := hoursTexts[t.Lang]; ok {
		return h
	}
	return hoursTexts["en"]
}

// BackAt says when a team that is away is back, in t's language: "We’re
// back Monday at 09:00 (Paris time)". back and now are wall clocks of the
// team's zone (any time.Time whose location or offset is that zone's);
// zone is its IANA name, whose city names it. The time is the team's, not
// the visitor's: the same words for every visitor, and the hours the team
// publishes. A zero back (not open in sight) says only that it is away.
func (t Texts) BackAt(back, now time.Time, zone string) string {
	h := t.Hours()
	if back.IsZero() {
		return h.Away
	}
	by, bm, bd := back.Date()
	ny, nm, nd := now.Date()
	days := int(time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC).Sub(time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
	var day string
	switch {
	case days <= 0:
		day = h.Today
	case days == 1:
		day = h.Tomorrow
	case days < 7:
		day = h.Weekdays[back.Weekday()]
	default:
		day = fmt.Sprintf(h.On, bd, h.Months[bm-1])
	}
	s := fmt.Sprintf(h.BackAt, day, back.Format("15:04"))
	if city := ZoneCity(zone); city != "" {
		s += " " + fmt.Sprintf(h.ZoneTime, city)
	}
	return s
}

// ZoneCity is the place an IANA zone is named after ("America/New_York"
// → "New York"), or the zone itself (UTC).
func ZoneCity(zone string) string {
	return strings.ReplaceAll(zone[strings.LastIndexByte(zone, '/')+1:], "_", " ")
}
