// Package webhooks posts Parley's events to the URLs integrators give it,
// form-encoded and signed with X-Twilio-Signature the way Twilio signs its
// own requests, so Twilio's request validators accept them.
//
// Delivery is at most a few attempts from memory: an event whose URL stays
// down, or that is queued when Parley stops, is dropped and logged.
package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Timeout bounds one attempt, as Twilio's webhooks do.
const Timeout = 5 * time.Second

// Sign is the X-Twilio-Signature of a POST of form to rawURL: the base64
// HMAC-SHA1, keyed by the auth token, of the URL followed by every
// parameter's name and value, sorted by name.
func Sign(authToken, rawURL string, form url.Values) string {
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(rawURL)
	for _, k := range names {
		for _, v := range form[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Sender posts events from a bounded queue, on a few goroutines, so a slow
// receiver never holds up the work that raised the event.
type Sender struct {
	AuthToken string
	Client    *http.Client
	Log       *slog.Logger
	// Backoff is the wait before each retry; its length is the number of
	// retries.
	Backoff []time.Duration

	jobs chan job
	once sync.Once
	wg   sync.WaitGroup
}

type job struct {
	url  string
	form url.Values
}

// QueueSize bounds the events waiting to be posted.
const QueueSize = 4096

func (s *Sender) init() {
	s.once.Do(func() {
		s.jobs = make(chan job, QueueSize)
		if s.Client == nil {
			s.Client = &http.Client{Timeout: Timeout}
		}
		if s.Log == nil {
			s.Log = slog.Default()
		}
		if s.Backoff == nil {
			s.Backoff = []time.Duration{time.Second, 5 * time.Second}
		}
	})
}

// Post queues form for rawURL. It never blocks: when the queue is full the
// event is dropped and logged.
func (s *Sender) Post(rawURL string, form url.Values) {
	s.init()
	select {
	case s.jobs <- job{url: rawURL, form: form}:
	default:
		s.Log.Warn("webhook queue full; event dropped", "url", rawURL, "queued", QueueSize)
	}
}

// Run posts queued events with workers goroutines until ctx ends.
func (s *Sender) Run(ctx context.Context, workers int) {
	s.init()
	for range workers {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-s.jobs:
					s.deliver(ctx, j)
				}
			}
		}()
	}
	s.wg.Wait()
}

func (s *Sender) deliver(ctx context.Context, j job) {
	var err error
	for attempt := 0; ; attempt++ {
		if err = s.post(ctx, j); err == nil {
			return
		}
		if attempt >= len(s.Backoff) {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.Backoff[attempt]):
		}
	}
	s.Log.Warn("webhook not delivered", "url", j.url, "attempts", len(s.Backoff)+1, "err", err)
}

func (s *Sender) post(ctx context.Context, j job) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	body := j.form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Parley-Webhooks/1")
	req.Header.Set("X-Twilio-Signature", Sign(s.AuthToken, j.url, j.form))
	resp, err := s.Client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("the receiver answered %d", resp.StatusCode)
	default:
		s.Log.Warn("webhook refused", "url", j.url, "status", resp.StatusCode)
		return nil // a 4xx will not change on retry
	}
}
