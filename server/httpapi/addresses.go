package httpapi

import (
	"net/http"
	"strings"

	"parley/server/channels"
	"parley/shared/model"
)

// Address configurations, at Twilio's /conversations/v1/Configuration/Addresses.

const addressesPath = "/conversations/v1/Configuration/Addresses"

func (a *API) routeAddresses() {
	a.route("POST", addressesPath, a.createAddress)
	a.route("GET", addressesPath, a.listAddresses)
	a.route("GET", addressesPath+"/{sid}", a.getAddress)
	a.route("POST", addressesPath+"/{sid}", a.updateAddress)
	a.route("DELETE", addressesPath+"/{sid}", a.deleteAddress)
}

type autoCreationJSON struct {
	Enabled                bool     `json:"enabled"`
	Type                   *string  `json:"type"`
	ConversationServiceSID *string  `json:"conversation_service_sid"`
	WebhookURL             *string  `json:"webhook_url"`
	WebhookMethod          *string  `json:"webhook_method"`
	WebhookFilters         []string `json:"webhook_filters"`
	StudioFlowSID          *string  `json:"studio_flow_sid"`
	StudioRetryCount       *int     `json:"studio_retry_count"`
}

type addressJSON struct {
	SID            string           `json:"sid"`
	AccountSID     string           `json:"account_sid"`
	Type           string           `json:"type"`
	Address        string           `json:"address"`
	FriendlyName   *string          `json:"friendly_name"`
	AutoCreation   autoCreationJSON `json:"auto_creation"`
	DateCreated    model.Time       `json:"date_created"`
	DateUpdated    model.Time       `json:"date_updated"`
	URL            string           `json:"url"`
	AddressCountry *string          `json:"address_country"`
}

// orNull is nil for "", which Twilio writes as null.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (a *API) renderAddress(ad channels.Address) addressJSON {
	ac := ad.AutoCreation
	out := addressJSON{
		SID: ad.SID, AccountSID: ad.AccountSID, Type: ad.Type, Address: ad.Address,
		FriendlyName: orNull(ad.FriendlyName), AddressCountry: orNull(ad.Country),
		AutoCreation: autoCreationJSON{Enabled: ac.Enabled, Type: orNull(ac.Type),
			ConversationServiceSID: orNull(ac.ConversationServiceSID), WebhookURL: orNull(ac.WebhookURL),
			WebhookMethod: orNull(ac.WebhookMethod), WebhookFilters: ac.WebhookFilters, StudioFlowSID: orNull(ac.StudioFlowSID)},
		DateCreated: model.Time{Time: ad.Created}, DateUpdated: model.Time{Time: ad.Updated},
		URL: a.baseURL + addressesPath + "/" + ad.SID,
	}
	if ac.Type == "studio" {
		out.AutoCreation.StudioRetryCount = &ac.StudioRetryCount
	}
	return out
}

func readAddressParams(p *params) channels.AddressParams {
	ap := channels.AddressParams{Type: p.str("Type"), Address: p.str("Address"), FriendlyName: p.str("FriendlyName"),
		Country: p.str("AddressCountry")}
	ac := &ap.AutoCreation
	ac.Enabled = p.bool("AutoCreation.Enabled")
	ac.Type = p.str("AutoCreation.Type")
	ac.ConversationServiceSID = p.str("AutoCreation.ConversationServiceSid")
	ac.WebhookURL = p.str("AutoCreation.WebhookUrl")
	ac.WebhookMethod = p.str("AutoCreation.WebhookMethod")
	ac.Flow = p.str("AutoCreation.StudioFlowSid")
	ac.RetryCount = p.int("AutoCreation.StudioRetryCount")
	if p.has("AutoCreation.WebhookFilters") {
		ac.WebhookFilters = nonEmpty(p.all("AutoCreation.WebhookFilters"))
	}
	return ap
}

// nonEmpty drops empty values, so "Param=" clears a repeatable parameter.
func nonEmpty(vs []string) []string {
	out := []string{}
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (a *API) createAddress(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	ap := readAddressParams(p)
	if p.err != nil {
		return p.err
	}
	ad, err := a.channels.CreateAddress(r.Context(), ap)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.renderAddress(ad))
	return nil
}

func (a *API) getAddress(w http.ResponseWriter, r *http.Request) error {
	ad, err := a.channels.Address(r.Context(), r.PathValue("sid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.renderAddress(ad))
	return nil
}

func (a *API) updateAddress(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	ap := readAddressParams(p)
	if p.err != nil {
		return p.err
	}
	ad, err := a.channels.UpdateAddress(r.Context(), r.PathValue("sid"), ap)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.renderAddress(ad))
	return nil
}

func (a *API) deleteAddress(w http.ResponseWriter, r *http.Request) error {
	if err := a.channels.DeleteAddress(r.Context(), r.PathValue("sid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listAddresses(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	req, err := readPage(p, "Type")
	if err != nil {
		return err
	}
	page, err := a.channels.Addresses(r.Context(), p.value("Type"), req.Request)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(a, addressesPath, req, "address_configurations", page,
		func(ad channels.Address) int64 { return ad.Key }, a.renderAddress))
	return nil
}
