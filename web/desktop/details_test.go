package main

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/model"
)

func TestTheDetailsShowWhatIsAboutTheCustomerAndLeaveOutRoutingsInternals(t *testing.T) {
	a := model.TaskAttributesOf(`{"conversationSid":"CH1","channelType":"web","customerAddress":"guest_1",
		"deploymentName":"Shop","deploymentKey":"k1","locale":"fr","plan":"Gold","cart_total":42.5,"vip":true,
		"workspace_sid":"WS1","crm_token":"t0p","callbackUrl":"https://x","taskQueueSid":"WQ1",
		"profile":{"nested":"objects are left out"}}`)
	html := app.HTMLString(app.Dl().Body(detailsOf(a)...))
	for _, want := range []string{"Started on", "Shop", "Visitor", "Guest", "Language", "fr", "Plan", "Gold",
		"Cart total", "42.5", "Vip", "Yes"} {
		if !strings.Contains(html, want) {
			t.Errorf("the details lack %q: %s", want, html)
		}
	}
	for _, internal := range []string{"WS1", "t0p", "https://x", "WQ1", "CH1", "k1", "nested"} {
		if strings.Contains(html, internal) {
			t.Errorf("the details show %q: %s", internal, html)
		}
	}
}

func TestChannelsAreNamedForPeople(t *testing.T) {
	for kind, want := range map[string]string{"": "Web chat", "web": "Web chat", "sms": "SMS", "whatsapp": "WhatsApp",
		"email": "Email", "line_app": "Line app"} {
		if got := channelName(kind); got != want {
			t.Errorf("channelName(%q) = %q, want %q", kind, got, want)
		}
	}
}
