// Package media is Parley's media content service: files customers and
// agents attach to messages. It checks each upload against a policy while
// streaming it to its blob store (the real type is sniffed from the bytes; the size is
// counted, never trusted), stores the bytes once per content, and decides who
// may read them. It knows nothing of HTTP.
package media

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/identity"
	"parley/shared/sid"
)

// Limits every policy lives within.
const (
	DefaultMaxBytes = 16 << 20  // per file, unless a policy says otherwise
	LimitMaxBytes   = 150 << 20 // the most an operator may allow
	// TemporaryURLLifetime is how long a signed content URL works.
	TemporaryURLLifetime = 5 * time.Minute
)

// Types are the content types Parley can accept at all; a policy allows a
// subset. Each has a sniffer in sniff.go: a file is taken for what its bytes
// are, whatever the uploader declared.
var Types = []string{"image/jpeg", "image/png", "image/gif", "image/heic", "image/webp",
	"application/pdf", "text/plain", "audio/mpeg", "video/mp4", "audio/amr"}

// Policy bounds what may be uploaded.
type Policy struct {
	Enabled      bool     `json:"enabled"`
	MaxBytes     int64    `json:"max_bytes"`
	AllowedTypes []string `json:"allowed_types"`
}

// DefaultPolicy allows every type up to DefaultMaxBytes.
func DefaultPolicy() Policy {
	return Policy{Enabled: true, MaxBytes: DefaultMaxBytes, AllowedTypes: slices.Clone(Types)}
}

// Check reports a policy outside Parley's limits.
func (p Policy) Check() error {
	if p.MaxBytes < 1 || p.MaxBytes > LimitMaxBytes {
		return apperr.Invalidf(apperr.CodeBadRequest,
			"the attachment size limit must be between 1 and %d bytes (150 MiB), got %d", int64(LimitMaxBytes), p.MaxBytes)
	}
	for _, t := range p.AllowedTypes {
		if !slices.Contains(Types, t) {
			return apperr.Invalidf(apperr.CodeBadRequest, "attachment type %q is not one of %s", t, strings.Join(Types, ", "))
		}
	}
	return nil
}

// Media is an uploaded file. It belongs to no message until attached, and
// a message's media go when the message goes.
type Media struct {
	SID             string
	AccountSID      string
	ServiceSID      string
	Hash            string // hex SHA-256 of the content: the blob's name
	Size            int64
	ContentType     string
	Filename        string
	Author          string // the uploader's identity, or "system" for the account
	ConversationSID string // empty until attached
	MessageSID      string
	Created         time.Time
	Updated         time.Time
}

// Store keeps media records.
type Store interface {
	// InsertMedia records m; place moves its blob into the store first, in
	// the same transaction, so a blob is never removed as an orphan between
	// landing and being referenced.
	InsertMedia(ctx context.Context, m Media, place func() error) error
	Media(ctx context.Context, sid string) (Media, error)
	// DeleteMedia removes an unattached media record.
	DeleteMedia(ctx context.Context, sid string) error
	// CollectOrphans calls remove, after commit, for each blob hash that
	// lost its last media record, and forgets it.
	CollectOrphans(ctx context.Context, remove func(hash string)) error
	// Hashes lists every hash media records use.
	Hashes(ctx context.Context) (map[string]bool, error)
	// Participates reports whether identity is a participant of the
	// conversation.
	Participates(ctx context.Context, identity, conversationSID string) (bool, error)
}

// Service uploads, finds and authorises media.
type Service struct {
	store      Store
	blobs      BlobStore
	accountSID string
	serviceSID string
	signingKey []byte
	now        func() time.Time
	collect    chan struct{}
}

// Config configures a Service.
type Config struct {
	Store Store
	// Blobs is where the bytes live; nil means files under Dir.
	Blobs      BlobStore
	Dir        string
	AccountSID string
	ServiceSID string
	// SigningKey signs temporary content URLs.
	SigningKey []byte
	Now        func() time.Time
}

// New returns the media service with its blob store ready: leftovers of
// uploads a crash interrupted are removed, and so are blobs no record
// references.
func New(ctx context.Context, c Config) (*Service, error) {
	blobs := c.Blobs
	if blobs == nil {
		disk, err := OpenDiskBlobs(c.Dir)
		if err != nil {
			return nil, err
		}
		blobs = disk
	}
	s := &Service{store: c.Store, blobs: blobs, accountSID: c.AccountSID, serviceSID: c.ServiceSID,
		signingKey: c.SigningKey, now: c.Now, collect: make(chan struct{}, 1)}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.Collect(ctx); err != nil {
		return nil, err
	}
	// A store shared with other nodes knows what is used itself; reading
	// every media's hash for it would be a start-up's wasted scan.
	if t, ok := blobs.(Tidier); ok {
		if err := t.Tidy(ctx); err != nil {
			return nil, err
		}
		return s, nil
	}
	used, err := c.Store.Hashes(ctx)
	if err != nil {
		return nil, err
	}
	if err := blobs.Sweep(ctx, used); err != nil {
		return nil, err
	}
	return s, nil
}

// ServiceSID is the chat service media belong to.
func (s *Service) ServiceSID() string { return s.serviceSID }

// SystemAuthor is the author of media the account uploads.
const SystemAuthor = identity.System

// Upload is one file to store.
type Upload struct {
	Author       string
	Filename     string
	DeclaredType string // what the uploader says; checked against the bytes
	// DeclaredSize is the length the request announced, or -1.
	DeclaredSize int64
	Body         io.Reader
}

