package main

import (
	"encoding/json"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Config is the deployment as the widget's page describes it (see
// server/frontend.WidgetConfig).
type Config struct {
	Key            string  `json:"key"`
	Name           string  `json:"name"`
	Form           []Field `json:"form"`
	WelcomeMessage string  `json:"welcome_message"`
	Theme          struct {
		Color, Mode, Position string
	} `json:"theme"`
	Locale      string `json:"locale"`
	Attachments struct {
		Enabled      bool     `json:"enabled"`
		MaxBytes     int64    `json:"max_bytes"`
		AllowedTypes []string `json:"allowed_types"`
	} `json:"attachments"`
	EmailTranscript bool       `json:"email_transcript"` // see email.go
	CSAT            CSATConfig `json:"csat"`
	Away            *Away      `json:"away"` // set outside business hours (see hours.go)
}

// Field is a pre-engagement form field.
type Field struct {
	Name     string            `json:"name"`
	Label    string            `json:"label"`
	Labels   map[string]string `json:"labels"` // by language; see i18n.Texts.Label
	Type     string            `json:"type"`
	Required bool              `json:"required"`
	Options  []string          `json:"options"`
}

// readConfig reads the config the server put in the page's
// <meta name="parley-config">.
func readConfig() (Config, error) {
	var c Config
	meta := app.Window().Get("document").Call("querySelector", `meta[name="parley-config"]`)
	if !meta.Truthy() {
		return c, errNoConfig
	}
	err := json.Unmarshal([]byte(meta.Get("content").String()), &c)
	return c, err
}

type configError string

func (e configError) Error() string { return string(e) }

const errNoConfig = configError("the page has no parley-config")
