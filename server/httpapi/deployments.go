package httpapi

import (
	"net/http"

	"parley/server/webchat"
	"parley/shared/model"
)

// Webchat deployments are Parley's own resource, under /parley/v1 with the
// account's credentials (see docs/API.md and docs/openapi.yaml).

const deploymentsPath = "/parley/v1/Deployments"

func (a *API) routeDeployments() {
	a.route("POST", deploymentsPath, a.createDeployment)
	a.route("GET", deploymentsPath, a.listDeployments)
	a.route("GET", deploymentsPath+"/{key}", a.getDeployment)
	a.route("POST", deploymentsPath+"/{key}", a.updateDeployment)
	a.route("DELETE", deploymentsPath+"/{key}", a.deleteDeployment)
	a.route("POST", deploymentsPath+"/{key}/IdentitySecret", a.rotateDeploymentSecret)
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
		Locale: d.Locale, Attachments: d.Attachments,
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

func readDeploymentParams(p *params) webchat.DeploymentParams {
	dp := webchat.DeploymentParams{FriendlyName: p.str("FriendlyName"), Form: p.str("PreEngagementForm"),
		WelcomeMessage: p.str("WelcomeMessage"), ThemeColor: p.str("Theme.Color"), ThemeMode: p.str("Theme.Mode"),
		ThemePosition: p.str("Theme.Position"), Locale: p.str("Locale")}
	if p.has("AllowedOrigins") {
		dp.AllowedOrigins = nonEmpty(p.all("AllowedOrigins"))
	}
	dp.Attachments.Enabled = p.bool("Attachments.Enabled")
	dp.Attachments.MaxBytes = p.int64("Attachments.MaxBytes")
	if p.has("Attachments.AllowedTypes") {
		dp.Attachments.AllowedTypes = nonEmpty(p.all("Attachments.AllowedTypes"))
	}
	return dp
}

func (a *API) createDeployment(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	dp := readDeploymentParams(p)
	if p.err != nil {
		return p.err
	}
	d, err := a.webchat.CreateDeployment(r.Context(), dp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.renderDeployment(d, true))
	return nil
}

func (a *API) getDeployment(w http.ResponseWriter, r *http.Request) error {
	d, err := a.webchat.Deployment(r.Context(), r.PathValue("key"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.renderDeployment(d, false))
	return nil
}

func (a *API) updateDeployment(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	dp := readDeploymentParams(p)
	if p.err != nil {
		return p.err
	}
	d, err := a.webchat.UpdateDeployment(r.Context(), r.PathValue("key"), dp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.renderDeployment(d, false))
	return nil
}

func (a *API) rotateDeploymentSecret(w http.ResponseWriter, r *http.Request) error {
	d, err := a.webchat.RotateSecret(r.Context(), r.PathValue("key"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.renderDeployment(d, true))
	return nil
}

func (a *API) deleteDeployment(w http.ResponseWriter, r *http.Request) error {
	if err := a.webchat.DeleteDeployment(r.Context(), r.PathValue("key")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listDeployments(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	req, err := readPage(p)
	if err != nil {
		return err
	}
	page, err := a.webchat.Deployments(r.Context(), req.Request)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(a, deploymentsPath, req, "deployments", page,
		func(d webchat.Deployment) int64 { return d.Seq },
		func(d webchat.Deployment) DeploymentJSON { return a.renderDeployment(d, false) }))
	return nil
}