// Upload streams u to the blob store under p and records it.
func (s *Service) Upload(ctx context.Context, p Policy, u Upload) (Media, error) {
	if !p.Enabled {
		return Media{}, apperr.New(apperr.Forbidden, apperr.CodeForbidden, "Attachments are turned off for this chat")
	}
	if u.DeclaredSize > p.MaxBytes {
		return Media{}, TooLarge(p.MaxBytes)
	}
	filename, err := SanitizeFilename(u.Filename)
	if err != nil {
		return Media{}, err
	}
	tmp, err := receive(ctx, s.blobs, u.Body, p.MaxBytes, func(head []byte) (string, error) {
		return checkType(head, u.DeclaredType, p.AllowedTypes)
	})
	if err != nil {
		return Media{}, err
	}
	defer tmp.Discard()
	now := s.now().UTC().Truncate(time.Millisecond)
	m := Media{
		SID: sid.New(sid.Media), AccountSID: s.accountSID, ServiceSID: s.serviceSID,
		Hash: tmp.Hash, Size: tmp.Size, ContentType: tmp.ContentType, Filename: filename,
		Author: u.Author, Created: now, Updated: now,
	}
	if m.Author == "" {
		m.Author = SystemAuthor
	}
	if err := s.store.InsertMedia(ctx, m, func() error { return tmp.Keep(m.Hash) }); err != nil {
		return Media{}, err
	}
	return m, nil
}

// TooLarge is the error for a file over limit bytes, wherever it is found
// to be: from its declared length, while streaming, or by the HTTP layer.
func TooLarge(limit int64) error {
	return apperr.New(apperr.TooLarge, apperr.CodeRequestTooLarge,
		"The file is larger than this chat allows (%s); send a smaller file", HumanSize(limit))
}

// HumanSize writes n bytes the way people read file sizes.
func HumanSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// Reader is who asks to read a media: the account, or an identity.
type Reader struct {
	Account  bool
	Identity string
}

// Get returns media sid if r may read it: the account may read any; an
// identity, what it uploaded and what is attached to its conversations.
func (s *Service) Get(ctx context.Context, r Reader, mediaSID string) (Media, error) {
	m, err := s.store.Media(ctx, mediaSID)
	if err != nil {
		return m, err
	}
	m.AccountSID, m.ServiceSID = s.accountSID, s.serviceSID
	if r.Account || r.Identity == m.Author {
		return m, nil
	}
	if m.ConversationSID != "" && r.Identity != "" {
		ok, err := s.store.Participates(ctx, r.Identity, m.ConversationSID)
		if err != nil {
			return Media{}, err
		}
		if ok {
			return m, nil
		}
	}
	return Media{}, apperr.New(apperr.Forbidden, apperr.CodeForbidden,
		"%s may not read media %s: it is not attached to one of their conversations", r.Identity, mediaSID)
}

// Open opens the content of m for reading.
func (s *Service) Open(ctx context.Context, m Media) (io.ReadSeekCloser, error) {
	return s.blobs.Open(ctx, m.Hash)
}

// Delete removes media that is not attached to a message; attached media
// go with their message.
func (s *Service) Delete(ctx context.Context, r Reader, mediaSID string) error {
	m, err := s.Get(ctx, r, mediaSID)
	if err != nil {
		return err
	}
	if m.MessageSID != "" {
		return apperr.Conflictf(apperr.CodeBadRequest,
			"Media %s is attached to message %s; delete the message to delete its media", m.SID, m.MessageSID)
	}
	if err := s.store.DeleteMedia(ctx, mediaSID); err != nil {
		return err
	}
	s.Gone()
	return nil
}

// Gone tells the collector that media records went away, so their blobs
// can be removed. It never blocks.
func (s *Service) Gone() {
	select {
	case s.collect <- struct{}{}:
	default:
	}
}

// Tidier is a blob store that other nodes write to while this one runs,
// so what their crashes leave cannot wait for this node's next start.
type Tidier interface {
	// Tidy removes what crashed uploads left, as Sweep does at start.
	Tidy(ctx context.Context) error
}

// TidyInterval is how often a Tidier is tidied.
const TidyInterval = 10 * time.Minute

// Run removes orphaned blobs whenever Gone is called, and tidies a blob
// store shared with other nodes now and then, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	var tidy <-chan time.Time
	tidier, _ := s.blobs.(Tidier)
	if tidier != nil {
		t := time.NewTicker(TidyInterval)
		defer t.Stop()
		tidy = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.collect:
			s.Collect(ctx)
		case <-tidy:
			tidier.Tidy(ctx)
		}
	}
}

// Collect removes the blobs of deleted media that nothing else references.
func (s *Service) Collect(ctx context.Context) error {
	return s.store.CollectOrphans(ctx, s.blobs.Remove)
}

// TemporaryURL signs path (the content URL of m) so that it works without
// credentials until it expires.
func (s *Service) TemporaryURL(path string, m Media) string {
	exp := s.now().Add(TemporaryURLLifetime).Unix()
	return fmt.Sprintf("%s?Expires=%d&Signature=%s", path, exp, s.sign(m.SID, exp))
}

// CheckSignature verifies a temporary URL's parameters for mediaSID.
func (s *Service) CheckSignature(mediaSID, expires, signature string) error {
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil {
		return apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized, "This temporary media link is malformed; fetch the media again for a new one")
	}
	if !hmac.Equal([]byte(signature), []byte(s.sign(mediaSID, exp))) {
		return apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized, "This temporary media link is not valid; fetch the media again for a new one")
	}
	if s.now().Unix() > exp {
		return apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized, "This temporary media link expired; fetch the media again for a new one")
	}
	return nil
}

func (s *Service) sign(mediaSID string, exp int64) string {
	h := hmac.New(sha256.New, s.signingKey)
	fmt.Fprintf(h, "media %s %d", mediaSID, exp)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
