// Package channels is how customers reach Parley outside the chat API:
// address configurations (a phone number, a WhatsApp sender, a webchat
// deployment) and what happens when a message arrives on one.
package channels

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/outbound"
	"parley/server/paging"
	"parley/shared/sid"
)

// Address types Twilio's Configuration/Addresses accepts.
var Types = []string{"sms", "whatsapp", "messenger", "gbm", "email", "rcs", "apple", "chat", "web"}

// Auto-creation types: hand the new conversation to a webhook, a Studio flow,
// or (Parley's "default") to routing.
var AutoCreationTypes = []string{"webhook", "studio", "default"}

// Address is an address configuration: where customers write from the
// outside, and what to do with a message from someone new.
type Address struct {
	Key          int64
	SID          string
	AccountSID   string
	Type         string
	Address      string
	FriendlyName string
	Country      string
	AutoCreation AutoCreation
	// Channel is Parley's own setting: how messages reach this address
	// and where new conversations go.
	Channel Channel
	Created time.Time
	Updated time.Time
}

// AutoCreation says whether and how a message from a new sender starts a
// conversation.
type AutoCreation struct {
	Enabled                bool     `json:"enabled"`
	Type                   string   `json:"type,omitempty"`
	ConversationServiceSID string   `json:"conversation_service_sid,omitempty"`
	WebhookURL             string   `json:"webhook_url,omitempty"`
	WebhookMethod          string   `json:"webhook_method,omitempty"`
	WebhookFilters         []string `json:"webhook_filters,omitempty"`
	StudioFlowSID          string   `json:"studio_flow_sid,omitempty"`
	StudioRetryCount       int      `json:"studio_retry_count,omitempty"`
}

// Channel says which adapter carries an SMS or WhatsApp address's messages
// and, for auto-creation type "default", where routing sends new
// conversations: Parley's stand-in for a Studio flow's "Send to Flex".
type Channel struct {
	Adapter string  `json:"adapter,omitempty"` // twilio, generic or simulator
	Routing Routing `json:"routing"`
	// CSAT is the satisfaction survey texted when a conversation ends.
	CSAT Survey `json:"csat,omitzero"`
	// QueueUpdates texts a waiting customer who writes their place in line.
	QueueUpdates QueueUpdates `json:"queue_updates,omitzero"`
}

// Routing names the TaskRouter workflow a new conversation is routed by.
// Empty fields fall back to the desk's workspace and workflow.
type Routing struct {
	WorkspaceSID string `json:"workspace_sid,omitempty"`
	WorkflowSID  string `json:"workflow_sid,omitempty"`
	TaskChannel  string `json:"task_channel,omitempty"` // default: the address type
	Attributes   string `json:"attributes,omitempty"`   // JSON object merged into the task's
}

// Adapters are the ways an SMS or WhatsApp address is connected.
var Adapters = []string{"twilio", "generic", "simulator"}

// AddressParams are an address's settable fields; nil leaves a field as it is.
type AddressParams struct {
	Type, Address, FriendlyName, Country *string
	AutoCreation                         AutoCreationParams
	Adapter                              *string
	Routing                              RoutingParams
	CSAT                                 SurveyParams
	QueueUpdates                         QueueUpdatesParams
}

// RoutingParams are Routing's settable fields.
type RoutingParams struct {
	WorkspaceSID, WorkflowSID, TaskChannel, Attributes *string
}

// AutoCreationParams are AutoCreation's settable fields.
type AutoCreationParams struct {
	Enabled                                                       *bool
	Type, ConversationServiceSID, WebhookURL, WebhookMethod, Flow *string
	WebhookFilters                                                []string
	RetryCount                                                    *int
}

// Store keeps addresses.
type Store interface {
	InsertAddress(ctx context.Context, a Address) error
	UpdateAddress(ctx context.Context, a Address) error
	DeleteAddress(ctx context.Context, sid string) error
	Address(ctx context.Context, sid string) (Address, error)
	Addresses(ctx context.Context, typ string, p paging.Request) (paging.Page[Address], error)
	// AddressByValue finds the address configuration of one number.
	AddressByValue(ctx context.Context, typ, address string) (Address, error)
}

