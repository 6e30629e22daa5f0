package conversations

import (
	"context"
	"time"
)

// Service applies Twilio's Conversations rules on top of a Store.
type Service struct {
	store      Store
	accountSID string
	serviceSID string
	publisher  Publisher
	observers  []Observer
	preHook    PreHook
	config     accountConfig
	// ConfigurationChanged, when set, hears that this node changed the
	// account's configuration, once it is stored: in a cluster it tells
	// the other nodes to ReloadConfiguration. It must be quick.
	ConfigurationChanged func()
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// NewService returns a service for one account and its default chat service.
func NewService(store Store, accountSID, serviceSID string) *Service {
	return &Service{store: store, accountSID: accountSID, serviceSID: serviceSID, Now: time.Now}
}

// AccountSID is the account every resource belongs to.
func (s *Service) AccountSID() string { return s.accountSID }

// ServiceSID is the default chat service every conversation belongs to.
func (s *Service) ServiceSID() string { return s.serviceSID }

// now is truncated to milliseconds, the precision the store keeps, so what a
// call returns equals what a later fetch reads.
func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// ApplyTimers moves conversations whose timers have passed to inactive or
// closed, and reports how many changed.
func (s *Service) ApplyTimers(ctx context.Context) (int, error) {
	var n int
	err := s.store.Update(ctx, func(tx Tx) error {
		changed, err := tx.ApplyTimers(s.now())
		if err != nil {
			return err
		}
		for _, ch := range changed {
			c := ch.Conversation
			e := Event{Type: ConversationUpdated, ConversationSID: c.SID, Conversation: &c, Before: ch.Before}
			if err := s.record(ctx, tx, e); err != nil {
				return err
			}
		}
		n = len(changed)
		return nil
	})
	return n, err
}
