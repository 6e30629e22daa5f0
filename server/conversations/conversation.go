package conversations

import (
	"context"
	"time"

	"parley/server/apperr"
	"parley/shared/sid"
)

// ConversationParams are the settable fields of a conversation. Nil fields
// are left as they are (or at their defaults on create).
type ConversationParams struct {
	FriendlyName        *string
	UniqueName          *string
	Attributes          *string
	MessagingServiceSID *string
	State               *string
	TimersInactive      *string // ISO 8601 duration; "" clears
	TimersClosed        *string
	DateCreated         *time.Time
	DateUpdated         *time.Time
}

// CreateConversation starts a new, active conversation.
func (s *Service) CreateConversation(ctx context.Context, p ConversationParams) (Conversation, error) {
	now := s.now()
	c := newConversation(s, now)
	if err := checkInitialState(p); err != nil {
		return c, err
	}
	if err := s.ask(ctx, "", PreAction{Name: "onConversationAdd", NewConversation: &p}); err != nil {
		return c, err
	}
	p = s.withDefaults(p)
	err := s.store.Update(ctx, func(tx Tx) error {
		if err := s.applyConversationParams(ctx, tx, &c, p, now); err != nil {
			return err
		}
		if err := tx.InsertConversation(c); err != nil {
			return err
		}
		return s.observe(ctx, tx, Event{Type: ConversationCreated, ConversationSID: c.SID, Conversation: &c})
	})
	return c, err
}

// checkInitialState refuses to create a conversation that starts closed.
func checkInitialState(p ConversationParams) error {
	if p.State != nil && State(*p.State) == Closed {
		return apperr.Invalidf(apperr.CodeInitialStateClosed, "Initial state can't be 'closed': create the conversation active or inactive")
	}
	return nil
}

func newConversation(s *Service, now time.Time) Conversation {
	return Conversation{
		SID:              sid.New(sid.Conversation),
		AccountSID:       s.accountSID,
		ServiceSID:       s.serviceSID,
		State:            Active,
		LastMessageIndex: -1,
		Created:          now,
		Updated:          now,
	}
}

// Conversation fetches a conversation by SID or unique name.
func (s *Service) Conversation(ctx context.Context, ref string) (Conversation, error) {
	return s.store.Conversation(ctx, ref)
}

// Conversations lists conversations, oldest first unless a date range is
// given (then newest first, as Twilio does).
func (s *Service) Conversations(ctx context.Context, f ConversationFilter, p PageRequest) (Page[Conversation], error) {
	if f.State != "" {
		if _, err := checkState(string(f.State)); err != nil {
			return Page[Conversation]{}, err
		}
	}
	f.NewestFirstOrder = !f.Start.IsZero() || !f.End.IsZero()
	return s.store.Conversations(ctx, f, p)
}

// UpdateConversation changes the given fields of a conversation.
func (s *Service) UpdateConversation(ctx context.Context, ref string, p ConversationParams) (Conversation, error) {
	if err := s.ask(ctx, ref, PreAction{Name: "onConversationUpdate", NewConversation: &p}); err != nil {
		return Conversation{}, err
	}
	var c Conversation
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		if c, err = tx.Conversation(ctx, ref); err != nil {
			return err
		}
		now := s.now()
		c.Updated = now
		before := c.State
		if err := s.applyConversationParams(ctx, tx, &c, p, now); err != nil {
			return err
		}
		if err := tx.UpdateConversation(c); err != nil {
			return err
		}
		e := Event{Type: ConversationUpdated, ConversationSID: c.SID, Conversation: &c}
		if c.State != before {
			e.Before = before
		}
		return s.record(ctx, tx, e)
	})
	return c, err
}