// Service manages address configurations.
type Service struct {
	store      Store
	accountSID string
	Now        func() time.Time
	// CheckURL is the outbound policy's check of a webhook URL being
	// saved (an error for the caller naming param). NewService sets the
	// default policy's, which refuses every private range.
	CheckURL func(param, raw string) error
}

// NewService returns the address service over store.
func NewService(store Store, accountSID string) *Service {
	return &Service{store: store, accountSID: accountSID, Now: time.Now, CheckURL: (*outbound.Policy)(nil).Check}
}

// NewAddress checks p and returns the address it describes, not yet stored.
// The webchat service uses it to store an address with its deployment.
func (s *Service) NewAddress(p AddressParams) (Address, error) {
	now := s.Now().UTC().Truncate(time.Millisecond)
	a := Address{SID: sid.New(sid.Address), AccountSID: s.accountSID, Created: now, Updated: now}
	if p.Type == nil || *p.Type == "" {
		return a, apperr.Invalidf(apperr.CodeBadRequest, "Type is required: one of %s", strings.Join(Types, ", "))
	}
	if p.Address == nil || *p.Address == "" {
		return a, apperr.Invalidf(apperr.CodeBadRequest, "Address is required: the phone number, sender or deployment key customers write to")
	}
	return a, s.apply(&a, p)
}

// CreateAddress stores a new address configuration.
func (s *Service) CreateAddress(ctx context.Context, p AddressParams) (Address, error) {
	a, err := s.NewAddress(p)
	if err != nil {
		return a, err
	}
	return a, s.store.InsertAddress(ctx, a)
}

// UpdateAddress changes an address configuration; its type and address stay.
func (s *Service) UpdateAddress(ctx context.Context, sid string, p AddressParams) (Address, error) {
	a, err := s.store.Address(ctx, sid)
	if err != nil {
		return a, err
	}
	if p.Type != nil && *p.Type != a.Type || p.Address != nil && *p.Address != a.Address {
		return a, apperr.Invalidf(apperr.CodeBadRequest, "Type and Address cannot change; delete the address and create another")
	}
	if err := s.apply(&a, p); err != nil {
		return a, err
	}
	a.Updated = s.Now().UTC().Truncate(time.Millisecond)
	return a, s.store.UpdateAddress(ctx, a)
}

// Address fetches one address configuration.
func (s *Service) Address(ctx context.Context, sid string) (Address, error) {
	return s.store.Address(ctx, sid)
}

// Addresses lists address configurations, of one type when typ is set.
func (s *Service) Addresses(ctx context.Context, typ string, p paging.Request) (paging.Page[Address], error) {
	if typ != "" && !slices.Contains(Types, typ) {
		return paging.Page[Address]{}, apperr.Invalidf(apperr.CodeBadRequest, "Type %q is not one of %s", typ, strings.Join(Types, ", "))
	}
	return s.store.Addresses(ctx, typ, p)
}

// DeleteAddress removes an address configuration.
func (s *Service) DeleteAddress(ctx context.Context, sid string) error {
	if _, err := s.store.Address(ctx, sid); err != nil {
		return err
	}
	return s.store.DeleteAddress(ctx, sid)
}

