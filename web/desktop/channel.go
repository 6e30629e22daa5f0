package main

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// How the desk shows a chat's channel (the task's channelType): a name
// and a small glyph beside it. The glyphs are drawn in currentColor, so
// they follow the text's colour in light and dark.

// channelName names a channel type for people.
func channelName(kind string) string {
	switch strings.ToLower(kind) {
	case "", "web", "chat", "webchat":
		return "Web chat"
	case "sms":
		return "SMS"
	case "whatsapp":
		return "WhatsApp"
	case "email":
		return "Email"
	case "messenger":
		return "Messenger"
	case "gbm":
		return "Google Business Messages"
	}
	return humanise(kind)
}

// The glyphs: 16 px, stroked, one root element each (app.Raw's rule).
const (
	glyphOpen  = `<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round">`
	glyphChat  = glyphOpen + `<path d="M2.5 3.5h11v7h-6l-3 2.5v-2.5h-2z"/></svg>`
	glyphPhone = glyphOpen + `<rect x="4.5" y="1.5" width="7" height="13" rx="1.5"/><path d="M7 12.5h2"/></svg>`
	glyphWA    = glyphOpen + `<path d="M3 13l.8-2.6A5.5 5.5 0 1 1 6 12.6z"/><path d="M6.2 6.2c.3 1.5 1.6 2.9 3.2 3.4"/></svg>`
	glyphMail  = glyphOpen + `<rect x="1.5" y="3.5" width="13" height="9" rx="1"/><path d="M2 4l6 5 6-5"/></svg>`
)

// channelIcon is a channel's glyph, named for screen readers (and in a
// tooltip) by the channel's name.
func channelIcon(kind string) app.UI {
	glyph := glyphChat
	switch strings.ToLower(kind) {
	case "sms":
		glyph = glyphPhone
	case "whatsapp":
		glyph = glyphWA
	case "email":
		glyph = glyphMail
	}
	name := channelName(kind)
	return app.Span().Class("channel-icon").Role("img").Aria("label", name).Title(name).Body(app.Raw(glyph))
}
