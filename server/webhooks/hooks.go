package webhooks

import (
	"context"
	"slices"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/paging"
	"parley/shared/sid"
)

// Hook is a conversation-scoped webhook (/Conversations/{sid}/Webhooks).
type Hook struct {
	Key             int64
	SID             string
	AccountSID      string
	ConversationSID string
	Target          string // webhook or trigger
	HookConfig
	Created, Updated time.Time
}

// HookConfig is a Hook's Configuration.
type HookConfig struct {
	URL      string   `json:"url,omitempty"`
	Method   string   `json:"method,omitempty"`
	Filters  []string `json:"filters,omitempty"`
	Triggers []string `json:"triggers,omitempty"`
	FlowSID  string   `json:"flow_sid,omitempty"`
}

// HookParams are a Hook's settable fields.
type HookParams struct {
	Target, URL, Method, FlowSID *string
	Filters, Triggers            []string
}

// MaxHooksPerConversation is Twilio's limit.
const MaxHooksPerConversation = 5

// Hooks lists a conversation's webhooks.
func (e *Events) Hooks(ctx context.Context, convRef string, p paging.Request) (paging.Page[Hook], error) {
	c, err := e.convs.Conversation(ctx, convRef)
	if err != nil {
		return paging.Page[Hook]{}, err
	}
	e.mu.RLock()
	hooks := slices.Clone(e.hooks[c.SID])
	e.mu.RUnlock()
	// At most five: one page holds them all.
	return paging.Page[Hook]{Items: hooks}, nil
}

// Hook fetches one of a conversation's webhooks.
func (e *Events) Hook(ctx context.Context, convRef, hookSID string) (Hook, error) {
	c, err := e.convs.Conversation(ctx, convRef)
	if err != nil {
		return Hook{}, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, h := range e.hooks[c.SID] {
		if h.SID == hookSID {
			return h, nil
		}
	}
	return Hook{}, apperr.NotFoundf("The requested resource Webhook %s was not found in conversation %s", hookSID, c.SID)
}

// CreateHook adds a webhook to a conversation.
func (e *Events) CreateHook(ctx context.Context, convRef string, p HookParams) (Hook, error) {
	c, err := e.convs.Conversation(ctx, convRef)
	if err != nil {
		return Hook{}, err
	}
	now := e.Now().UTC().Truncate(time.Millisecond)
	h := Hook{SID: sid.New(sid.Webhook), AccountSID: e.accountSID, ConversationSID: c.SID, Created: now, Updated: now,
		HookConfig: HookConfig{Method: "POST"}}
	if p.Target == nil || *p.Target == "" {
		return h, apperr.Invalidf(apperr.CodeBadRequest, "Target is required: webhook or trigger")
	}
	if err := e.applyHook(&h, p); err != nil {
		return h, err
	}
	e.mu.Lock()
	defer e.mu.Unlock() // held across the write so two creates cannot both pass the limit
	if len(e.hooks[c.SID]) >= MaxHooksPerConversation {
		return h, apperr.Invalidf(apperr.CodeBadRequest, "Conversation %s already has %d webhooks, the most it may have; delete one first", c.SID, MaxHooksPerConversation)
	}
	if h.Key, err = e.store.InsertHook(ctx, h); err != nil {
		return h, err
	}
	e.hooks[c.SID] = append(e.hooks[c.SID], h)
	e.changed(c.SID)
	return h, nil
}

// UpdateHook changes a conversation's webhook.
func (e *Events) UpdateHook(ctx context.Context, convRef, hookSID string, p HookParams) (Hook, error) {
	h, err := e.Hook(ctx, convRef, hookSID)
	if err != nil {
		return h, err
	}
	if p.Target != nil && *p.Target != h.Target {
		return h, apperr.Invalidf(apperr.CodeBadRequest, "Target cannot change; delete the webhook and create another")
	}
	if err := e.applyHook(&h, p); err != nil {
		return h, err
	}
	h.Updated = e.Now().UTC().Truncate(time.Millisecond)
	if err := e.store.UpdateHook(ctx, h); err != nil {
		return h, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, old := range e.hooks[h.ConversationSID] {
		if old.SID == h.SID {
			e.hooks[h.ConversationSID][i] = h
		}
	}
	e.changed(h.ConversationSID)
	return h, nil
}

// DeleteHook removes a conversation's webhook.
func (e *Events) DeleteHook(ctx context.Context, convRef, hookSID string) error {
	h, err := e.Hook(ctx, convRef, hookSID)
	if err != nil {
		return err
	}
	if err := e.store.DeleteHook(ctx, h.SID); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hooks[h.ConversationSID] = slices.DeleteFunc(e.hooks[h.ConversationSID], func(o Hook) bool { return o.SID == h.SID })
	e.changed(h.ConversationSID)
	return nil
}

func (e *Events) applyHook(h *Hook, p HookParams) error {
	if p.Target != nil {
		h.Target = strings.TrimSpace(*p.Target)
	}
	if p.URL != nil {
		h.URL = strings.TrimSpace(*p.URL)
	}
	if p.Method != nil {
		h.Method = strings.ToUpper(strings.TrimSpace(*p.Method))
	}
	if p.FlowSID != nil {
		h.FlowSID = strings.TrimSpace(*p.FlowSID)
	}
	if p.Filters != nil {
		h.Filters = p.Filters
	}
	if p.Triggers != nil {
		h.Triggers = p.Triggers
	}
	switch h.Target {
	case "webhook", "trigger":
	case "studio":
		return apperr.Invalidf(apperr.CodeBadRequest, "Target studio needs Twilio Studio, which Parley does not run; use webhook or trigger")
	default:
		return apperr.Invalidf(apperr.CodeBadRequest, "Target %q is not one of webhook, trigger", h.Target)
	}
	if err := e.checkURL("Configuration.Url", h.URL, true); err != nil {
		return err
	}
	if err := checkMethod("Configuration.Method", h.Method); err != nil {
		return err
	}
	if err := checkFilters(h.Filters, PostEvents); err != nil {
		return err
	}
	if h.Target == "trigger" && len(h.Triggers) == 0 {
		return apperr.Invalidf(apperr.CodeBadRequest, "A trigger webhook needs Configuration.Triggers: the words that fire it")
	}
	return nil
}

func triggered(body string, words []string) bool {
	fields := strings.FieldsFunc(strings.ToLower(body), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	})
	for _, w := range words {
		if slices.Contains(fields, strings.ToLower(w)) {
			return true
		}
	}
	return false
}
