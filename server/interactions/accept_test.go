package interactions_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"parley/server/interactions"
	"parley/server/routing"
	"parley/server/store"
)

// elsewhere is routing as a node of a cluster that does not run the
// engine sees it: its calls reach the engine, but the engine's events are
// heard on the node that runs it, not here. A second engine cannot stand
// in for that (two engines would offer the same task twice), so this is
// the one fake: the real engine, deaf to events.
type elsewhere struct{ interactions.Router }

func (elsewhere) Subscribe(func(routing.Event)) {}

// On a cluster an agent's accept may be answered on a node whose
// Interactions never hears the acceptance (another node runs routing and
// joins the agent): the accept still answers once the agent is in the
// conversation, by finding the join in the store, not after giving up.
func TestAnAcceptOnAnotherNodeWaitsForTheJoinThere(t *testing.T) {
	c := newCentre(t)
	c.worker("ada", true)
	conv := c.customerChat("Chat", "guest_1")
	c.inbound(conv, nil)
	r := c.offer("ada")

	other := interactions.NewService(store.NewInteractions(c.db), c.conv, elsewhere{c.rt}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer other.Close()
	other.JoinsElsewhere = true
	// Longer than any join takes, shorter than JoinWait: an accept that
	// answers only when this runs out did not see the join.
	ctx, cancel := context.WithTimeout(c.ctx, interactions.JoinWait/2)
	defer cancel()
	res, err := other.Accept(ctx, r.SID, func() (routing.Reservation, error) {
		return c.rt.UpdateReservation(ctx, c.ws, r.TaskSID, c.workers["ada"], r.SID, routing.ReservationParams{Status: routing.ReservationAccepted})
	})
	c.must(err)
	if ctx.Err() != nil {
		t.Fatalf("the accept answered only when the caller gave up waiting (%v)", ctx.Err())
	}
	if res.Status != routing.ReservationAccepted {
		t.Errorf("reservation %s, want accepted", res.Status)
	}
	if err := c.conv.Participates(c.ctx, identityOf("ada"), conv.SID); err != nil {
		t.Errorf("the accept answered before ada joined: %v", err)
	}
}

// An accept of a task that is not an interaction's (a plain TaskRouter
// task) answers at once: nobody joins anything.
func TestAnAcceptOfAPlainTaskDoesNotWait(t *testing.T) {
	c := newCentre(t)
	c.worker("ada", true)
	_, err := c.rt.CreateTask(c.ctx, c.ws, routing.TaskParams{WorkflowSID: &c.wf, TaskChannel: ptr("chat"), Attributes: ptr(`{"type":"callback"}`)})
	c.must(err)
	r := c.offer("ada")
	ctx, cancel := context.WithTimeout(c.ctx, interactions.JoinWait/2)
	defer cancel()
	_, err = c.svc.Accept(ctx, r.SID, func() (routing.Reservation, error) {
		return c.rt.UpdateReservation(ctx, c.ws, r.TaskSID, c.workers["ada"], r.SID, routing.ReservationParams{Status: routing.ReservationAccepted})
	})
	c.must(err)
	if ctx.Err() != nil {
		t.Fatalf("an accept of a plain task waited for a join until the caller gave up (%v)", ctx.Err())
	}
}
