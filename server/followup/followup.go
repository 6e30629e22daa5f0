// Package followup reaches web visitors by email: an agent's replies that
// stayed unread (the visitor closed the page) go to the address they gave,
// with a link that reopens the chat, and a visitor may ask for the
// transcript. Letters go through the outbox (retried, listed with the
// deliveries) and each is recorded by a key naming its messages, so the
// same messages are never emailed twice. It knows nothing of HTTP or SQL.
package followup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/identity"
	"parley/server/mail"
	"parley/server/outbox"
	"parley/server/ratelimit"
	"parley/server/webchat"
	"parley/shared/i18n"
	"parley/shared/sid"
)

// Outbox job kinds.
const (
	// UnreadKind checks, N minutes after an agent's message, whether the
	// visitor read it, and emails what they did not.
	UnreadKind = "email.unread"
	// TranscriptKind emails a chat's transcript to its visitor.
	TranscriptKind = "email.transcript"
)

// Record is a letter sent.
type Record struct {
	Key             string
	ConversationSID string
	Kind            string // mail.Unread or mail.Transcript
	ThroughIndex    int    // the last message it held
	Sent            time.Time
}

// Store keeps the letters sent.
type Store interface {
	Sent(ctx context.Context, key string) (bool, error)
	// MarkSent records a letter; recording one twice is no error.
	MarkSent(ctx context.Context, r Record) error
	// SentThrough is the last message index letters of kind held in the
	// conversation, or -1.
	SentThrough(ctx context.Context, conversationSID, kind string) (int, error)
}

// Sender delivers a letter (mail.Sender over SMTP).
type Sender interface {
	Send(ctx context.Context, l mail.Letter) error
}

// Webchat is what followup needs of the webchat service.
type Webchat interface {
	Deployment(ctx context.Context, key string) (webchat.Deployment, error)
	ResumeToken(guest, key, conversationSID string) (string, time.Time, error)
}

// Service sends visitors their replies and transcripts.
type Service struct {
	Conv    *conversations.Service
	Webchat Webchat
	Store   Store
	Mail    Sender
	// Enqueue stores outbox jobs in a write of their own (outbox.Runner's).
	Enqueue func(ctx context.Context, jobs ...outbox.Job) error
	// BaseURL is Parley's public URL, for the links in letters.
	BaseURL string
	// Minute is how long a minute of EmailReplies.UnreadMinutes lasts:
	// a minute, shorter in tests.
	Minute time.Duration
	Now    func() time.Time
	Log    *slog.Logger

	// pending marks conversations with an unread check queued, so that a
	// burst of replies queues one check, not one each. Lost on restart,
	// which costs at most one more check per conversation.
	pending sync.Map // conversation SID → struct{}
	// deployments caches deployments for Observe, which must not wait on
	// a read per message; a changed setting reaches it within cacheFor.
	mu          sync.Mutex
	deployments map[string]cached
	// transcripts limits transcripts per conversation: a visitor's
	// inbox, not a button anyone can press in a loop, decides.
	transcripts *ratelimit.Limiter
}

type cached struct {
	d       webchat.Deployment
	err     error
	fetched time.Time
}

// cacheFor is how long a deployment once read serves again: Observe runs
// on the store's writer, where a read costs every write behind it. A
// change to a deployment's email settings takes effect within this long.
const cacheFor = 30 * time.Second

// TranscriptBurst and TranscriptsPerHour bound transcripts per
// conversation.
const (
	TranscriptBurst    = 3
	TranscriptsPerHour = 3
)

// New returns the service; Mail nil means no SMTP is configured, and the
// service does nothing.
func New(conv *conversations.Service, chat Webchat, store Store, sender Sender, enqueue func(context.Context, ...outbox.Job) error, baseURL string) *Service {
	return &Service{Conv: conv, Webchat: chat, Store: store, Mail: sender, Enqueue: enqueue, BaseURL: baseURL,
		Minute: time.Minute, Now: time.Now, Log: slog.Default(), deployments: map[string]cached{},
		transcripts: perHour(TranscriptBurst, TranscriptsPerHour)}
}

// On reports whether Parley can send email at all.
func (s *Service) On() bool { return s != nil && s.Mail != nil }

// deployment reads a deployment through the cache.
func (s *Service) deployment(ctx context.Context, key string) (webchat.Deployment, error) {
	s.mu.Lock()
	c, ok := s.deployments[key]
	s.mu.Unlock()
	if ok && time.Since(c.fetched) < cacheFor {
		return c.d, c.err
	}
	d, err := s.Webchat.Deployment(ctx, key)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return d, err // trouble: not cached
	}
	s.mu.Lock()
	s.deployments[key] = cached{d: d, err: err, fetched: time.Now()}
	s.mu.Unlock()
	return d, err
}

