// Package render turns domain values into the JSON resources the API and
// the realtime socket send, with absolute URLs and links built from the
// server's public base URL.
package render

import (
	"strings"
	"time"

	"parley/server/conversations"
	"parley/server/media"
	"parley/shared/model"
)

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Renderer renders resources for one public base URL.
type Renderer struct{ baseURL string }

// New returns a renderer for the server at baseURL.
func New(baseURL string) *Renderer { return &Renderer{baseURL: strings.TrimRight(baseURL, "/")} }

// BaseURL is the public URL resources point at.
func (a *Renderer) BaseURL() string { return a.baseURL }

func modelTime(t time.Time) model.Time { return model.Time{Time: t} }

func modelTimers(t conversations.Timers) model.Timers {
	var out model.Timers
	if !t.DateInactive.IsZero() {
		v := modelTime(t.DateInactive)
		out.DateInactive = &v
	}
	if !t.DateClosed.IsZero() {
		v := modelTime(t.DateClosed)
		out.DateClosed = &v
	}
	return out
}

// ConversationURL is a conversation's resource URL.
func (a *Renderer) ConversationURL(c string) string {
	return a.baseURL + "/conversations/v1/Conversations/" + c
}

// Conversation renders a conversation.
func (a *Renderer) Conversation(c conversations.Conversation) model.Conversation {
	u := a.ConversationURL(c.SID)
	return model.Conversation{
		AccountSID:          c.AccountSID,
		ChatServiceSID:      c.ServiceSID,
		MessagingServiceSID: optional(c.MessagingServiceSID),
		SID:                 c.SID,
		FriendlyName:        optional(c.FriendlyName),
		UniqueName:          optional(c.UniqueName),
		Attributes:          c.Attributes,
		State:               string(c.State),
		DateCreated:         modelTime(c.Created),
		DateUpdated:         modelTime(c.Updated),
		Timers:              modelTimers(c.Timers),
		URL:                 u,
		Links: map[string]string{
			"participants": u + "/Participants",
			"messages":     u + "/Messages",
			"webhooks":     u + "/Webhooks",
		},
	}
}

func renderBinding(b *conversations.Binding) *model.MessagingBinding {
	if b == nil {
		return nil
	}
	return &model.MessagingBinding{Type: b.Type, Address: b.Address, ProxyAddress: b.ProxyAddress,
		ProjectedAddress: b.ProjectedAddress}
}

// Participant renders a participant.
func (a *Renderer) Participant(p conversations.Participant) model.Participant {
	out := model.Participant{
		AccountSID:           p.AccountSID,
		ConversationSID:      p.ConversationSID,
		SID:                  p.SID,
		Identity:             optional(p.Identity),
		Attributes:           p.Attributes,
		MessagingBinding:     renderBinding(p.Binding),
		RoleSID:              optional(p.RoleSID),
		DateCreated:          modelTime(p.Created),
		DateUpdated:          modelTime(p.Updated),
		URL:                  a.ConversationURL(p.ConversationSID) + "/Participants/" + p.SID,
		LastReadMessageIndex: p.LastReadIndex,
	}
	if !p.LastReadAt.IsZero() {
		ts := p.LastReadAt.UTC().Format(model.TimeLayout)
		out.LastReadTimestamp = &ts
	}
	return out
}

// Message renders a message.
func (a *Renderer) Message(m conversations.Message) model.Message {
	u := a.ConversationURL(m.ConversationSID) + "/Messages/" + m.SID
	out := model.Message{
		AccountSID:      m.AccountSID,
		ConversationSID: m.ConversationSID,
		SID:             m.SID,
		Index:           m.Index,
		Author:          m.Author,
		Body:            optional(m.Body),
		Attributes:      m.Attributes,
		ParticipantSID:  optional(m.ParticipantSID),
		DateCreated:     modelTime(m.Created),
		DateUpdated:     modelTime(m.Updated),
		URL:             u,
		Links: map[string]string{
			"delivery_receipts": u + "/Receipts",
			"channel_metadata":  u + "/ChannelMetadata",
		},
	}
	for _, f := range m.Media {
		out.Media = append(out.Media, model.Media{SID: f.SID, ContentType: f.ContentType, Filename: f.Filename,
			Size: f.Size, Category: "media"})
	}
	if d := m.Delivery; d != nil {
		out.Delivery = &model.Delivery{Total: d.Total, Sent: string(d.Sent), Delivered: string(d.Delivered),
			Read: string(d.Read), Failed: string(d.Failed), Undelivered: string(d.Undelivered)}
	}
	return out
}

// Receipt renders a delivery receipt.
func (a *Renderer) Receipt(r conversations.Receipt) model.Receipt {
	return model.Receipt{
		AccountSID:        r.AccountSID,
		ConversationSID:   r.ConversationSID,
		SID:               r.SID,
		MessageSID:        r.MessageSID,
		ChannelMessageSID: optional(r.ChannelMessageSID),
		ParticipantSID:    r.ParticipantSID,
		Status:            string(r.Status),
		ErrorCode:         r.ErrorCode,
		DateCreated:       modelTime(r.Created),
		DateUpdated:       modelTime(r.Updated),
		URL:               a.ConversationURL(r.ConversationSID) + "/Messages/" + r.MessageSID + "/Receipts/" + r.SID,
	}
}

