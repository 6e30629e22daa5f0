package main

import (
	"context"
	"encoding/json"
	"time"

	"parley/shared/client"
	"parley/shared/model"
)

// Saved is the visitor's chat as kept in localStorage, so a reload or a
// second tab resumes it: the token, and the messages not yet acknowledged
// (sent again with the same idempotency keys, so never stored twice).
type Saved struct {
	Token        string    `json:"token"`
	Identity     string    `json:"identity"`
	Conversation string    `json:"conversation_sid"`
	Expires      time.Time `json:"expires"`
	Outbox       []Msg     `json:"outbox,omitempty"`
	// Verified: the website signed the customer in, so the identity is
	// theirs across visits (and so are its earlier chats).
	Verified bool `json:"verified,omitempty"`
	// Resume brings a guest back into the chat once Token has expired,
	// until ResumeExpires, while the chat is open (see guestAPI.resume).
	Resume        string    `json:"resume_token,omitempty"`
	ResumeExpires time.Time `json:"resume_expires,omitempty"`
}

// canResume reports whether s holds a resume token still alive.
func (s Saved) canResume() bool {
	return s.Resume != "" && time.Until(s.ResumeExpires) > 10*time.Second
}

func storageKey(deployment string) string { return "parley:chat:" + deployment }

// guestAPI calls the public webchat endpoints, in the widget's terms.
type guestAPI struct {
	chat client.Webchat
}

// savedOf is what the widget keeps of a webchat answer.
func savedOf(c model.GuestChat) Saved {
	s := Saved{Token: c.Token, Identity: c.Identity, Conversation: c.ConversationSID, Expires: c.Expiration.Time, Resume: c.ResumeToken}
	if c.ResumeExpiration != nil {
		s.ResumeExpires = c.ResumeExpiration.Time
	}
	return s
}

// init starts a chat; lang is the visitor's language, in which the
// server posts the default welcome.
func (g guestAPI) init(ctx context.Context, name string, data map[string]string, identityToken, lang string) (Saved, error) {
	c, err := g.chat.Init(ctx, client.GuestStart{Name: name, Data: data, IdentityToken: identityToken, Locale: lang})
	if err != nil {
		return Saved{}, err
	}
	return savedOf(c), nil
}

// resume exchanges a guest's resume token for a fresh token to its chat,
// while the chat is open; the server refuses it (401) once it is closed.
func (g guestAPI) resume(ctx context.Context, resumeToken string) (Saved, error) {
	c, err := g.chat.Resume(ctx, resumeToken)
	return savedOf(c), err
}

func (g guestAPI) refresh(ctx context.Context, token string) (string, time.Time, error) {
	c, err := g.chat.Refresh(ctx, token)
	return c.Token, c.Expiration.Time, err
}

func (g guestAPI) end(ctx context.Context, token, conversation string) error {
	return g.chat.End(ctx, token, conversation)
}

// historyPage is a page of messages, newest first, and where the next
// (older) page is.
type historyPage struct {
	Msgs []Msg
	Next string // "" when there are no older messages
}

const historyPageSize = 20

// history fetches a page of a conversation's messages, newest first; from
// is an earlier page's Next, or "" for the newest.
func history(ctx context.Context, rest *client.REST, conversation, from string) (historyPage, error) {
	page, err := rest.MessagesPage(ctx, conversation, true, historyPageSize, from)
	if err != nil {
		return historyPage{}, err
	}
	p := historyPage{Next: page.Next}
	for _, m := range page.Messages {
		p.Msgs = append(p.Msgs, fromModel(m))
	}
	return p, nil
}

// people reads a conversation's participants: who they are called, and how
// far the others (not self) have read.
func people(ctx context.Context, rest *client.REST, conversation, self string) (names map[string]string, othersRead int, err error) {
	parts, err := rest.Participants(ctx, conversation)
	if err != nil {
		return nil, -1, err
	}
	names, othersRead = map[string]string{}, -1
	for _, p := range parts {
		id, name, read := participantInfo(p)
		if id == "" || id == self {
			continue
		}
		if name != "" {
			names[id] = name
		}
		othersRead = max(othersRead, read)
	}
	return names, othersRead, nil
}

// participantInfo is a participant's identity, display name and read
// horizon (-1 when it has read nothing).
func participantInfo(p model.Participant) (identity, name string, read int) {
	read = -1
	if p.Identity != nil {
		identity = *p.Identity
	}
	if p.LastReadMessageIndex != nil {
		read = *p.LastReadMessageIndex
	}
	var attrs struct {
		FriendlyName string `json:"friendlyName"`
	}
	_ = json.Unmarshal([]byte(p.Attributes), &attrs)
	return identity, attrs.FriendlyName, read
}

// fromModel turns an API message into the widget's.
func fromModel(m model.Message) Msg {
	out := Msg{SID: m.SID, Index: m.Index, Author: m.Author, Created: m.DateCreated.Time, Media: m.Media}
	if m.Body != nil {
		out.Body = *m.Body
	}
	var attrs struct {
		Parley struct {
			Kind string `json:"kind"`
			Key  string `json:"key"`
		} `json:"parley"`
	}
	_ = json.Unmarshal([]byte(m.Attributes), &attrs)
	out.Kind, out.Key = attrs.Parley.Kind, attrs.Parley.Key
	return out
}

// sendAttributes carry the idempotency key in the message too, so the
// message's event can take its place in the outbox even before the ack.
func sendAttributes(key string) string {
	b, _ := json.Marshal(map[string]any{"parley": map[string]string{"key": key}})
	return string(b)
}
