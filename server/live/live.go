// Package live connects conversations to realtime sessions: it turns
// committed conversation events into frames for the hub, tells a new
// session where to start, and carries out the commands sessions send
// (messages, read horizons, typing).
package live

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"parley/server/agents"
	"parley/server/apperr"
	"parley/server/auth"
	"parley/server/conversations"
	"parley/server/realtime"
	"parley/server/render"
	proto "parley/shared/realtime"
)

// Replay limits: a session further behind than this refetches over REST.
const maxReplay = 10_000

// Typing indicators: refreshed at most this often, shown this long.
const (
	typingRefresh = 3 * time.Second
	typingExpiry  = 5 * time.Second
)

// Live is the glue between the conversations service and the hub.
type Live struct {
	conv Conversations
	auth Tokens
	hub  Hub
	// fan delivers live-only frames (typing, presence, routing, place in
	// line): the hub, or in a cluster the hub and the other nodes.
	fan    fanout
	render *render.Renderer
	log    *slog.Logger

	// events carries committed events from the store's writer to the
	// publisher goroutine, in commit order, so rendering and fan-out do not
	// hold up the next commit.
	events chan conversations.Event

	mu     sync.Mutex
	typing map[typingKey]*typingState
}

// publishQueue bounds the events waiting for the publisher. When it is
// full the writer waits: back-pressure on writes, never a lost event.
const publishQueue = 16384

type typingKey struct{ conversation, identity string }

type typingState struct {
	lastSent time.Time
	timer    *time.Timer
}

// New wires conversations to the hub: it becomes the service's publisher.
// The hub's presence listener is l.Presence (the app sets it: the hub's
// listeners are its fields).
func New(conv Conversations, tokens Tokens, hub Hub, r *render.Renderer, log *slog.Logger) *Live {
	l := &Live{conv: conv, auth: tokens, hub: hub, fan: hub, render: r, log: log, typing: map[typingKey]*typingState{},
		events: make(chan conversations.Event, publishQueue)}
	conv.SetPublisher(l)
	go l.publisher()
	return l
}

// Publish hands a committed event to the publisher. It runs on the store's
// writer, in commit order.
func (l *Live) Publish(e conversations.Event) { l.events <- e }

// Close stops the publisher once it has published every event handed to it.
func (l *Live) Close() { close(l.events) }

func (l *Live) publisher() {
	for e := range l.events {
		l.route(e)
	}
}

// route sends an event to the sessions entitled to it. An event no
// session here wants is not encoded at all: most events of a busy server
// (API-only and SMS conversations) and, in a cluster, those of the other
// nodes' sockets.
func (l *Live) route(e conversations.Event) {
	if e.Type == conversations.MessageAdded {
		l.stopTyping(e.ConversationSID, e.Message.Author) // the indicator goes as the message comes
	}
	joining := e.Type == conversations.ParticipantAdded && e.Participant != nil && e.Participant.Identity != ""
	if joining {
		l.hub.Join(e.Participant.Identity, e.ConversationSID) // before the event, which it receives too
	}
	wanted := l.hub.Wants(e.ConversationSID)
	if e.Target != "" {
		wanted = l.hub.Online(e.Target)
	}
	if wanted {
		f, err := l.frame(e)
		if err != nil {
			l.log.Error("encode event", "seq", e.Seq, "type", e.Type, "err", err)
			return
		}
		if e.Target != "" {
			l.hub.SendTo(e.Target, f)
		} else {
			l.hub.Publish(e.ConversationSID, f)
		}
	}
	if e.Target != "" && e.Type == conversations.ConversationRemoved {
		l.hub.Leave(e.Target, e.ConversationSID)
	}
	l.endChats(e)
}

