// Package webchat is the customer side of Parley's chat: deployments (what
// a website's embedded widget looks like and who may embed it) and the
// guest flows behind the widget: starting a chat, refreshing its token,
// ending it. It knows nothing of HTTP.
package webchat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/channels"
	"parley/server/conversations"
	"parley/server/hours"
	"parley/server/media"
	"parley/server/paging"
	"parley/server/textrule"
	"parley/shared/i18n"
	"parley/shared/sid"
)

// Limits of a deployment.
const (
	MaxOrigins        = 10
	MaxFormFields     = 12
	MaxWelcomeBytes   = 2048
	DeploymentKeyType = "CV" // Twilio's prefix for webchat deployment keys
)

// Locales a deployment may set: the languages the widget is translated
// into (i18n.Langs), or "auto", which follows the browser.
var Locales = append([]string{"auto"}, i18n.Langs()...)

// Deployment is one embedding of the widget: its look, its form, and the
// sites allowed to embed it.
type Deployment struct {
	Seq            int64 // storage order
	Key            string
	AddressSID     string
	FriendlyName   string
	AllowedOrigins []string
	Form           []Field
	WelcomeMessage string
	Theme          Theme
	Locale         string
	Attachments    AttachmentPolicy
	EmailReplies   EmailReplies // see email.go
	CSAT           CSAT
	// Hours are the team's business hours; nil is always open (see
	// hours.go).
	Hours *hours.Schedule
	// IdentitySecret signs verified identities (see VerifyIdentity). It is
	// shown to the account once, when made.
	IdentitySecret string
	Created        time.Time
	Updated        time.Time
}

// Field is one pre-engagement form field. Two names are special:
// "friendlyName" names the customer, and "question" is posted as their first
// message.
type Field struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	// Labels are the label in other languages, by language ("fr", "ar":
	// see i18n.Langs); Label is for the others. The default form's fields
	// under their English labels speak every language the widget does.
	Labels   map[string]string `json:"labels,omitempty"`
	Type     string            `json:"type"` // text, email, tel, textarea, select
	Required bool              `json:"required"`
	Options  []string          `json:"options,omitempty"` // for select
}

// FieldTypes are the kinds of form field the widget draws.
var FieldTypes = []string{"text", "email", "tel", "textarea", "select"}

// Theme is how the widget looks.
type Theme struct {
	Color    string `json:"color"`    // #rrggbb
	Mode     string `json:"mode"`     // light, dark or auto
	Position string `json:"position"` // right or left
}

// AttachmentPolicy says what files customers may send.
type AttachmentPolicy = media.Policy

// DefaultForm asks for a name, an email address and the question. Its
// labels are English here and in the visitor's language in the widget
// (i18n.Texts.Label).
func DefaultForm() []Field {
	return []Field{
		{Name: "friendlyName", Label: i18n.English.FieldName, Type: "text", Required: true},
		{Name: "email", Label: i18n.English.FieldEmail, Type: "email"},
		{Name: "question", Label: i18n.English.FieldQuestion, Type: "textarea", Required: true},
	}
}

// DeploymentParams are a deployment's settable fields; nil leaves a field
// as it is (or at its default on create).
type DeploymentParams struct {
	FriendlyName   *string
	AllowedOrigins []string // nil leaves them; an empty, non-nil slice clears them
	Form           *string  // JSON array of Field
	WelcomeMessage *string
	ThemeColor     *string
	ThemeMode      *string
	ThemePosition  *string
	Locale         *string
	Attachments    struct {
		Enabled      *bool
		MaxBytes     *int64
		AllowedTypes []string
	}
	EmailReplies  EmailRepliesParams
	CSAT          CSATParams
	BusinessHours *string // JSON of an hours.Spec; "" removes them
}

// Store keeps deployments, each with its web address.
type Store interface {
	InsertDeployment(ctx context.Context, d Deployment, a channels.Address) error
	UpdateDeployment(ctx context.Context, d Deployment) error
	DeleteDeployment(ctx context.Context, d Deployment) error // and its address
	Deployment(ctx context.Context, key string) (Deployment, error)
	DeploymentByAddress(ctx context.Context, addressSID string) (Deployment, error)
	Deployments(ctx context.Context, p paging.Request) (paging.Page[Deployment], error)
}