// byAgent reports whether a message's author speaks for the team: an
// agent, or the account's own identities (an integration); not the
// visitor, and not Parley's welcome and notices.
func byAgent(author string) bool {
	k := identity.KindOf(author)
	return k == identity.Agent || k == identity.Account
}

type unreadJob struct {
	ConversationSID string `json:"conversation_sid"`
}

// Observe queues an unread check when an agent writes in a web chat whose
// visitor gave an email and whose deployment emails replies (or which was
// left while the team was away), due when the message will have been
// unread for the deployment's minutes. It
// implements conversations.Observer.
func (s *Service) Observe(tx conversations.Tx, e conversations.Event) error {
	if !s.On() || e.Type != conversations.MessageAdded || e.Message == nil || !byAgent(e.Message.Author) {
		return nil
	}
	if _, ok := s.pending.Load(e.ConversationSID); ok {
		return nil // a check is queued; it looks at every unread message
	}
	ctx := context.Background()
	c, err := tx.Conversation(ctx, e.ConversationSID)
	if err != nil {
		return err
	}
	_, after, ok := s.watched(ctx, c)
	if !ok {
		return nil
	}
	payload, _ := json.Marshal(unreadJob{ConversationSID: c.SID})
	err = tx.Enqueue(outbox.Job{SID: sid.New(sid.Delivery), Kind: UnreadKind, Key: UnreadKind + " " + c.SID,
		Payload: payload, Created: e.Time, NextAt: e.Time.Add(after)})
	if err == nil {
		tx.AfterCommit(func() { s.pending.Store(c.SID, struct{}{}) })
	}
	return err
}

// watched says whether Parley emails c's visitor their unread replies, and
// after how long: the deployment's EmailReplies.UnreadMinutes, or for a
// chat left while the team was away webchat.AwayUnreadMinutes when the
// deployment sets none.
func (s *Service) watched(ctx context.Context, c conversations.Conversation) (webchat.Deployment, time.Duration, bool) {
	var d webchat.Deployment
	v, ok, err := webchat.VisitorOf(c, func(key string) (webchat.Deployment, error) {
		var err error
		d, err = s.deployment(ctx, key)
		return d, err
	})
	minutes := d.EmailReplies.UnreadMinutes
	if minutes <= 0 && !v.LeftWhileAway.IsZero() {
		// The visitor left a message while the team was away and was
		// told the answer comes by email: it does, setting or not.
		minutes = webchat.AwayUnreadMinutes
	}
	if err != nil || !ok || v.Email == "" || minutes <= 0 {
		return d, 0, false
	}
	return d, time.Duration(minutes) * s.Minute, true
}

// visitorOf finds the conversation's web visitor: its guest or verified
// customer participant.
func (s *Service) visitorOf(ctx context.Context, conversationSID string) (conversations.Participant, bool, error) {
	parts, err := s.Conv.Participants(ctx, conversationSID, conversations.PageRequest{Size: 100})
	if err != nil {
		return conversations.Participant{}, false, err
	}
	for _, p := range parts.Items {
		if k := identity.KindOf(p.Identity); k == identity.Guest || k == identity.Customer {
			return p, true, nil
		}
	}
	return conversations.Participant{}, false, nil
}

// retry makes an error a Result: what the store or SMTP refused is tried
// again, what cannot change is final.
func retry(err error) outbox.Result {
	return outbox.Result{Err: err, Final: apperr.Is(err, apperr.Invalid)}
}

