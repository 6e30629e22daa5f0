package webchat_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/webchat"
)

const officeHours = `{"time_zone": "Europe/Paris", "weekly": {"monday": ["09:00-17:00"], "tuesday": ["09:00-17:00"],
	"wednesday": ["09:00-17:00"], "thursday": ["09:00-17:00"], "friday": ["09:00-17:00"]}}`

var saturdayNoon = time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)

// leave is a visitor leaving a message on the offline form.
func (r *rig) leave(d webchat.Deployment, name, email, message string) webchat.Chat {
	r.t.Helper()
	c, err := r.svc.Init(r.ctx, webchat.InitParams{DeploymentKey: d.Key,
		PreEngagementData: answers("friendlyName", name, "email", email, "question", message)})
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

// A visitor who writes while the team is away leaves a message: no agent
// is offered it, nobody promises an answer "shortly", and the widget says
// when the team is back. When the team opens, the messages are routed in
// the order they were left, once each.
func TestChatsLeftWhileAwayWaitForTheTeam(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{BusinessHours: ptr(officeHours)})
	r.now = saturdayNoon

	// The offline form asks for an email: the answer may come by mail.
	_, err := r.svc.Init(r.ctx, webchat.InitParams{DeploymentKey: d.Key, PreEngagementData: answers("friendlyName", "Ada", "question", "hi")})
	wantRefused(t, err, apperr.Invalid, "email is required")

	first := r.leave(d, "Ada", "ada@example.com", "My parcel is lost")
	r.now = r.now.Add(time.Hour)
	second := r.leave(d, "Bob", "bob@example.com", "Refund please")
	if first.Away == nil || first.Away.Zone != "Europe/Paris" || !first.Away.Back.Equal(time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("away %+v; want back Monday 09:00 in Paris", first.Away)
	}
	if got := r.thread(first.ConversationSID); !slices.Equal(got, []string{first.Identity + ": My parcel is lost"}) {
		t.Errorf("thread %q: want the message alone, no welcome", got)
	}
	if a := r.attrs(first.ConversationSID); a[webchat.LeftWhileAwayAttr] != "2026-03-07T12:00:00Z" {
		t.Errorf("attributes %v: want it marked as left while away", a)
	}
	if got := r.routed(); len(got) != 0 {
		t.Fatalf("routed while away: %v", got)
	}

	// Sunday: still closed, nothing moves.
	r.now = r.now.Add(24 * time.Hour)
	if n, err := r.svc.RouteHeld(r.ctx); n != 0 || err != nil {
		t.Fatalf("RouteHeld on Sunday: %d, %v", n, err)
	}
	// Monday 09:05 in Paris: both go, oldest first; a second pass finds
	// nothing more.
	r.now = time.Date(2026, 3, 9, 8, 5, 0, 0, time.UTC)
	if n, err := r.svc.RouteHeld(r.ctx); n != 2 || err != nil {
		t.Fatalf("RouteHeld on Monday: %d, %v; want 2", n, err)
	}
	if got, want := r.routed(), []string{first.ConversationSID, second.ConversationSID}; !slices.Equal(got, want) {
		t.Errorf("routed %v, want %v", got, want)
	}
	if n, err := r.svc.RouteHeld(r.ctx); n != 0 || err != nil {
		t.Errorf("RouteHeld again: %d, %v; want nothing", n, err)
	}

	// During the hours a visitor chats at once, with the usual form.
	c := r.init(d, "Cy", "hello")
	if c.Away != nil || !slices.Contains(r.routed(), c.ConversationSID) {
		t.Errorf("in hours: away %+v, routed %v", c.Away, r.routed())
	}
}

// A message left while away that the visitor closed, or that was deleted,
// before the team opened is not offered to anyone; one that routing took
// already (Parley stopped between routing it and releasing it) is not
// offered twice; a deleted deployment's are still owed an answer.
func TestHeldChatsAreRoutedOnceAndOnlyWhileOpen(t *testing.T) {
	r := newRig(t)
	d := r.deployment(webchat.DeploymentParams{BusinessHours: ptr(officeHours)})
	gone := r.deployment(webchat.DeploymentParams{BusinessHours: ptr(officeHours)})
	r.now = saturdayNoon
	closed := r.leave(d, "Ada", "ada@example.com", "never mind")
	deleted := r.leave(d, "Bob", "bob@example.com", "hello?")
	done := r.leave(d, "Cy", "cy@example.com", "routed before a stop")
	kept := r.leave(d, "Di", "di@example.com", "still waiting")
	orphan := r.leave(gone, "Ed", "ed@example.com", "anyone?")

	if _, err := r.svc.End(r.ctx, d.Key, "", closed.Token, closed.ConversationSID); err != nil {
		t.Fatal(err)
	}
	if err := r.conv.DeleteConversation(r.ctx, deleted.ConversationSID); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.DeleteDeployment(r.ctx, gone.Key); err != nil {
		t.Fatal(err)
	}
	r.svc.Routed = func(_ context.Context, c conversations.Conversation) (bool, error) {
		return c.SID == done.ConversationSID, nil
	}

	// The deleted deployment has no hours left to wait for.
	n, err := r.svc.RouteHeld(r.ctx)
	if err != nil || n != 1 || !slices.Equal(r.routed(), []string{orphan.ConversationSID}) {
		t.Fatalf("while away: routed %d %v, %v; want only the deleted deployment's", n, r.routed(), err)
	}
	r.now = time.Date(2026, 3, 9, 8, 5, 0, 0, time.UTC)
	n, err = r.svc.RouteHeld(r.ctx)
	if err != nil || n != 1 || !slices.Equal(r.routed(), []string{orphan.ConversationSID, kept.ConversationSID}) {
		t.Fatalf("when open: routed %d %v, %v; want only %s", n, r.routed(), err, kept.ConversationSID)
	}
	if n, _ := r.svc.RouteHeld(r.ctx); n != 0 {
		t.Errorf("a second pass routed %d", n)
	}
}

// Without a place to hold them, chats left while away are routed at once:
// a message is never left unrouted.
func TestWithoutAHoldingStoreAwayChatsAreRoutedAtOnce(t *testing.T) {
	r := newRig(t)
	r.svc.Held = nil
	d := r.deployment(webchat.DeploymentParams{BusinessHours: ptr(officeHours)})
	r.now = saturdayNoon
	c := r.leave(d, "Ada", "ada@example.com", "hi")
	if c.Away == nil || !slices.Equal(r.routed(), []string{c.ConversationSID}) {
		t.Errorf("away %+v, routed %v; want it marked away and routed", c.Away, r.routed())
	}
	if n, err := r.svc.RouteHeld(r.ctx); n != 0 || err != nil {
		t.Errorf("RouteHeld: %d, %v", n, err)
	}
}