// UserURL is a user's resource URL.
func (a *Renderer) UserURL(sid string) string { return a.baseURL + "/conversations/v1/Users/" + sid }

// User renders a user.
func (a *Renderer) User(u conversations.User) model.User {
	url := a.UserURL(u.SID)
	return model.User{
		SID:            u.SID,
		AccountSID:     u.AccountSID,
		ChatServiceSID: u.ServiceSID,
		RoleSID:        optional(u.RoleSID),
		Identity:       u.Identity,
		FriendlyName:   optional(u.FriendlyName),
		Attributes:     u.Attributes,
		DateCreated:    modelTime(u.Created),
		DateUpdated:    modelTime(u.Updated),
		URL:            url,
		Links:          map[string]string{"user_conversations": url + "/Conversations"},
	}
}

// MembershipLinks link a membership to its conversation and participant.
func (a *Renderer) MembershipLinks(m conversations.Membership) map[string]string {
	c := a.ConversationURL(m.Conversation.SID)
	return map[string]string{"conversation": c, "participant": c + "/Participants/" + m.Participant.SID}
}

// UserConversation renders a user's view of one conversation.
func (a *Renderer) UserConversation(u conversations.User, m conversations.Membership) model.UserConversation {
	c := m.Conversation
	out := model.UserConversation{
		AccountSID:           c.AccountSID,
		ChatServiceSID:       c.ServiceSID,
		ConversationSID:      c.SID,
		LastReadMessageIndex: m.Participant.LastReadIndex,
		ParticipantSID:       m.Participant.SID,
		UserSID:              u.SID,
		FriendlyName:         optional(c.FriendlyName),
		ConversationState:    string(c.State),
		Timers:               modelTimers(c.Timers),
		Attributes:           c.Attributes,
		DateCreated:          modelTime(c.Created),
		DateUpdated:          modelTime(c.Updated),
		NotificationLevel:    "default",
		UniqueName:           optional(c.UniqueName),
		URL:                  a.UserURL(u.SID) + "/Conversations/" + c.SID,
		Links:                a.MembershipLinks(m),
	}
	// Twilio leaves the unread count null until the participant has a read
	// horizon.
	if m.Participant.LastReadIndex != nil {
		n := m.Unread()
		out.UnreadMessagesCount = &n
	}
	return out
}

// ParticipantConversation renders a membership seen from the participant;
// userSIDs maps identities to their user SIDs.
func (a *Renderer) ParticipantConversation(userSIDs map[string]string, m conversations.Membership) model.ParticipantConversation {
	c, p := m.Conversation, m.Participant
	return model.ParticipantConversation{
		AccountSID:                  c.AccountSID,
		ChatServiceSID:              c.ServiceSID,
		ParticipantSID:              p.SID,
		ParticipantUserSID:          optional(userSIDs[p.Identity]),
		ParticipantIdentity:         optional(p.Identity),
		ParticipantMessagingBinding: renderBinding(p.Binding),
		ConversationSID:             c.SID,
		ConversationUniqueName:      optional(c.UniqueName),
		ConversationFriendlyName:    optional(c.FriendlyName),
		ConversationAttributes:      c.Attributes,
		ConversationDateCreated:     modelTime(c.Created),
		ConversationDateUpdated:     modelTime(c.Updated),
		ConversationState:           string(c.State),
		ConversationTimers:          modelTimers(c.Timers),
		Links:                       a.MembershipLinks(m),
	}
}

// MediaPath is the path of a media resource in the media content service.
func MediaPath(serviceSID, mediaSID string) string {
	return "/mcs/v1/Services/" + serviceSID + "/Media/" + mediaSID
}

// Media renders an uploaded file. temporary is its signed content URL
// (relative to the base URL).
func (a *Renderer) Media(m media.Media, temporary string) model.MediaResource {
	u := a.baseURL + MediaPath(m.ServiceSID, m.SID)
	return model.MediaResource{
		SID: m.SID, ServiceSID: m.ServiceSID, AccountSID: m.AccountSID,
		DateCreated: modelTime(m.Created), DateUploadCompleted: modelTime(m.Created), DateUpdated: modelTime(m.Updated),
		Size: m.Size, ContentType: m.ContentType, Filename: optional(m.Filename), Author: m.Author, Category: "media",
		ConversationSID: optional(m.ConversationSID), MessageSID: optional(m.MessageSID),
		ChannelSID: optional(m.ConversationSID), // Programmable Chat's name for the conversation
		URL:        u,
		Links: map[string]string{
			"content":                  u + "/Content",
			"content_direct_temporary": a.baseURL + temporary,
		},
	}
}