// CheckUnread is UnreadKind's outbox handler: when the oldest reply the
// visitor has neither read nor been emailed has been unread for the
// deployment's minutes, it emails every such reply; when it is younger,
// it queues the next check. A check that finds everything read sends
// nothing.
func (s *Service) CheckUnread(ctx context.Context, j outbox.Job) outbox.Result {
	var p unreadJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return outbox.Result{Err: fmt.Errorf("damaged job: %w", err), Final: true}
	}
	s.pending.Delete(p.ConversationSID) // replies from now on queue their own check
	if !s.On() {
		return outbox.Result{Err: errors.New("no SMTP server is configured (PARLEY_SMTP_URL)"), Final: true}
	}
	c, err := s.Conv.Conversation(ctx, p.ConversationSID)
	if apperr.Is(err, apperr.NotFound) {
		return outbox.Result{} // deleted: nobody to write to
	} else if err != nil {
		return retry(err)
	}
	d, after, ok := s.watched(ctx, c)
	if !ok {
		return outbox.Result{} // the deployment stopped emailing, or no email
	}
	visitor, ok, err := s.visitorOf(ctx, c.SID)
	if err != nil || !ok {
		return retry(err)
	}
	through, err := s.Store.SentThrough(ctx, c.SID, string(mail.Unread))
	if err != nil {
		return retry(err)
	}
	from := through
	if visitor.LastReadIndex != nil {
		from = max(from, *visitor.LastReadIndex)
	}
	msgs, err := s.messagesAfter(ctx, c.SID, from, c.LastMessageIndex)
	if err != nil {
		return retry(err)
	}
	var unread []conversations.Message
	for _, m := range msgs {
		if byAgent(m.Author) {
			unread = append(unread, m)
		}
	}
	if len(unread) == 0 {
		return outbox.Result{} // read in time
	}
	if due := unread[0].Created.Add(after); s.Now().Before(due) {
		// The visitor read the earlier replies; this one is younger.
		payload, _ := json.Marshal(p)
		err := s.Enqueue(ctx, outbox.Job{SID: sid.New(sid.Delivery), Kind: UnreadKind, Key: j.Key, Payload: payload,
			Created: s.Now(), NextAt: due})
		if err == nil {
			s.pending.Store(c.SID, struct{}{})
		}
		return retry(err)
	}
	v, _, _ := webchat.VisitorOf(c, func(string) (webchat.Deployment, error) { return d, nil })
	l := mail.Letter{Kind: mail.Unread, To: v.Email, Lang: s.lang(v, d), Deployment: d.FriendlyName,
		ID:    fmt.Sprintf("unread %s %d-%d", c.SID, unread[0].Index, unread[len(unread)-1].Index),
		Ended: c.State == conversations.Closed}
	return s.send(ctx, l, c, visitor.Identity, unread)
}

// send writes the letter's lines and link, sends it unless its key was
// sent before, and records it.
func (s *Service) send(ctx context.Context, l mail.Letter, c conversations.Conversation, visitor string, msgs []conversations.Message) outbox.Result {
	if sent, err := s.Store.Sent(ctx, l.ID); err != nil || sent {
		return retry(err) // sent before this attempt: a retry, a duplicate job
	}
	t := i18n.For(l.Lang, "")
	names := map[string]string{}
	for _, m := range msgs {
		name := ""
		switch {
		case m.Author == visitor:
			name = t.You
		case m.Author == webchat.WelcomeAuthor:
			name = l.Deployment
		default:
			if n, ok := names[m.Author]; ok {
				name = n
				break
			}
			if u, err := s.Conv.User(ctx, m.Author); err == nil && u.FriendlyName != "" {
				name = u.FriendlyName
			} else {
				name = t.Agent // agents' identities are opaque: never shown
			}
			names[m.Author] = name
		}
		line := mail.Line{Author: name, Body: m.Body, Time: m.Created}
		for _, f := range m.Media {
			line.Files = append(line.Files, f.Filename)
		}
		l.Lines = append(l.Lines, line)
	}
	if !l.Ended && identity.KindOf(visitor) == identity.Guest {
		var attrs struct {
			Key string `json:"deployment_key"`
		}
		_ = json.Unmarshal([]byte(c.Attributes), &attrs)
		tok, _, err := s.Webchat.ResumeToken(visitor, attrs.Key, c.SID)
		if err != nil {
			return retry(err)
		}
		// The token rides in the fragment: browsers never send it to a
		// server, so it stays out of logs and Referer headers.
		l.Link = s.BaseURL + "/widget/?key=" + url.QueryEscape(attrs.Key) + "#resume=" + url.QueryEscape(tok)
	}
	if err := s.Mail.Send(ctx, l); err != nil {
		return outbox.Result{Err: err}
	}
	last := -1
	if len(msgs) > 0 {
		last = msgs[len(msgs)-1].Index
	}
	if err := s.Store.MarkSent(context.WithoutCancel(ctx), Record{Key: l.ID, ConversationSID: c.SID, Kind: string(l.Kind),
		ThroughIndex: last, Sent: s.Now()}); err != nil {
		s.Log.Error("followup: record a sent email; a retry may send it again", "key", l.ID, "err", err)
		return outbox.Result{Err: err}
	}
	return outbox.Result{}
}

func (s *Service) lang(v webchat.Visitor, d webchat.Deployment) string {
	if i18n.Speaks(v.Lang) {
		return v.Lang
	}
	return i18n.For(d.Locale, "").Lang
}