// DeleteConversation removes a conversation with its participants, messages
// and receipts.
func (s *Service) DeleteConversation(ctx context.Context, ref string) error {
	if err := s.ask(ctx, ref, PreAction{Name: "onConversationRemove"}); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.Conversation(ctx, ref)
		if err != nil {
			return err
		}
		// Everyone in it hears it is gone, each by name: after the delete
		// the log can no longer tell who was in it.
		members, err := tx.Memberships(ctx, MembershipFilter{Conversation: c.SID}, PageRequest{Size: maxMembers})
		if err != nil {
			return err
		}
		for _, m := range members.Items {
			if m.Participant.Identity == "" {
				continue
			}
			if err := s.record(ctx, tx, Event{Type: ConversationRemoved, ConversationSID: c.SID, Target: m.Participant.Identity, Conversation: &c}); err != nil {
				return err
			}
		}
		if err := s.observe(ctx, tx, Event{Type: ConversationDeleted, ConversationSID: c.SID, Conversation: &c}); err != nil {
			return err
		}
		return tx.DeleteConversation(c.SID)
	})
}

// maxMembers bounds the participants of one conversation (Twilio's limit).
const maxMembers = 1000

func (s *Service) applyConversationParams(ctx context.Context, tx Tx, c *Conversation, p ConversationParams, now time.Time) error {
	if p.FriendlyName != nil {
		if err := checkName("FriendlyName", *p.FriendlyName); err != nil {
			return err
		}
		c.FriendlyName = *p.FriendlyName
	}
	if p.UniqueName != nil && *p.UniqueName != c.UniqueName {
		name := *p.UniqueName
		if err := checkIdentity("UniqueName", name); err != nil {
			return err
		}
		if sid.Looks(name) {
			return apperr.Invalidf(apperr.CodeBadRequest,
				"UniqueName %q looks like a SID; choose a name that cannot be mistaken for one", name)
		}
		if name != "" {
			if other, err := tx.Conversation(ctx, name); err == nil {
				return apperr.Conflictf(apperr.CodeConversationExists,
					"Conversation with provided unique name already exists: %q is %s", name, other.SID)
			} else if !apperr.Is(err, apperr.NotFound) {
				return err
			}
		}
		c.UniqueName = name
	}
	attrs, err := checkAttributes(p.Attributes, c.Attributes, MaxConversationAttributesBytes)
	if err != nil {
		return err
	}
	c.Attributes = attrs
	if p.MessagingServiceSID != nil {
		if v := *p.MessagingServiceSID; v != "" && !sid.Is(sid.MessagingSvc, v) {
			return apperr.Invalidf(apperr.CodeBadRequest,
				"MessagingServiceSid %q is not a messaging service SID (MG...)", v)
		}
		c.MessagingServiceSID = *p.MessagingServiceSID
	}
	if p.DateCreated != nil {
		c.Created = p.DateCreated.UTC().Truncate(time.Millisecond)
	}
	if p.DateUpdated != nil {
		c.Updated = p.DateUpdated.UTC().Truncate(time.Millisecond)
	}
	if p.TimersInactive != nil {
		d, err := checkTimer("Timers.Inactive", *p.TimersInactive, MinInactiveTimer)
		if err != nil {
			return err
		}
		c.Timers.Inactive = d
	}
	if p.TimersClosed != nil {
		d, err := checkTimer("Timers.Closed", *p.TimersClosed, MinClosedTimer)
		if err != nil {
			return err
		}
		c.Timers.Closed = d
	}
	if p.State != nil {
		st, err := checkState(*p.State)
		if err != nil {
			return err
		}
		if c.State == Closed && st != Closed {
			return apperr.Invalidf(apperr.CodeConversationClosed,
				"Conversation %s is closed and cannot be reopened; start a new conversation", c.SID)
		}
		c.State = st
	}
	c.scheduleTimers(now)
	return nil
}

// scheduleTimers sets when the timers next fire, counting from now: on
// creation, on every change to them and on every new message.
func (c *Conversation) scheduleTimers(now time.Time) {
	c.Timers.DateInactive, c.Timers.DateClosed = time.Time{}, time.Time{}
	if c.State == Closed {
		return
	}
	if c.Timers.Inactive > 0 && c.State == Active {
		c.Timers.DateInactive = now.Add(c.Timers.Inactive)
	}
	if c.Timers.Closed > 0 {
		c.Timers.DateClosed = now.Add(c.Timers.Closed)
	}
}

// mustBeOpen refuses new messages and participants in a closed conversation.
func (c Conversation) mustBeOpen(what string) error {
	if c.State == Closed {
		return apperr.Invalidf(apperr.CodeConversationClosed,
			"Conversation %s is closed: it takes no new %s", c.SID, what)
	}
	return nil
}
