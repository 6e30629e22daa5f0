package channels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/outbound"
	"parley/server/outbox"
	"parley/shared/sid"
)

// Inbound is one message a customer sent over SMS or WhatsApp, as an
// adapter received it.
type Inbound struct {
	Adapter  string // the adapter it came through
	From, To string // +E.164, or whatsapp:+E.164
	Body     string
	// ChannelMessageSID is the provider's ID: a provider retrying its
	// webhook does not make a second message.
	ChannelMessageSID string
	Media             []RemoteMedia
}

// RemoteMedia is a file a provider holds, to be fetched.
type RemoteMedia struct {
	URL, ContentType string
}

// Outgoing is a message to send to one participant over its channel.
type Outgoing struct {
	To, From  string
	Body      string
	MediaURLs []string // links that work without credentials for a few minutes
}

// Adapter connects Parley to a messaging provider.
type Adapter interface {
	// Send hands a message to the provider and returns the provider's ID
	// for it. An error wrapping ErrRefused will not succeed on retry.
	Send(ctx context.Context, o Outgoing) (channelMessageSID string, err error)
	// Fetch downloads a file an inbound message carries.
	Fetch(ctx context.Context, rawURL string) (io.ReadCloser, string, error)
}

// ErrRefused marks a send the provider refused for good (a bad number, a
// rejected request): retrying will not help.
var ErrRefused = errors.New("the provider refused the message")

// Media stores inbound files and links outbound ones.
type Media interface {
	// Save stores a file as uploaded by author and returns its SID.
	Save(ctx context.Context, author, filename, contentType string, body io.Reader) (string, error)
	// Link is a URL for a stored file that works without credentials for
	// a few minutes, for a provider to fetch.
	Link(ctx context.Context, mediaSID string) (string, error)
}

// Hooks adds a conversation-scoped webhook (auto-creation type webhook).
type Hooks func(ctx context.Context, conversationSID string, a AutoCreation) error

// Router hands a new conversation to routing (auto-creation type default).
type Router func(ctx context.Context, a Address, c conversations.Conversation, in Inbound) error

// Messaging carries SMS and WhatsApp messages: inbound ones into
// conversations (creating them when the address says so), outbound ones
// through the outbox to each messaging participant's adapter, and the
// providers' reports into receipts.
type Messaging struct {
	Addresses     *Service
	Conversations *conversations.Service
	Adapters      map[string]Adapter
	Media         Media
	Hooks         Hooks
	Route         Router
	Log           *slog.Logger
	// Waiting and QueueTexts tell a waiting customer who writes their
	// place in line (queue.go); without them nobody is told.
	Waiting    Waiting
	QueueTexts QueueTexts
	// Now is the clock of those texts' limit (not of the outbox, which
	// keeps real time); nil means time.Now.
	Now func() time.Time
}

// SendKind is the outbox kind of outgoing messages.
const SendKind = "send"

// Receive takes a customer's message into its conversation: the open one
// between its From and To, or a new one when the address auto-creates.
// A conversation made here is routed after its first message is in.
func (m *Messaging) Receive(ctx context.Context, in Inbound) (conversations.Message, error) {
	var msg conversations.Message
	typ := TypeOf(in.To)
	if _, err := CheckAddress(typ, in.From, "From"); err != nil {
		return msg, err
	}
	if _, err := CheckAddress(typ, in.To, "To"); err != nil {
		return msg, err
	}
	if TypeOf(in.From) != typ {
		return msg, apperr.Invalidf(apperr.CodeInvalidBinding, "From %q and To %q are on different channels", in.From, in.To)
	}
	if in.ChannelMessageSID == "" {
		return msg, apperr.Invalidf(apperr.CodeBadRequest, "The provider's message ID is required: it keeps a retried webhook from making a second message")
	}
	addr, err := m.Addresses.AddressByValue(ctx, typ, in.To)
	if err != nil {
		return msg, err
	}
	if addr.Channel.Adapter != in.Adapter {
		return msg, apperr.New(apperr.Forbidden, apperr.CodeForbidden,
			"%s is connected through the %s adapter, not %s; change the address's Parley.Adapter to move it", in.To, addr.Channel.Adapter, in.Adapter)
	}
	if taken, err := m.takeRating(ctx, addr, in); err != nil || taken {
		return msg, err // a survey's answer: no message in any conversation
	}
	ctx = conversations.WithOrigin(ctx, conversations.Origin{Source: strings.ToUpper(typ)})
	conv, created, err := m.conversation(ctx, addr, in)
	if err != nil || conv.SID == "" {
		return msg, err
	}
	var media []string
	for i, f := range in.Media {
		s, err := m.fetch(ctx, addr, in, i, f)
		if err != nil {
			return msg, err
		}
		media = append(media, s)
	}
	if in.Body == "" && len(media) == 0 {
		return msg, apperr.Invalidf(apperr.CodeBodyRequired, "The message has neither a body nor media")
	}
	from := in.From
	key := in.Adapter + ":" + in.ChannelMessageSID
	msg, err = m.Conversations.SendMessage(ctx, conv.SID, conversations.MessageParams{
		Author: &from, Body: &in.Body, MediaSIDs: media, IdempotencyKey: key})
	if err != nil {
		return msg, err
	}
	if created && addr.AutoCreation.Type == "default" && m.Route != nil {
		if err := m.Route(ctx, addr, conv, in); err != nil {
			return msg, fmt.Errorf("route the new conversation %s: %w", conv.SID, err)
		}
	}
	if !created {
		m.tellPlace(ctx, addr, conv, in)
	}
	return msg, nil
}

