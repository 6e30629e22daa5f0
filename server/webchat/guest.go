package webchat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"parley/server/apperr"
	"parley/server/auth"
	"parley/server/conversations"
	"parley/server/identity"
	"parley/server/paging"
	"parley/server/textrule"
	"parley/shared/i18n"
)

// Guest limits.
const (
	MaxPreEngagementBytes = 8 << 10
	MaxFieldBytes         = 4 << 10
	// WelcomeAuthor is the author of a deployment's welcome message, as
	// Flex's webchat names its bot.
	WelcomeAuthor = identity.Welcome
)

// InitParams start a guest's chat, as the widget's form sends them.
type InitParams struct {
	DeploymentKey        string
	Origin               string // the calling page's Origin header; empty outside browsers
	CustomerFriendlyName string
	PreEngagementData    string // JSON object, field name → answer
	// IdentityToken, when set, is a JWT the website signed with the
	// deployment's identity secret, naming its logged-in customer.
	IdentityToken string
	// Locale is the visitor's language (the widget's), for a deployment
	// whose locale is "auto": the default welcome is posted in it.
	Locale string
}

// Chat is a guest's way into a conversation.
type Chat struct {
	Token           string
	Identity        string
	ConversationSID string
	Expiration      time.Time
	// Resumed is true when a verified customer's open conversation was
	// returned instead of a new one, or a guest resumed its chat.
	Resumed bool
	// ResumeToken brings a guest back into this conversation once Token
	// has expired (see Resume), until ResumeExpiration; empty for a
	// verified customer, whom the site signs in again.
	ResumeToken      string
	ResumeExpiration time.Time
	// Away is set when the chat was left outside business hours: it is
	// held until the team is back.
	Away *Away
}

// Init starts a chat for a website visitor: a guest user, a conversation
// carrying the pre-engagement answers, the visitor as its participant, the
// welcome message and the visitor's question, and a token for the widget.
// A verified customer with an open conversation gets that one back.
func (s *Service) Init(ctx context.Context, p InitParams) (Chat, error) {
	d, err := s.deploymentFor(ctx, p.DeploymentKey, p.Origin)
	if err != nil {
		return Chat{}, err
	}
	// Outside business hours the visitor leaves a message instead.
	away, isAway := d.AwayAt(s.Now())
	form := d.Form
	if isAway {
		form = OfflineForm()
	}
	// A verified customer skips the form, so its required fields are not.
	data, err := checkAnswers(form, p.PreEngagementData, p.IdentityToken == "")
	if err != nil {
		return Chat{}, err
	}
	if err := checkCustomerNames(p.CustomerFriendlyName, "", data); err != nil {
		return Chat{}, err
	}
	name := firstNonEmpty(p.CustomerFriendlyName, data["friendlyName"], "Customer")
	who := ""
	if p.IdentityToken != "" {
		v, err := VerifyIdentity(d, p.IdentityToken, s.Now())
		if err != nil {
			return Chat{}, err
		}
		if err := textrule.Name("The identity token's name", v.Name); err != nil {
			return Chat{}, err
		}
		who, name = v.Identity, firstNonEmpty(v.Name, name)
		if v.Email != "" && data["email"] == "" {
			data["email"] = v.Email
		}
		if c, ok, err := s.openConversationOf(ctx, who, d.Key); err != nil {
			return Chat{}, err
		} else if ok {
			return s.chat(who, d.Key, c, true)
		}
	} else {
		who = identity.NewGuest()
	}
	t := i18n.For(d.Locale, p.Locale)
	// The visitor's language stays with the chat (attributes' "locale"):
	// what Parley emails them later speaks it.
	d.WelcomeMessage, d.Locale = t.WelcomeText(d.WelcomeMessage), t.Lang
	started := s.startedThrough(d)
	if isAway {
		// No agent is "with you shortly": the widget says when the team
		// is back instead.
		d.WelcomeMessage, started = "", s.hold(d)
	}
	c, err := s.start(ctx, d, who, name, "", data, leftWhileAway(isAway, s.Now()), started)
	if err != nil {
		return Chat{}, err
	}
	chat, err := s.chat(who, d.Key, c.SID, false)
	if isAway {
		chat.Away = &away
	}
	if err != nil || p.IdentityToken != "" {
		return chat, err
	}
	return s.withResume(chat, d.Key)
}

