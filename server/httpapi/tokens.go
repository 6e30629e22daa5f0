package httpapi

import (
	"net/http"
	"time"

	"parley/server/apperr"
	"parley/shared/model"
)

// Parley's own endpoints live under /parley/v1. Tokens mints access tokens
// for an identity, so a backend can hand one to its browser without holding
// an API key secret itself.

func (a *API) routeTokens() {
	a.route("POST", "/parley/v1/Tokens", a.mintToken)
}

func (a *API) mintToken(w http.ResponseWriter, r *http.Request) error {
	p, err := parseForm(r)
	if err != nil {
		return err
	}
	identity := p.value("Identity")
	ttl := time.Duration(0)
	n, err := p.int("Ttl")
	if err != nil {
		return err
	}
	if n != nil {
		if *n <= 0 {
			return badParam("Ttl must be a positive number of seconds, got %d", *n)
		}
		ttl = time.Duration(*n) * time.Second
	}
	if identity == "" {
		return apperr.Invalidf(apperr.CodeBadRequest, "Identity is required: the chat identity the token speaks for")
	}
	token, s, err := a.auth.Mint(identity, ttl)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"token":      token,
		"identity":   s.Identity,
		"expires_at": model.Time{Time: s.ExpiresAt},
	})
	return nil
}
