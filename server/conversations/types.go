// Package conversations is the domain of Parley's conversations:
// conversations, participants, messages, users, read horizons and delivery
// receipts, with the rules Twilio's Conversations API applies to them. It knows
// nothing of HTTP or SQL; it talks to storage through the Store interface.
package conversations

import "time"

// State is the lifecycle state of a conversation.
type State string

// Conversation states. Closed is final: a closed conversation takes no new
// messages or participants and cannot be reopened.
const (
	Active   State = "active"
	Inactive State = "inactive"
	Closed   State = "closed"
)

// Conversation is a thread of messages between participants.
type Conversation struct {
	Key                 int64 // storage order, used for paging
	SID                 string
	AccountSID          string
	ServiceSID          string
	MessagingServiceSID string
	FriendlyName        string
	UniqueName          string // empty when unset
	Attributes          string // JSON
	State               State
	Timers              Timers
	LastMessageIndex    int // -1 before the first message
	Created, Updated    time.Time
	// Reach is read by Tx.MessageTarget only (ReachUnknown otherwise):
	// whether a participant is reached at an address (SMS, WhatsApp).
	Reach Reach
}

// Reach says whether a conversation has a participant reached at an
// address (SMS, WhatsApp), as read in the transaction writing a message:
// what a cluster's nodes remember of it is never complete, since any node
// may add such a participant.
type Reach uint8

// The reaches.
const (
	ReachUnknown   Reach = iota // not read: look
	ReachChatOnly               // no participant reached at an address
	ReachAddresses              // at least one participant reached at an address
)

// Timers move a conversation to inactive or closed after a quiet period.
// Zero durations are unset; zero times mean "not scheduled".
type Timers struct {
	Inactive, Closed         time.Duration
	DateInactive, DateClosed time.Time
}

// Binding is how a non-chat participant is reached: an SMS or WhatsApp
// address and the Parley number (proxy address) that talks to it.
type Binding struct {
	Type             string // sms or whatsapp
	Address          string
	ProxyAddress     string
	ProjectedAddress string
}

// Participant is a member of a conversation: a chat user by identity, or a
// messaging binding.
type Participant struct {
	Key             int64
	SID             string
	AccountSID      string
	ConversationSID string
	Identity        string   // empty for binding-only participants
	Binding         *Binding // nil for chat participants
	Attributes      string
	RoleSID         string
	// LastReadIndex is the read horizon: the index of the last message the
	// participant has read, or nil if they have read nothing.
	LastReadIndex    *int
	LastReadAt       time.Time
	Created, Updated time.Time
}

// Message is one message in a conversation. Its Index is assigned when it is
// stored, grows by one per message, and is never reused.
type Message struct {
	SID             string
	AccountSID      string
	ConversationSID string
	Index           int
	Author          string
	Body            string
	Attributes      string
	ParticipantSID  string       // the author's participant, when the author is one
	IdempotencyKey  string       // client-chosen; a retry with the same key is not a new message
	Media           []Attachment // in the order they were given
	Created         time.Time
	Updated         time.Time
	Delivery        *Delivery // nil when no receipts exist
}

// Attachment is a file attached to a message.
type Attachment struct {
	SID         string `json:"sid"`
	ContentType string `json:"content_type"`
	Filename    string `json:"filename"`
	Size        int64  `json:"size"`
}

// MediaFile is an uploaded file as messages see it: who uploaded it, and
// the message it is attached to, if any.
type MediaFile struct {
	Attachment
	Author     string
	MessageSID string
}

// Delivery summarises a message's receipts across its recipients.
type Delivery struct {
	Total                                      int
	Sent, Delivered, Read, Failed, Undelivered Share
}

// Share says how many of a message's recipients reached a receipt status.
type Share string

// Shares of recipients.
const (
	None Share = "none"
	Some Share = "some"
	All  Share = "all"
)

// ReceiptStatus is how far a message got towards one recipient.
type ReceiptStatus string

// Receipt statuses, as reported by channels.
const (
	Sent        ReceiptStatus = "sent"
	Delivered   ReceiptStatus = "delivered"
	Read        ReceiptStatus = "read"
	Failed      ReceiptStatus = "failed"
	Undelivered ReceiptStatus = "undelivered"
)

// Receipt records the delivery status of one message to one participant.
type Receipt struct {
	Key               int64
	SID               string
	AccountSID        string
	ConversationSID   string
	MessageSID        string
	ParticipantSID    string
	ChannelMessageSID string
	Status            ReceiptStatus
	ErrorCode         int
	Created, Updated  time.Time
}

// User is a chat identity, created explicitly or when a participant with a
// new identity joins a conversation.
type User struct {
	Key              int64
	SID              string
	AccountSID       string
	ServiceSID       string
	Identity         string
	FriendlyName     string
	Attributes       string
	RoleSID          string
	Created, Updated time.Time
}

// Membership is a participant together with its conversation: what the
// ParticipantConversations and Users/{sid}/Conversations lists return.
type Membership struct {
	Key          int64 // the participant's storage key
	Conversation Conversation
	Participant  Participant
}

// Unread is the number of messages after the participant's read horizon.
func (m Membership) Unread() int {
	last := m.Conversation.LastMessageIndex
	if m.Participant.LastReadIndex == nil {
		return last + 1
	}
	if n := last - *m.Participant.LastReadIndex; n > 0 {
		return n
	}
	return 0
}

// StateChange is a conversation a timer moved, and its state before.
type StateChange struct {
	Conversation Conversation
	Before       State
}