func (s *Service) chat(identity, key, conversationSID string, resumed bool) (Chat, error) {
	token, sess, err := s.auth.MintGuest(identity, key, s.GuestTokenTTL)
	if err != nil {
		return Chat{}, err
	}
	return Chat{Token: token, Identity: identity, ConversationSID: conversationSID, Expiration: sess.ExpiresAt, Resumed: resumed}, nil
}

// deploymentFor finds the deployment a browser at origin asks for.
func (s *Service) deploymentFor(ctx context.Context, key, origin string) (Deployment, error) {
	if key == "" {
		return Deployment{}, invalid("DeploymentKey is required: the data-deployment-key of your embed tag")
	}
	d, err := s.store.Deployment(ctx, key)
	if apperr.Is(err, apperr.NotFound) {
		return d, apperr.NotFoundf("Webchat deployment %s does not exist: check the data-deployment-key of your embed tag", key)
	} else if err != nil {
		return d, err
	}
	if origin != "" && !d.AllowsOrigin(origin, s.SelfOrigin) {
		return d, apperr.New(apperr.Forbidden, apperr.CodeForbidden,
			"Origin %s may not use webchat deployment %s: add it to the deployment's AllowedOrigins", origin, key)
	}
	return d, nil
}

// start opens a conversation for a web customer through deployment d and
// hands it to started: Parley routes it from there.
// Extra attributes join the conversation's.
func (s *Service) start(ctx context.Context, d Deployment, identity, name, chatName string, data map[string]string,
	extra map[string]any, started func(context.Context, conversations.Conversation) error) (conversations.Conversation, error) {
	if err := s.ensureUser(ctx, identity, name); err != nil {
		return conversations.Conversation{}, err
	}
	doc := map[string]any{
		"pre_engagement_data": data,
		"customer_name":       name,
		"channel_type":        "web",
		"address_sid":         d.AddressSID,
	}
	if d.Key != "" { // a web address of no deployment has no key
		doc["deployment_key"] = d.Key
	}
	if i18n.Speaks(d.Locale) {
		doc["locale"] = d.Locale
	}
	for k, v := range extra {
		doc[k] = v
	}
	attrs, err := json.Marshal(doc)
	if err != nil {
		return conversations.Conversation{}, err
	}
	partAttrs, _ := json.Marshal(map[string]string{"friendlyName": name})
	o := conversations.Opening{
		Conversation: conversations.ConversationParams{FriendlyName: ptr(firstNonEmpty(chatName, name)), Attributes: ptr(string(attrs))},
		Participants: []conversations.ParticipantParams{{Identity: &identity, Attributes: ptr(string(partAttrs))}},
	}
	if d.WelcomeMessage != "" {
		// The deployment's name signs the greeting wherever it shows: the
		// widget knows it from its configuration, the desk reads it here.
		welcome, _ := json.Marshal(map[string]any{"parley": map[string]string{"kind": "welcome", "name": d.FriendlyName}})
		o.Messages = append(o.Messages, conversations.MessageParams{Author: ptr(WelcomeAuthor), Body: ptr(d.WelcomeMessage),
			Attributes: ptr(string(welcome))})
	}
	if q := data["question"]; q != "" {
		o.Messages = append(o.Messages, conversations.MessageParams{Author: &identity, Body: &q})
	}
	c, _, err := s.conv.Open(ctx, o)
	if err == nil && started != nil {
		err = started(ctx, c)
	}
	return c, err
}

