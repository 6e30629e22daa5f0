package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"parley/shared/client"
)

// ---- the visitor's access: renewed, expired, resumed, forgotten ----

// scheduleRefresh renews the token when three quarters of its life are
// gone, and gives the live session the new one.
func (w *Widget) scheduleRefresh(ctx app.Context) {
	left := time.Until(w.saved.Expires)
	w.ctx.After(max(left*3/4, 5*time.Second), func(ctx app.Context) {
		if w.phase != phaseChat {
			return
		}
		old := w.token()
		w.ctx.Async(func() {
			c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			tok, exp, err := w.api.refresh(c, old)
			w.ctx.Dispatch(func(ctx app.Context) {
				var apiErr *client.APIError
				switch {
				case errors.As(err, &apiErr) && apiErr.Status == 401:
					w.expire(ctx)
					return
				case err != nil: // offline: try again soon, while the old token lasts
					w.ctx.After(15*time.Second, func(ctx app.Context) { w.scheduleRefresh(ctx) })
					return
				}
				w.tokenMu.Lock()
				w.saved.Token, w.saved.Expires = tok, exp
				w.tokenMu.Unlock()
				w.save(ctx)
				if w.sess != nil {
					sess := w.sess
					w.ctx.Async(func() { sess.UpdateToken(context.Background(), tok) })
				}
				w.scheduleRefresh(ctx)
			})
		})
	})
}

// expire forgets a chat whose token no longer works, and brings it back
// with its resume token if it has one (a guest's), the chat still open.
func (w *Widget) expire(ctx app.Context) {
	w.tokenMu.Lock()
	saved := w.saved
	w.tokenMu.Unlock()
	w.forget(ctx)
	// Once only in a while: a chat that the server lets resume but whose
	// token is then refused must not go round in circles.
	if saved.canResume() && time.Since(w.cameBack) > time.Minute {
		w.comeBack(ctx, saved, w.t.Expired)
		return
	}
	w.phase, w.problem = phaseForm, w.t.Expired
}

// comeBack exchanges a guest's resume token for a fresh token to its
// chat: a visitor back after the token expired finds the chat, with its
// history and without the form, while it is open. Once it is closed the
// server refuses, and the visitor gets the form (and problem, if any).
func (w *Widget) comeBack(ctx app.Context, saved Saved, problem string) {
	w.phase, w.problem = phaseLoading, ""
	w.ctx.Async(func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		fresh, err := w.api.resume(c, saved.Resume)
		w.ctx.Dispatch(func(ctx app.Context) {
			switch {
			case resumeRefused(err):
				ctx.LocalStorage().Del(storageKey(w.cfg.Key))
				w.phase, w.problem = phaseForm, problem
			case err != nil: // offline, the server away or busy: the chat waits
				w.ctx.After(5*time.Second, func(ctx app.Context) { w.comeBack(ctx, saved, problem) })
			default:
				w.cameBack = time.Now()
				fresh.Outbox = saved.Outbox // what was not sent yet goes now
				w.resume(ctx, fresh)
			}
		})
	})
}

// resumeRefused reports whether the server refused to resume a chat (it
// ended, its token expired, its deployment is gone), which ends it; any
// other failure (offline, the server away, busy or rate limiting) is
// waited out.
func resumeRefused(err error) bool {
	var apiErr *client.APIError
	return errors.As(err, &apiErr) && apiErr.Status < 500 && apiErr.Status != http.StatusTooManyRequests
}

func (w *Widget) forget(ctx app.Context) {
	w.line.Leave()
	w.sess = nil
	ctx.LocalStorage().Del(storageKey(w.cfg.Key))
}
