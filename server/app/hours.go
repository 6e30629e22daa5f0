package app

import (
	"context"
	"time"
)

// DefaultHoursInterval is how often Parley looks for chats left outside
// business hours whose team is now in: a team's opening is noticed within
// it. Checking costs one indexed read while nothing is held.
const DefaultHoursInterval = 10 * time.Second

// routeHeld routes the chats left outside business hours whose
// deployment is open now (webchat.Service.RouteHeld); what fails is tried
// again at the next check.
func (a *App) routeHeld(ctx context.Context) {
	n, err := a.Webchat.RouteHeld(ctx)
	if err != nil && ctx.Err() == nil {
		a.log.Error("route chats left outside business hours", "err", err, "routed", n)
	} else if n > 0 {
		a.log.Info("routed chats left outside business hours", "routed", n)
	}
}
