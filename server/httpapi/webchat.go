package httpapi

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/ratelimit"
	"parley/server/webchat"
	"parley/shared/model"
)

// Flex's webchat endpoints. POST /flex/v2/WebChats is the account's, in the
// API. The guest endpoints under /flex/v2/Webchat/ are public: a visitor
// has no credentials until Init gives them a token. They are checked
// against the deployment's allowed origins and rate-limited per client.

func (a *API) routeWebChats() {
	a.route("POST", "/flex/v2/WebChats", a.createWebChannel)
}

func (a *API) createWebChannel(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	c, identity, err := a.webchat.CreateWebChannel(r.Context(), webchat.WebChannelParams{
		AddressSID: p.value("AddressSid"), ChatFriendlyName: p.value("ChatFriendlyName"),
		CustomerFriendlyName: p.value("CustomerFriendlyName"), PreEngagementData: p.value("PreEngagementData"),
		Identity: p.value("Identity"),
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"conversation_sid": c.SID, "identity": identity})
	return nil
}

// GuestLimits are how often one client (by IP address) may call the guest
// endpoints: Init makes a conversation, so it is held tighter.
type GuestLimits struct {
	InitBurst, InitPerMinute   int
	OtherBurst, OtherPerMinute int
}

// DefaultGuestLimits suit a person: a few chats started in a minute.
var DefaultGuestLimits = GuestLimits{InitBurst: 10, InitPerMinute: 10, OtherBurst: 30, OtherPerMinute: 60}