// startedThrough is Started for chats of deployment d.
func (s *Service) startedThrough(d Deployment) func(context.Context, conversations.Conversation) error {
	if s.Started == nil {
		return nil
	}
	return func(ctx context.Context, c conversations.Conversation) error { return s.Started(ctx, d, c) }
}

func (s *Service) ensureUser(ctx context.Context, identity, name string) error {
	_, err := s.conv.CreateUser(ctx, conversations.UserParams{Identity: &identity, FriendlyName: &name})
	if apperr.Is(err, apperr.Conflict) {
		_, err = s.conv.UpdateUser(ctx, identity, conversations.UserParams{FriendlyName: &name})
	}
	return err
}

// openConversationOf finds a customer's conversation through deployment key
// that is not closed yet.
func (s *Service) openConversationOf(ctx context.Context, identity, key string) (string, bool, error) {
	req := paging.Request{Size: 50}
	for {
		_, page, err := s.conv.UserConversations(ctx, identity, req)
		if apperr.Is(err, apperr.NotFound) {
			return "", false, nil
		} else if err != nil {
			return "", false, err
		}
		for _, m := range page.Items {
			var attrs struct {
				Key string `json:"deployment_key"`
			}
			_ = json.Unmarshal([]byte(m.Conversation.Attributes), &attrs)
			if attrs.Key == key && m.Conversation.State != conversations.Closed {
				return m.Conversation.SID, true, nil
			}
		}
		if !page.HasNext || len(page.Items) == 0 {
			return "", false, nil
		}
		last := page.Items[len(page.Items)-1].Key
		req.After = &last
	}
}

// Refresh exchanges a guest's valid token for a new one with the same
// identity. Tokens from another deployment, expired or forged are refused.
func (s *Service) Refresh(ctx context.Context, key, origin, token string) (Chat, error) {
	sess, err := s.guest(ctx, key, origin, token)
	if err != nil {
		return Chat{}, err
	}
	// A guest's token is for its one chat: once that chat has ended, a
	// refresh would only stretch a grant that is over. (A verified
	// customer's identity outlives a chat: it lists its earlier ones.)
	if identity.KindOf(sess.Identity) == identity.Guest {
		if _, open, err := s.openConversationOf(ctx, sess.Identity, key); err != nil {
			return Chat{}, err
		} else if !open {
			return Chat{}, apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized,
				"Token refused: the chat it was issued for has ended; start a new chat")
		}
	}
	return s.chat(sess.Identity, key, "", false)
}

// guest checks a guest's token: live, and issued through deployment key.
func (s *Service) guest(ctx context.Context, key, origin, token string) (auth.Session, error) {
	d, err := s.deploymentFor(ctx, key, origin)
	if err != nil {
		return auth.Session{}, err
	}
	sess, err := s.auth.Verify(ctx, token)
	if err != nil {
		return auth.Session{}, err
	}
	if sess.Deployment != d.Key {
		return auth.Session{}, apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized,
			"Token refused: it was not issued by webchat deployment %s", d.Key)
	}
	return sess, nil
}

// End closes a guest's conversation at their request.
func (s *Service) End(ctx context.Context, key, origin, token, conversationSID string) (conversations.Conversation, error) {
	sess, err := s.guest(ctx, key, origin, token)
	if err != nil {
		return conversations.Conversation{}, err
	}
	if err := s.conv.Participates(ctx, sess.Identity, conversationSID); err != nil {
		return conversations.Conversation{}, err
	}
	c, err := s.conv.Conversation(ctx, conversationSID)
	if err != nil || c.State == conversations.Closed {
		return c, err // ending twice is no error
	}
	return s.conv.UpdateConversation(ctx, conversationSID, conversations.ConversationParams{State: ptr(string(conversations.Closed))})
}

// WebChannelParams create a web customer's conversation from a backend, as
// Flex's POST /v2/WebChats does.
type WebChannelParams struct {
	AddressSID           string
	ChatFriendlyName     string
	CustomerFriendlyName string
	PreEngagementData    string
	Identity             string
}

