package client

import (
	"context"
	"errors"
	"time"
)

// Default spacing of Connect's attempts at a first connection: 2s after
// the first failure, 4s after the second, and so on up to 30s. It grows
// more gently than the session's own reconnection backoff because a
// person is watching: a widget opened on a train, a desk at the start of
// a shift while the server restarts.
const (
	DefaultRedialStep = 2 * time.Second
	DefaultRedialMax  = 30 * time.Second
)

// Connect dials a session like Dial and, while the server cannot be
// reached, tries again, each wait a step longer (opts.RedialStep, up to
// opts.RedialMax). onFail, if not nil, hears each failed attempt and the
// wait before the next, so the front end can say it is offline.
//
// It returns the session once connected; ctx's error once ctx ends; and,
// without trying again, a *TokenRefusedError when the server refused the
// token (opts.Token is asked again on every attempt, so a token refreshed
// meanwhile is used) or ErrChatEnded when the chat is over. The session
// is closed when ctx ends: cancel ctx to leave it. Once connected, the
// session reconnects by itself (with its own backoff, a fresh token each
// time, and OnResync when the server cannot replay from the cursor).
func Connect(ctx context.Context, opts SessionOptions, onFail func(err error, wait time.Duration)) (*Session, error) {
	step, ceiling := opts.RedialStep, opts.RedialMax
	if step <= 0 {
		step = DefaultRedialStep
	}
	if ceiling <= 0 {
		ceiling = DefaultRedialMax
	}
	for attempt := 1; ; attempt++ {
		s, err := Dial(ctx, opts)
		if err == nil {
			context.AfterFunc(ctx, func() { s.Close() })
			return s, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if refused := (*TokenRefusedError)(nil); errors.As(err, &refused) || errors.Is(err, ErrChatEnded) {
			return nil, err
		}
		wait := min(time.Duration(attempt)*step, ceiling)
		if onFail != nil {
			onFail(err, wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
