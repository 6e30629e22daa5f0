package httpapi

import (
	"net/http"
	"strings"

	"parley/server/channels"
	"parley/server/paging"
	"parley/shared/model"
)

// Address configurations, at Twilio's /conversations/v1/Configuration/Addresses.

const addressesPath = "/conversations/v1/Configuration/Addresses"

func (a *API) routeAddresses() {
	ch := a.channels
	id := func(r *http.Request) string { return r.PathValue("sid") }
	a.route("POST", addressesPath, formCall(readAddressParams, func(r *http.Request, p channels.AddressParams) (channels.Address, error) {
		return ch.CreateAddress(r.Context(), p)
	}, a.renderAddress, http.StatusCreated))
	a.route("GET", addressesPath, listCall([]string{"Type"}, func(p *reader) string { return p.value("Type") },
		func(r *http.Request, typ string, pr paging.Request) (paging.Page[channels.Address], error) {
			return ch.Addresses(r.Context(), typ, pr)
		}, a, "address_configurations", func(ad channels.Address) int64 { return ad.Key }, a.renderAddress))
	a.route("GET", addressesPath+"/{sid}", fetchCall(func(r *http.Request) (channels.Address, error) {
		return ch.Address(r.Context(), id(r))
	}, a.renderAddress))
	a.route("POST", addressesPath+"/{sid}", formCall(readAddressParams, func(r *http.Request, p channels.AddressParams) (channels.Address, error) {
		return ch.UpdateAddress(r.Context(), id(r), p)
	}, a.renderAddress, http.StatusOK))
	a.route("DELETE", addressesPath+"/{sid}", deleteCall(func(r *http.Request) error { return ch.DeleteAddress(r.Context(), id(r)) }))
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
	// Parley is Parley's own setting of an SMS or WhatsApp address.
	Parley *channels.Channel `json:"parley,omitempty"`
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
	if ad.Type == "sms" || ad.Type == "whatsapp" {
		ch := ad.Channel
		out.Parley = &ch
	}
	if ac.Type == "studio" {
		out.AutoCreation.StudioRetryCount = &ac.StudioRetryCount
	}
	return out
}

func readAddressParams(p *reader) channels.AddressParams {
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
	ap.Adapter = p.str("Parley.Adapter")
	ap.Routing = channels.RoutingParams{WorkspaceSID: p.str("Parley.Routing.WorkspaceSid"),
		WorkflowSID: p.str("Parley.Routing.WorkflowSid"), TaskChannel: p.str("Parley.Routing.TaskChannel"),
		Attributes: p.str("Parley.Routing.Attributes")}
	ap.CSAT = channels.SurveyParams{Enabled: p.bool("Parley.Csat.Enabled"), Question: p.str("Parley.Csat.Question")}
	ap.QueueUpdates = channels.QueueUpdatesParams{Minutes: p.int("Parley.QueueUpdates.Minutes")}
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