// frame encodes an event once, for every session that receives it.
func (l *Live) frame(e conversations.Event) (realtime.Frame, error) {
	var data any
	switch {
	case e.Message != nil:
		data = l.render.Message(*e.Message)
	case e.Participant != nil:
		data = l.render.Participant(*e.Participant)
	case e.Conversation != nil:
		data = l.render.Conversation(*e.Conversation)
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return realtime.Frame{}, err
	}
	b, err := proto.EncodeEvent(e.Seq, string(e.Type), e.ConversationSID, raw)
	return realtime.Frame{Seq: e.Seq, Bytes: b}, err
}

// Authenticate verifies a session's access token. The session keeps what
// the token says (an auth.Session) for revocations to match.
func (l *Live) Authenticate(ctx context.Context, token string) (realtime.Grant, error) {
	s, err := l.auth.Verify(ctx, token)
	return realtime.Grant{Identity: s.Identity, Expires: s.ExpiresAt, Claims: s}, err
}

// Start attaches a session at a consistent point of the event log and
// returns what it missed since cursor.
func (l *Live) Start(ctx context.Context, identity string, cursor *int64, attach func([]string)) ([]realtime.Frame, int64, error) {
	var feed conversations.Feed
	err := l.conv.Subscribe(ctx, identity, func(f conversations.Feed) {
		feed = f
		attach(f.Conversations)
	})
	if err != nil || cursor == nil {
		return nil, feed.Cursor, err
	}
	if *cursor > feed.Cursor {
		return nil, feed.Cursor, realtime.ErrResync // a cursor from another server, or a reset one
	}
	evs, err := l.conv.EventsSince(ctx, identity, *cursor, feed.Cursor, maxReplay)
	if errors.Is(err, conversations.ErrTooFarBehind) {
		return nil, feed.Cursor, realtime.ErrResync
	}
	if err != nil {
		return nil, feed.Cursor, err
	}
	frames := make([]realtime.Frame, 0, len(evs))
	for _, e := range evs {
		f, err := l.frame(e)
		if err != nil {
			return nil, feed.Cursor, err
		}
		frames = append(frames, f)
	}
	return frames, feed.Cursor, nil
}

// Command carries out a session's command.
func (l *Live) Command(ctx context.Context, s *realtime.Session, f proto.ClientFrame) any {
	ctx = conversations.WithOrigin(ctx, conversations.Origin{Source: "SDK", Identity: s.Identity()})
	switch f.Type {
	case proto.TypeSend:
		m, err := l.conv.SendAs(ctx, s.Identity(), f.ConversationSID, conversations.MessageParams{
			Body: &f.Body, Attributes: optional(f.Attributes), IdempotencyKey: f.IdempotencyKey, MediaSIDs: f.MediaSIDs,
		})
		if err != nil {
			return l.errorFrame(f.ID, err)
		}
		return proto.ServerFrame{Type: proto.TypeAck, ID: f.ID, SID: m.SID, Index: &m.Index}
	case proto.TypeRead:
		p, err := l.conv.AdvanceReadHorizon(ctx, s.Identity(), f.ConversationSID, *f.Index)
		if err != nil {
			return l.errorFrame(f.ID, err)
		}
		return proto.ServerFrame{Type: proto.TypeAck, ID: f.ID, Index: p.LastReadIndex}
	case proto.TypeTyping:
		if !l.hub.Subscribed(s.Identity(), f.ConversationSID) {
			return l.errorFrame(f.ID, apperr.New(apperr.Forbidden, apperr.CodeForbidden,
				"%s is not a participant of conversation %s", s.Identity(), f.ConversationSID))
		}
		l.startTyping(f.ConversationSID, s.Identity())
		return nil
	case proto.TypeMonitor:
		conversation, err := l.mayMonitor(ctx, s, f.ConversationSID)
		if err == nil {
			err = l.hub.Watch(s, conversation)
		}
		if errors.Is(err, realtime.ErrTooManyWatches) {
			err = apperr.New(apperr.TooMany, apperr.CodeTooManyRequests, "%v", err)
		}
		if err != nil {
			return l.errorFrame(f.ID, err)
		}
		return proto.ServerFrame{Type: proto.TypeAck, ID: f.ID, SID: conversation}
	case proto.TypeUnmonitor:
		l.hub.Unwatch(s, f.ConversationSID)
		return proto.ServerFrame{Type: proto.TypeAck, ID: f.ID}
	}
	return l.errorFrame(f.ID, apperr.Invalidf(apperr.CodeBadRequest, "unknown command %q", f.Type))
}