// CreateWebChannel starts a conversation for a web customer on behalf of
// the account; no token is made. The address is a webchat deployment's
// (the chat is routed as the deployment's are) or any other web address
// with auto-creation on (routed as its auto-creation says, by
// AddressStarted). The customer's identity is the account's to name: on an
// address of no deployment, Parley names one in the account's namespace
// when Identity is empty, so that the account's backend can mint the
// customer a token (POST /parley/v1/Tokens) and the customer can read and
// write the chat over REST and the realtime socket.
func (s *Service) CreateWebChannel(ctx context.Context, p WebChannelParams) (conversations.Conversation, string, error) {
	if p.AddressSID == "" {
		return conversations.Conversation{}, "", invalid("AddressSid is required: a web address (Configuration/Addresses, Type=web) or a webchat deployment's")
	}
	d, started, err := s.webAddress(ctx, p.AddressSID)
	if err != nil {
		return conversations.Conversation{}, "", err
	}
	data := map[string]string{}
	if p.PreEngagementData != "" {
		if data, err = parseAnswers(p.PreEngagementData); err != nil {
			return conversations.Conversation{}, "", err
		}
	}
	if err := checkCustomerNames(p.CustomerFriendlyName, p.ChatFriendlyName, data); err != nil {
		return conversations.Conversation{}, "", err
	}
	who := p.Identity
	switch {
	case who == "" && d.Key != "":
		who = identity.NewGuest()
	case who == "":
		who = identity.NewWebCustomer()
	default:
		if err := identity.CheckMintable(who); err != nil {
			// The account names its own customers; it cannot hand a web
			// channel to a guest, an agent or Parley.
			return conversations.Conversation{}, "", invalid("Identity: %v", err)
		}
	}
	name := firstNonEmpty(p.CustomerFriendlyName, data["friendlyName"], "Customer")
	c, err := s.start(ctx, d, who, name, p.ChatFriendlyName, data, nil, started)
	return c, who, err
}

// webAddress finds where a web chat starts: a deployment, or a bare web
// address (returned as a deployment with only its AddressSID), with what
// hears of its new chats.
func (s *Service) webAddress(ctx context.Context, addressSID string) (Deployment, func(context.Context, conversations.Conversation) error, error) {
	d, err := s.store.DeploymentByAddress(ctx, addressSID)
	if err == nil || !apperr.Is(err, apperr.NotFound) {
		return d, s.startedThrough(d), err
	}
	a, err := s.addresses.Address(ctx, addressSID)
	if apperr.Is(err, apperr.NotFound) {
		return d, nil, apperr.NotFoundf("Address %s does not exist: create a web address with Configuration/Addresses (Type=web)", addressSID)
	} else if err != nil {
		return d, nil, err
	}
	if a.Type != "web" {
		return d, nil, invalid("Address %s is a %s address; web chats start on a web address (Type=web)", addressSID, a.Type)
	}
	if !a.AutoCreation.Enabled {
		return d, nil, invalid("Address %s has auto-creation off: set AutoCreation.Enabled=true for web chats to start on it", addressSID)
	}
	var started func(context.Context, conversations.Conversation) error
	if s.AddressStarted != nil {
		started = func(ctx context.Context, c conversations.Conversation) error { return s.AddressStarted(ctx, a, c) }
	}
	return Deployment{AddressSID: a.SID}, started, nil
}

// checkCustomerNames refuses a customer's or a chat's name that hides
// characters (textrule.Name): agents read them, and the conversations
// service would refuse them later under another parameter's name.
func checkCustomerNames(customer, chat string, data map[string]string) error {
	for _, n := range []struct{ field, v string }{
		{"CustomerFriendlyName", customer}, {"ChatFriendlyName", chat}, {"PreEngagementData.friendlyName", data["friendlyName"]},
	} {
		if err := textrule.Name(n.field, n.v); err != nil {
			return err
		}
	}
	return nil
}

