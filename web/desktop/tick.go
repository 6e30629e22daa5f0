package main

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// selfTicking is embedded by a component that re-renders itself on a
// clock (the offer card's countdown, the chat list's waits) and nothing
// around it.
type selfTicking struct {
	// parent is the context of the component it sits in, set when it is
	// first made (go-app keeps a mounted component's unexported fields): a
	// tick cancels the re-render go-app would give every ancestor.
	parent *app.Context
}

// tickEvery re-renders the component whose context ctx is every period
// (asked afresh at each tick) while it is mounted: go-app drops a
// dismounted component's dispatches, which ends the loop.
func (s *selfTicking) tickEvery(ctx app.Context, period func() time.Duration) {
	ctx.After(period(), func(ctx app.Context) {
		if s.parent != nil {
			s.parent.PreventUpdate()
		}
		s.tickEvery(ctx, period)
	})
}
