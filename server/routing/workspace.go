package routing

import (
	"context"
	"net/url"
	"slices"
	"time"

	"parley/server/apperr"
	"parley/server/paging"
	"parley/shared/sid"
)

// Workspace is a TaskRouter workspace: the container of everything routing
// uses.
type Workspace struct {
	Key                  int64     `json:"key"`
	SID                  string    `json:"sid"`
	AccountSID           string    `json:"account_sid"`
	FriendlyName         string    `json:"friendly_name"`
	EventCallbackURL     string    `json:"event_callback_url"`
	EventsFilter         string    `json:"events_filter"`
	DefaultActivitySID   string    `json:"default_activity_sid"`
	TimeoutActivitySID   string    `json:"timeout_activity_sid"`
	MultiTaskEnabled     bool      `json:"multi_task_enabled"`
	PrioritizeQueueOrder string    `json:"prioritize_queue_order"` // FIFO or LIFO
	Created              time.Time `json:"created"`
	Updated              time.Time `json:"updated"`
}

func (w *Workspace) key() int64 { return w.Key }

// Activity is a state a worker can be in; Available says whether a worker
// in it can be offered tasks. It never changes.
type Activity struct {
	Key          int64     `json:"key"`
	SID          string    `json:"sid"`
	WorkspaceSID string    `json:"workspace_sid"`
	FriendlyName string    `json:"friendly_name"`
	Available    bool      `json:"available"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
}

func (a *Activity) key() int64 { return a.Key }

// TaskChannel is a kind of work (chat, sms ...); workers have a capacity
// per channel.
type TaskChannel struct {
	Key                     int64     `json:"key"`
	SID                     string    `json:"sid"`
	WorkspaceSID            string    `json:"workspace_sid"`
	FriendlyName            string    `json:"friendly_name"`
	UniqueName              string    `json:"unique_name"`
	ChannelOptimizedRouting bool      `json:"channel_optimized_routing"`
	Created                 time.Time `json:"created"`
	Updated                 time.Time `json:"updated"`
}

func (c *TaskChannel) key() int64 { return c.Key }

// defaultActivities are what a new workspace starts with, as Twilio's.
var defaultActivities = []struct {
	name      string
	available bool
}{{"Offline", false}, {"Available", true}, {"Unavailable", false}}

// defaultChannels are the task channels a new workspace starts with.
var defaultChannels = []struct{ unique, friendly string }{
	{"default", "Default"}, {"voice", "Voice"}, {"chat", "Chat"}, {"sms", "SMS"},
	{"whatsapp", "WhatsApp"}, {"email", "Email"},
}

// WorkspaceParams are the settable fields of a workspace; nil is unchanged.
type WorkspaceParams struct {
	FriendlyName         *string
	EventCallbackURL     *string
	EventsFilter         *string
	MultiTaskEnabled     *bool
	PrioritizeQueueOrder *string
	DefaultActivitySID   *string // update only
	TimeoutActivitySID   *string // update only
}

// CreateWorkspace makes a workspace with the default activities (Offline
// is the default and timeout activity) and task channels.
func (s *Service) CreateWorkspace(ctx context.Context, p WorkspaceParams) (Workspace, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.stamp()
	sp := newSpace(Workspace{Key: s.nextKey(), SID: sid.New(sid.Workspace), AccountSID: s.accountSID,
		MultiTaskEnabled: true, PrioritizeQueueOrder: "FIFO", Created: now, Updated: now})
	if p.FriendlyName == nil {
		return Workspace{}, invalid("FriendlyName is required")
	}
	if p.DefaultActivitySID != nil || p.TimeoutActivitySID != nil {
		return Workspace{}, invalid("DefaultActivitySid and TimeoutActivitySid are set by updating a workspace, once its activities exist")
	}
	if err := applyWorkspace(sp, p); err != nil {
		return Workspace{}, err
	}
	if err := s.checkURL("EventCallbackUrl", p.EventCallbackURL); err != nil {
		return Workspace{}, err
	}
	for _, a := range defaultActivities {
		act := &Activity{Key: s.nextKey(), SID: sid.New(sid.Activity), WorkspaceSID: sp.SID, FriendlyName: a.name,
			Available: a.available, Created: now, Updated: now}
		sp.activities.put(act.SID, act)
	}
	sp.DefaultActivitySID = sp.activities.order[0].SID // Offline
	sp.TimeoutActivitySID = sp.DefaultActivitySID
	for _, ch := range defaultChannels {
		tc := &TaskChannel{Key: s.nextKey(), SID: sid.New(sid.TaskChannel), WorkspaceSID: sp.SID,
			FriendlyName: ch.friendly, UniqueName: ch.unique, Created: now, Updated: now}
		sp.channels.put(tc.SID, tc)
	}
	// The workspace record goes first so a load meets it before its parts.
	var c change
	c.put(KindWorkspace, sp.SID, "", &sp.Workspace)
	for _, a := range sp.activities.order {
		c.put(KindActivity, a.SID, sp.SID, a)
	}
	for _, tc := range sp.channels.order {
		c.put(KindTaskChannel, tc.SID, sp.SID, tc)
	}
	err := s.commit(ctx, c, func() { s.workspaces[sp.SID], s.order = sp, append(s.order, sp) })
	return sp.Workspace, err
}

func applyWorkspace(sp *space, p WorkspaceParams) error {
	if p.FriendlyName != nil {
		if err := checkName("FriendlyName", *p.FriendlyName); err != nil {
			return err
		}
		sp.FriendlyName = *p.FriendlyName
	}
	if p.EventCallbackURL != nil {
		if u := *p.EventCallbackURL; u != "" {
			if parsed, err := url.Parse(u); err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
				return invalid("EventCallbackUrl %q is not an http or https URL", u)
			}
		}
		sp.EventCallbackURL = *p.EventCallbackURL
	}
	if p.EventsFilter != nil {
		sp.EventsFilter = *p.EventsFilter
	}
	if p.MultiTaskEnabled != nil {
		sp.MultiTaskEnabled = *p.MultiTaskEnabled
	}
	if p.PrioritizeQueueOrder != nil {
		if v := *p.PrioritizeQueueOrder; v != "FIFO" && v != "LIFO" {
			return invalid("PrioritizeQueueOrder must be FIFO or LIFO, got %q", v)
		}
		sp.PrioritizeQueueOrder = *p.PrioritizeQueueOrder
	}
	for param, ref := range map[string]*string{"DefaultActivitySid": p.DefaultActivitySID, "TimeoutActivitySid": p.TimeoutActivitySID} {
		if ref == nil {
			continue
		}
		if sp.activities.bySID[*ref] == nil {
			return invalid("%s %s is not an activity of workspace %s", param, *ref, sp.SID)
		}
	}
	if p.DefaultActivitySID != nil {
		sp.DefaultActivitySID = *p.DefaultActivitySID
	}
	if p.TimeoutActivitySID != nil {
		sp.TimeoutActivitySID = *p.TimeoutActivitySID
	}
	return nil
}

// Workspace fetches a workspace.
func (s *Service) Workspace(ctx context.Context, workspaceSID string) (Workspace, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return Workspace{}, err
	}
	return sp.Workspace, nil
}

// Workspaces lists workspaces, optionally by friendly name.
func (s *Service) Workspaces(ctx context.Context, friendlyName string, r PageRequest) Page[Workspace] {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Workspace
	for _, sp := range s.order {
		if friendlyName == "" || sp.FriendlyName == friendlyName {
			out = append(out, sp.Workspace)
		}
	}
	return paging.Slice(out, func(w Workspace) int64 { return w.Key }, r)
}

// UpdateWorkspace changes a workspace's settings.
func (s *Service) UpdateWorkspace(ctx context.Context, workspaceSID string, p WorkspaceParams) (Workspace, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return Workspace{}, err
	}
	next := *sp
	if err := applyWorkspace(&next, p); err != nil {
		return Workspace{}, err
	}
	if err := s.checkURL("EventCallbackUrl", p.EventCallbackURL); err != nil {
		return Workspace{}, err
	}
	next.Updated = s.stamp()
	var c change
	c.put(KindWorkspace, sp.SID, "", &next.Workspace)
	if err := s.commit(ctx, c, func() { sp.Workspace = next.Workspace }); err != nil {
		return Workspace{}, err
	}
	// Multitasking may have changed who can take more.
	b := batch{sp: sp}
	for _, w := range sp.workers.order {
		s.refresh(sp, w.SID)
		b.retry(sp, w.SID)
	}
	s.flush(&b)
	return sp.Workspace, nil
}

// DeleteWorkspace removes a workspace and everything in it.
func (s *Service) DeleteWorkspace(ctx context.Context, workspaceSID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return err
	}
	var c change
	c.del(sp.SID)
	for _, id := range sp.children() {
		c.del(id)
	}
	return s.commit(ctx, c, func() {
		for _, t := range sp.tasks.order {
			t.stopTimers()
			for _, r := range t.reservations {
				r.stopTimer()
			}
		}
		delete(s.workspaces, sp.SID)
		s.order = slices.DeleteFunc(s.order, func(x *space) bool { return x == sp })
	})
}

// children lists the SIDs of everything in the workspace.
func (sp *space) children() []string {
	var ids []string
	for id := range sp.activities.bySID {
		ids = append(ids, id)
	}
	for id := range sp.channels.bySID {
		ids = append(ids, id)
	}
	for id := range sp.workers.bySID {
		ids = append(ids, id)
	}
	for id := range sp.queues.bySID {
		ids = append(ids, id)
	}
	for id := range sp.workflows.bySID {
		ids = append(ids, id)
	}
	for id, t := range sp.tasks.bySID {
		ids = append(ids, id)
		for _, r := range t.reservations {
			ids = append(ids, r.SID)
		}
	}
	return ids
}

// ---- activities ----

// ActivityParams are the settable fields of an activity.
type ActivityParams struct {
	FriendlyName *string
	Available    *bool // on create only: availability is fixed
}

// CreateActivity adds an activity to a workspace.
func (s *Service) CreateActivity(ctx context.Context, workspaceSID string, p ActivityParams) (Activity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return Activity{}, err
	}
	if p.FriendlyName == nil {
		return Activity{}, invalid("FriendlyName is required")
	}
	if err := s.checkActivityName(sp, *p.FriendlyName, ""); err != nil {
		return Activity{}, err
	}
	now := s.stamp()
	a := &Activity{Key: s.nextKey(), SID: sid.New(sid.Activity), WorkspaceSID: sp.SID, FriendlyName: *p.FriendlyName,
		Available: p.Available != nil && *p.Available, Created: now, Updated: now}
	var c change
	c.put(KindActivity, a.SID, sp.SID, a)
	err = s.commit(ctx, c, func() { sp.activities.put(a.SID, a) })
	return *a, err
}

func (s *Service) checkActivityName(sp *space, name, self string) error {
	if err := checkName("FriendlyName", name); err != nil {
		return err
	}
	for _, a := range sp.activities.order {
		if a.FriendlyName == name && a.SID != self {
			return apperr.Conflictf(apperr.CodeBadRequest, "Workspace %s already has an activity named %q", sp.SID, name)
		}
	}
	return nil
}

// Activity fetches an activity.
func (s *Service) Activity(ctx context.Context, workspaceSID, activitySID string) (Activity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, _, err := s.activity(workspaceSID, activitySID)
	if err != nil {
		return Activity{}, err
	}
	return *a, nil
}

func (s *Service) activity(workspaceSID, activitySID string) (*Activity, *space, error) {
	return lookup(s, workspaceSID, activitySID, "Activity", func(sp *space) *collection[*Activity] { return &sp.activities })
}

// ActivityFilter narrows an activity list.
type ActivityFilter struct {
	FriendlyName string
	Available    *bool
}

// Activities lists a workspace's activities.
func (s *Service) Activities(ctx context.Context, workspaceSID string, f ActivityFilter, r PageRequest) (Page[Activity], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return Page[Activity]{}, err
	}
	return copies(sp.activities.page(func(a *Activity) bool {
		return (f.FriendlyName == "" || a.FriendlyName == f.FriendlyName) && (f.Available == nil || a.Available == *f.Available)
	}, r)), nil
}

// UpdateActivity renames an activity. Its availability cannot change.
func (s *Service) UpdateActivity(ctx context.Context, workspaceSID, activitySID string, p ActivityParams) (Activity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, sp, err := s.activity(workspaceSID, activitySID)
	if err != nil {
		return Activity{}, err
	}
	if p.Available != nil && *p.Available != a.Available {
		return Activity{}, invalid("An activity's Available is fixed when it is created; make another activity instead")
	}
	next := *a
	if p.FriendlyName != nil {
		if err := s.checkActivityName(sp, *p.FriendlyName, a.SID); err != nil {
			return Activity{}, err
		}
		next.FriendlyName = *p.FriendlyName
	}
	next.Updated = s.stamp()
	var c change
	c.put(KindActivity, a.SID, sp.SID, &next)
	err = s.commit(ctx, c, func() { *a = next })
	return *a, err
}

// DeleteActivity removes an activity no worker is in and the workspace
// does not fall back to.
func (s *Service) DeleteActivity(ctx context.Context, workspaceSID, activitySID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, sp, err := s.activity(workspaceSID, activitySID)
	if err != nil {
		return err
	}
	if a.SID == sp.DefaultActivitySID || a.SID == sp.TimeoutActivitySID {
		return apperr.Conflictf(apperr.CodeBadRequest, "Activity %s is the workspace's default or timeout activity; choose another first", a.SID)
	}
	for _, w := range sp.workers.order {
		if w.ActivitySID == a.SID {
			return apperr.Conflictf(apperr.CodeBadRequest, "Worker %s is in activity %s; move it to another activity first", w.SID, a.SID)
		}
	}
	for _, q := range sp.queues.order {
		if q.ReservationActivitySID == a.SID || q.AssignmentActivitySID == a.SID {
			return apperr.Conflictf(apperr.CodeBadRequest, "Task queue %s uses activity %s; change it first", q.SID, a.SID)
		}
	}
	var c change
	c.del(a.SID)
	return s.commit(ctx, c, func() { sp.activities.remove(a.SID) })
}

// ---- task channels ----

// TaskChannelParams are the settable fields of a task channel.
type TaskChannelParams struct {
	FriendlyName            *string
	UniqueName              *string // on create only
	ChannelOptimizedRouting *bool
}

// CreateTaskChannel adds a task channel.
func (s *Service) CreateTaskChannel(ctx context.Context, workspaceSID string, p TaskChannelParams) (TaskChannel, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return TaskChannel{}, err
	}
	if p.FriendlyName == nil || p.UniqueName == nil {
		return TaskChannel{}, invalid("FriendlyName and UniqueName are required")
	}
	if err := checkName("UniqueName", *p.UniqueName); err != nil {
		return TaskChannel{}, err
	}
	if sp.channel(*p.UniqueName) != nil {
		return TaskChannel{}, apperr.Conflictf(apperr.CodeBadRequest, "Workspace %s already has a task channel %q", sp.SID, *p.UniqueName)
	}
	now := s.stamp()
	tc := &TaskChannel{Key: s.nextKey(), SID: sid.New(sid.TaskChannel), WorkspaceSID: sp.SID,
		UniqueName: *p.UniqueName, Created: now, Updated: now}
	if err := applyTaskChannel(tc, p); err != nil {
		return TaskChannel{}, err
	}
	var c change
	c.put(KindTaskChannel, tc.SID, sp.SID, tc)
	err = s.commit(ctx, c, func() { sp.channels.put(tc.SID, tc) })
	return *tc, err
}

func applyTaskChannel(tc *TaskChannel, p TaskChannelParams) error {
	if p.FriendlyName != nil {
		if err := checkName("FriendlyName", *p.FriendlyName); err != nil {
			return err
		}
		tc.FriendlyName = *p.FriendlyName
	}
	if p.ChannelOptimizedRouting != nil {
		tc.ChannelOptimizedRouting = *p.ChannelOptimizedRouting
	}
	return nil
}

// channel finds a task channel by SID or unique name.
func (sp *space) channel(ref string) *TaskChannel {
	if tc := sp.channels.bySID[ref]; tc != nil {
		return tc
	}
	for _, tc := range sp.channels.order {
		if tc.UniqueName == ref {
			return tc
		}
	}
	return nil
}

// TaskChannel fetches a task channel by SID or unique name.
func (s *Service) TaskChannel(ctx context.Context, workspaceSID, ref string) (TaskChannel, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tc, _, err := s.taskChannel(workspaceSID, ref)
	if err != nil {
		return TaskChannel{}, err
	}
	return *tc, nil
}

func (s *Service) taskChannel(workspaceSID, ref string) (*TaskChannel, *space, error) {
	sp, err := s.space(workspaceSID)
	if err != nil {
		return nil, nil, err
	}
	tc := sp.channel(ref)
	if tc == nil {
		return nil, sp, notFound("TaskChannel", ref)
	}
	return tc, sp, nil
}

// TaskChannels lists a workspace's task channels.
func (s *Service) TaskChannels(ctx context.Context, workspaceSID string, r PageRequest) (Page[TaskChannel], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return Page[TaskChannel]{}, err
	}
	return copies(sp.channels.page(nil, r)), nil
}

// UpdateTaskChannel changes a task channel's name or routing option.
func (s *Service) UpdateTaskChannel(ctx context.Context, workspaceSID, ref string, p TaskChannelParams) (TaskChannel, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tc, sp, err := s.taskChannel(workspaceSID, ref)
	if err != nil {
		return TaskChannel{}, err
	}
	next := *tc
	if err := applyTaskChannel(&next, p); err != nil {
		return TaskChannel{}, err
	}
	next.Updated = s.stamp()
	var c change
	c.put(KindTaskChannel, tc.SID, sp.SID, &next)
	err = s.commit(ctx, c, func() { *tc = next })
	return *tc, err
}

// DeleteTaskChannel removes a task channel and the workers' capacity on it.
func (s *Service) DeleteTaskChannel(ctx context.Context, workspaceSID, ref string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tc, sp, err := s.taskChannel(workspaceSID, ref)
	if err != nil {
		return err
	}
	var c change
	c.del(tc.SID)
	var changed []*Worker
	for _, w := range sp.workers.order {
		if _, ok := w.Channels[tc.SID]; ok {
			next := w.clone()
			delete(next.Channels, tc.SID)
			c.put(KindWorker, w.SID, sp.SID, next)
			changed = append(changed, next)
		}
	}
	return s.commit(ctx, c, func() {
		sp.channels.remove(tc.SID)
		for _, w := range changed {
			sp.workers.put(w.SID, w)
		}
	})
}

// copies turns a page of pointers into a page of values.
func copies[T any](p Page[*T]) Page[T] {
	out := Page[T]{HasNext: p.HasNext, HasPrev: p.HasPrev, Items: make([]T, len(p.Items))}
	for i, v := range p.Items {
		out.Items[i] = *v
	}
	return out
}
