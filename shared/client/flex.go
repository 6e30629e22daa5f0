package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"parley/shared/model"
)

// Flex Interactions: starting a conversation from the desk, and ending,
// transferring and sharing an interaction's channel.

// Channel returns the calls on one channel of an interaction.
func (c *REST) Channel(interactionSID, channelSID string) InteractionChannel {
	return InteractionChannel{rest: c, path: "/flex/v1/Interactions/" + url.PathEscape(interactionSID) +
		"/Channels/" + url.PathEscape(channelSID)}
}

// InteractionChannel calls an interaction's channel. Get one from
// REST.Channel.
type InteractionChannel struct {
	rest *REST
	path string
}

// CreateInteraction starts an interaction; channel and routing are
// marshalled as Flex's Channel and Routing parameters.
func (c *REST) CreateInteraction(ctx context.Context, channel, routing any) (model.Interaction, error) {
	var ix model.Interaction
	ch, err := json.Marshal(channel)
	if err != nil {
		return ix, err
	}
	rt, err := json.Marshal(routing)
	if err != nil {
		return ix, err
	}
	err = c.Do(ctx, http.MethodPost, "/flex/v1/Interactions", url.Values{"Channel": {string(ch)}, "Routing": {string(rt)}}, &ix)
	return ix, err
}

// Close closes the channel and puts its task in wrap-up: the agent ended
// the chat and still has to complete it.
func (ch InteractionChannel) Close(ctx context.Context) error {
	return ch.rest.Do(ctx, http.MethodPost, ch.path,
		url.Values{"Status": {"closed"}, "Routing": {`{"status":"wrapup"}`}}, nil)
}

// Invite asks another worker onto the channel, routed by properties
// (workspace_sid, and worker_sid or queue_sid).
func (ch InteractionChannel) Invite(ctx context.Context, properties map[string]string) error {
	doc, err := json.Marshal(map[string]any{"properties": properties})
	if err != nil {
		return err
	}
	return ch.rest.Do(ctx, http.MethodPost, ch.path+"/Invites", url.Values{"Routing": {string(doc)}}, nil)
}

// Transfer hands the channel from a worker to another worker or a queue;
// kind is "warm" (the worker stays in) or "cold".
func (ch InteractionChannel) Transfer(ctx context.Context, fromWorker, to, kind string) error {
	return ch.rest.DoJSON(ctx, http.MethodPost, ch.path+"/Transfers",
		map[string]string{"from": fromWorker, "to": to, "type": kind}, nil)
}
