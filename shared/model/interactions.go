package model

import "encoding/json"

// Flex Interactions resources, in Twilio's JSON shape.

// Interaction is one contact with a customer.
type Interaction struct {
	SID                   string            `json:"sid"`
	Channel               json.RawMessage   `json:"channel"`
	Routing               json.RawMessage   `json:"routing"`
	InteractionContextSID *string           `json:"interaction_context_sid"`
	WebhookTTID           *string           `json:"webhook_ttid"`
	URL                   string            `json:"url"`
	Links                 map[string]string `json:"links"`
}

// InteractionChannel is an interaction's conversation.
type InteractionChannel struct {
	SID            string            `json:"sid"`
	InteractionSID string            `json:"interaction_sid"`
	Type           string            `json:"type"`
	Status         string            `json:"status"`
	ErrorCode      *int              `json:"error_code"`
	ErrorMessage   *string           `json:"error_message"`
	URL            string            `json:"url"`
	Links          map[string]string `json:"links"`
}

// InteractionParticipant is someone on an interaction channel.
type InteractionParticipant struct {
	SID               string         `json:"sid"`
	Type              string         `json:"type"`
	Status            string         `json:"status"`
	InteractionSID    string         `json:"interaction_sid"`
	ChannelSID        string         `json:"channel_sid"`
	RoutingProperties map[string]any `json:"routing_properties"`
	URL               string         `json:"url"`
}

// InteractionInvite asks another worker onto a channel.
type InteractionInvite struct {
	SID            string          `json:"sid"`
	InteractionSID string          `json:"interaction_sid"`
	ChannelSID     string          `json:"channel_sid"`
	Routing        json.RawMessage `json:"routing"`
	URL            string          `json:"url"`
}

// InteractionTransfer hands a channel to another worker or a queue.
type InteractionTransfer struct {
	SID            string  `json:"sid"`
	InstanceSID    *string `json:"instance_sid"`
	AccountSID     string  `json:"account_sid"`
	InteractionSID string  `json:"interaction_sid"`
	ChannelSID     string  `json:"channel_sid"`
	ExecutionSID   *string `json:"execution_sid"`
	Type           string  `json:"type"`
	Status         string  `json:"status"`
	From           string  `json:"from"`
	To             string  `json:"to"`
	NoteSID        *string `json:"note_sid"`
	SummarySID     *string `json:"summary_sid"`
	TaskSID        string  `json:"task_sid"`
	DateCreated    Time    `json:"date_created"`
	DateUpdated    Time    `json:"date_updated"`
	URL            string  `json:"url"`
}
