package interactions

import (
	"context"
	"encoding/json"

	"parley/server/conversations"
	"parley/shared/model"
)

// KindConversationLink names the channel a conversation is routed on: its
// parent is the conversation, so a closing conversation finds its
// channels without a scan.
const KindConversationLink = "conversation_link"

// link is the stored object tying a conversation to a channel.
func link(ch Channel) Object {
	return object(KindConversationLink, "link_"+ch.SID, ch.ConversationSID,
		map[string]string{"channel_sid": ch.SID, "interaction_sid": ch.InteractionSID})
}

// Routed reports whether an interaction channel was made on the
// conversation: it was routed once already. One indexed read.
func (s *Service) Routed(ctx context.Context, conversationSID string) (bool, error) {
	links, err := s.store.Children(ctx, conversationSID, KindConversationLink)
	return len(links) > 0, err
}

// closings observes the conversations service for conversations that
// close without Interactions closing them: the customer ended the chat in
// the widget, a timer ran out, or the API closed it.
type closings struct{ s *Service }

// Observe hands a conversation that has just closed to the follower once
// its transaction commits. It runs on the store's writer: it never waits.
func (o closings) Observe(tx conversations.Tx, e conversations.Event) error {
	if e.Type != conversations.ConversationUpdated || e.Conversation == nil ||
		e.Conversation.State != conversations.Closed || e.Before == "" || e.Before == conversations.Closed {
		return nil
	}
	tx.AfterCommit(func() { o.s.queueSoon(work{closed: e.ConversationSID}) })
	return nil
}

// queueSoon is queue for callers that must not wait: when the follower's
// queue is full, a goroutine waits for room instead.
func (s *Service) queueSoon(w work) {
	s.queueMu.RLock()
	defer s.queueMu.RUnlock()
	if s.closing {
		return
	}
	select {
	case s.events <- w:
	default:
		go s.queue(w)
	}
}

// conversationClosed settles the channels of a conversation that closed
// under them as an agent's end would: the agents leave, their tasks go to
// wrap-up, tasks still waiting are canceled and the channel is closed. A
// channel Interactions closed itself is closed already and left alone.
func (s *Service) conversationClosed(ctx context.Context, conversationSID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	links, err := s.store.Children(ctx, conversationSID, KindConversationLink)
	if err != nil {
		return err
	}
	for _, b := range links {
		var l struct {
			ChannelSID string `json:"channel_sid"`
		}
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		var ch Channel
		if err := s.get(ctx, KindChannel, l.ChannelSID, &ch); err != nil {
			return err
		}
		if ch.Status == ChannelClosed {
			continue
		}
		if err := s.closeChannel(ctx, &ch, ParticipantWrapup, ChannelClosed, model.ReasonCustomerLeft); err != nil {
			return err
		}
	}
	return nil
}
