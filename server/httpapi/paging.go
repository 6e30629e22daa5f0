package httpapi

import (
	"net/url"
	"strconv"
	"strings"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/paging"
	"parley/shared/model"
)

// Page sizes, as Twilio's.
const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// pageRequest is a parsed list request: the page asked for and the filters
// to repeat in the links to other pages.
type pageRequest struct {
	paging.Request
	number  int
	token   string
	filters url.Values
}

// Page tokens are opaque to clients. Parley's say which way to walk from
// which key: "PA<key>" is the page after key, "PB<key>" the page before it.
func readPage(p *params, filterNames ...string) (pageRequest, error) {
	return readPageUpTo(p, maxPageSize, filterNames...)
}

// readPageUpTo is readPage for a list whose pages may hold up to maxSize
// items: one a client loads whole.
func readPageUpTo(p *params, maxSize int, filterNames ...string) (pageRequest, error) {
	req := pageRequest{filters: url.Values{}}
	for _, name := range filterNames {
		if v := p.str(name); v != nil {
			req.filters.Set(name, *v)
		}
	}
	req.Size = defaultPageSize
	size, err := p.int("PageSize")
	if err != nil {
		return req, err
	}
	if size != nil {
		switch {
		case *size < 1:
			return req, badParam("PageSize must be at least 1, got %d", *size)
		case *size > maxSize:
			req.Size = maxSize // Twilio caps rather than refuses
		default:
			req.Size = *size
		}
	}
	number, err := p.int("Page")
	if err != nil {
		return req, err
	}
	if number != nil {
		if *number < 0 {
			return req, badParam("Page must not be negative, got %d", *number)
		}
		req.number = *number
	}
	if t := p.str("PageToken"); t != nil && *t != "" {
		req.token = *t
		key, err := strconv.ParseInt((*t)[min(2, len(*t)):], 10, 64)
		switch {
		case err != nil:
			return req, apperr.Invalidf(apperr.CodeBadRequest,
				"PageToken %q is not one Parley issued; follow next_page_url or previous_page_url", *t)
		case strings.HasPrefix(*t, "PA"):
			req.After = &key
		case strings.HasPrefix(*t, "PB"):
			req.Before = &key
		default:
			return req, apperr.Invalidf(apperr.CodeBadRequest,
				"PageToken %q is not one Parley issued; follow next_page_url or previous_page_url", *t)
		}
	} else if req.number > 0 {
		return req, apperr.Invalidf(apperr.CodeBadRequest,
			"Page %d needs a PageToken: follow next_page_url from the page before it", req.number)
	}
	return req, nil
}

// meta builds the meta block of a page whose items have the given keys.
func (a *API) meta(path string, req pageRequest, key string, hasPrev, hasNext bool, firstKey, lastKey int64) model.Meta {
	link := func(number int, token string) string {
		q := url.Values{}
		for k, v := range req.filters {
			q[k] = v
		}
		// Filters first, then PageSize, Page and PageToken, in Twilio's order.
		s := q.Encode()
		if s != "" {
			s += "&"
		}
		s += "PageSize=" + strconv.Itoa(req.Size) + "&Page=" + strconv.Itoa(number)
		if token != "" {
			s += "&PageToken=" + url.QueryEscape(token)
		}
		return a.baseURL + path + "?" + s
	}
	m := model.Meta{
		Page:         req.number,
		PageSize:     req.Size,
		FirstPageURL: link(0, ""),
		URL:          link(req.number, req.token),
		Key:          key,
	}
	if hasNext {
		next := link(req.number+1, "PA"+strconv.FormatInt(lastKey, 10))
		m.NextPageURL = &next
	}
	if hasPrev {
		prev := link(max(req.number-1, 0), "PB"+strconv.FormatInt(firstKey, 10))
		m.PreviousPageURL = &prev
	}
	return m
}

// listBody is the JSON body of a list: the items under the list's key,
// beside meta.
func listBody[T any](key string, items []T, meta model.Meta) map[string]any {
	if items == nil {
		items = []T{}
	}
	return map[string]any{key: items, "meta": meta}
}

// pageOf renders a domain page as a list response body.
func pageOf[D, W any](a *API, path string, req pageRequest, key string, page conversations.Page[D],
	keyOf func(D) int64, render func(D) W,
) map[string]any {
	items := make([]W, len(page.Items))
	var first, last int64
	for i, d := range page.Items {
		items[i] = render(d)
	}
	if n := len(page.Items); n > 0 {
		first, last = keyOf(page.Items[0]), keyOf(page.Items[n-1])
	}
	hasNext := page.HasNext && len(page.Items) > 0
	hasPrev := page.HasPrev && len(page.Items) > 0
	return listBody(key, items, a.meta(path, req, key, hasPrev, hasNext, first, last))
}
