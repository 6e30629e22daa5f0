package webhooks

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"parley/server/apperr"
)

// Config is the service-level webhook configuration
// (/conversations/v1/Configuration/Webhooks).
type Config struct {
	Method  string   `json:"method"`
	Filters []string `json:"filters"`
	PreURL  string   `json:"pre_webhook_url"`
	PostURL string   `json:"post_webhook_url"`
	Target  string   `json:"target"` // webhook or flex; Parley posts for either
}

// ConfigParams are Config's settable fields; nil leaves one as it is.
type ConfigParams struct {
	Method, PreURL, PostURL, Target *string
	Filters                         []string // nil leaves them; empty clears
}

// Config is the service-level configuration.
func (e *Events) Config() Config {
	e.mu.RLock()
	defer e.mu.RUnlock()
	c := e.config
	c.Filters = slices.Clone(c.Filters)
	return c
}

// UpdateConfig changes the service-level configuration.
func (e *Events) UpdateConfig(ctx context.Context, p ConfigParams) (Config, error) {
	c := e.Config()
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&c.PreURL, p.PreURL)
	set(&c.PostURL, p.PostURL)
	set(&c.Target, p.Target)
	if p.Method != nil {
		c.Method = strings.ToUpper(strings.TrimSpace(*p.Method))
	}
	if p.Filters != nil {
		c.Filters = p.Filters
	}
	if err := checkMethod("Method", c.Method); err != nil {
		return c, err
	}
	if c.Target != "webhook" && c.Target != "flex" {
		return c, apperr.Invalidf(apperr.CodeBadRequest, "Target %q is not one of webhook, flex", c.Target)
	}
	for name, u := range map[string]string{"PreWebhookUrl": c.PreURL, "PostWebhookUrl": c.PostURL} {
		if err := e.checkURL(name, u, false); err != nil {
			return c, err
		}
	}
	if err := checkFilters(c.Filters, append(slices.Clone(PostEvents), PreEvents...)); err != nil {
		return c, err
	}
	if err := e.store.SaveConfig(ctx, c); err != nil {
		return c, err
	}
	e.mu.Lock()
	e.config = c
	e.mu.Unlock()
	e.changed("")
	return c, nil
}

func checkMethod(name, m string) error {
	if m != "GET" && m != "POST" {
		return apperr.Invalidf(apperr.CodeBadRequest, "%s must be GET or POST, got %q", name, m)
	}
	return nil
}

// checkURL checks a webhook URL being saved: an absolute http(s) URL the
// outbound policy lets Parley call.
func (e *Events) checkURL(name, raw string, required bool) error {
	if raw == "" && !required {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return apperr.Invalidf(apperr.CodeBadRequest, "%s %q must be an absolute http(s) URL", name, raw)
	}
	return e.client.Policy.Check(name, raw)
}

func checkFilters(filters, known []string) error {
	for _, f := range filters {
		if !slices.Contains(known, f) {
			return apperr.Invalidf(apperr.CodeBadRequest, "Filter %q is not an event Parley sends; use one of %s", f, strings.Join(known, ", "))
		}
	}
	return nil
}
