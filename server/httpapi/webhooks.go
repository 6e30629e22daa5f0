package httpapi

import (
	"encoding/json"
	"net/http"

	"parley/server/apperr"
	"parley/server/outbox"
	"parley/server/paging"
	"parley/server/webhooks"
	"parley/shared/model"
)

// Event webhooks: the service-level configuration, conversation-scoped
// webhooks, and the deliveries Parley made or still owes (Parley's own).

const (
	webhookConfigPath = "/conversations/v1/Configuration/Webhooks"
	deliveriesPath    = "/parley/v1/Deliveries"
)

func (a *API) routeWebhooks() {
	ev := a.events
	a.route("GET", webhookConfigPath, fetchCall(func(r *http.Request) (webhooks.Config, error) {
		return ev.Config(), nil
	}, a.renderWebhookConfig))
	a.route("POST", webhookConfigPath, formCall(func(p *reader) webhooks.ConfigParams {
		c := webhooks.ConfigParams{Method: p.str("Method"), PreURL: p.str("PreWebhookUrl"),
			PostURL: p.str("PostWebhookUrl"), Target: p.str("Target")}
		if p.has("Filters") {
			c.Filters = nonEmpty(p.all("Filters"))
		}
		return c
	}, func(r *http.Request, c webhooks.ConfigParams) (webhooks.Config, error) {
		return ev.UpdateConfig(r.Context(), c)
	}, a.renderWebhookConfig, http.StatusOK))

	conv := func(r *http.Request) string { return r.PathValue("sid") }
	hook := func(r *http.Request) string { return r.PathValue("hook") }
	a.handle("POST", "/Conversations/{sid}/Webhooks", formCall(readHookParams, func(r *http.Request, p webhooks.HookParams) (webhooks.Hook, error) {
		return ev.CreateHook(r.Context(), conv(r), p)
	}, a.renderHook, http.StatusCreated))
	a.handle("GET", "/Conversations/{sid}/Webhooks", listCall(nil, func(*reader) struct{} { return struct{}{} },
		func(r *http.Request, _ struct{}, p paging.Request) (paging.Page[webhooks.Hook], error) {
			return ev.Hooks(r.Context(), conv(r), p)
		}, a, "webhooks", func(h webhooks.Hook) int64 { return h.Key }, a.renderHook))
	a.handle("GET", "/Conversations/{sid}/Webhooks/{hook}", fetchCall(func(r *http.Request) (webhooks.Hook, error) {
		return ev.Hook(r.Context(), conv(r), hook(r))
	}, a.renderHook))
	a.handle("POST", "/Conversations/{sid}/Webhooks/{hook}", formCall(readHookParams, func(r *http.Request, p webhooks.HookParams) (webhooks.Hook, error) {
		return ev.UpdateHook(r.Context(), conv(r), hook(r), p)
	}, a.renderHook, http.StatusOK))
	a.handle("DELETE", "/Conversations/{sid}/Webhooks/{hook}", deleteCall(func(r *http.Request) error {
		return ev.DeleteHook(r.Context(), conv(r), hook(r))
	}))

	jobs := a.outbox
	a.route("GET", deliveriesPath, listCall([]string{"State", "Kind"}, func(p *reader) outbox.Filter {
		return outbox.Filter{State: outbox.State(p.value("State")), Kind: p.value("Kind")}
	}, func(r *http.Request, f outbox.Filter, p paging.Request) (paging.Page[outbox.Job], error) {
		return jobs.Store.Jobs(r.Context(), f, p)
	}, a, "deliveries", func(j outbox.Job) int64 { return j.Seq }, a.renderDelivery))
	a.route("GET", deliveriesPath+"/{sid}", fetchCall(func(r *http.Request) (outbox.Job, error) {
		return jobs.Store.Job(r.Context(), r.PathValue("sid"))
	}, a.renderDelivery))
	// Posting Retry=true sends a failed delivery again.
	a.route("POST", deliveriesPath+"/{sid}", formCall(func(p *reader) bool {
		b := p.bool("Retry")
		if b == nil || !*b {
			p.fail("Retry=true is the only change a delivery takes")
		}
		return true
	}, func(r *http.Request, _ bool) (outbox.Job, error) {
		j, err := jobs.Retry(r.Context(), r.PathValue("sid"))
		if err == outbox.ErrNotFailed {
			return j, apperr.Conflictf(apperr.CodeBadRequest, "%s", err.Error())
		}
		return j, err
	}, a.renderDelivery, http.StatusOK))
}

