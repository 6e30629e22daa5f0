package channels

import (
	"testing"
	"time"

	"parley/server/apperr"
)

func TestCheckAddressTakesE164AndNothingElse(t *testing.T) {
	tests := []struct {
		typ, address string
		ok           bool
	}{
		{"sms", "+15551234567", true},
		{"sms", "+442071838750", true},
		{"whatsapp", "whatsapp:+15551234567", true},
		{"sms", "15551234567", false},           // no plus
		{"sms", "+05551234567", false},          // country codes do not start with 0
		{"sms", "+1555123", true},               // short national numbers exist
		{"sms", "+155512", false},               // too short to be a number
		{"sms", "+1234567890123456", false},     // 16 digits: over E.164's 15
		{"sms", "+1 555 123 4567", false},       // spaces are the caller's to strip
		{"sms", "+1555<b>1234", false},          // markup
		{"whatsapp", "+15551234567", false},     // WhatsApp needs its prefix
		{"sms", "whatsapp:+15551234567", false}, // and SMS must not have it
	}
	for _, tt := range tests {
		_, err := CheckAddress(tt.typ, tt.address, "From")
		if got := err == nil; got != tt.ok {
			t.Errorf("CheckAddress(%s, %q) = %v, want ok=%v", tt.typ, tt.address, err, tt.ok)
		}
		if err != nil && !apperr.Is(err, apperr.Invalid) {
			t.Errorf("CheckAddress(%q): %v is not a 400", tt.address, err)
		}
	}
}

func TestGenericSignaturesAreCheckedForKeyBodyAndAge(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	g := &Generic{Secret: "s3cret", Now: func() time.Time { return now }}
	body := []byte(`{"id":"1","from":"+15551234567","to":"+15557654321","body":"hi"}`)
	tests := []struct {
		name   string
		header string
		body   []byte
		ok     bool
	}{
		{"signed now", Sign("s3cret", now, body), body, true},
		{"signed four minutes ago", Sign("s3cret", now.Add(-4*time.Minute), body), body, true},
		{"signed an hour ago", Sign("s3cret", now.Add(-time.Hour), body), body, false},
		{"signed in the future", Sign("s3cret", now.Add(time.Hour), body), body, false},
		{"another key", Sign("other", now, body), body, false},
		{"another body", Sign("s3cret", now, body), []byte(`{"body":"changed"}`), false},
		{"unsigned", "", body, false},
		{"garbage", "t=abc,v1=zz", body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := g.Verify(tt.header, tt.body); (err == nil) != tt.ok {
				t.Errorf("Verify = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestTwilioInboundReadsEveryMediaURL(t *testing.T) {
	in := TwilioInbound(map[string][]string{"From": {"+15551234567"}, "To": {"+15557654321"}, "Body": {"hi"},
		"MessageSid": {"SM1"}, "NumMedia": {"2"}, "MediaUrl0": {"https://a/0"}, "MediaContentType0": {"image/png"},
		"MediaUrl1": {"https://a/1"}})
	if in.Adapter != "twilio" || len(in.Media) != 2 || in.Media[0].ContentType != "image/png" || in.Media[1].URL != "https://a/1" {
		t.Errorf("TwilioInbound read %+v", in)
	}
}
