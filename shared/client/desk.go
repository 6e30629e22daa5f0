package client

import (
	"context"
	"net/http"
	"net/url"

	"parley/shared/model"
)

// Parley's own desk endpoints: signing an agent in and out, completing a
// chat, private notes, canned responses and reports.

// DeskSignIn signs an agent in with their email and password. It needs no
// credentials: call it on a REST made with a nil Auth.
func (c *REST) DeskSignIn(ctx context.Context, email, password string) (model.DeskLogin, error) {
	var l model.DeskLogin
	err := c.Do(ctx, http.MethodPost, "/parley/v1/Desktop/SignIn", url.Values{"Email": {email}, "Password": {password}}, &l)
	return l, err
}

// DeskRefresh exchanges the agent's token for a fresh one.
func (c *REST) DeskRefresh(ctx context.Context) (model.DeskLogin, error) {
	var l model.DeskLogin
	err := c.Do(ctx, http.MethodPost, "/parley/v1/Desktop/Refresh", nil, &l)
	return l, err
}

// DeskSignOut ends the agent's session, revoking its token.
func (c *REST) DeskSignOut(ctx context.Context) error {
	return c.Do(ctx, http.MethodPost, "/parley/v1/Desktop/SignOut", nil, nil)
}

// DeskComplete completes the agent's chat: the server keeps outcome (one
// of model.Outcomes' values) in the task's attributes and completes the
// task in one step, for the agent working it only. It answers the
// completed task.
func (c *REST) DeskComplete(ctx context.Context, taskSID, outcome string) (model.Task, error) {
	var t model.Task
	err := c.Do(ctx, http.MethodPost, "/parley/v1/Desktop/Tasks/"+url.PathEscape(taskSID)+"/Complete",
		url.Values{"Outcome": {outcome}}, &t)
	return t, err
}

// notesPath is the path of a conversation's private notes.
func notesPath(conversationSID string) string {
	return "/parley/v1/Conversations/" + url.PathEscape(conversationSID) + "/Notes"
}

// Notes lists a conversation's private notes.
func (c *REST) Notes(ctx context.Context, conversationSID string) ([]model.Note, error) {
	var l struct {
		Notes []model.Note `json:"notes"`
	}
	err := c.Do(ctx, http.MethodGet, notesPath(conversationSID), nil, &l)
	return l.Notes, err
}

// AddNote writes a private note on a conversation.
func (c *REST) AddNote(ctx context.Context, conversationSID, body string) (model.Note, error) {
	var n model.Note
	err := c.Do(ctx, http.MethodPost, notesPath(conversationSID), url.Values{"Body": {body}}, &n)
	return n, err
}

const cannedPath = "/parley/v1/CannedResponses"

// CannedResponses lists every shared canned response, a page of 100 at a
// time: a desk has hundreds at most.
func (c *REST) CannedResponses(ctx context.Context) ([]model.CannedResponse, error) {
	all := []model.CannedResponse{}
	for next := cannedPath + "?PageSize=100"; next != ""; {
		var page struct {
			CannedResponses []model.CannedResponse `json:"canned_responses"`
			Meta            model.Meta             `json:"meta"`
		}
		if err := c.Do(ctx, http.MethodGet, next, nil, &page); err != nil {
			return all, err
		}
		all = append(all, page.CannedResponses...)
		var err error
		if next, err = nextPage(cannedPath, page.Meta); err != nil {
			return all, err
		}
	}
	return all, nil
}

const reportsPath = "/parley/v1/Reports/Conversations"

// reportQuery is a report's range: start and end are dates (YYYY-MM-DD,
// both included) in the IANA zone timezone.
func reportQuery(start, end, timezone string) url.Values {
	return url.Values{"StartDate": {start}, "EndDate": {end}, "Timezone": {timezone}}
}

// Report reads the conversations report from start to end (YYYY-MM-DD,
// both included), days counted in timezone (an IANA zone).
func (c *REST) Report(ctx context.Context, start, end, timezone string) (model.ConversationReport, error) {
	var r model.ConversationReport
	err := c.Do(ctx, http.MethodGet, reportsPath, reportQuery(start, end, timezone), &r)
	return r, err
}

// ReportCSV reads the same report as Report, as a CSV file.
func (c *REST) ReportCSV(ctx context.Context, start, end, timezone string) ([]byte, error) {
	q := reportQuery(start, end, timezone)
	q.Set("Format", "csv")
	var csv []byte
	err := c.Do(ctx, http.MethodGet, reportsPath, q, &csv)
	return csv, err
}
