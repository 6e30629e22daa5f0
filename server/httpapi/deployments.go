package httpapi

import (
	"net/http"
	"strings"

	"parley/server/hours"
	"parley/server/paging"
	"parley/server/webchat"
	"parley/shared/model"
)

// Webchat deployments are Parley's own resource, under /parley/v1 with the
// account's credentials (see docs/API.md and docs/openapi.yaml).

const deploymentsPath = "/parley/v1/Deployments"

func (a *API) routeDeployments() {
	chat := a.webchat
	key := func(r *http.Request) string { return r.PathValue("key") }
	// The identity secret is shown only when it is made.
	shown := func(d webchat.Deployment) DeploymentJSON { return a.renderDeployment(d, true) }
	hidden := func(d webchat.Deployment) DeploymentJSON { return a.renderDeployment(d, false) }

	a.route("POST", deploymentsPath, formCall(readDeploymentParams, func(r *http.Request, p webchat.DeploymentParams) (webchat.Deployment, error) {
		return chat.CreateDeployment(r.Context(), p)
	}, shown, http.StatusCreated))
	a.route("GET", deploymentsPath, listCall(nil, func(*reader) struct{} { return struct{}{} },
		func(r *http.Request, _ struct{}, pr paging.Request) (paging.Page[webchat.Deployment], error) {
			return chat.Deployments(r.Context(), pr)
		}, a, "deployments", func(d webchat.Deployment) int64 { return d.Seq }, hidden))
	a.route("GET", deploymentsPath+"/{key}", fetchCall(func(r *http.Request) (webchat.Deployment, error) {
		return chat.Deployment(r.Context(), key(r))
	}, hidden))
	a.route("POST", deploymentsPath+"/{key}", formCall(readDeploymentParams, func(r *http.Request, p webchat.DeploymentParams) (webchat.Deployment, error) {
		return chat.UpdateDeployment(r.Context(), key(r), p)
	}, hidden, http.StatusOK))
	a.route("DELETE", deploymentsPath+"/{key}", deleteCall(func(r *http.Request) error { return chat.DeleteDeployment(r.Context(), key(r)) }))
	a.route("POST", deploymentsPath+"/{key}/IdentitySecret", fetchCall(func(r *http.Request) (webchat.Deployment, error) {
		return chat.RotateSecret(r.Context(), key(r))
	}, shown))
}

// DeploymentJSON is a deployment as the API shows it.
type DeploymentJSON struct {
	Key            string                   `json:"key"`
	AddressSID     string                   `json:"address_sid"`
	FriendlyName   string                   `json:"friendly_name"`
	AllowedOrigins []string                 `json:"allowed_origins"`
	Form           []webchat.Field          `json:"pre_engagement_form"`
	WelcomeMessage string                   `json:"welcome_message"`
	Theme          webchat.Theme            `json:"theme"`
	Locale         string                   `json:"locale"`
	Attachments    webchat.AttachmentPolicy `json:"attachments"`
	EmailReplies   webchat.EmailReplies     `json:"email_replies"`
	CSAT           webchat.CSAT             `json:"csat"`
	// BusinessHours is null for a deployment that is always open.
	BusinessHours *hours.Schedule `json:"business_hours"`
	// IdentitySecret is shown when made (on create and rotation) only.
	IdentitySecret string     `json:"identity_secret,omitempty"`
	EmbedSnippet   string     `json:"embed_snippet"`
	DateCreated    model.Time `json:"date_created"`
	DateUpdated    model.Time `json:"date_updated"`
	URL            string     `json:"url"`
}

func (a *API) renderDeployment(d webchat.Deployment, withSecret bool) DeploymentJSON {
	out := DeploymentJSON{Key: d.Key, AddressSID: d.AddressSID, FriendlyName: d.FriendlyName,
		AllowedOrigins: d.AllowedOrigins, Form: d.Form, WelcomeMessage: d.WelcomeMessage, Theme: d.Theme,
		Locale: d.Locale, Attachments: d.Attachments, EmailReplies: d.EmailReplies, CSAT: d.CSAT, BusinessHours: d.Hours,
		EmbedSnippet: `<script src="` + a.baseURL + `/embed.js" data-deployment-key="` + d.Key + `" async></script>`,
		DateCreated:  model.Time{Time: d.Created}, DateUpdated: model.Time{Time: d.Updated},
		URL: a.baseURL + deploymentsPath + "/" + d.Key}
	if out.AllowedOrigins == nil {
		out.AllowedOrigins = []string{}
	}
	if withSecret {
		out.IdentitySecret = d.IdentitySecret
	}
	return out
}

func readDeploymentParams(p *reader) webchat.DeploymentParams {
	dp := webchat.DeploymentParams{FriendlyName: p.str("FriendlyName"), Form: p.str("PreEngagementForm"),
		WelcomeMessage: p.str("WelcomeMessage"), ThemeColor: p.str("Theme.Color"), ThemeMode: p.str("Theme.Mode"),
		ThemePosition: p.str("Theme.Position"), Locale: p.str("Locale"), BusinessHours: p.str("BusinessHours")}
	if p.has("AllowedOrigins") {
		dp.AllowedOrigins = nonEmpty(p.all("AllowedOrigins"))
	}
	dp.Attachments.Enabled = p.bool("Attachments.Enabled")
	dp.Attachments.MaxBytes = p.int64("Attachments.MaxBytes")
	if p.has("Attachments.AllowedTypes") {
		dp.Attachments.AllowedTypes = nonEmpty(p.all("Attachments.AllowedTypes"))
	}
	dp.EmailReplies.UnreadMinutes = p.int("EmailReplies.UnreadMinutes")
	dp.EmailReplies.Field = p.str("EmailReplies.Field")
	dp.CSAT = readCSATParams(p)
	return dp
}

// readCSATParams reads the survey's settings: Csat.Enabled, Csat.Comment
// and Csat.Question.<lang> (one per language; empty restores the
// default wording).
func readCSATParams(p *reader) webchat.CSATParams {
	c := webchat.CSATParams{Enabled: p.bool("Csat.Enabled"), Comment: p.bool("Csat.Comment")}
	for name := range p.r.Form {
		if lang, ok := strings.CutPrefix(name, "Csat.Question."); ok {
			if c.Questions == nil {
				c.Questions = map[string]string{}
			}
			c.Questions[lang] = p.value(name)
		}
	}
	return c
}
