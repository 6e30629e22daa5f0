package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"parley/server/conversations"
	"parley/server/outbound"
	"parley/server/outbox"
)

// Post-event names, as Twilio's Conversations sends them.
var PostEvents = []string{
	"onConversationAdded", "onConversationUpdated", "onConversationRemoved", "onConversationStateUpdated",
	"onParticipantAdded", "onParticipantUpdated", "onParticipantRemoved",
	"onMessageAdded", "onMessageUpdated", "onMessageRemoved", "onDeliveryUpdated",
	// Parley's own: a customer rated a conversation (Score, Comment).
	"onCsatSubmitted",
}

// Kind is the outbox kind of webhook jobs.
const Kind = "webhook"

// Observe turns a conversation change into webhook jobs, in the change's
// own transaction. It implements conversations.Observer.
func (e *Events) Observe(tx conversations.Tx, ev conversations.Event) error {
	if ev.Type == conversations.ConversationDeleted {
		e.forget(tx, ev.ConversationSID)
	}
	if ev.Origin.Quiet || ev.Target != "" {
		return nil // a REST call without X-Twilio-Webhook-Enabled, or a per-identity copy
	}
	names := postNames(ev)
	if len(names) == 0 {
		return nil
	}
	e.mu.RLock()
	cfg, hooks := e.config, e.hooks[ev.ConversationSID]
	e.mu.RUnlock()
	var jobs []outbox.Job
	add := func(name, rawURL, method string) {
		jobs = append(jobs, e.job(ev, name, rawURL, method))
	}
	for _, name := range names {
		if cfg.PostURL != "" && slices.Contains(cfg.Filters, name) {
			add(name, cfg.PostURL, cfg.Method)
		}
		for _, h := range hooks {
			switch {
			case h.Target == "webhook" && slices.Contains(h.Filters, name):
				add(name, h.URL, h.Method)
			case h.Target == "trigger" && name == "onMessageAdded" && triggered(ev.Message.Body, h.Triggers):
				add(name, h.URL, h.Method)
			}
		}
	}
	return tx.Enqueue(jobs...)
}

// forget drops a deleted conversation's hooks from the cache once the
// deletion commits (the store drops their rows with the conversation).
func (e *Events) forget(tx conversations.Tx, convSID string) {
	tx.AfterCommit(func() {
		e.mu.Lock()
		delete(e.hooks, convSID)
		e.mu.Unlock()
	})
}

// postNames are the post-event names a change fires.
func postNames(ev conversations.Event) []string {
	switch ev.Type {
	case conversations.ConversationCreated:
		return []string{"onConversationAdded"}
	case conversations.ConversationUpdated:
		if ev.Before != "" {
			return []string{"onConversationUpdated", "onConversationStateUpdated"}
		}
		return []string{"onConversationUpdated"}
	case conversations.ConversationDeleted:
		return []string{"onConversationRemoved"}
	case conversations.ParticipantAdded:
		return []string{"onParticipantAdded"}
	case conversations.ParticipantUpdated:
		return []string{"onParticipantUpdated"}
	case conversations.ParticipantRemoved:
		return []string{"onParticipantRemoved"}
	case conversations.MessageAdded:
		return []string{"onMessageAdded"}
	case conversations.MessageUpdated:
		if ev.Receipt != nil {
			return nil // a receipt's change is onDeliveryUpdated
		}
		return []string{"onMessageUpdated"}
	case conversations.MessageRemoved:
		return []string{"onMessageRemoved"}
	case conversations.DeliveryUpdated:
		return []string{"onDeliveryUpdated"}
	case conversations.CSATSubmitted:
		return []string{"onCsatSubmitted"}
	}
	return nil
}

func (e *Events) job(ev conversations.Event, name, rawURL, method string) outbox.Job {
	return newJob(rawURL, method, e.Form(ev, name), ev.ConversationSID, ev.Time)
}

