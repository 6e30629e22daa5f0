package app

import (
	"context"
	"time"

	"parley/server/store"
)

// DeliveryRetention is how long finished deliveries stay listed.
const DeliveryRetention = 7 * 24 * time.Hour

// startBackground starts Parley's background work: its periodic upkeep,
// media's expiry of unused uploads and the outbox's deliveries. Close
// stops them (stop, then done and jobsDone).
func (a *App) startBackground(cfg Config) {
	bg, stop := context.WithCancel(context.Background())
	a.stop = stop
	a.done, a.jobsDone = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(a.done)
		a.background(bg, cfg)
	}()
	go a.Media.Run(bg)
	go func() {
		defer close(a.jobsDone) // once the runner has stopped and saved its progress
		a.Outbox.Run(bg)
	}()
}

// background runs Parley's periodic upkeep until ctx ends.
func (a *App) background(ctx context.Context, cfg Config) {
	timers := time.NewTicker(cfg.TimerInterval)
	defer timers.Stop()
	prune := time.NewTicker(time.Minute)
	defer prune.Stop()
	held := time.NewTicker(cfg.HoursInterval)
	defer held.Stop()
	heartbeat := time.NewTicker(store.HeartbeatEvery)
	defer heartbeat.Stop()
	a.routeHeld(ctx) // what was left while Parley was down, if its team is in
	for {
		select {
		case <-ctx.Done():
			return
		case <-heartbeat.C:
			if a.counts != nil {
				if err := a.counts.Heartbeat(ctx); err != nil && ctx.Err() == nil {
					a.log.Error("cluster: heartbeat", "err", err)
				}
			}
		case <-held.C:
			a.routeHeld(ctx)
		case <-timers.C:
			if _, err := a.Conversations.ApplyTimers(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("apply conversation timers", "err", err)
			}
		case <-prune.C:
			if _, err := a.Conversations.PruneEvents(ctx, cfg.EventRetention); err != nil && ctx.Err() == nil {
				a.log.Error("prune the event log", "err", err)
			}
			if _, err := a.Outbox.Store.Prune(ctx, time.Now().Add(-DeliveryRetention)); err != nil && ctx.Err() == nil {
				a.log.Error("prune finished deliveries", "err", err)
			}
		}
	}
}