// conversation finds or makes the conversation for in. A zero conversation
// and no error means the message has nowhere to go (auto-creation is off).
func (m *Messaging) conversation(ctx context.Context, addr Address, in Inbound) (conversations.Conversation, bool, error) {
	for range 2 {
		c, err := m.Conversations.OpenConversationByBinding(ctx, in.From, in.To)
		if err == nil || !apperr.Is(err, apperr.NotFound) {
			return c, false, err
		}
		if !addr.AutoCreation.Enabled {
			m.Log.Info("channels: message dropped: no open conversation and auto-creation is off",
				"from", in.From, "to", in.To, "address", addr.SID)
			return c, false, nil
		}
		name := in.From
		c, _, err = m.Conversations.Open(ctx, conversations.Opening{
			Conversation: conversations.ConversationParams{FriendlyName: &name},
			Participants: []conversations.ParticipantParams{{Address: &in.From, ProxyAddress: &in.To}},
		})
		if apperr.Is(err, apperr.Conflict) {
			continue // another message from the same sender made it first
		}
		if err != nil {
			return c, false, err
		}
		if addr.AutoCreation.Type == "webhook" && m.Hooks != nil {
			if err := m.Hooks(ctx, c.SID, addr.AutoCreation); err != nil {
				return c, true, fmt.Errorf("add the auto-creation webhook to %s: %w", c.SID, err)
			}
		}
		return c, true, nil
	}
	return conversations.Conversation{}, false, fmt.Errorf("no conversation for %s → %s after two tries", in.From, in.To)
}

func (m *Messaging) fetch(ctx context.Context, addr Address, in Inbound, i int, f RemoteMedia) (string, error) {
	a := m.Adapters[addr.Channel.Adapter]
	if a == nil || m.Media == nil {
		return "", apperr.Invalidf(apperr.CodeBadRequest, "Media cannot be received through the %s adapter", addr.Channel.Adapter)
	}
	body, typ, err := a.Fetch(ctx, f.URL)
	var refused *outbound.Refusal
	if errors.As(err, &refused) {
		// The provider sent it, and a retry would be refused again.
		return "", apperr.Invalidf(apperr.CodeBadRequest, "Media %d of %s: %s", i, in.ChannelMessageSID, refused.Error())
	}
	if err != nil {
		return "", fmt.Errorf("fetch media %d of %s: %w", i, in.ChannelMessageSID, err)
	}
	defer body.Close()
	if typ == "" {
		typ = f.ContentType
	}
	name := fmt.Sprintf("%s-%d", in.ChannelMessageSID, i)
	if exts, _ := mime.ExtensionsByType(typ); len(exts) > 0 {
		name += exts[0]
	}
	return m.Media.Save(ctx, in.From, name, typ, body)
}

// sendJob is an outgoing message's outbox payload.
type sendJob struct {
	ConversationSID string `json:"conversation_sid"`
	MessageSID      string `json:"message_sid"`
	ParticipantSID  string `json:"participant_sid"`
	To              string `json:"to"`
	From            string `json:"from"`
}

// Observe queues a message for every messaging participant but its
// author, in the message's own transaction. It implements
// conversations.Observer.
func (m *Messaging) Observe(tx conversations.Tx, e conversations.Event) error {
	switch e.Type {
	case conversations.ConversationUpdated, conversations.CSATSubmitted:
		return m.observeSurvey(tx, e)
	case conversations.MessageAdded:
	default:
		return nil
	}
	return m.enqueueForEach(tx, e, SendKind, func(p conversations.Participant) any {
		if p.Binding.Address == e.Message.Author {
			return nil
		}
		return sendJob{ConversationSID: e.ConversationSID, MessageSID: e.Message.SID,
			ParticipantSID: p.SID, To: p.Binding.Address, From: p.Binding.ProxyAddress}
	})
}

