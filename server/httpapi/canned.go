package httpapi

import (
	"context"
	"net/http"

	"parley/server/agents"
	"parley/server/canned"
	"parley/shared/model"
)

// Canned responses are Parley's own resource, under
// /parley/v1/CannedResponses. Every agent reads them; supervisors and
// admins (and the account) write them. The desktop loads the list whole,
// so its pages may hold up to canned.MaxResponses: every response in one
// request.

const cannedPath = "/parley/v1/CannedResponses"

func (a *API) routeCanned() {
	if a.canned == nil {
		return
	}
	replies := a.canned
	sidOf := func(r *http.Request) string { return r.PathValue("sid") }
	seqOf := func(v canned.Response) int64 { return v.Seq }
	a.route("POST", cannedPath, formCall(readCannedParams, func(r *http.Request, p canned.Params) (canned.Response, error) {
		return replies.Create(r.Context(), callerOf(r).identity, p)
	}, a.cannedJSON, http.StatusCreated))
	a.route("GET", cannedPath, func(w http.ResponseWriter, r *http.Request) error {
		p, err := parseForm(r)
		if err != nil {
			return err
		}
		req, err := readPageUpTo(p, canned.MaxResponses)
		if err != nil {
			return err
		}
		page, err := replies.List(r.Context(), req.Request)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, pageOf(a, r.URL.Path, req, "canned_responses", page, seqOf, a.cannedJSON))
		return nil
	})
	a.route("GET", cannedPath+"/{sid}", fetchCall(func(r *http.Request) (canned.Response, error) {
		return replies.Fetch(r.Context(), sidOf(r))
	}, a.cannedJSON))
	a.route("POST", cannedPath+"/{sid}", formCall(readCannedParams, func(r *http.Request, p canned.Params) (canned.Response, error) {
		return replies.Update(r.Context(), sidOf(r), p)
	}, a.cannedJSON, http.StatusOK))
	a.route("DELETE", cannedPath+"/{sid}", deleteCall(func(r *http.Request) error { return replies.Delete(r.Context(), sidOf(r)) }))
}

// readCannedParams reads Title, Body and Tags (repeated). Tags given once
// and empty removes every tag: a form cannot send an empty list.
func readCannedParams(p *reader) canned.Params {
	out := canned.Params{Title: p.str("Title"), Body: p.str("Body")}
	if p.has("Tags") {
		tags := p.all("Tags")
		if len(tags) == 1 && tags[0] == "" {
			tags = []string{}
		}
		out.Tags = &tags
	}
	return out
}

// cannedRule: every agent reads the responses; supervisors and admins
// write them. A customer's token does neither.
func (a *API) cannedRule(ctx context.Context, r *http.Request, c caller) error {
	switch {
	case c.desk == nil:
		return forbidden("Canned responses are for the desk's agents: an access token for %s cannot use them", c.identity)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		return nil
	case agents.AtLeast(c.desk.Role, agents.RoleSupervisor):
		return nil
	}
	return forbidden("Only supervisors and admins create, change or delete canned responses; %s (role %s) may only read them",
		c.identity, c.desk.Role)
}

func (a *API) cannedJSON(v canned.Response) model.CannedResponse {
	return model.CannedResponse{SID: v.SID, AccountSID: a.accountSID, Title: v.Title, Body: v.Body, Tags: v.Tags,
		CreatedBy: v.CreatedBy, DateCreated: model.Time{Time: v.DateCreated}, DateUpdated: model.Time{Time: v.DateUpdated},
		URL: a.baseURL + cannedPath + "/" + v.SID}
}
