// Package canned keeps canned responses: replies the whole desk shares,
// which agents find from the composer by typing "/" and a few letters.
// The desktop loads the whole list once and searches it in memory, so the
// list is bounded (MaxResponses) and so is each response.
package canned

import (
	"context"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/paging"
	"parley/shared/sid"
)

// Limits of a response and of the desk's list. Lengths are in characters
// (not bytes), counted after trimming.
const (
	MaxTitle = 60
	MaxBody  = 4096 // as a private note
	MaxTags  = 10
	MaxTag   = 30
	// MaxResponses bounds the list, so loading it whole stays cheap for
	// every desktop that starts.
	MaxResponses = 1000
)

// Response is one canned response.
type Response struct {
	Seq         int64 // storage order: the key its list is paged by
	SID         string
	Title       string   // unique whatever its case
	Body        string   // plain text: markup is kept as it is, for the UI to escape
	Tags        []string // words a search also matches; never nil
	CreatedBy   string   // the agent's identity; empty for the account
	DateCreated time.Time
	DateUpdated time.Time
}

// Params create or change a response; a nil field is left as it is (and
// Title and Body are required to create one).
type Params struct {
	Title, Body *string
	Tags        *[]string
}

// Store keeps responses. The checks that involve other responses (the
// title's uniqueness, the desk's limit) are the Store's to make inside its
// write, so two requests at once cannot both pass them.
type Store interface {
	// InsertResponse stores r and returns its storage order, unless the
	// desk already holds max responses (Full) or another response has
	// r's TitleKey (TitleTaken).
	InsertResponse(ctx context.Context, r Response, max int) (seq int64, err error)
	// UpdateResponse reads response sid (NotFound when there is none),
	// lets change amend it, and stores the result unless another response
	// has its TitleKey (TitleTaken): one write, so nothing comes between.
	// change runs inside that write and must not call the Store.
	UpdateResponse(ctx context.Context, sid string, change func(*Response) error) (Response, error)
	// DeleteResponse removes response sid (NotFound when there is none).
	DeleteResponse(ctx context.Context, sid string) error
	// Response reads response sid (NotFound when there is none).
	Response(ctx context.Context, sid string) (Response, error)
	// Responses returns a page of the responses in storage order.
	Responses(ctx context.Context, p paging.Request) (paging.Page[Response], error)
}

// TitleKey is what two titles share when they are the same whatever their
// case: the Store keeps it unique.
func TitleKey(title string) string { return strings.ToLower(title) }

// NotFound is the error for a response that does not exist.
func NotFound(responseSID string) error {
	return apperr.NotFoundf("The requested resource CannedResponse %s was not found", responseSID)
}

// TitleTaken is the error for a title another response (otherSID, titled
// other) already has.
func TitleTaken(other, otherSID string) error {
	return apperr.Conflictf(apperr.CodeBadRequest,
		"Canned response %s is already titled %q (titles are unique whatever their case); choose another Title or change that response",
		otherSID, other)
}

// Full is the error for a desk holding n responses, the most it may.
func Full(n int) error {
	return apperr.Conflictf(apperr.CodeBadRequest,
		"The desk already has %d canned responses, the most it keeps; delete ones no one uses before adding more", n)
}

// Service writes and reads the desk's canned responses. Who may write is
// the caller's business: the service checks the responses themselves.
type Service struct {
	store Store
	Now   func() time.Time
}

// NewService returns the canned responses service.
func NewService(store Store) *Service {
	return &Service{store: store, Now: time.Now}
}

// Create adds a response written by createdBy (an agent's identity, or
// empty for the account).
func (s *Service) Create(ctx context.Context, createdBy string, p Params) (Response, error) {
	switch {
	case p.Title == nil:
		return Response{}, invalid("Title is required: a short name agents search for, at most %d characters", MaxTitle)
	case p.Body == nil:
		return Response{}, apperr.Invalidf(apperr.CodeBodyRequired, "Body is required: the text the response puts in the composer")
	}
	now := s.stamp()
	r := Response{SID: sid.New(sid.CannedResponse), CreatedBy: createdBy, Tags: []string{}, DateCreated: now, DateUpdated: now}
	if err := apply(&r, p); err != nil {
		return Response{}, err
	}
	seq, err := s.store.InsertResponse(ctx, r, MaxResponses)
	if err != nil {
		return Response{}, err
	}
	r.Seq = seq
	return r, nil
}

// Fetch returns one response.
func (s *Service) Fetch(ctx context.Context, responseSID string) (Response, error) {
	return s.store.Response(ctx, responseSID)
}

// List returns a page of the responses, oldest first. A page holds at most
// MaxResponses, so one request can read them all.
func (s *Service) List(ctx context.Context, p paging.Request) (paging.Page[Response], error) {
	p.Size = min(p.Size, MaxResponses)
	return s.store.Responses(ctx, p)
}

// Update changes a response's title, body or tags: those p names.
func (s *Service) Update(ctx context.Context, responseSID string, p Params) (Response, error) {
	if p.Title == nil && p.Body == nil && p.Tags == nil {
		return s.store.Response(ctx, responseSID) // nothing to change
	}
	// Checked before the write too, so a bad request never waits on it.
	if err := apply(&Response{}, p); err != nil {
		return Response{}, err
	}
	now := s.stamp()
	return s.store.UpdateResponse(ctx, responseSID, func(r *Response) error {
		r.DateUpdated = now
		return apply(r, p)
	})
}

// Delete removes a response.
func (s *Service) Delete(ctx context.Context, responseSID string) error {
	return s.store.DeleteResponse(ctx, responseSID)
}

func (s *Service) stamp() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// apply checks the fields p names and sets them on r.
func apply(r *Response, p Params) error {
	if p.Title != nil {
		title, err := cleanTitle(*p.Title)
		if err != nil {
			return err
		}
		r.Title = title
	}
	if p.Body != nil {
		body, err := cleanBody(*p.Body)
		if err != nil {
			return err
		}
		r.Body = body
	}
	if p.Tags != nil {
		tags, err := cleanTags(*p.Tags)
		if err != nil {
			return err
		}
		r.Tags = tags
	}
	return nil
}

func invalid(format string, args ...any) error {
	return apperr.Invalidf(apperr.CodeBadRequest, format, args...)
}
