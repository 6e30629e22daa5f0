package conversations

import (
	"context"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/shared/sid"
)

// ParticipantParams are the settable fields of a participant. Nil fields are
// left as they are.
type ParticipantParams struct {
	Identity         *string
	Address          *string // MessagingBinding.Address
	ProxyAddress     *string // MessagingBinding.ProxyAddress
	ProjectedAddress *string // MessagingBinding.ProjectedAddress
	Attributes       *string
	RoleSID          *string
	LastReadIndex    *int
	LastReadAt       *time.Time
	DateCreated      *time.Time
	DateUpdated      *time.Time
}

// AddParticipant adds a chat participant (by Identity) or a messaging
// participant (by Address and ProxyAddress) to an open conversation. A user is
// created for a chat identity seen for the first time.
func (s *Service) AddParticipant(ctx context.Context, convRef string, p ParticipantParams) (Participant, error) {
	if err := s.ask(ctx, convRef, PreAction{Name: "onParticipantAdd", NewParticipant: &p}); err != nil {
		return Participant{}, err
	}
	var part Participant
	err := s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.Conversation(ctx, convRef)
		if err != nil {
			return err
		}
		part, err = s.addParticipant(ctx, tx, c, p)
		return err
	})
	return part, err
}

func (s *Service) addParticipant(ctx context.Context, tx Tx, c Conversation, p ParticipantParams) (Participant, error) {
	if err := c.mustBeOpen("participants"); err != nil {
		return Participant{}, err
	}
	now := s.now()
	part := Participant{
		SID:             sid.New(sid.Participant),
		AccountSID:      s.accountSID,
		ConversationSID: c.SID,
		Created:         now,
		Updated:         now,
	}
	identity, address, proxy := deref(p.Identity), deref(p.Address), deref(p.ProxyAddress)
	switch {
	case identity != "" && address != "":
		return part, apperr.Invalidf(apperr.CodeInvalidBinding,
			"Give either Identity (a chat participant) or MessagingBinding.Address (an SMS or WhatsApp participant), not both")
	case identity != "":
		if err := checkIdentity("Identity", identity); err != nil {
			return part, err
		}
		if other, err := tx.Participant(ctx, c.SID, identity); err == nil {
			return part, apperr.Conflictf(apperr.CodeParticipantExists,
				"Participant already exists: identity %q is already in conversation %s: %s", identity, c.SID, other.SID)
		} else if !apperr.Is(err, apperr.NotFound) {
			return part, err
		}
		if err := s.ensureUser(ctx, tx, identity, now); err != nil {
			return part, err
		}
		part.Identity = identity
		if p.ProjectedAddress != nil && *p.ProjectedAddress != "" {
			part.Binding = &Binding{Type: "sms", ProjectedAddress: *p.ProjectedAddress}
		}
	case address != "":
		if proxy == "" {
			return part, apperr.Invalidf(apperr.CodeInvalidBinding,
				"MessagingBinding.ProxyAddress is required with MessagingBinding.Address: it is the Parley number that talks to %s", address)
		}
		if bindingType(address) != bindingType(proxy) {
			return part, apperr.Invalidf(apperr.CodeInvalidBinding,
				"MessagingBinding.Address %q and MessagingBinding.ProxyAddress %q are on different channels", address, proxy)
		}
		if other, err := tx.ParticipantByBinding(ctx, c.SID, address, proxy); err == nil {
			return part, apperr.Conflictf(apperr.CodeParticipantExists,
				"Participant already exists: address %q with proxy address %q is already in conversation %s: %s", address, proxy, c.SID, other.SID)
		} else if !apperr.Is(err, apperr.NotFound) {
			return part, err
		}
		// A message from address to proxy must have one conversation to go
		// to, so the pair may be in only one conversation that is not closed.
		if other, err := tx.OpenConversationByBinding(ctx, address, proxy); err == nil {
			return part, apperr.Conflictf(apperr.CodeBindingInUse,
				"A binding for address %q and proxy address %q already exists in conversation %s; close it first or use another proxy address", address, proxy, other.SID)
		} else if !apperr.Is(err, apperr.NotFound) {
			return part, err
		}
		part.Binding = &Binding{Type: bindingType(address), Address: address, ProxyAddress: proxy}
	default:
		return part, apperr.Invalidf(apperr.CodeInvalidBinding,
			"A participant needs Identity (chat) or MessagingBinding.Address and MessagingBinding.ProxyAddress (SMS, WhatsApp)")
	}
	if err := s.applyParticipantParams(c, &part, p); err != nil {
		return part, err
	}
	if err := tx.InsertParticipant(part); err != nil {
		return part, err
	}
	return part, s.recordJoin(ctx, tx, c, part)
}

// bindingType names the channel of a messaging address.
func bindingType(address string) string {
	if strings.HasPrefix(address, "whatsapp:") {
		return "whatsapp"
	}
	return "sms"
}

// Participant fetches a participant by SID or identity.
func (s *Service) Participant(ctx context.Context, convRef, ref string) (Participant, error) {
	c, err := s.store.Conversation(ctx, convRef)
	if err != nil {
		return Participant{}, err
	}
	return s.store.Participant(ctx, c.SID, ref)
}

