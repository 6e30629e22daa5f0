package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/auth"
)

// The API keys resource lives in Twilio's 2010 API, with that API's own
// conventions: ".json" paths, RFC 2822 dates and *_uri paging links relative
// to the product host.

const keysPath = "/api/2010-04-01/Accounts/{AccountSid}/"

func (a *API) routeKeys() {
	a.route("POST", keysPath+"Keys.json", a.createKey)
	a.route("GET", keysPath+"Keys.json", a.listKeys)
	a.route("GET", keysPath+"Keys/{file}", a.getKey)
	a.route("POST", keysPath+"Keys/{file}", a.updateKey)
	a.route("DELETE", keysPath+"Keys/{file}", a.deleteKey)
}

type keyJSON struct {
	SID          string  `json:"sid"`
	FriendlyName string  `json:"friendly_name"`
	DateCreated  string  `json:"date_created"`
	DateUpdated  string  `json:"date_updated"`
	Secret       *string `json:"secret,omitempty"`
}

func renderKey(k auth.Key) keyJSON {
	out := keyJSON{SID: k.SID, FriendlyName: k.FriendlyName,
		DateCreated: k.Created.UTC().Format(time.RFC1123Z), DateUpdated: k.Updated.UTC().Format(time.RFC1123Z)}
	if k.Secret != "" {
		out.Secret = &k.Secret
	}
	return out
}

// account checks the account in a 2010 API path is this server's.
func (a *API) account(r *http.Request) error {
	if acc := r.PathValue("AccountSid"); acc != a.accountSID {
		return apperr.NotFoundf("The requested resource Account %s was not found", acc)
	}
	return nil
}

// keySID checks the path's account and reads {Sid}.json from it.
func (a *API) keySID(r *http.Request) (string, error) {
	if err := a.account(r); err != nil {
		return "", err
	}
	sid, ok := strings.CutSuffix(r.PathValue("file"), ".json")
	if !ok {
		return "", apperr.NotFoundf("The requested resource %s was not found", r.URL.Path)
	}
	return sid, nil
}

func (a *API) createKey(w http.ResponseWriter, r *http.Request) error {
	if err := a.account(r); err != nil {
		return err
	}
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	k, err := a.auth.CreateKey(r.Context(), p.value("FriendlyName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, renderKey(k))
	return nil
}

func (a *API) getKey(w http.ResponseWriter, r *http.Request) error {
	sid, err := a.keySID(r)
	if err != nil {
		return err
	}
	k, err := a.auth.Key(r.Context(), sid)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderKey(k))
	return nil
}

func (a *API) updateKey(w http.ResponseWriter, r *http.Request) error {
	sid, err := a.keySID(r)
	if err != nil {
		return err
	}
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	k, err := a.auth.RenameKey(r.Context(), sid, p.value("FriendlyName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderKey(k))
	return nil
}

func (a *API) deleteKey(w http.ResponseWriter, r *http.Request) error {
	sid, err := a.keySID(r)
	if err != nil {
		return err
	}
	if err := a.auth.DeleteKey(r.Context(), sid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listKeys(w http.ResponseWriter, r *http.Request) error {
	if err := a.account(r); err != nil {
		return err
	}
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	req, err := readPage(p)
	if err != nil {
		return err
	}
	page, err := a.auth.Keys(r.Context(), req.Request)
	if err != nil {
		return err
	}
	keys := make([]keyJSON, len(page.Items))
	for i, k := range page.Items {
		keys[i] = renderKey(k)
	}
	base := "/2010-04-01/Accounts/" + a.accountSID + "/Keys.json"
	uri := func(number int, token string) string {
		u := base + "?PageSize=" + strconv.Itoa(req.Size) + "&Page=" + strconv.Itoa(number)
		if token != "" {
			u += "&PageToken=" + token
		}
		return u
	}
	body := map[string]any{
		"keys":              keys,
		"first_page_uri":    uri(0, ""),
		"uri":               uri(req.number, req.token),
		"page":              req.number,
		"page_size":         req.Size,
		"start":             req.number * req.Size,
		"end":               req.number*req.Size + max(len(keys)-1, 0),
		"next_page_uri":     nil,
		"previous_page_uri": nil,
	}
	if n := len(page.Items); n > 0 {
		if page.HasNext {
			body["next_page_uri"] = uri(req.number+1, "PA"+strconv.FormatInt(page.Items[n-1].Key, 10))
		}
		if page.HasPrev {
			body["previous_page_uri"] = uri(max(req.number-1, 0), "PB"+strconv.FormatInt(page.Items[0].Key, 10))
		}
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}