// messagesAfter lists the conversation's messages after index from, up to
// through, oldest first.
func (s *Service) messagesAfter(ctx context.Context, conversationSID string, from, through int) ([]conversations.Message, error) {
	var out []conversations.Message
	after := int64(from)
	for {
		page, err := s.Conv.Messages(ctx, conversationSID, conversations.Ascending, conversations.PageRequest{Size: 100, After: &after})
		if err != nil {
			return nil, err
		}
		for _, m := range page.Items {
			if m.Index > through {
				return out, nil
			}
			out = append(out, m)
		}
		if !page.HasNext || len(page.Items) == 0 {
			return out, nil
		}
		after = int64(page.Items[len(page.Items)-1].Index)
	}
}

type transcriptJob struct {
	ConversationSID string `json:"conversation_sid"`
	Through         int    `json:"through_index"`
	Lang            string `json:"lang"`
	Key             string `json:"key"`
}

// ErrNoEmail is why a transcript cannot be sent: the visitor gave no email.
var ErrNoEmail = apperr.Invalidf(apperr.CodeBadRequest, "No email address was given for this chat, so Parley cannot email its transcript")

// RequestTranscript queues the conversation's transcript for its visitor,
// to the email they gave when they started the chat and to no other
// address: a visitor's request names no recipient, so the widget is no
// relay for mail to strangers. The same transcript asked for twice is sent
// once; a conversation gets at most TranscriptBurst at once and
// TranscriptsPerHour an hour.
func (s *Service) RequestTranscript(ctx context.Context, conversationSID, lang string) error {
	if !s.On() {
		return apperr.New(apperr.NotFound, apperr.CodeNotFound, "This server sends no email: it has no SMTP server configured")
	}
	c, err := s.Conv.Conversation(ctx, conversationSID)
	if err != nil {
		return err
	}
	v, ok, err := webchat.VisitorOf(c, func(key string) (webchat.Deployment, error) { return s.Webchat.Deployment(ctx, key) })
	if err != nil {
		return err
	}
	if !ok || v.Email == "" {
		return ErrNoEmail
	}
	if ok, wait := s.transcripts.Allow(c.SID); !ok {
		return apperr.New(apperr.TooMany, apperr.CodeTooManyRequests,
			"This chat's transcript was emailed %d times already; try again in %d minutes", TranscriptBurst, int(wait.Minutes())+1)
	}
	if !i18n.Speaks(lang) {
		lang = v.Lang
	}
	key := fmt.Sprintf("transcript %s %d", c.SID, c.LastMessageIndex)
	payload, _ := json.Marshal(transcriptJob{ConversationSID: c.SID, Through: c.LastMessageIndex, Lang: lang, Key: key})
	return s.Enqueue(ctx, outbox.Job{SID: sid.New(sid.Delivery), Kind: TranscriptKind, Key: TranscriptKind + " " + c.SID,
		Payload: payload, Created: s.Now()})
}

// SendTranscript is TranscriptKind's outbox handler.
func (s *Service) SendTranscript(ctx context.Context, j outbox.Job) outbox.Result {
	var p transcriptJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return outbox.Result{Err: fmt.Errorf("damaged job: %w", err), Final: true}
	}
	if !s.On() {
		return outbox.Result{Err: errors.New("no SMTP server is configured (PARLEY_SMTP_URL)"), Final: true}
	}
	c, err := s.Conv.Conversation(ctx, p.ConversationSID)
	if apperr.Is(err, apperr.NotFound) {
		return outbox.Result{Err: errors.New("the conversation was deleted"), Final: true}
	} else if err != nil {
		return retry(err)
	}
	var d webchat.Deployment
	v, ok, err := webchat.VisitorOf(c, func(key string) (webchat.Deployment, error) {
		d, err = s.Webchat.Deployment(ctx, key)
		return d, err
	})
	if err != nil || !ok || v.Email == "" {
		if err == nil {
			err = ErrNoEmail
		}
		return retry(err)
	}
	visitor, _, err := s.visitorOf(ctx, c.SID)
	if err != nil {
		return retry(err)
	}
	msgs, err := s.messagesAfter(ctx, c.SID, -1, p.Through)
	if err != nil {
		return retry(err)
	}
	if !i18n.Speaks(p.Lang) {
		p.Lang = s.lang(v, d)
	}
	l := mail.Letter{Kind: mail.Transcript, ID: p.Key, To: v.Email, Lang: p.Lang, Deployment: d.FriendlyName,
		Ended: c.State == conversations.Closed}
	return s.send(ctx, l, c, visitor.Identity, msgs)
}

// perHour is a limiter of burst refilling at n an hour.
func perHour(burst, n int) *ratelimit.Limiter {
	l := ratelimit.New(burst, 1)
	l.Rate = float64(n) / 3600
	return l
}