// Participants lists a conversation's participants in the order they joined.
func (s *Service) Participants(ctx context.Context, convRef string, p PageRequest) (Page[Participant], error) {
	c, err := s.store.Conversation(ctx, convRef)
	if err != nil {
		return Page[Participant]{}, err
	}
	return s.store.Participants(ctx, c.SID, p)
}

// UpdateParticipant changes a participant's attributes, role, identity or
// read horizon.
func (s *Service) UpdateParticipant(ctx context.Context, convRef, ref string, p ParticipantParams) (Participant, error) {
	if err := s.ask(ctx, convRef, PreAction{Name: "onParticipantUpdate", ParticipantRef: ref, NewParticipant: &p}); err != nil {
		return Participant{}, err
	}
	var part Participant
	err := s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.Conversation(ctx, convRef)
		if err != nil {
			return err
		}
		if part, err = tx.Participant(ctx, c.SID, ref); err != nil {
			return err
		}
		if p.Address != nil && (part.Binding == nil || *p.Address != part.Binding.Address) {
			return apperr.Invalidf(apperr.CodeInvalidBinding,
				"MessagingBinding.Address cannot be changed; remove the participant and add a new one")
		}
		if id := deref(p.Identity); p.Identity != nil && id != part.Identity {
			if part.Binding != nil && part.Binding.Address != "" {
				return apperr.Invalidf(apperr.CodeInvalidBinding,
					"Participant %s is an SMS or WhatsApp participant and cannot take a chat identity", part.SID)
			}
			if id == "" {
				return apperr.Invalidf(apperr.CodeInvalidBinding, "Identity cannot be cleared")
			}
			if err := checkIdentity("Identity", id); err != nil {
				return err
			}
			if other, err := tx.Participant(ctx, c.SID, id); err == nil {
				return apperr.Conflictf(apperr.CodeParticipantExists,
					"Participant already exists: identity %q is already in conversation %s: %s", id, c.SID, other.SID)
			}
			if err := s.ensureUser(ctx, tx, id, s.now()); err != nil {
				return err
			}
			part.Identity = id
		}
		if p.ProxyAddress != nil && part.Binding != nil && part.Binding.Address != "" {
			part.Binding.ProxyAddress = *p.ProxyAddress
		}
		if p.ProjectedAddress != nil {
			if part.Binding == nil {
				part.Binding = &Binding{Type: "sms"}
			}
			part.Binding.ProjectedAddress = *p.ProjectedAddress
		}
		part.Updated = s.now()
		if err := s.applyParticipantParams(c, &part, p); err != nil {
			return err
		}
		if err := tx.UpdateParticipant(part); err != nil {
			return err
		}
		return s.record(ctx, tx, Event{Type: ParticipantUpdated, ConversationSID: c.SID, Participant: &part})
	})
	return part, err
}

func (s *Service) applyParticipantParams(c Conversation, part *Participant, p ParticipantParams) error {
	attrs, err := checkAttributes(p.Attributes, part.Attributes, MaxAttributesBytes)
	if err != nil {
		return err
	}
	part.Attributes = attrs
	if p.RoleSID != nil {
		if err := checkRoleSID(*p.RoleSID); err != nil {
			return err
		}
		part.RoleSID = *p.RoleSID
	}
	if p.LastReadIndex != nil {
		i := *p.LastReadIndex
		if i < 0 || i > c.LastMessageIndex {
			return apperr.Invalidf(apperr.CodeBadRequest,
				"LastReadMessageIndex %d is outside the conversation's messages (0 to %d)", i, c.LastMessageIndex)
		}
		part.LastReadIndex = &i
		part.LastReadAt = s.now()
	}
	if p.LastReadAt != nil {
		part.LastReadAt = p.LastReadAt.UTC().Truncate(time.Millisecond)
	}
	if p.DateCreated != nil {
		part.Created = p.DateCreated.UTC().Truncate(time.Millisecond)
	}
	if p.DateUpdated != nil {
		part.Updated = p.DateUpdated.UTC().Truncate(time.Millisecond)
	}
	return nil
}

// RemoveParticipant takes a participant out of a conversation. Its messages
// stay.
func (s *Service) RemoveParticipant(ctx context.Context, convRef, ref string) error {
	if err := s.ask(ctx, convRef, PreAction{Name: "onParticipantRemove", ParticipantRef: ref}); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.Conversation(ctx, convRef)
		if err != nil {
			return err
		}
		part, err := tx.Participant(ctx, c.SID, ref)
		if err != nil {
			return err
		}
		if err := tx.DeleteParticipant(c.SID, part.SID); err != nil {
			return err
		}
		return s.recordLeave(ctx, tx, c, part)
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// OpenConversationByBinding finds the conversation, not closed, where
// address takes part through proxyAddress: where a message from address to
// proxyAddress goes.
func (s *Service) OpenConversationByBinding(ctx context.Context, address, proxyAddress string) (Conversation, error) {
	return s.store.OpenConversationByBinding(ctx, address, proxyAddress)
}