// Form is the post-event name for ev as Twilio posts it: the envelope and
// the conversation, participant, message or receipt that changed.
func (e *Events) Form(ev conversations.Event, name string) url.Values {
	f := e.envelope(name, ev.ConversationSID, ev.Origin)
	if c := ev.Conversation; c != nil {
		f.set("FriendlyName", c.FriendlyName)
		f.set("UniqueName", c.UniqueName)
		f.set("Attributes", c.Attributes)
		f.set("MessagingServiceSid", c.MessagingServiceSID)
		f.set("DateCreated", stamp(c.Created))
		f.set("DateUpdated", stamp(c.Updated))
		f.set("State", string(c.State))
		if name == "onConversationStateUpdated" {
			f.set("StateFrom", string(ev.Before))
			f.set("StateTo", string(c.State))
			reason := "API"
			if ev.Origin.Source != "API" || ev.Origin.Identity != "" {
				reason = ev.Origin.Source
			}
			f.set("Reason", reason)
		}
		if name == "onCsatSubmitted" {
			if r, ok := conversations.RatingOf(*c); ok && r.Score != 0 {
				f.set("Score", strconv.Itoa(r.Score))
				f.set("Comment", r.Comment)
				f.set("Channel", r.Channel)
				if r.DateRated != nil {
					f.set("DateRated", stamp(*r.DateRated))
				}
			}
		}
	}
	if p := ev.Participant; p != nil {
		f.set("ParticipantSid", p.SID)
		f.set("Identity", p.Identity)
		f.set("Attributes", p.Attributes)
		f.set("RoleSid", p.RoleSID)
		f.set("DateCreated", stamp(p.Created))
		f.set("DateUpdated", stamp(p.Updated))
		if p.LastReadIndex != nil {
			f.set("LastReadMessageIndex", strconv.Itoa(*p.LastReadIndex))
		}
		if b := p.Binding; b != nil {
			f.set("MessagingBinding.Address", b.Address)
			f.set("MessagingBinding.ProxyAddress", b.ProxyAddress)
			f.set("MessagingBinding.ProjectedAddress", b.ProjectedAddress)
		}
	}
	if m := ev.Message; m != nil {
		f.set("MessageSid", m.SID)
		f.set("Index", strconv.Itoa(m.Index))
		f.set("Author", m.Author)
		f.set("Body", m.Body)
		f.set("ParticipantSid", m.ParticipantSID)
		f.set("DateCreated", stamp(m.Created))
		if ev.Receipt == nil {
			f.set("Attributes", m.Attributes)
			f.set("DateUpdated", stamp(m.Updated))
		}
		if len(m.Media) > 0 {
			media := make([]map[string]any, len(m.Media))
			for i, a := range m.Media {
				media[i] = map[string]any{"Sid": a.SID, "ContentType": a.ContentType, "Filename": a.Filename, "Size": a.Size}
			}
			b, _ := json.Marshal(media)
			f.set("Media", string(b))
		}
	}
	if r := ev.Receipt; r != nil {
		f.set("ParticipantSid", r.ParticipantSID)
		f.set("DeliveryReceiptSid", r.SID)
		f.set("ChannelMessageSid", r.ChannelMessageSID)
		f.set("Status", string(r.Status))
		f.set("ErrorCode", strconv.Itoa(r.ErrorCode))
		f.set("DateCreated", stamp(r.Created))
		f.set("DateUpdated", stamp(r.Updated))
	}
	return url.Values(f)
}

// Deliver attempts one webhook job. It is the outbox handler for Kind.
func (e *Events) Deliver(ctx context.Context, j outbox.Job) outbox.Result {
	if j.Kind == PreKind {
		return outbox.Result{Err: errors.New("a pre-event webhook counts only while its change waits: this record of one that failed cannot be sent again"), Final: true}
	}
	var d delivery
	if err := json.Unmarshal(j.Payload, &d); err != nil {
		return outbox.Result{Err: fmt.Errorf("damaged webhook job: %w", err), Final: true}
	}
	if j.Attempts > 0 {
		d.Form.Set("RetryCount", strconv.Itoa(j.Attempts))
	}
	status, _, err := e.client.Send(ctx, d.Method, d.URL, d.Form, j.SID)
	// The policy's refusal stands on retry; the operator, who sees it in
	// the delivery, can retry by hand after changing DNS or the allow list.
	return outbox.Result{Status: status, Err: err, Final: err != nil && (final(status) || outbound.IsRefusal(err))}
}

// final says whether a receiver's answer will not change on retry: a 4xx
// other than a timeout or a rate limit.
func final(status int) bool {
	return status >= 400 && status < 500 && status != 408 && status != 429
}