// Guest serves the public webchat endpoints.
func (a *API) Guest(limits GuestLimits) http.Handler {
	bucket := func(name string, burst, perMinute int) ratelimit.Bucket {
		if a.shared != nil {
			return a.shared.Bucket(name, burst, perMinute)
		}
		return ratelimit.New(burst, perMinute)
	}
	initLimit := bucket("webchat-init", limits.InitBurst, limits.InitPerMinute)
	otherLimit := bucket("webchat", limits.OtherBurst, limits.OtherPerMinute)
	mux := http.NewServeMux()
	handle := func(path string, l ratelimit.Bucket, h func(w http.ResponseWriter, r *http.Request) error) {
		a.handleFunc(mux, "POST "+path, func(w http.ResponseWriter, r *http.Request) {
			ok, wait, err := l.Take(r.Context(), clientIP(r))
			if err != nil {
				a.writeError(w, r, err)
				return
			}
			if !ok {
				w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
				a.writeError(w, r, apperr.New(apperr.TooMany, apperr.CodeTooManyRequests,
					"Too many requests from this client; try again in %d seconds", int(wait.Seconds())+1))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
			if err := h(w, r); err != nil {
				a.writeError(w, r, err)
			}
		})
	}
	handle("/flex/v2/Webchat/Init", initLimit, a.guestInit)
	handle("/flex/v2/Webchat/Tokens/Refresh", otherLimit, a.guestRefresh)
	handle("/flex/v2/Webchat/End", otherLimit, a.guestEnd)
	handle("/flex/v2/Webchat/Resume", otherLimit, a.guestResume)
	handle("/flex/v2/Webchat/Transcript", otherLimit, a.guestTranscript)
	handle("/flex/v2/Webchat/Rating", otherLimit, a.guestRate)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A site may call these from its own pages. Whether its origin may
		// use a deployment is decided per request, once the key is known;
		// reading the answer is allowed to any origin that may send it.
		if origin := crossOrigin(r); origin != "" {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "POST")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if _, pattern := mux.Handler(r); pattern == "" {
			a.noRouteIn(mux, w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// clientIP is the address a request came from, without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// crossOrigin is the calling page's origin when it is another site's; ""
// for the server's own pages (the widget's iframe) and for callers that are
// not browsers.
func crossOrigin(r *http.Request) string {
	origin := r.Header.Get("Origin")
	if u, err := url.Parse(origin); err == nil && strings.EqualFold(u.Host, r.Host) {
		return ""
	}
	return origin
}

// guestChatJSON is Init's and Refresh's answer.
type guestChatJSON struct {
	Token           string     `json:"token"`
	Identity        string     `json:"identity"`
	ConversationSID string     `json:"conversation_sid,omitempty"`
	Expiration      model.Time `json:"expiration"`
	Resumed         bool       `json:"resumed,omitempty"`
	// A guest's way back once the token has expired (Resume).
	ResumeToken      string      `json:"resume_token,omitempty"`
	ResumeExpiration *model.Time `json:"resume_expiration,omitempty"`
	// Set when the chat was left outside business hours: it is routed
	// when the team is back.
	Away *guestAwayJSON `json:"away,omitempty"`
}

// guestAwayJSON says when a team outside its business hours is back:
// back_at in the team's zone (RFC 3339 with its offset), absent when it
// opens in no time in sight.
type guestAwayJSON struct {
	BackAt   string `json:"back_at,omitempty"`
	TimeZone string `json:"time_zone"`
}

func renderGuestChat(c webchat.Chat) guestChatJSON {
	j := guestChatJSON{Token: c.Token, Identity: c.Identity, ConversationSID: c.ConversationSID,
		Expiration: model.Time{Time: c.Expiration}, Resumed: c.Resumed, ResumeToken: c.ResumeToken}
	if c.ResumeToken != "" {
		j.ResumeExpiration = &model.Time{Time: c.ResumeExpiration}
	}
	if c.Away != nil {
		j.Away = &guestAwayJSON{TimeZone: c.Away.Zone}
		if !c.Away.Back.IsZero() {
			j.Away.BackAt = c.Away.Back.Format(time.RFC3339)
		}
	}
	return j
}

func (a *API) guestInit(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	c, err := a.webchat.Init(r.Context(), webchat.InitParams{
		DeploymentKey: p.value("DeploymentKey"), Origin: crossOrigin(r),
		CustomerFriendlyName: p.value("CustomerFriendlyName"), PreEngagementData: p.value("PreEngagementData"),
		IdentityToken: p.value("Identity"), Locale: p.value("Locale"),
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderGuestChat(c))
	return nil
}

func (a *API) guestRefresh(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	c, err := a.webchat.Refresh(r.Context(), p.value("DeploymentKey"), crossOrigin(r), p.value("Token"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderGuestChat(c))
	return nil
}

// guestResume brings a guest whose token expired back into its open chat.
func (a *API) guestResume(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	c, err := a.webchat.Resume(r.Context(), p.value("DeploymentKey"), crossOrigin(r), p.value("ResumeToken"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderGuestChat(c))
	return nil
}

func (a *API) guestEnd(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	c, err := a.webchat.End(r.Context(), p.value("DeploymentKey"), crossOrigin(r), p.value("Token"), p.value("ConversationSid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation_sid": c.SID, "state": c.State, "date_updated": model.Time{Time: c.Updated}})
	return nil
}

// guestTranscript emails a visitor its chat's transcript, to the address
// it gave when it started the chat: the request names no recipient (any
// it carries is ignored), so this is no relay for mail to anyone else.
func (a *API) guestTranscript(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	conv := p.value("ConversationSid")
	if _, err := a.webchat.GuestIn(r.Context(), p.value("DeploymentKey"), crossOrigin(r), p.value("Token"), conv); err != nil {
		return err
	}
	if err := a.followup.RequestTranscript(r.Context(), conv, p.value("Locale")); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"conversation_sid": conv, "status": "queued"})
	return nil
}

// guestRate takes a visitor's rating of the chat that ended (Parley's own:
// Flex's webchat has no survey of its own).
func (a *API) guestRate(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	score, err := p.int("Score")
	if err != nil {
		return err
	}
	if score == nil {
		return apperr.Invalidf(apperr.CodeBadRequest, "Score is required: a whole number from 1 to 5")
	}
	rating, err := a.webchat.Rate(r.Context(), webchat.RateParams{
		DeploymentKey: p.value("DeploymentKey"), Origin: crossOrigin(r), Token: p.value("Token"),
		ConversationSID: p.value("ConversationSid"), Score: *score, Comment: p.value("Comment")})
	if err != nil {
		return err
	}
	out := map[string]any{"conversation_sid": p.value("ConversationSid"), "score": rating.Score, "comment": rating.Comment}
	if rating.DateRated != nil {
		out["date_rated"] = model.Time{Time: *rating.DateRated}
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}
