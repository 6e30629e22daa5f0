package webhooks

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"slices"
	"strings"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/outbox"
	"parley/shared/sid"
)

// PreEvents are the pre-event names Parley asks about.
var PreEvents = []string{"onConversationAdd", "onConversationUpdate", "onConversationRemove",
	"onParticipantAdd", "onParticipantUpdate", "onParticipantRemove",
	"onMessageAdd", "onMessageUpdate", "onMessageRemove"}

// Wants says whether a pre-event URL is set and its filters name the
// event, for a change that asked for webhooks. With Ask it implements
// conversations.PreHook.
func (e *Events) Wants(ctx context.Context, name string) bool {
	if conversations.OriginOf(ctx).Quiet {
		return false
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.config.PreURL != "" && slices.Contains(e.config.Filters, name)
}

// Ask asks the pre-event URL about a change before it is made. A non-2xx
// answer (or none within the timeout) refuses the change; a JSON answer
// may amend it.
func (e *Events) Ask(ctx context.Context, a conversations.PreAction) error {
	cfg := e.Config()
	origin := conversations.OriginOf(ctx)
	if cfg.PreURL == "" {
		return nil // unset since Wants
	}
	convSID := ""
	if c := a.Conversation; c != nil {
		convSID = c.SID
	}
	f := e.envelope(a.Name, convSID, origin)
	f.set("MessageSid", a.MessageSID)
	if strings.HasPrefix(a.ParticipantRef, "MB") {
		f.set("ParticipantSid", a.ParticipantRef)
	} else {
		f.set("Identity", a.ParticipantRef)
	}
	if p := a.NewConversation; p != nil {
		f.setOpt("FriendlyName", p.FriendlyName)
		f.setOpt("UniqueName", p.UniqueName)
		f.setOpt("Attributes", p.Attributes)
	}
	if p := a.NewParticipant; p != nil {
		f.setOpt("Identity", p.Identity)
		f.setOpt("MessagingBinding.Address", p.Address)
		f.setOpt("MessagingBinding.ProxyAddress", p.ProxyAddress)
		f.setOpt("Attributes", p.Attributes)
	}
	if p := a.NewMessage; p != nil {
		f.setOpt("Author", p.Author)
		f.setOpt("Body", p.Body)
		f.setOpt("Attributes", p.Attributes)
		if len(p.MediaSIDs) > 0 {
			f.set("MediaSids", strings.Join(p.MediaSIDs, ","))
		}
	}
	status, answer, err := e.client.Send(ctx, cfg.Method, cfg.PreURL, url.Values(f), "")
	if err != nil {
		e.preFailed(ctx, cfg, a, url.Values(f), status, err)
		// The caller may be a guest: the refusal names no URL, address or
		// network error, which would map the operator's network for them
		// (which ports are open, what answers where).
		return apperr.New(apperr.Forbidden, apperr.CodeForbidden,
			"The pre-event webhook refused %s or could not be reached, so the change was not made; the operator can see why in /parley/v1/Deliveries", a.Name)
	}
	return amend(a, answer)
}

// PreKind is the outbox kind of the records of failed pre-event webhooks.
const PreKind = "pre-webhook"

// preFailed tells the operator why a pre-event webhook refused a change:
// in the log and, when Record is set, as a failed delivery.
func (e *Events) preFailed(ctx context.Context, cfg Config, a conversations.PreAction, f url.Values, status int, err error) {
	log := e.Log
	if log == nil {
		log = slog.Default()
	}
	log.Warn("a pre-event webhook refused a change", "event", a.Name, "url", cfg.PreURL, "status", status, "err", err)
	if e.Record == nil {
		return
	}
	about := ""
	if a.Conversation != nil {
		about = a.Conversation.SID
	}
	now := e.Now().UTC()
	payload, _ := json.Marshal(delivery{URL: cfg.PreURL, Method: cfg.Method, Form: f})
	j := outbox.Job{SID: sid.New(sid.Delivery), Kind: PreKind, Key: cfg.PreURL + " " + about, Payload: payload,
		Created: now, State: outbox.Failed, Attempts: 1, LastStatus: status, LastError: err.Error(), Finished: now}
	if rerr := e.Record(context.WithoutCancel(ctx), j); rerr != nil {
		log.Error("record a failed pre-event webhook", "url", cfg.PreURL, "err", rerr)
	}
}

// amend applies a pre-event webhook's JSON answer to the change: Twilio lets
// it rewrite a message's body, author and attributes, and a conversation's
// or participant's names and attributes.
func amend(a conversations.PreAction, answer []byte) error {
	var ch map[string]json.RawMessage
	if len(answer) == 0 || json.Unmarshal(answer, &ch) != nil {
		return nil // an empty or non-JSON answer accepts the change as it is
	}
	str := func(keys ...string) *string {
		for _, k := range keys {
			var s string
			if raw, ok := ch[k]; ok && json.Unmarshal(raw, &s) == nil {
				return &s
			}
		}
		return nil
	}
	pick := func(dst **string, keys ...string) {
		if v := str(keys...); v != nil {
			*dst = v
		}
	}
	if p := a.NewMessage; p != nil {
		pick(&p.Body, "body", "Body")
		pick(&p.Author, "author", "Author")
		pick(&p.Attributes, "attributes", "Attributes")
	}
	if p := a.NewConversation; p != nil {
		pick(&p.FriendlyName, "friendly_name", "friendlyName", "FriendlyName")
		pick(&p.UniqueName, "unique_name", "uniqueName", "UniqueName")
		pick(&p.Attributes, "attributes", "Attributes")
	}
	if p := a.NewParticipant; p != nil {
		pick(&p.Attributes, "attributes", "Attributes")
	}
	return nil
}