func (s *Service) apply(a *Address, p AddressParams) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&a.Type, p.Type)
	set(&a.Address, p.Address)
	set(&a.FriendlyName, p.FriendlyName)
	set(&a.Country, p.Country)
	if !slices.Contains(Types, a.Type) {
		return apperr.Invalidf(apperr.CodeBadRequest, "Type %q is not one of %s", a.Type, strings.Join(Types, ", "))
	}
	if len(a.Address) > 256 || len(a.FriendlyName) > 256 {
		return apperr.Invalidf(apperr.CodeBadRequest, "Address and FriendlyName are at most 256 characters")
	}
	ac, q := &a.AutoCreation, p.AutoCreation
	if q.Enabled != nil {
		ac.Enabled = *q.Enabled
	}
	set(&ac.Type, q.Type)
	set(&ac.ConversationServiceSID, q.ConversationServiceSID)
	set(&ac.WebhookURL, q.WebhookURL)
	set(&ac.WebhookMethod, q.WebhookMethod)
	set(&ac.StudioFlowSID, q.Flow)
	if q.WebhookFilters != nil {
		ac.WebhookFilters = q.WebhookFilters
	}
	if q.RetryCount != nil {
		ac.StudioRetryCount = *q.RetryCount
	}
	if ac.Type != "" && !slices.Contains(AutoCreationTypes, ac.Type) {
		return apperr.Invalidf(apperr.CodeBadRequest, "AutoCreation.Type %q is not one of %s", ac.Type, strings.Join(AutoCreationTypes, ", "))
	}
	if ac.Enabled && ac.Type == "" {
		return apperr.Invalidf(apperr.CodeBadRequest, "AutoCreation.Type is required when AutoCreation.Enabled is true")
	}
	if ac.Type == "webhook" && ac.Enabled {
		if u, err := url.Parse(ac.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return apperr.Invalidf(apperr.CodeBadRequest, "AutoCreation.WebhookUrl %q must be an http(s) URL", ac.WebhookURL)
		}
	}
	if ac.WebhookURL != "" {
		// Checked whenever one is set, auto-creation on or off, so that
		// no stored URL escapes the policy.
		if err := s.CheckURL("AutoCreation.WebhookUrl", ac.WebhookURL); err != nil {
			return err
		}
	}
	if err := applyChannel(a, p); err != nil {
		return err
	}
	if m := strings.ToUpper(ac.WebhookMethod); m != "" && m != "GET" && m != "POST" {
		return apperr.Invalidf(apperr.CodeBadRequest, "AutoCreation.WebhookMethod must be GET or POST, got %q", ac.WebhookMethod)
	} else {
		ac.WebhookMethod = m
	}
	return nil
}

// AddressByValue finds the address configuration of one number, or
// NotFound.
func (s *Service) AddressByValue(ctx context.Context, typ, address string) (Address, error) {
	return s.store.AddressByValue(ctx, typ, address)
}

func applyChannel(a *Address, p AddressParams) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	ch, r := &a.Channel, p.Routing
	set(&ch.Adapter, p.Adapter)
	set(&ch.Routing.WorkspaceSID, r.WorkspaceSID)
	set(&ch.Routing.WorkflowSID, r.WorkflowSID)
	set(&ch.Routing.TaskChannel, r.TaskChannel)
	set(&ch.Routing.Attributes, r.Attributes)
	if err := applySurvey(a, p.CSAT); err != nil {
		return err
	}
	if err := applyQueueUpdates(a, p.QueueUpdates); err != nil {
		return err
	}
	messaging := a.Type == "sms" || a.Type == "whatsapp"
	if !messaging {
		if ch.Adapter != "" {
			return apperr.Invalidf(apperr.CodeBadRequest, "Parley.Adapter applies to sms and whatsapp addresses only")
		}
		return nil
	}
	if _, err := CheckAddress(a.Type, a.Address, "Address"); err != nil {
		return err
	}
	if ch.Adapter == "" {
		ch.Adapter = "twilio"
	}
	if !slices.Contains(Adapters, ch.Adapter) {
		return apperr.Invalidf(apperr.CodeBadRequest, "Parley.Adapter %q is not one of %s", ch.Adapter, strings.Join(Adapters, ", "))
	}
	if attrs := ch.Routing.Attributes; attrs != "" {
		var m map[string]any
		if json.Unmarshal([]byte(attrs), &m) != nil {
			return apperr.Invalidf(apperr.CodeInvalidAttributes, "Parley.Routing.Attributes must be a JSON object, got %q", attrs)
		}
	}
	return nil
}
