package httpapi

import (
	"encoding/json"
	"io"
	"net/http"

	"parley/server/apperr"
	"parley/server/interactions"
	"parley/server/paging"
)

// Flex's Interactions API under /flex/v1/Interactions.

const ixBase = "/flex/v1/Interactions"

func (a *API) routeInteractions() {
	ix := a.interactions
	id := func(r *http.Request) string { return r.PathValue("sid") }
	ch := func(r *http.Request) string { return r.PathValue("ch") }

	a.route("POST", ixBase, formCall(func(p *reader) interactions.Params {
		return interactions.Params{Channel: p.value("Channel"), Routing: p.value("Routing"),
			ContextSID: p.value("InteractionContextSid"), WebhookTTID: p.value("WebhookTtid")}
	}, func(r *http.Request, p interactions.Params) (interactions.Interaction, error) {
		if p.Channel == "" || p.Routing == "" {
			return interactions.Interaction{}, apperr.Invalidf(apperr.CodeBadRequest, "Channel and Routing are required")
		}
		return ix.Create(r.Context(), p)
	}, a.render.Interaction, http.StatusCreated))
	a.route("GET", ixBase+"/{sid}", fetchCall(func(r *http.Request) (interactions.Interaction, error) {
		return ix.Interaction(r.Context(), id(r))
	}, a.render.Interaction))

	const chans = ixBase + "/{sid}/Channels"
	a.route("GET", chans, listAll("channels", func(r *http.Request) ([]interactions.Channel, error) {
		return ix.Channels(r.Context(), id(r))
	}, a, a.render.InteractionChannel))
	a.route("GET", chans+"/{ch}", fetchCall(func(r *http.Request) (interactions.Channel, error) {
		return ix.Channel(r.Context(), id(r), ch(r))
	}, a.render.InteractionChannel))
	a.route("POST", chans+"/{ch}", formCall(func(p *reader) interactions.ChannelParams {
		return interactions.ChannelParams{Status: p.value("Status"), Routing: p.value("Routing")}
	}, func(r *http.Request, p interactions.ChannelParams) (interactions.Channel, error) {
		return ix.UpdateChannel(r.Context(), id(r), ch(r), p)
	}, a.render.InteractionChannel, http.StatusOK))

	const parts = chans + "/{ch}/Participants"
	a.route("GET", parts, listAll("participants", func(r *http.Request) ([]interactions.Participant, error) {
		return ix.Participants(r.Context(), id(r), ch(r))
	}, a, a.render.InteractionParticipant))
	a.route("POST", parts, formCall(func(p *reader) interactions.ParticipantParams {
		return interactions.ParticipantParams{Type: p.value("Type"), MediaProperties: p.value("MediaProperties"),
			RoutingProperties: p.value("RoutingProperties")}
	}, func(r *http.Request, p interactions.ParticipantParams) (interactions.Participant, error) {
		return ix.AddParticipant(r.Context(), id(r), ch(r), p)
	}, a.render.InteractionParticipant, http.StatusCreated))
	a.route("POST", parts+"/{part}", formCall(func(p *reader) string { return p.value("Status") },
		func(r *http.Request, status string) (interactions.Participant, error) {
			return ix.UpdateParticipant(r.Context(), id(r), ch(r), r.PathValue("part"), status)
		}, a.render.InteractionParticipant, http.StatusOK))

	const invites = chans + "/{ch}/Invites"
	a.route("GET", invites, listAll("invites", func(r *http.Request) ([]interactions.Invite, error) {
		return ix.Invites(r.Context(), id(r), ch(r))
	}, a, a.render.InteractionInvite))
	a.route("POST", invites, formCall(func(p *reader) string { return p.value("Routing") },
		func(r *http.Request, routing string) (interactions.Invite, error) {
			if routing == "" {
				return interactions.Invite{}, apperr.Invalidf(apperr.CodeBadRequest, "Routing is required")
			}
			return ix.Invite(r.Context(), id(r), ch(r), routing)
		}, a.render.InteractionInvite, http.StatusCreated))

	// Transfers take a JSON body, as Flex's API does.
	renderTransfer := func(v interactions.Transfer) any { return a.render.InteractionTransfer(a.accountSID, v) }
	const transfers = chans + "/{ch}/Transfers"
	a.route("POST", transfers, func(w http.ResponseWriter, r *http.Request) error {
		var body struct {
			From string `json:"from"`
			To   string `json:"to"`
			Type string `json:"type"`
		}
		raw, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err == nil {
			err = checkJSONText(raw)
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			return apperr.Invalidf(apperr.CodeBadRequest, `The body must be JSON like {"from":"WK...","to":"WK... or WQ...","type":"warm"}: %v`, err)
		}
		tr, err := ix.Transfer(r.Context(), id(r), ch(r), interactions.TransferParams{From: body.From, To: body.To, Type: body.Type})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, renderTransfer(tr))
		return nil
	})
	a.route("GET", transfers+"/{tr}", fetchCall(func(r *http.Request) (interactions.Transfer, error) {
		return ix.TransferOf(r.Context(), id(r), ch(r), r.PathValue("tr"))
	}, renderTransfer))
}

// listAll renders a short list held whole (a channel's parts) as one
// page, in Twilio's list shape.
func listAll[V, W any](key string, call func(*http.Request) ([]V, error), a *API, render func(V) W) handler {
	return listCall(nil, func(*reader) struct{} { return struct{}{} },
		func(r *http.Request, _ struct{}, pr paging.Request) (paging.Page[positioned[V]], error) {
			all, err := call(r)
			if err != nil {
				return paging.Page[positioned[V]]{}, err
			}
			items := make([]positioned[V], len(all))
			for i, v := range all {
				items[i] = positioned[V]{pos: int64(i + 1), v: v}
			}
			return paging.Slice(items, func(p positioned[V]) int64 { return p.pos }, pr), nil
		}, a, key, func(p positioned[V]) int64 { return p.pos }, func(p positioned[V]) W { return render(p.v) })
}

type positioned[V any] struct {
	pos int64
	v   V
}
