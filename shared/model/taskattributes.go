package model

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// TaskAttributes are the attributes of a conversation's TaskRouter task, as
// Flex names them: what Interactions, the web chat and the channels write,
// and what the desk, reports, CSAT and the queue views read. The JSON
// names are Flex's wire names and must not change.
//
// A task's attributes are also the customer's JSON (their Studio flow,
// their workflow's expressions, their integrations): Other keeps every key
// this type does not name, and every named key whose value does not fit
// its field, as it was written, so that a read-modify-write loses nothing.
type TaskAttributes struct {
	ConversationSID string `json:"conversationSid,omitempty"`
	InteractionSID  string `json:"flexInteractionSid,omitempty"`
	ChannelSID      string `json:"flexInteractionChannelSid,omitempty"` // the interaction channel
	ChannelType     string `json:"channelType,omitempty"`               // web, sms, whatsapp ...
	Direction       string `json:"direction,omitempty"`                 // inbound or outbound
	CustomerName    string `json:"customerName,omitempty"`
	CustomerAddress string `json:"customerAddress,omitempty"` // the customer's identity or address
	From            string `json:"from,omitempty"`
	To              string `json:"to,omitempty"`
	AddressSID      string `json:"addressSid,omitempty"` // the web address a chat started on

	// PreEngagement holds the web chat form's answers by field name, and
	// Labels the form's label of each.
	PreEngagement  map[string]string `json:"pre_engagement_data,omitempty"`
	Labels         map[string]string `json:"pre_engagement_labels,omitempty"`
	DeploymentKey  string            `json:"deploymentKey,omitempty"`
	DeploymentName string            `json:"deploymentName,omitempty"`

	// Marks of the task an invite or a transfer made.
	InviteSID             string `json:"flexChannelInviteSid,omitempty"`
	TransferSID           string `json:"flexTransferSid,omitempty"`
	TransferringWorkerSID string `json:"transferringWorkerSid,omitempty"`
	TransferType          string `json:"transferType,omitempty"` // warm or cold

	// LeftWhileAwayAt is when a chat was left outside business hours
	// (RFC 3339), and RepliesByEmail whether Parley emails the customer
	// the replies they leave unread.
	LeftWhileAwayAt string `json:"left_while_away_at,omitempty"`
	RepliesByEmail  bool   `json:"replies_by_email,omitempty"`

	Conversations TaskConversation `json:"conversations,omitzero"`

	// Other holds the keys above did not take, as written.
	Other map[string]json.RawMessage `json:"-"`
}

// TaskConversation is Flex's nested "conversations" object of a task's
// attributes, the one Flex Insights reads: how the conversation started,
// how it ended (the agent's outcome) and the customer's rating.
type TaskConversation struct {
	ConversationID string `json:"conversation_id,omitempty"` // the interaction
	InitiatedBy    string `json:"initiated_by,omitempty"`    // customer or agent
	Outcome        string `json:"outcome,omitempty"`         // the agent's disposition
	// CSAT is the customer's satisfaction score. Flex Insights has no
	// task attribute for it (it keeps surveys apart), so Parley names its
	// own beside Flex's outcome; any scale works (1–5, 0–10), as reports
	// only average it.
	CSAT *Score `json:"csat,omitempty"`

	// Other holds the keys above did not take, as written.
	Other map[string]json.RawMessage `json:"-"`
}

// Score is a CSAT score. It reads a JSON number or a numeric string ("4",
// as a form may post it); anything else ("NaN" included) is no score, and
// stays in Other as written. It is written as a number.
type Score float64

// Keys of TaskAttributes that routing looks up by name (task expressions,
// WaitingWith): the JSON names of ConversationSID and ChannelSID.
const (
	TaskAttrConversationSID = "conversationSid"
	TaskAttrChannelSID      = "flexInteractionChannelSid"
)

// TaskAttributesOf reads a task's attributes; the zero TaskAttributes if
// they are not a JSON object (as a task's attributes always are).
func TaskAttributesOf(attributes string) TaskAttributes {
	a, _ := ParseTaskAttributes(attributes)
	return a
}