// enqueueForEach queues, in e's transaction, a job of kind for every
// messaging participant of e's conversation (one reached at an address)
// whose payload job returns; nil skips the participant. Each job goes in
// the participant's line, so whatever Parley texts one customer (messages,
// surveys, places in line) reaches them in the order it was queued.
//
// Whether to look is read in the message's own write (e.Reach): a node's
// memory of which conversations have such participants missed those
// another node of a cluster added, whose customers then got nothing sent
// through this node.
func (m *Messaging) enqueueForEach(tx conversations.Tx, e conversations.Event, kind string, job func(conversations.Participant) any) error {
	if e.Reach == conversations.ReachChatOnly {
		return nil
	}
	parts, err := tx.Participants(context.Background(), e.ConversationSID, conversations.PageRequest{Size: 1000})
	if err != nil {
		return err
	}
	var jobs []outbox.Job
	for _, p := range parts.Items {
		if p.Binding == nil || p.Binding.Address == "" {
			continue
		}
		v := job(p)
		if v == nil {
			continue
		}
		payload, err := json.Marshal(v)
		if err != nil {
			return err
		}
		jobs = append(jobs, outbox.Job{SID: sid.New(sid.Delivery), Kind: kind, Key: SendKind + " " + p.SID,
			Payload: payload, Created: e.Time})
	}
	return tx.Enqueue(jobs...)
}

// Deliver sends one queued message through its address's adapter and
// records the provider's acceptance as a "sent" receipt. It is the outbox
// handler for SendKind.
func (m *Messaging) Deliver(ctx context.Context, j outbox.Job) outbox.Result {
	var s sendJob
	if err := json.Unmarshal(j.Payload, &s); err != nil {
		return outbox.Result{Err: fmt.Errorf("damaged send job: %w", err), Final: true}
	}
	msg, err := m.Conversations.Message(ctx, s.ConversationSID, s.MessageSID)
	if apperr.Is(err, apperr.NotFound) {
		return outbox.Result{Err: errors.New("the message was deleted before it could be sent"), Final: true}
	}
	if err != nil {
		return outbox.Result{Err: err}
	}
	addr, err := m.Addresses.AddressByValue(ctx, TypeOf(s.From), s.From)
	if err != nil {
		return outbox.Result{Err: err, Final: apperr.Is(err, apperr.NotFound)}
	}
	a := m.Adapters[addr.Channel.Adapter]
	if a == nil {
		return outbox.Result{Err: fmt.Errorf("the %s adapter of %s is not configured on this server", addr.Channel.Adapter, s.From)}
	}
	out := Outgoing{To: s.To, From: s.From, Body: msg.Body}
	for _, f := range msg.Media {
		link, err := m.Media.Link(ctx, f.SID)
		if err != nil {
			return outbox.Result{Err: err}
		}
		out.MediaURLs = append(out.MediaURLs, link)
	}
	channelSID, err := a.Send(ctx, out)
	if err != nil {
		if errors.Is(err, ErrRefused) {
			m.report(ctx, s, "failed-"+j.SID, conversations.Failed, 30008)
		}
		return outbox.Result{Err: err, Final: errors.Is(err, ErrRefused)}
	}
	m.report(ctx, s, channelSID, conversations.Sent, 0)
	return outbox.Result{Status: 200}
}

func (m *Messaging) report(ctx context.Context, s sendJob, channelSID string, status conversations.ReceiptStatus, code int) {
	_, err := m.Conversations.RecordDelivery(ctx, conversations.ReceiptParams{ConversationSID: s.ConversationSID,
		MessageSID: s.MessageSID, ParticipantSID: s.ParticipantSID, ChannelMessageSID: channelSID, Status: status, ErrorCode: code})
	if err != nil {
		m.Log.Error("channels: record a receipt", "message", s.MessageSID, "status", status, "err", err)
	}
}

// Report takes a provider's status report on a message it sent: Twilio's
// queued, sending and accepted change nothing; sent, delivered, read,
// failed and undelivered move the receipt.
func (m *Messaging) Report(ctx context.Context, channelMessageSID, status string, errorCode int) error {
	var st conversations.ReceiptStatus
	switch status {
	case "queued", "accepted", "sending", "scheduled", "receiving", "received":
		return nil
	case "sent", "delivered", "read", "failed", "undelivered":
		st = conversations.ReceiptStatus(status)
	default:
		return apperr.Invalidf(apperr.CodeBadRequest, "MessageStatus %q is not a status Parley knows", status)
	}
	if channelMessageSID == "" {
		return apperr.Invalidf(apperr.CodeBadRequest, "The report does not name the message (MessageSid)")
	}
	// A report can overtake Parley's record of the provider's acceptance
	// (the provider answers the send and reports at once): wait for it a
	// little before giving the report up.
	wait := reportWait
	for {
		_, err := m.Conversations.RecordDelivery(ctx, conversations.ReceiptParams{ChannelMessageSID: channelMessageSID, Status: st, ErrorCode: errorCode})
		if !apperr.Is(err, apperr.NotFound) || wait > 2*time.Second {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
			wait *= 2
		}
	}
}

// reportWait is the first wait for a report that came too early.
const reportWait = 100 * time.Millisecond
