package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"parley/shared/model"
)

// Webchat calls the public webchat endpoints a visitor's widget uses,
// for one deployment. They authenticate by the deployment key and the
// visitor's token in the form, not by the REST's Auth.
type Webchat struct {
	rest *REST
	key  string
}

// Webchat returns the webchat calls of the deployment whose key is
// deploymentKey.
func (c *REST) Webchat(deploymentKey string) Webchat { return Webchat{rest: c, key: deploymentKey} }

// form is the deployment's key and the pairs kv.
func (w Webchat) form(kv ...string) url.Values {
	f := url.Values{"DeploymentKey": {w.key}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

// GuestStart are the answers of a webchat's pre-engagement form.
type GuestStart struct {
	Name string            // what the visitor is called
	Data map[string]string // the form's answers
	// IdentityToken, from the website, signs a customer in; "" starts an
	// anonymous guest.
	IdentityToken string
	Locale        string // the visitor's language, in which the server posts the welcome
}

// Init starts a chat.
func (w Webchat) Init(ctx context.Context, s GuestStart) (model.GuestChat, error) {
	b, err := json.Marshal(s.Data)
	if err != nil {
		return model.GuestChat{}, err
	}
	f := w.form("CustomerFriendlyName", s.Name, "PreEngagementData", string(b), "Locale", s.Locale)
	if s.IdentityToken != "" {
		f.Set("Identity", s.IdentityToken)
	}
	var c model.GuestChat
	err = w.rest.Do(ctx, http.MethodPost, "/flex/v2/Webchat/Init", f, &c)
	return c, err
}

// Resume exchanges a guest's resume token for a fresh token to its chat,
// while the chat is open; the server refuses it (401) once it is closed.
func (w Webchat) Resume(ctx context.Context, resumeToken string) (model.GuestChat, error) {
	var c model.GuestChat
	err := w.rest.Do(ctx, http.MethodPost, "/flex/v2/Webchat/Resume", w.form("ResumeToken", resumeToken), &c)
	return c, err
}

// Refresh exchanges a token that is still alive for a fresh one.
func (w Webchat) Refresh(ctx context.Context, token string) (model.GuestChat, error) {
	var c model.GuestChat
	err := w.rest.Do(ctx, http.MethodPost, "/flex/v2/Webchat/Tokens/Refresh", w.form("Token", token), &c)
	return c, err
}

// End ends the visitor's chat.
func (w Webchat) End(ctx context.Context, token, conversationSID string) error {
	return w.rest.Do(ctx, http.MethodPost, "/flex/v2/Webchat/End",
		w.form("Token", token, "ConversationSid", conversationSID), nil)
}

// Transcript asks the server to email the chat's transcript to the
// address the visitor gave in the form, in language locale.
func (w Webchat) Transcript(ctx context.Context, token, conversationSID, locale string) error {
	return w.rest.Do(ctx, http.MethodPost, "/flex/v2/Webchat/Transcript",
		w.form("Token", token, "ConversationSid", conversationSID, "Locale", locale), nil)
}

// Rate sends a visitor's rating (score, and an optional comment) of their
// ended chat.
func (w Webchat) Rate(ctx context.Context, token, conversationSID string, score int, comment string) error {
	return w.rest.Do(ctx, http.MethodPost, "/flex/v2/Webchat/Rating",
		w.form("Token", token, "ConversationSid", conversationSID, "Score", strconv.Itoa(score), "Comment", comment), nil)
}