// ParseTaskAttributes reads a task's attributes, or fails if they are not
// a JSON object.
func ParseTaskAttributes(attributes string) (TaskAttributes, error) {
	var a TaskAttributes
	err := json.Unmarshal([]byte(attributes), &a)
	return a, err
}

// String is the attributes as JSON, Other's keys included.
func (a TaskAttributes) String() string {
	b, _ := json.Marshal(a) // nothing in it fails to marshal
	return string(b)
}

// Merge is a with the keys over sets written over a's own: over's named
// fields that are set, and over's Other keys. A key is replaced whole
// (conversations included), as a JSON object merge does at the top level.
func (a TaskAttributes) Merge(over TaskAttributes) TaskAttributes {
	base, _ := rawKeys(a)
	top, _ := rawKeys(over)
	for k, v := range top {
		base[k] = v
	}
	b, _ := json.Marshal(base)
	var out TaskAttributes
	_ = json.Unmarshal(b, &out)
	return out
}

// MarshalJSON writes the named fields over Other's keys.
func (a TaskAttributes) MarshalJSON() ([]byte, error) {
	type plain TaskAttributes
	return marshalWith(plain(a), a.Other)
}

// UnmarshalJSON fills the named fields and keeps the rest in Other.
func (a *TaskAttributes) UnmarshalJSON(b []byte) error {
	type plain TaskAttributes
	var p plain
	other, err := unmarshalKnown(b, &p)
	if err != nil {
		return err
	}
	*a = TaskAttributes(p)
	a.Other = other
	return nil
}

// IsZero reports whether no key is set, so that an empty conversations
// object is not written.
func (c TaskConversation) IsZero() bool {
	return c.ConversationID == "" && c.InitiatedBy == "" && c.Outcome == "" && c.CSAT == nil && len(c.Other) == 0
}

// MarshalJSON writes the named fields over Other's keys.
func (c TaskConversation) MarshalJSON() ([]byte, error) {
	type plain TaskConversation
	return marshalWith(plain(c), c.Other)
}

// UnmarshalJSON fills the named fields and keeps the rest in Other.
func (c *TaskConversation) UnmarshalJSON(b []byte) error {
	type plain TaskConversation
	var p plain
	other, err := unmarshalKnown(b, &p)
	if err != nil {
		return err
	}
	*c = TaskConversation(p)
	c.Other = other
	return nil
}

// ScoreOf is a CSAT score of score.
func ScoreOf(score float64) *Score {
	s := Score(score)
	return &s
}

// UnmarshalJSON reads a finite number, given as a number or a numeric string.
func (s *Score) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case string:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(n), 64); err != nil {
			return err
		}
	default:
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[Score]()}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[Score]()}
	}
	*s = Score(f)
	return nil
}

// marshalWith writes the JSON object of fields (a struct) with other's
// keys added where fields does not set them; keys sorted, as a map's are.
func marshalWith(fields any, other map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(fields)
	if err != nil || len(other) == 0 {
		return b, err
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range other {
		if _, set := m[k]; !set {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// unmarshalKnown fills the fields of the struct v points to from the keys
// of the object b that their json tags name, one key at a time, and
// returns the keys it did not take: those it does not name, and those
// whose value does not fit the field (a customer's customerName of 42), so
// that writing the object back keeps them.
func unmarshalKnown(b []byte, v any) (map[string]json.RawMessage, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	if raw == nil { // null
		return nil, nil
	}
	rv := reflect.ValueOf(v).Elem()
	for i := range rv.NumField() {
		name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
		r, ok := raw[name]
		if name == "" || name == "-" || !ok {
			continue
		}
		field := rv.Field(i)
		if err := json.Unmarshal(r, field.Addr().Interface()); err != nil {
			field.SetZero()
			continue
		}
		delete(raw, name)
	}
	if len(raw) == 0 {
		return nil, nil
	}
	return raw, nil
}

// rawKeys is the attributes' JSON object, key by key.
func rawKeys(a TaskAttributes) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	m := map[string]json.RawMessage{}
	return m, json.Unmarshal(b, &m)
}
