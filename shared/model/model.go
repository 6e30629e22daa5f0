// Package model holds the JSON shapes of Parley's REST resources, field for
// field as Twilio's APIs return them. The server renders them; Go clients
// (the widget, the desktop, the load tool) decode them.
package model

import (
	"encoding/json"
	"strings"
	"time"
)

// TimeLayout is how the API writes times: ISO 8601 in UTC, to the second,
// as Twilio does.
const TimeLayout = "2006-01-02T15:04:05Z"

// Time is a time written in TimeLayout.
type Time struct{ time.Time }

// MarshalJSON writes the time in TimeLayout, or null for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(TimeLayout) + `"`), nil
}

// UnmarshalJSON reads an RFC 3339 time or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		t.Time = time.Time{}
		return nil
	}
	v, err := time.Parse(time.RFC3339, s)
	t.Time = v
	return err
}

// Meta describes one page of a list and how to reach its neighbours.
type Meta struct {
	Page            int     `json:"page"`
	PageSize        int     `json:"page_size"`
	FirstPageURL    string  `json:"first_page_url"`
	PreviousPageURL *string `json:"previous_page_url"`
	URL             string  `json:"url"`
	NextPageURL     *string `json:"next_page_url"`
	Key             string  `json:"key"`
}

// Error is the body of every error response.
type Error struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// Timers are when a conversation will go inactive and closed.
type Timers struct {
	DateInactive *Time `json:"date_inactive,omitempty"`
	DateClosed   *Time `json:"date_closed,omitempty"`
}

// Conversation is a conversation resource.
type Conversation struct {
	AccountSID          string            `json:"account_sid"`
	ChatServiceSID      string            `json:"chat_service_sid"`
	MessagingServiceSID *string           `json:"messaging_service_sid"`
	SID                 string            `json:"sid"`
	FriendlyName        *string           `json:"friendly_name"`
	UniqueName          *string           `json:"unique_name"`
	Attributes          string            `json:"attributes"`
	State               string            `json:"state"`
	DateCreated         Time              `json:"date_created"`
	DateUpdated         Time              `json:"date_updated"`
	Timers              Timers            `json:"timers"`
	Bindings            any               `json:"bindings"`
	URL                 string            `json:"url"`
	Links               map[string]string `json:"links"`
}

// MessagingBinding is how an SMS or WhatsApp participant is reached.
type MessagingBinding struct {
	Type             string `json:"type"`
	Address          string `json:"address,omitempty"`
	ProxyAddress     string `json:"proxy_address,omitempty"`
	ProjectedAddress string `json:"projected_address,omitempty"`
}

// Participant is a participant resource.
type Participant struct {
	AccountSID           string            `json:"account_sid"`
	ConversationSID      string            `json:"conversation_sid"`
	SID                  string            `json:"sid"`
	Identity             *string           `json:"identity"`
	Attributes           string            `json:"attributes"`
	MessagingBinding     *MessagingBinding `json:"messaging_binding"`
	RoleSID              *string           `json:"role_sid"`
	DateCreated          Time              `json:"date_created"`
	DateUpdated          Time              `json:"date_updated"`
	URL                  string            `json:"url"`
	LastReadMessageIndex *int              `json:"last_read_message_index"`
	LastReadTimestamp    *string           `json:"last_read_timestamp"`
}

// Delivery summarises a message's delivery receipts.
type Delivery struct {
	Total       int    `json:"total"`
	Sent        string `json:"sent"`
	Delivered   string `json:"delivered"`
	Read        string `json:"read"`
	Failed      string `json:"failed"`
	Undelivered string `json:"undelivered"`
}

// Media describes a file attached to a message.
type Media struct {
	SID         string `json:"sid"`
	ContentType string `json:"content_type"`
	Filename    string `json:"filename"`
	Size        int64  `json:"size"`
	Category    string `json:"category"` // always "media"
}

// MediaResource is an uploaded file in the media content service
// (/mcs/v1/Services/{ChatServiceSid}/Media/{sid}).
type MediaResource struct {
	SID                 string            `json:"sid"`
	ServiceSID          string            `json:"service_sid"`
	AccountSID          string            `json:"account_sid"`
	DateCreated         Time              `json:"date_created"`
	DateUploadCompleted Time              `json:"date_upload_completed"`
	DateUpdated         Time              `json:"date_updated"`
	Size                int64             `json:"size"`
	ContentType         string            `json:"content_type"`
	Filename            *string           `json:"filename"`
	Author              string            `json:"author"`
	Category            string            `json:"category"`
	ConversationSID     *string           `json:"conversation_sid"`
	MessageSID          *string           `json:"message_sid"`
	ChannelSID          *string           `json:"channel_sid"`
	URL                 string            `json:"url"`
	Links               map[string]string `json:"links"` // content, content_direct_temporary
}