// mayMonitor checks that session s may monitor a conversation and
// returns its SID: only a supervisor's (or an admin's) desk token
// monitors, as only they read any conversation over REST; an agent, a
// customer, a guest or an API key's token is refused, whatever
// conversation it names.
func (l *Live) mayMonitor(ctx context.Context, s *realtime.Session, ref string) (string, error) {
	c, _ := s.Claims().(auth.Session)
	if c.Desk == nil || !agents.AtLeast(c.Desk.Role, agents.RoleSupervisor) {
		return "", apperr.New(apperr.Forbidden, apperr.CodeForbidden,
			"Only a supervisor's desk monitors conversations; %s may not", s.Identity())
	}
	conv, err := l.conv.Conversation(ctx, ref)
	if err != nil {
		return "", err
	}
	return conv.SID, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (l *Live) errorFrame(id string, err error) proto.ServerFrame {
	e, ok := apperr.As(err)
	if !ok {
		l.log.Error("realtime command", "err", err)
		e = apperr.New(apperr.Internal, apperr.CodeInternal, "Internal error; the server logged the details")
	}
	return proto.ServerFrame{Type: proto.TypeError, ID: id, Code: e.Code, Status: apperr.Status(e.Kind), Message: e.Message}
}

// startTyping tells the conversation identity is typing: at once the first
// time, then at most every typingRefresh, and that it stopped once it has
// been quiet for typingExpiry.
func (l *Live) startTyping(conversation, identity string) {
	k := typingKey{conversation, identity}
	now := time.Now()
	l.mu.Lock()
	st := l.typing[k]
	if st == nil {
		st = &typingState{}
		st.timer = time.AfterFunc(typingExpiry, func() { l.stopTyping(conversation, identity) })
		l.typing[k] = st
	} else {
		st.timer.Reset(typingExpiry)
	}
	send := now.Sub(st.lastSent) >= typingRefresh
	if send {
		st.lastSent = now
	}
	l.mu.Unlock()
	if send {
		l.publishTyping(conversation, proto.TypingStarted, proto.Typing{Identity: identity, ExpiresInMS: int(typingExpiry / time.Millisecond)})
	}
}

// stopTyping ends identity's typing indicator, if it shows one.
func (l *Live) stopTyping(conversation, identity string) {
	k := typingKey{conversation, identity}
	l.mu.Lock()
	st := l.typing[k]
	if st != nil {
		st.timer.Stop()
		delete(l.typing, k)
	}
	l.mu.Unlock()
	if st != nil {
		l.publishTyping(conversation, proto.TypingEnded, proto.Typing{Identity: identity})
	}
}

func (l *Live) publishTyping(conversation, event string, t proto.Typing) {
	if f, ok := l.notice(conversation, event, t); ok {
		l.fan.Publish(conversation, f)
	}
}

// Presence tells an identity's conversations it came online or went away:
// the hub's OnPresence.
func (l *Live) Presence(identity string, online bool, topics []string) {
	event := proto.UserOffline
	if online {
		event = proto.UserOnline
	}
	for _, conversation := range topics {
		if f, ok := l.notice(conversation, event, proto.Presence{Identity: identity}); ok {
			l.fan.Publish(conversation, f)
		}
	}
}

// notice encodes a live-only event: no seq, never replayed.
func (l *Live) notice(conversation, event string, data any) (realtime.Frame, bool) {
	raw, err := json.Marshal(data)
	if err != nil {
		return realtime.Frame{}, false
	}
	b, err := proto.EncodeEvent(0, event, conversation, raw)
	return realtime.Frame{Bytes: b}, err == nil
}