// Service manages deployments and runs the guest flows.
type Service struct {
	store     Store
	addresses Addresses
	conv      Conversations
	auth      Tokens
	// SelfOrigin is the server's own origin (scheme://host[:port]): the
	// widget's iframe calls from there, so it is always allowed.
	SelfOrigin string
	// GuestTokenTTL is how long a guest's token lives; the widget refreshes
	// it while open.
	GuestTokenTTL time.Duration
	Now           func() time.Time
	// Started, when set, hears of every new chat, after its conversation
	// is made: Parley routes it to an agent from there.
	Started func(ctx context.Context, d Deployment, c conversations.Conversation) error
	// AddressStarted, when set, hears of a chat the account started on a
	// web address of no deployment (Flex's POST /v2/WebChats): Parley
	// routes it as the address's auto-creation says.
	AddressStarted func(ctx context.Context, a channels.Address, c conversations.Conversation) error
	// Deleted, when set, hears of a deleted deployment, to close its
	// visitors' sessions.
	Deleted func(key string)
	// Held keeps the chats left outside business hours until the team
	// opens; nil routes them at once.
	Held HeldStore
	// Routed, when set, reports whether a held chat was routed already
	// (see RouteHeld): routing and releasing are two writes.
	Routed func(ctx context.Context, c conversations.Conversation) (bool, error)
}

// NewService returns the webchat service over the deployments' store and
// the services it stands on (see deps.go).
func NewService(store Store, addresses Addresses, conv Conversations, a Tokens, selfOrigin string) *Service {
	return &Service{store: store, addresses: addresses, conv: conv, auth: a, SelfOrigin: selfOrigin,
		GuestTokenTTL: time.Hour, Now: time.Now}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// CreateDeployment makes a deployment and its web address.
func (s *Service) CreateDeployment(ctx context.Context, p DeploymentParams) (Deployment, error) {
	now := s.now()
	d := Deployment{
		Key:            sid.New(DeploymentKeyType),
		FriendlyName:   "Webchat",
		Form:           DefaultForm(),
		WelcomeMessage: i18n.English.Welcome, // posted in the visitor's language (see Init)
		Theme:          Theme{Color: "#1f6feb", Mode: "auto", Position: "right"},
		Locale:         "auto",
		Attachments:    media.DefaultPolicy(),
		CSAT:           DefaultCSAT(),
		IdentitySecret: newSecret(),
		Created:        now,
		Updated:        now,
	}
	if err := apply(&d, p); err != nil {
		return d, err
	}
	typ, name := "web", d.FriendlyName
	a, err := s.addresses.NewAddress(channels.AddressParams{Type: &typ, Address: &d.Key, FriendlyName: &name})
	if err != nil {
		return d, err
	}
	d.AddressSID = a.SID
	return d, s.store.InsertDeployment(ctx, d, a)
}

// Deployment fetches a deployment by its key.
func (s *Service) Deployment(ctx context.Context, key string) (Deployment, error) {
	return s.store.Deployment(ctx, key)
}

// Deployments lists deployments in the order they were made.
func (s *Service) Deployments(ctx context.Context, p paging.Request) (paging.Page[Deployment], error) {
	return s.store.Deployments(ctx, p)
}

// UpdateDeployment changes a deployment.
func (s *Service) UpdateDeployment(ctx context.Context, key string, p DeploymentParams) (Deployment, error) {
	d, err := s.store.Deployment(ctx, key)
	if err != nil {
		return d, err
	}
	if err := apply(&d, p); err != nil {
		return d, err
	}
	d.Updated = s.now()
	return d, s.store.UpdateDeployment(ctx, d)
}

// RotateSecret gives a deployment a new identity secret; identities signed
// with the old one are refused from then on.
func (s *Service) RotateSecret(ctx context.Context, key string) (Deployment, error) {
	d, err := s.store.Deployment(ctx, key)
	if err != nil {
		return d, err
	}
	d.IdentitySecret, d.Updated = newSecret(), s.now()
	return d, s.store.UpdateDeployment(ctx, d)
}

// DeleteDeployment removes a deployment and its address. Its conversations
// stay.
func (s *Service) DeleteDeployment(ctx context.Context, key string) error {
	d, err := s.store.Deployment(ctx, key)
	if err != nil {
		return err
	}
	if err := s.store.DeleteDeployment(ctx, d); err != nil {
		return err
	}
	if s.Deleted != nil {
		s.Deleted(key)
	}
	return nil
}

// CheckGuest vouches for a guest's token: the deployment it came through
// still exists. A deleted deployment's visitors are refused.
func (s *Service) CheckGuest(ctx context.Context, key string) error {
	_, err := s.store.Deployment(ctx, key)
	if apperr.Is(err, apperr.NotFound) {
		return apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized,
			"Access token refused: webchat deployment %s was deleted", key)
	}
	return err
}

func newSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("webchat: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

var (
	colorRE     = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	fieldNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,39}$`)
)

func invalid(format string, args ...any) error {
	return apperr.Invalidf(apperr.CodeBadRequest, format, args...)
}

// apply checks p and sets it on d.
func apply(d *Deployment, p DeploymentParams) error {
	if p.FriendlyName != nil {
		if n := strings.TrimSpace(*p.FriendlyName); n == "" || len(n) > 256 {
			return invalid("FriendlyName must be 1 to 256 characters")
		}
		if err := textrule.Name("FriendlyName", *p.FriendlyName); err != nil {
			return err // the widget's header shows it to every visitor
		}
		d.FriendlyName = strings.TrimSpace(*p.FriendlyName)
	}
	if p.AllowedOrigins != nil {
		origins, err := checkOrigins(p.AllowedOrigins)
		if err != nil {
			return err
		}
		d.AllowedOrigins = origins
	}
	if p.Form != nil {
		form, err := checkForm(*p.Form)
		if err != nil {
			return err
		}
		d.Form = form
	}
	if p.WelcomeMessage != nil {
		if len(*p.WelcomeMessage) > MaxWelcomeBytes {
			return invalid("WelcomeMessage is %d bytes; the limit is %d", len(*p.WelcomeMessage), MaxWelcomeBytes)
		}
		d.WelcomeMessage = strings.TrimSpace(*p.WelcomeMessage)
	}
	if p.ThemeColor != nil {
		if !colorRE.MatchString(*p.ThemeColor) {
			return invalid("Theme.Color %q must be a colour as #rrggbb", *p.ThemeColor)
		}
		d.Theme.Color = strings.ToLower(*p.ThemeColor)
	}
	if err := oneOf(&d.Theme.Mode, p.ThemeMode, "Theme.Mode", "light", "dark", "auto"); err != nil {
		return err
	}
	if err := oneOf(&d.Theme.Position, p.ThemePosition, "Theme.Position", "right", "left"); err != nil {
		return err
	}
	if err := oneOf(&d.Locale, p.Locale, "Locale", Locales...); err != nil {
		return err
	}
	if p.BusinessHours != nil {
		h, err := checkHours(*p.BusinessHours)
		if err != nil {
			return err
		}
		d.Hours = h
	}
	a := p.Attachments
	if a.Enabled != nil {
		d.Attachments.Enabled = *a.Enabled
	}
	if a.MaxBytes != nil {
		if *a.MaxBytes < 1 || *a.MaxBytes > media.LimitMaxBytes {
			return invalid("Attachments.MaxBytes must be between 1 and %d (150 MiB), got %d", media.LimitMaxBytes, *a.MaxBytes)
		}
		d.Attachments.MaxBytes = *a.MaxBytes
	}
	if a.AllowedTypes != nil {
		for _, t := range a.AllowedTypes {
			if !slices.Contains(media.Types, t) {
				return invalid("Attachments.AllowedTypes: %q is not one of %s", t, strings.Join(media.Types, ", "))
			}
		}
		d.Attachments.AllowedTypes = slices.Compact(slices.Sorted(slices.Values(a.AllowedTypes)))
	}
	if err := applyEmailReplies(d, p.EmailReplies); err != nil {
		return err
	}
	return applyCSAT(&d.CSAT, p.CSAT)
}

func oneOf(dst, v *string, param string, allowed ...string) error {
	if v == nil {
		return nil
	}
	if !slices.Contains(allowed, *v) {
		return invalid("%s %q is not one of %s", param, *v, strings.Join(allowed, ", "))
	}
	*dst = *v
	return nil
}

// checkOrigins normalises allowed origins: scheme://host[:port], where the
// host may start with "*." to allow every subdomain.
func checkOrigins(in []string) ([]string, error) {
	if len(in) > MaxOrigins {
		return nil, invalid("AllowedOrigins has %d entries; the limit is %d", len(in), MaxOrigins)
	}
	out := make([]string, 0, len(in))
	for _, o := range in {
		u, err := url.Parse(strings.TrimSpace(o))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil || u.Fragment != "" {
			return nil, invalid("AllowedOrigins: %q is not an origin; write it as https://shop.example.com (or https://*.example.com)", o)
		}
		host := strings.TrimPrefix(u.Hostname(), "*.")
		if host == "" || strings.Contains(host, "*") {
			return nil, invalid("AllowedOrigins: %q may have a wildcard only as its first label, as in https://*.example.com", o)
		}
		out = append(out, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	return slices.Compact(slices.Sorted(slices.Values(out))), nil
}

func checkForm(raw string) ([]Field, error) {
	var form []Field
	if err := json.Unmarshal([]byte(raw), &form); err != nil {
		return nil, invalid("PreEngagementForm must be a JSON array of fields {name, label, labels, type, required, options}: %v", err)
	}
	if len(form) > MaxFormFields {
		return nil, invalid("PreEngagementForm has %d fields; the limit is %d", len(form), MaxFormFields)
	}
	seen := map[string]bool{}
	for i, f := range form {
		switch {
		case !fieldNameRE.MatchString(f.Name):
			return nil, invalid("PreEngagementForm field %d: name %q must be letters, digits and _ (up to 40), starting with a letter", i+1, f.Name)
		case seen[f.Name]:
			return nil, invalid("PreEngagementForm field %d: name %q is used twice", i+1, f.Name)
		case f.Label == "" || len(f.Label) > 200:
			return nil, invalid("PreEngagementForm field %q: label must be 1 to 200 characters", f.Name)
		case !slices.Contains(FieldTypes, f.Type):
			return nil, invalid("PreEngagementForm field %q: type %q is not one of %s", f.Name, f.Type, strings.Join(FieldTypes, ", "))
		case f.Type == "select" && len(f.Options) == 0:
			return nil, invalid("PreEngagementForm field %q: a select needs options", f.Name)
		}
		for lang, l := range f.Labels {
			switch {
			case !i18n.Speaks(lang):
				return nil, invalid("PreEngagementForm field %q: labels has %q; its keys are languages the widget speaks: %s",
					f.Name, lang, strings.Join(i18n.Langs(), ", "))
			case l == "" || len(l) > 200:
				return nil, invalid("PreEngagementForm field %q: its %s label must be 1 to 200 characters", f.Name, lang)
			}
		}
		seen[f.Name] = true
	}
	return form, nil
}

// AnyAllows reports whether some deployment allows a browser page at
// origin: such a page may open the realtime socket itself.
func (s *Service) AnyAllows(ctx context.Context, origin string) bool {
	req := paging.Request{Size: 100}
	for {
		page, err := s.store.Deployments(ctx, req)
		if err != nil {
			return false
		}
		for _, d := range page.Items {
			if d.AllowsOrigin(origin, s.SelfOrigin) {
				return true
			}
		}
		if !page.HasNext || len(page.Items) == 0 {
			return false
		}
		last := page.Items[len(page.Items)-1].Seq
		req.After = &last
	}
}

// AllowsOrigin reports whether a browser page at origin may use this
// deployment: the server's own pages (the widget's iframe), and the
// deployment's allowed origins.
func (d Deployment) AllowsOrigin(origin, self string) bool {
	if origin == self {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	for _, allowed := range d.AllowedOrigins {
		a, _ := url.Parse(allowed)
		if a.Scheme != u.Scheme {
			continue
		}
		if host, ok := strings.CutPrefix(a.Host, "*."); ok {
			if strings.HasSuffix(strings.ToLower(u.Host), "."+host) {
				return true
			}
		} else if strings.EqualFold(a.Host, u.Host) {
			return true
		}
	}
	return false
}