// Message is a message resource.
type Message struct {
	AccountSID      string            `json:"account_sid"`
	ConversationSID string            `json:"conversation_sid"`
	SID             string            `json:"sid"`
	Index           int               `json:"index"`
	Author          string            `json:"author"`
	Body            *string           `json:"body"`
	Media           []Media           `json:"media"`
	Attributes      string            `json:"attributes"`
	ParticipantSID  *string           `json:"participant_sid"`
	DateCreated     Time              `json:"date_created"`
	DateUpdated     Time              `json:"date_updated"`
	URL             string            `json:"url"`
	Delivery        *Delivery         `json:"delivery"`
	Links           map[string]string `json:"links"`
	ContentSID      *string           `json:"content_sid"`
}

// Receipt is a delivery receipt resource.
type Receipt struct {
	AccountSID        string  `json:"account_sid"`
	ConversationSID   string  `json:"conversation_sid"`
	SID               string  `json:"sid"`
	MessageSID        string  `json:"message_sid"`
	ChannelMessageSID *string `json:"channel_message_sid"`
	ParticipantSID    string  `json:"participant_sid"`
	Status            string  `json:"status"`
	ErrorCode         int     `json:"error_code"`
	DateCreated       Time    `json:"date_created"`
	DateUpdated       Time    `json:"date_updated"`
	URL               string  `json:"url"`
}

// User is a user resource.
type User struct {
	SID            string            `json:"sid"`
	AccountSID     string            `json:"account_sid"`
	ChatServiceSID string            `json:"chat_service_sid"`
	RoleSID        *string           `json:"role_sid"`
	Identity       string            `json:"identity"`
	FriendlyName   *string           `json:"friendly_name"`
	Attributes     string            `json:"attributes"`
	IsOnline       *bool             `json:"is_online"`
	IsNotifiable   *bool             `json:"is_notifiable"`
	DateCreated    Time              `json:"date_created"`
	DateUpdated    Time              `json:"date_updated"`
	URL            string            `json:"url"`
	Links          map[string]string `json:"links"`
}

// UserConversation is a user's view of one of its conversations.
type UserConversation struct {
	AccountSID           string            `json:"account_sid"`
	ChatServiceSID       string            `json:"chat_service_sid"`
	ConversationSID      string            `json:"conversation_sid"`
	UnreadMessagesCount  *int              `json:"unread_messages_count"`
	LastReadMessageIndex *int              `json:"last_read_message_index"`
	ParticipantSID       string            `json:"participant_sid"`
	UserSID              string            `json:"user_sid"`
	FriendlyName         *string           `json:"friendly_name"`
	ConversationState    string            `json:"conversation_state"`
	Timers               Timers            `json:"timers"`
	Attributes           string            `json:"attributes"`
	DateCreated          Time              `json:"date_created"`
	DateUpdated          Time              `json:"date_updated"`
	CreatedBy            *string           `json:"created_by"`
	NotificationLevel    string            `json:"notification_level"`
	UniqueName           *string           `json:"unique_name"`
	URL                  string            `json:"url"`
	Links                map[string]string `json:"links"`
}

// ParticipantConversation is one conversation an identity or address takes
// part in, seen from the participant.
type ParticipantConversation struct {
	AccountSID                  string            `json:"account_sid"`
	ChatServiceSID              string            `json:"chat_service_sid"`
	ParticipantSID              string            `json:"participant_sid"`
	ParticipantUserSID          *string           `json:"participant_user_sid"`
	ParticipantIdentity         *string           `json:"participant_identity"`
	ParticipantMessagingBinding *MessagingBinding `json:"participant_messaging_binding"`
	ConversationSID             string            `json:"conversation_sid"`
	ConversationUniqueName      *string           `json:"conversation_unique_name"`
	ConversationFriendlyName    *string           `json:"conversation_friendly_name"`
	ConversationAttributes      string            `json:"conversation_attributes"`
	ConversationDateCreated     Time              `json:"conversation_date_created"`
	ConversationDateUpdated     Time              `json:"conversation_date_updated"`
	ConversationCreatedBy       *string           `json:"conversation_created_by"`
	ConversationState           string            `json:"conversation_state"`
	ConversationTimers          Timers            `json:"conversation_timers"`
	Links                       map[string]string `json:"links"`
}

// Topic is what the conversation is about: the visitor's question from the
// pre-engagement form, else the conversation's name; "" if neither.
func (pc ParticipantConversation) Topic() string {
	var attrs struct {
		PreEngagement map[string]string `json:"pre_engagement_data"`
	}
	_ = json.Unmarshal([]byte(pc.ConversationAttributes), &attrs)
	if q := attrs.PreEngagement["question"]; q != "" {
		return q
	}
	if pc.ConversationFriendlyName != nil {
		return *pc.ConversationFriendlyName
	}
	return ""
}

// Configuration is the account's Conversations configuration.
type Configuration struct {
	AccountSID                 string            `json:"account_sid"`
	DefaultChatServiceSID      string            `json:"default_chat_service_sid"`
	DefaultMessagingServiceSID *string           `json:"default_messaging_service_sid"`
	DefaultInactiveTimer       *string           `json:"default_inactive_timer"`
	DefaultClosedTimer         *string           `json:"default_closed_timer"`
	URL                        string            `json:"url"`
	Links                      map[string]string `json:"links"`
}
