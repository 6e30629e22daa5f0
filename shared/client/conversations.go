package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"parley/shared/model"
)

// Conversations calls beyond rest.go's: pages of messages, participants,
// a customer's conversations, a chat's place in the queue, media and the
// addresses conversations come in on.

// MessagePage is one page of a conversation's messages.
type MessagePage struct {
	Messages []model.Message
	// Next reads the page after this one (MessagesPage's next); "" after
	// the last.
	Next string
}

// MessagesPage reads a page of size messages of a conversation, newest
// first if newestFirst. next, a page's Next, reads the page after it
// instead (in the same order and size).
func (c *REST) MessagesPage(ctx context.Context, conversationSID string, newestFirst bool, size int, next string) (MessagePage, error) {
	path := conversationPath(conversationSID, "Messages")
	u := next
	if u == "" {
		order := "asc"
		if newestFirst {
			order = "desc"
		}
		u = path + "?" + url.Values{"Order": {order}, "PageSize": {strconv.Itoa(size)}}.Encode()
	}
	var page struct {
		Messages []model.Message `json:"messages"`
		Meta     model.Meta      `json:"meta"`
	}
	if err := c.Do(ctx, http.MethodGet, u, nil, &page); err != nil {
		return MessagePage{}, err
	}
	n, err := nextPage(path, page.Meta)
	return MessagePage{Messages: page.Messages, Next: n}, err
}

// maxParticipants is the page of participants read: a chat has a handful.
const maxParticipants = 100

// Participants lists a conversation's participants.
func (c *REST) Participants(ctx context.Context, conversationSID string) ([]model.Participant, error) {
	var l struct {
		Participants []model.Participant `json:"participants"`
	}
	err := c.Do(ctx, http.MethodGet, conversationPath(conversationSID, "Participants"), pageSize(maxParticipants), &l)
	return l.Participants, err
}

// Whose conversations ParticipantConversations lists.
const (
	ByIdentity = "Identity" // a chat identity's
	ByAddress  = "Address"  // a phone number's (or a channel address's)
)

// ParticipantConversations lists up to max conversations of the
// participant whose by (ByIdentity or ByAddress) is who.
func (c *REST) ParticipantConversations(ctx context.Context, by, who string, max int) ([]model.ParticipantConversation, error) {
	q := pageSize(max)
	q.Set(by, who)
	var l struct {
		Conversations []model.ParticipantConversation `json:"conversations"`
	}
	err := c.Do(ctx, http.MethodGet, "/conversations/v1/ParticipantConversations", q, &l)
	return l.Conversations, err
}

// QueuePosition reads where a waiting chat stands in its queue.
func (c *REST) QueuePosition(ctx context.Context, conversationSID string) (model.QueuePosition, error) {
	var p model.QueuePosition
	err := c.Do(ctx, http.MethodGet, conversationPath(conversationSID, "QueuePosition"), nil, &p)
	return p, err
}

// Media fetches a media resource, whose links include a temporary URL of
// its content.
func (c *REST) Media(ctx context.Context, serviceSID, mediaSID string) (model.MediaResource, error) {
	var m model.MediaResource
	err := c.Do(ctx, http.MethodGet, "/mcs/v1/Services/"+url.PathEscape(serviceSID)+"/Media/"+url.PathEscape(mediaSID), nil, &m)
	return m, err
}

// Addresses lists up to max of the addresses conversations come in on.
func (c *REST) Addresses(ctx context.Context, max int) ([]model.AddressConfiguration, error) {
	var l struct {
		Addresses []model.AddressConfiguration `json:"address_configurations"`
	}
	err := c.Do(ctx, http.MethodGet, "/conversations/v1/Configuration/Addresses", pageSize(max), &l)
	return l.Addresses, err
}
