package httpapi

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"parley/server/apperr"
	"parley/server/textrule"
)

// params are a request's form parameters. Reading text cannot fail; the
// readers that parse (int, int64, bool, time) return the value with the
// error a bad one gets. To read many at once, use readParams.
type params struct {
	r *http.Request
}

// parseForm reads a request's parameters: the query string, and for POST a
// form-encoded body within the API's body limit.
func parseForm(r *http.Request) (*params, error) {
	if r.Method == http.MethodPost {
		ct := r.Header.Get("Content-Type")
		if ct != "" {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || (mt != "application/x-www-form-urlencoded" && mt != "multipart/form-data") {
				return nil, apperr.New(apperr.Unsupported, apperr.CodeUnsupportedMedia,
					"Content-Type %q is not supported: send parameters form-encoded (application/x-www-form-urlencoded)", ct)
			}
		}
	}
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, apperr.Invalidf(apperr.CodeBadRequest, "Malformed form parameters: %v", err)
	}
	if err := checkFormText(r.Form); err != nil {
		return nil, err
	}
	return &params{r: r}, nil
}

// checkFormText refuses a request any of whose parameters (from the query
// or the body, each value of a repeated one) is not UTF-8: every handler
// reads its parameters here, so none stores text altered.
func checkFormText(form url.Values) error {
	valid := true
	for name, vs := range form {
		valid = valid && utf8.ValidString(name)
		for _, v := range vs {
			valid = valid && utf8.ValidString(v)
		}
	}
	if valid {
		return nil
	}
	// Name the first bad parameter in a fixed order, not the map's.
	names := make([]string, 0, len(form))
	for name := range form {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !utf8.ValidString(name) {
			return apperr.Invalidf(apperr.CodeBadRequest,
				"A parameter name (%+q) is not valid UTF-8 text: send parameters encoded as UTF-8 (nothing was stored)", name)
		}
		for _, v := range form[name] {
			if err := textrule.Text(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkJSONText refuses a JSON body holding text that is not UTF-8 (or a
// lone surrogate escape), which encoding/json would keep as U+FFFD,
// naming the top-level field that holds it where it can.
func checkJSONText(body []byte) error {
	if textrule.JSON("", body) == nil {
		return nil
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) == nil {
		names := make([]string, 0, len(fields))
		for name := range fields {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if err := textrule.JSON(name, fields[name]); err != nil {
				return err
			}
		}
	}
	return textrule.JSON("The request body", body) // a field's name, or not an object
}

func (p *params) has(name string) bool {
	_, ok := p.r.Form[name]
	return ok
}

// str returns a parameter's value, or nil when it is absent.
func (p *params) str(name string) *string {
	v, ok := p.r.Form[name]
	if !ok || len(v) == 0 {
		return nil
	}
	s := v[0]
	return &s
}

// value returns a parameter's value, or "" when it is absent.
func (p *params) value(name string) string {
	if v := p.str(name); v != nil {
		return *v
	}
	return ""
}

func (p *params) all(name string) []string { return p.r.Form[name] }

// badParam is the API's answer to a parameter it cannot take.
func badParam(format string, args ...any) error {
	return apperr.Invalidf(apperr.CodeBadRequest, format, args...)
}

// optional reads parameter name with parse (its surrounding spaces
// trimmed), or returns nil when it is absent; a bad value is refused as
// not being want.
func optional[T any](p *params, name, want string, parse func(string) (T, error)) (*T, error) {
	s := p.str(name)
	if s == nil {
		return nil, nil
	}
	v, err := parse(strings.TrimSpace(*s))
	if err != nil {
		return nil, badParam("%s must be %s, got %q", name, want, *s)
	}
	return &v, nil
}

// int returns an integer parameter, or nil when it is absent.
func (p *params) int(name string) (*int, error) {
	return optional(p, name, "an integer", strconv.Atoi)
}

// int64 returns a 64-bit integer parameter, or nil when it is absent.
func (p *params) int64(name string) (*int64, error) {
	return optional(p, name, "an integer", func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) })
}

// time returns an ISO 8601 time parameter, or nil when it is absent.
func (p *params) time(name string) (*time.Time, error) {
	return optional(p, name, "an ISO 8601 time such as 2026-01-31T12:00:00Z", parseTime)
}

// parseTime reads the ISO 8601 forms Twilio's API takes: a full time, or
// a date.
func parseTime(s string) (time.Time, error) {
	var err error
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// bool returns a boolean parameter ("true" or "false"), or nil when absent.
func (p *params) bool(name string) (*bool, error) {
	return optional(p, name, "true or false", strconv.ParseBool)
}

// reader reads many optional parameters into one service call's input,
// keeping the first bad one's error so the reading stays one expression
// per field. A reader exists only inside readParams, which returns that
// error with the input: no caller can take the input and miss the error.
type reader struct {
	*params
	err error
}

// readParams reads a call's input with read, and answers the first bad
// parameter's error instead when there is one.
func readParams[T any](p *params, read func(*reader) T) (T, error) {
	r := &reader{params: p}
	v := read(r)
	if r.err != nil {
		var zero T
		return zero, r.err
	}
	return v, nil
}

func (r *reader) keep(err error) {
	if r.err == nil {
		r.err = err
	}
}

// fail refuses the request for a reason of the handler's own.
func (r *reader) fail(format string, args ...any) { r.keep(badParam(format, args...)) }

// int is params.int, its error kept.
func (r *reader) int(name string) *int {
	v, err := r.params.int(name)
	r.keep(err)
	return v
}

// int64 is params.int64, its error kept.
func (r *reader) int64(name string) *int64 {
	v, err := r.params.int64(name)
	r.keep(err)
	return v
}

// time is params.time, its error kept.
func (r *reader) time(name string) *time.Time {
	v, err := r.params.time(name)
	r.keep(err)
	return v
}

// bool is params.bool, its error kept.
func (r *reader) bool(name string) *bool {
	v, err := r.params.bool(name)
	r.keep(err)
	return v
}
