// Package dial opens the realtime session of a go-app front end (the
// widget's and the desk's): client.Connect does the dialling and the
// retrying; this package does what both front ends otherwise each wrote
// around it, running every callback on the app's UI goroutine and
// dropping those of a session the app has since left.
package dial

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
	"parley/shared/realtime"
)

// Handlers are what the app does as its session lives, each on the UI
// goroutine; a nil one is not called.
type Handlers struct {
	Event   func(ctx app.Context, f realtime.ServerFrame) // an event frame, in order
	Resync  func(ctx app.Context)                         // the server could not replay what was missed: load afresh
	Monitor func(ctx app.Context, conv string, err error) // a monitored chat followed again after a reconnection
	State   func(ctx app.Context, st client.State)        // connected, dropped, closed
	// Refused: the server refused the token on a reconnection (it expired
	// while the laptop slept, or access ended).
	Refused func(ctx app.Context)
	// DialFailed: a dial failed (offline, or the server is away); Connect
	// tries again.
	DialFailed func(ctx app.Context, err error)
}

// Line is the app's one session at a time: Open leaves the one before.
type Line struct {
	stop context.CancelFunc
}

// Open leaves the line's session, if any, and dials another in the
// background, trying until the server answers. opened then runs off the
// UI goroutine with a context that ends when the app leaves this session
// (to make further calls under) and what Connect returned; it hands its
// results to the UI goroutine itself (ctx.Dispatch), checking live.Err()
// first.
func (l *Line) Open(ctx app.Context, url string, token func() string, h Handlers,
	opened func(live context.Context, sess *client.Session, err error)) {
	bg, stop := context.WithCancel(context.Background())
	l.Leave()
	l.stop = stop
	// on runs f on the UI goroutine unless the app has left this session.
	on := func(f func(ctx app.Context)) {
		ctx.Dispatch(func(ctx app.Context) {
			if bg.Err() == nil {
				f(ctx)
			}
		})
	}
	opts := client.SessionOptions{
		URL:   url,
		Token: func(context.Context) (string, error) { return token(), nil },
	}
	if h.Event != nil {
		opts.OnEvent = func(f realtime.ServerFrame) { on(func(ctx app.Context) { h.Event(ctx, f) }) }
	}
	if h.Resync != nil {
		opts.OnResync = func() { on(h.Resync) }
	}
	if h.Monitor != nil {
		opts.OnMonitor = func(conv string, err error) { on(func(ctx app.Context) { h.Monitor(ctx, conv, err) }) }
	}
	if h.State != nil {
		opts.OnState = func(st client.State) { on(func(ctx app.Context) { h.State(ctx, st) }) }
	}
	if h.Refused != nil {
		opts.OnRefused = func(*client.TokenRefusedError) { on(h.Refused) }
	}
	ctx.Async(func() {
		sess, err := client.Connect(bg, opts, func(err error, _ time.Duration) {
			if h.DialFailed != nil {
				on(func(ctx app.Context) { h.DialFailed(ctx, err) })
			}
		})
		opened(bg, sess, err)
	})
}

// Leave ends the line's session (and a dial under way); its callbacks
// are dropped from then on.
func (l *Line) Leave() {
	if l.stop != nil {
		l.stop()
		l.stop = nil
	}
}
