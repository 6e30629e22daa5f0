package httpapi

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/channels"
	"parley/server/webhooks"
)

// Providers' webhooks, at /channels/...: public, and trusted only when
// signed. Twilio's are checked against the Twilio auth token over the URL
// Twilio called (the public base URL and the path); the generic adapter's
// against its shared secret.

// Paths providers call.
const (
	TwilioInboundPath  = "/channels/twilio/inbound"
	TwilioStatusPath   = "/channels/twilio/status"
	GenericInboundPath = "/channels/generic/inbound"
	GenericStatusPath  = "/channels/generic/status"
)

// Channels serves the providers' webhooks and, when enabled, the phone
// simulator's API.
func (a *API) Channels() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h func(w http.ResponseWriter, r *http.Request) error) {
		a.handleFunc(mux, pattern, func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
			if err := h(w, r); err != nil {
				a.writeError(w, r, err)
			}
		})
	}
	handle("POST "+TwilioInboundPath, a.twilioInbound)
	handle("POST "+TwilioStatusPath, a.twilioStatus)
	handle("POST "+GenericInboundPath, a.genericInbound)
	handle("POST "+GenericStatusPath, a.genericStatus)
	handle("POST /simulator/api/messages", a.simulatorSend)
	handle("GET /simulator/api/messages", a.simulatorTexts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			a.noRouteIn(mux, w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func notConfigured(name, how string) error {
	return apperr.NotFoundf("The %s channel is not configured on this server; %s", name, how)
}

// twilioForm reads a Twilio webhook and checks its X-Twilio-Signature.
func (a *API) twilioForm(r *http.Request) (url.Values, error) {
	if a.twilio == nil {
		return nil, notConfigured("Twilio", "start Parley with PARLEY_TWILIO_ACCOUNT_SID and PARLEY_TWILIO_AUTH_TOKEN")
	}
	if _, err := parseForm(r); err != nil {
		return nil, err
	}
	form := r.PostForm
	want := webhooks.Sign(a.twilio.AuthToken, a.baseURL+r.URL.RequestURI(), form)
	got := r.Header.Get("X-Twilio-Signature")
	if got == "" || !hmacEqual(got, want) {
		return nil, apperr.New(apperr.Forbidden, apperr.CodeForbidden,
			"X-Twilio-Signature is missing or does not match this request; Parley checks it with the Twilio auth token over %s", a.baseURL+r.URL.RequestURI())
	}
	return form, nil
}

// hmacEqual compares signatures in constant time.
func hmacEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func (a *API) twilioInbound(w http.ResponseWriter, r *http.Request) error {
	form, err := a.twilioForm(r)
	if err != nil {
		return err
	}
	if _, err := a.messaging.Receive(r.Context(), channels.TwilioInbound(form)); err != nil {
		return err
	}
	// Twilio expects TwiML; an empty response sends no automatic reply.
	w.Header().Set("Content-Type", "text/xml")
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`)
	return nil
}

func (a *API) twilioStatus(w http.ResponseWriter, r *http.Request) error {
	form, err := a.twilioForm(r)
	if err != nil {
		return err
	}
	code, _ := strconv.Atoi(form.Get("ErrorCode"))
	status := form.Get("MessageStatus")
	if status == "" {
		status = form.Get("SmsStatus")
	}
	if err := a.messaging.Report(r.Context(), form.Get("MessageSid"), status, code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// genericBody reads a generic adapter request and checks its signature.
func (a *API) genericBody(r *http.Request, v any) error {
	if a.generic == nil {
		return notConfigured("generic", "start Parley with PARLEY_GENERIC_SEND_URL and PARLEY_GENERIC_SECRET")
	}
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return apperr.New(apperr.TooLarge, apperr.CodeRequestTooLarge, "The request body is over %d bytes", tooBig.Limit)
	}
	if err != nil {
		return err
	}
	if err := a.generic.Verify(r.Header.Get("X-Parley-Signature"), body); err != nil {
		return apperr.New(apperr.Forbidden, apperr.CodeForbidden, "%s", err.Error())
	}
	if err := checkJSONText(body); err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return apperr.Invalidf(apperr.CodeBadRequest, "The body is not the JSON this endpoint takes: %v", err)
	}
	return nil
}

func (a *API) genericInbound(w http.ResponseWriter, r *http.Request) error {
	var m channels.GenericMessage
	if err := a.genericBody(r, &m); err != nil {
		return err
	}
	msg, err := a.messaging.Receive(r.Context(), m.Inbound())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"conversation_sid": msg.ConversationSID, "message_sid": msg.SID})
	return nil
}

func (a *API) genericStatus(w http.ResponseWriter, r *http.Request) error {
	var s channels.GenericStatus
	if err := a.genericBody(r, &s); err != nil {
		return err
	}
	if err := a.messaging.Report(r.Context(), s.ID, s.Status, s.ErrorCode); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// The phone simulator's API: a development page texts a Parley number as
// a customer and long-polls for the replies.

func (a *API) simulatorSend(w http.ResponseWriter, r *http.Request) error {
	if a.simulator == nil {
		return notConfigured("phone simulator", "start Parley with --simulator (make run does)")
	}
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	from, to, body := p.value("From"), p.value("To"), p.value("Body")
	id := "SIMIN" + strconv.FormatInt(time.Now().UnixNano(), 36)
	msg, err := a.messaging.Receive(r.Context(), channels.Inbound{Adapter: "simulator", From: from, To: to,
		Body: body, ChannelMessageSID: id})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"conversation_sid": msg.ConversationSID, "message_sid": msg.SID})
	return nil
}

func (a *API) simulatorTexts(w http.ResponseWriter, r *http.Request) error {
	if a.simulator == nil {
		return notConfigured("phone simulator", "start Parley with --simulator (make run does)")
	}
	q := r.URL.Query()
	phone := strings.TrimSpace(q.Get("Phone"))
	if _, err := channels.CheckAddress(channels.TypeOf(phone), phone, "Phone"); err != nil {
		return err
	}
	after, _ := strconv.Atoi(q.Get("After"))
	texts := a.simulator.Texts(r.Context(), phone, after, 25*time.Second)
	for _, t := range texts {
		// The phone has them now: report delivery, as a carrier would.
		if err := a.messaging.Report(r.Context(), t.ID, "delivered", 0); err != nil && !apperr.Is(err, apperr.NotFound) {
			a.log.Warn("simulator: report delivery", "id", t.ID, "err", err)
		}
	}
	if texts == nil {
		texts = []channels.SimulatedText{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"texts": texts})
	return nil
}
