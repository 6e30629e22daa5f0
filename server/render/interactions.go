package render

import (
	"parley/server/interactions"
	"parley/shared/model"
)

// InteractionURL is the URL of an interaction, or of something under it.
func (a *Renderer) InteractionURL(sid string, under ...string) string {
	u := a.baseURL + "/flex/v1/Interactions/" + sid
	for _, p := range under {
		u += "/" + p
	}
	return u
}

// Interaction renders an interaction.
func (a *Renderer) Interaction(v interactions.Interaction) model.Interaction {
	u := a.InteractionURL(v.SID)
	return model.Interaction{SID: v.SID, Channel: v.Channel, Routing: v.Routing, InteractionContextSID: optional(v.ContextSID),
		WebhookTTID: optional(v.WebhookTTID), URL: u, Links: map[string]string{"channels": u + "/Channels"}}
}

// InteractionChannel renders an interaction's channel.
func (a *Renderer) InteractionChannel(v interactions.Channel) model.InteractionChannel {
	u := a.InteractionURL(v.InteractionSID, "Channels", v.SID)
	return model.InteractionChannel{SID: v.SID, InteractionSID: v.InteractionSID, Type: v.Type, Status: v.Status, URL: u,
		Links: map[string]string{"participants": u + "/Participants", "invites": u + "/Invites", "transfers": u + "/Transfers"}}
}

// InteractionParticipant renders a channel participant.
func (a *Renderer) InteractionParticipant(v interactions.Participant) model.InteractionParticipant {
	return model.InteractionParticipant{SID: v.SID, Type: v.Type, Status: v.Status, InteractionSID: v.InteractionSID,
		ChannelSID: v.ChannelSID, RoutingProperties: v.RoutingProperties,
		URL: a.InteractionURL(v.InteractionSID, "Channels", v.ChannelSID, "Participants", v.SID)}
}

// InteractionInvite renders an invite.
func (a *Renderer) InteractionInvite(v interactions.Invite) model.InteractionInvite {
	return model.InteractionInvite{SID: v.SID, InteractionSID: v.InteractionSID, ChannelSID: v.ChannelSID, Routing: v.Routing,
		URL: a.InteractionURL(v.InteractionSID, "Channels", v.ChannelSID, "Invites", v.SID)}
}

// InteractionTransfer renders a transfer.
func (a *Renderer) InteractionTransfer(accountSID string, v interactions.Transfer) model.InteractionTransfer {
	return model.InteractionTransfer{SID: v.SID, AccountSID: accountSID, InteractionSID: v.InteractionSID, ChannelSID: v.ChannelSID,
		Type: v.Type, Status: v.Status, From: v.From, To: v.To, TaskSID: v.TaskSID,
		DateCreated: modelTime(v.Created), DateUpdated: modelTime(v.Updated),
		URL: a.InteractionURL(v.InteractionSID, "Channels", v.ChannelSID, "Transfers", v.SID)}
}