// parseAnswers reads pre-engagement data: a JSON object of short strings.
func parseAnswers(raw string) (map[string]string, error) {
	if len(raw) > MaxPreEngagementBytes {
		return nil, apperr.New(apperr.TooLarge, apperr.CodeRequestTooLarge,
			"PreEngagementData is %d bytes; the limit is %d", len(raw), MaxPreEngagementBytes)
	}
	if err := textrule.JSON("PreEngagementData", []byte(raw)); err != nil {
		return nil, err // json.Unmarshal would keep "\ud800" as U+FFFD
	}
	var in map[string]any
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		return nil, invalid("PreEngagementData must be a JSON object of answers: %v", err)
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		switch v := v.(type) {
		case string:
			out[k] = strings.TrimSpace(v)
		case bool, float64:
			out[k] = fmt.Sprint(v)
		case nil:
		default:
			return nil, invalid("PreEngagementData.%s must be a string, number or boolean", k)
		}
		if len(out[k]) > MaxFieldBytes {
			return nil, invalid("PreEngagementData.%s is %d bytes; the limit is %d", k, len(out[k]), MaxFieldBytes)
		}
	}
	return out, nil
}

// checkAnswers reads the answers and checks them against the form, as the
// widget does, so a hand-made request cannot skip a required field.
func checkAnswers(form []Field, raw string, required bool) (map[string]string, error) {
	if raw == "" {
		raw = "{}"
	}
	data, err := parseAnswers(raw)
	if err != nil {
		return nil, err
	}
	for _, f := range form {
		v := data[f.Name]
		if required && f.Required && v == "" {
			return nil, invalid("PreEngagementData.%s is required (%s)", f.Name, f.Label)
		}
		if v == "" {
			continue
		}
		switch f.Type {
		case "email":
			if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
				return nil, invalid("PreEngagementData.%s: %q is not an email address", f.Name, v)
			}
		case "select":
			if !slices.Contains(f.Options, v) {
				return nil, invalid("PreEngagementData.%s: %q is not one of the options", f.Name, v)
			}
		}
	}
	return data, nil
}

// Verified is a customer the website vouched for.
type Verified struct {
	Identity, Name, Email string
}

type identityClaims struct {
	jwt.RegisteredClaims
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// VerifyIdentity checks a website's signed identity: an HS256 JWT signed
// with the deployment's identity secret, with the site's name for its
// customer as sub, an expiry at most 24 hours away, and optionally name
// and email. The chat identity is the customer's in the deployment's
// namespace (identity.OfCustomer): a site can name its customers as it
// likes, but never make one of them an agent, a guest, Parley or another
// deployment's customer.
func VerifyIdentity(d Deployment, token string, now time.Time) (Verified, error) {
	var c identityClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return []byte(d.IdentitySecret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(),
		jwt.WithLeeway(30*time.Second), jwt.WithTimeFunc(func() time.Time { return now }))
	refuse := func(why string, args ...any) error {
		return apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized, "Identity refused: "+why, args...)
	}
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return Verified{}, refuse("it expired; sign a fresh one for each page view")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return Verified{}, refuse("its signature does not match deployment %s's identity secret", d.Key)
	case err != nil:
		return Verified{}, refuse("it must be a JWT signed (HS256) with the deployment's identity secret: %v", err)
	}
	if c.ExpiresAt.Sub(now) > 24*time.Hour {
		return Verified{}, refuse("it expires more than 24 hours from now")
	}
	if c.Subject == "" || len(c.Subject) > 128 || strings.ContainsAny(c.Subject, "\x00\r\n") {
		return Verified{}, refuse("its sub must name the customer (1 to 128 characters)")
	}
	return Verified{Identity: identity.OfCustomer(d.Key, c.Subject), Name: c.Name, Email: c.Email}, nil
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

func ptr[T any](v T) *T { return &v }
