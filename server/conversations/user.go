package conversations

import (
	"context"
	"time"

	"parley/server/apperr"
	"parley/shared/sid"
)

// UserParams are the settable fields of a user.
type UserParams struct {
	Identity     *string
	FriendlyName *string
	Attributes   *string
	RoleSID      *string
}

// CreateUser creates a chat user with a new identity.
func (s *Service) CreateUser(ctx context.Context, p UserParams) (User, error) {
	now := s.now()
	u := User{SID: sid.New(sid.User), AccountSID: s.accountSID, ServiceSID: s.serviceSID, Created: now, Updated: now}
	err := s.store.Update(ctx, func(tx Tx) error {
		id := deref(p.Identity)
		if id == "" {
			return apperr.Invalidf(apperr.CodeBadRequest, "Identity is required")
		}
		if err := checkIdentity("Identity", id); err != nil {
			return err
		}
		if other, err := tx.User(ctx, id); err == nil {
			return apperr.Conflictf(apperr.CodeUserExists, "User with identity %q already exists: %s", id, other.SID)
		} else if !apperr.Is(err, apperr.NotFound) {
			return err
		}
		u.Identity = id
		if err := applyUserParams(&u, p); err != nil {
			return err
		}
		return tx.InsertUser(u)
	})
	return u, err
}

// ensureUser creates the user behind a chat identity if there is none yet.
func (s *Service) ensureUser(ctx context.Context, tx Tx, identity string, now time.Time) error {
	if _, err := tx.User(ctx, identity); !apperr.Is(err, apperr.NotFound) {
		return err
	}
	return tx.InsertUser(User{
		SID: sid.New(sid.User), AccountSID: s.accountSID, ServiceSID: s.serviceSID,
		Identity: identity, Attributes: "{}", Created: now, Updated: now,
	})
}

func applyUserParams(u *User, p UserParams) error {
	if p.FriendlyName != nil {
		if err := checkName("FriendlyName", *p.FriendlyName); err != nil {
			return err
		}
		u.FriendlyName = *p.FriendlyName
	}
	attrs, err := checkAttributes(p.Attributes, u.Attributes, MaxAttributesBytes)
	if err != nil {
		return err
	}
	u.Attributes = attrs
	if p.RoleSID != nil {
		if err := checkRoleSID(*p.RoleSID); err != nil {
			return err
		}
		u.RoleSID = *p.RoleSID
	}
	return nil
}

// User fetches a user by SID or identity.
func (s *Service) User(ctx context.Context, ref string) (User, error) { return s.store.User(ctx, ref) }

// Users lists users in the order they were created.
func (s *Service) Users(ctx context.Context, p PageRequest) (Page[User], error) {
	return s.store.Users(ctx, p)
}

// UpdateUser changes a user's friendly name, attributes or role. The
// identity cannot change: conversations refer to it.
func (s *Service) UpdateUser(ctx context.Context, ref string, p UserParams) (User, error) {
	var u User
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		if u, err = tx.User(ctx, ref); err != nil {
			return err
		}
		u.Updated = s.now()
		if err := applyUserParams(&u, p); err != nil {
			return err
		}
		return tx.UpdateUser(u)
	})
	return u, err
}

// DeleteUser removes a user. Its participants stay in their conversations.
func (s *Service) DeleteUser(ctx context.Context, ref string) error {
	return s.store.Update(ctx, func(tx Tx) error {
		u, err := tx.User(ctx, ref)
		if err != nil {
			return err
		}
		return tx.DeleteUser(u.SID)
	})
}

// UserConversations lists the conversations a user takes part in.
func (s *Service) UserConversations(ctx context.Context, userRef string, p PageRequest) (User, Page[Membership], error) {
	u, err := s.store.User(ctx, userRef)
	if err != nil {
		return u, Page[Membership]{}, err
	}
	page, err := s.store.Memberships(ctx, MembershipFilter{Identity: u.Identity}, p)
	return u, page, err
}

// UserConversation fetches one of a user's memberships.
func (s *Service) UserConversation(ctx context.Context, userRef, convRef string) (User, Membership, error) {
	u, err := s.store.User(ctx, userRef)
	if err != nil {
		return u, Membership{}, err
	}
	c, err := s.store.Conversation(ctx, convRef)
	if err != nil {
		return u, Membership{}, err
	}
	part, err := s.store.Participant(ctx, c.SID, u.Identity)
	if err != nil {
		return u, Membership{}, apperr.NotFoundf("User %s is not a participant of conversation %s", u.SID, c.SID)
	}
	return u, Membership{Key: part.Key, Conversation: c, Participant: part}, nil
}

// UserConversationParams change a user's own view of a conversation.
type UserConversationParams struct {
	LastReadIndex *int
	LastReadAt    *time.Time
}

// UpdateUserConversation moves a user's read horizon in a conversation.
func (s *Service) UpdateUserConversation(ctx context.Context, userRef, convRef string, p UserConversationParams) (User, Membership, error) {
	u, m, err := s.UserConversation(ctx, userRef, convRef)
	if err != nil {
		return u, m, err
	}
	part, err := s.UpdateParticipant(ctx, m.Conversation.SID, m.Participant.SID,
		ParticipantParams{LastReadIndex: p.LastReadIndex, LastReadAt: p.LastReadAt})
	m.Participant = part
	return u, m, err
}

// Memberships lists the conversations an identity or a messaging address
// takes part in.
func (s *Service) Memberships(ctx context.Context, f MembershipFilter, p PageRequest) (Page[Membership], error) {
	if (f.Identity == "") == (f.Address == "") {
		return Page[Membership]{}, apperr.Invalidf(apperr.CodeBadRequest,
			"Give exactly one of Identity or Address")
	}
	return s.store.Memberships(ctx, f, p)
}
