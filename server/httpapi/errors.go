package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"parley/server/apperr"
	"parley/shared/model"
)

// writeError renders err in Twilio's error shape. Errors that are not
// application errors are logged in full and reported as internal errors, so
// no internal detail leaks to the caller.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := apperr.As(err)
	if !ok {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			e = apperr.New(apperr.TooLarge, apperr.CodeRequestTooLarge,
				"Request body is larger than the %d byte limit", tooLarge.Limit)
		} else {
			a.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
			e = apperr.New(apperr.Internal, apperr.CodeInternal, "Internal error; the server logged the details")
		}
	}
	st := apperr.Status(e.Kind)
	if st == http.StatusUnauthorized && basicCaller(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Parley"`)
	}
	writeJSON(w, st, model.Error{
		Code:     e.Code,
		Message:  e.Message,
		MoreInfo: "https://www.twilio.com/docs/errors/" + strconv.Itoa(e.Code),
		Status:   st,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // URLs keep their "&", as Twilio writes them
	err := enc.Encode(v)
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if err != nil {
		slog.Error("encode response", "err", err)
		http.Error(w, `{"code":20500,"message":"Internal error","status":500}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// basicCaller reports whether a refused request should hear a Basic
// challenge, which lets a person at a browser's address bar, or a Twilio
// client, give the account's credentials: not one that presented an access
// token, nor a call to the public guest endpoints, nor a page's own fetch
// (the desk signing in, the widget's expired token, a refused resume),
// which handles the 401 itself. A browser meeting a challenge there holds
// the request behind its native password prompt; headless, for ever.
func basicCaller(r *http.Request) bool {
	if accessToken(r) != "" {
		return false
	}
	if mode := r.Header.Get("Sec-Fetch-Mode"); mode != "" && mode != "navigate" {
		return false
	}
	return !strings.HasPrefix(r.URL.Path, "/flex/v2/Webchat/")
}