func readHookParams(p *reader) webhooks.HookParams {
	h := webhooks.HookParams{Target: p.str("Target"), URL: p.str("Configuration.Url"),
		Method: p.str("Configuration.Method"), FlowSID: p.str("Configuration.FlowSid")}
	if p.has("Configuration.Filters") {
		h.Filters = nonEmpty(p.all("Configuration.Filters"))
	}
	if p.has("Configuration.Triggers") {
		h.Triggers = nonEmpty(p.all("Configuration.Triggers"))
	}
	return h
}

type webhookConfigJSON struct {
	AccountSID     string   `json:"account_sid"`
	Method         string   `json:"method"`
	Filters        []string `json:"filters"`
	PreWebhookURL  *string  `json:"pre_webhook_url"`
	PostWebhookURL *string  `json:"post_webhook_url"`
	Target         string   `json:"target"`
	URL            string   `json:"url"`
}

func (a *API) renderWebhookConfig(c webhooks.Config) webhookConfigJSON {
	filters := c.Filters
	if filters == nil {
		filters = []string{}
	}
	return webhookConfigJSON{AccountSID: a.accountSID, Method: c.Method, Filters: filters,
		PreWebhookURL: orNull(c.PreURL), PostWebhookURL: orNull(c.PostURL), Target: c.Target,
		URL: a.baseURL + webhookConfigPath}
}

type hookConfigJSON struct {
	URL      *string  `json:"url"`
	Method   string   `json:"method"`
	Filters  []string `json:"filters"`
	Triggers []string `json:"triggers,omitempty"`
	FlowSID  *string  `json:"flow_sid"`
}

type hookJSON struct {
	SID             string         `json:"sid"`
	AccountSID      string         `json:"account_sid"`
	ConversationSID string         `json:"conversation_sid"`
	Target          string         `json:"target"`
	URL             string         `json:"url"`
	Configuration   hookConfigJSON `json:"configuration"`
	DateCreated     model.Time     `json:"date_created"`
	DateUpdated     model.Time     `json:"date_updated"`
}

func (a *API) renderHook(h webhooks.Hook) hookJSON {
	filters := h.Filters
	if filters == nil {
		filters = []string{}
	}
	return hookJSON{SID: h.SID, AccountSID: a.accountSID, ConversationSID: h.ConversationSID, Target: h.Target,
		URL:           a.baseURL + "/conversations/v1/Conversations/" + h.ConversationSID + "/Webhooks/" + h.SID,
		Configuration: hookConfigJSON{URL: orNull(h.URL), Method: h.Method, Filters: filters, Triggers: h.Triggers, FlowSID: orNull(h.FlowSID)},
		DateCreated:   model.Time{Time: h.Created}, DateUpdated: model.Time{Time: h.Updated}}
}

type deliveryJSON struct {
	SID           string          `json:"sid"`
	Kind          string          `json:"kind"`
	Key           string          `json:"key"`
	State         string          `json:"state"`
	Attempts      int             `json:"attempts"`
	NextAttemptAt *model.Time     `json:"next_attempt_at"`
	LastStatus    *int            `json:"last_status"`
	LastError     *string         `json:"last_error"`
	Request       json.RawMessage `json:"request"`
	DateCreated   model.Time      `json:"date_created"`
	DateFinished  *model.Time     `json:"date_finished"`
	URL           string          `json:"url"`
}

func (a *API) renderDelivery(j outbox.Job) deliveryJSON {
	out := deliveryJSON{SID: j.SID, Kind: j.Kind, Key: j.Key, State: string(j.State), Attempts: j.Attempts,
		LastError: orNull(j.LastError), Request: json.RawMessage(j.Payload), DateCreated: model.Time{Time: j.Created},
		URL: a.baseURL + deliveriesPath + "/" + j.SID}
	if j.State == outbox.Pending {
		out.NextAttemptAt = &model.Time{Time: j.NextAt}
	}
	if j.LastStatus != 0 {
		out.LastStatus = &j.LastStatus
	}
	if !j.Finished.IsZero() {
		out.DateFinished = &model.Time{Time: j.Finished}
	}
	if !json.Valid(j.Payload) {
		out.Request = nil
	}
	return out
}
