package routing

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"parley/server/apperr"
	"parley/server/routing/expr"
	"parley/server/textrule"
	"parley/shared/sid"
)

// Worker is an agent (or a bot) that tasks are offered to.
type Worker struct {
	Key           int64                     `json:"key"`
	SID           string                    `json:"sid"`
	WorkspaceSID  string                    `json:"workspace_sid"`
	FriendlyName  string                    `json:"friendly_name"`
	Attributes    string                    `json:"attributes"` // a JSON object
	ActivitySID   string                    `json:"activity_sid"`
	StatusChanged time.Time                 `json:"status_changed"`
	Channels      map[string]*WorkerChannel `json:"channels"` // by task channel SID; missing means the default
	Created       time.Time                 `json:"created"`
	Updated       time.Time                 `json:"updated"`

	attrs map[string]any // Attributes, decoded once for expressions
}

func (w *Worker) key() int64 { return w.Key }

// WorkerChannel is a worker's capacity on one task channel.
type WorkerChannel struct {
	SID            string    `json:"sid"`
	TaskChannelSID string    `json:"task_channel_sid"`
	Capacity       int       `json:"capacity"`
	Available      bool      `json:"available"`
	Created        time.Time `json:"created"`
	Updated        time.Time `json:"updated"`
}

// MaxCapacity bounds a worker's capacity on one channel, as Twilio's.
const MaxCapacity = 50

// MaxAttributesBytes bounds a worker's or task's attributes.
const MaxAttributesBytes = 16 << 10

func (w *Worker) parse() error {
	return json.Unmarshal([]byte(w.Attributes), &w.attrs)
}

func (w *Worker) clone() *Worker {
	c := *w
	c.Channels = make(map[string]*WorkerChannel, len(w.Channels))
	for k, v := range w.Channels {
		cp := *v
		c.Channels[k] = &cp
	}
	return &c
}

// Attrs are the worker's attributes, decoded.
func (w *Worker) Attrs() map[string]any { return w.attrs }

// parseAttributes checks attributes are a JSON object and decodes them.
func parseAttributes(param, v string) (map[string]any, error) {
	if len(v) > MaxAttributesBytes {
		return nil, invalid("%s is %d bytes; the limit is %d", param, len(v), MaxAttributesBytes)
	}
	if err := textrule.JSON(param, []byte(v)); err != nil {
		return nil, err // decoding would keep "\ud800" as U+FFFD
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(v), &m); err != nil || m == nil {
		return nil, apperr.Invalidf(apperr.CodeInvalidAttributes, "%s must be a JSON object, like {\"skills\":[\"support\"]}", param)
	}
	return m, nil
}

// WorkerParams are the settable fields of a worker.
type WorkerParams struct {
	FriendlyName *string
	ActivitySID  *string
	Attributes   *string
	// RejectPendingReservations, when the new activity is unavailable,
	// rejects the offers the worker has not answered.
	RejectPendingReservations *bool
}

// CreateWorker adds a worker, in the workspace's default activity unless
// one is given.
func (s *Service) CreateWorker(ctx context.Context, workspaceSID string, p WorkerParams) (Worker, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return Worker{}, err
	}
	if p.FriendlyName == nil {
		return Worker{}, invalid("FriendlyName is required")
	}
	now := s.stamp()
	w := &Worker{Key: s.nextKey(), SID: sid.New(sid.Worker), WorkspaceSID: sp.SID, Attributes: "{}",
		ActivitySID: sp.DefaultActivitySID, StatusChanged: now, Channels: map[string]*WorkerChannel{},
		attrs: map[string]any{}, Created: now, Updated: now}
	if err := s.applyWorker(sp, w, p); err != nil {
		return Worker{}, err
	}
	var c change
	c.put(KindWorker, w.SID, sp.SID, w)
	if err := s.commit(ctx, c, func() { sp.workers.put(w.SID, w) }); err != nil {
		return Worker{}, err
	}
	b := batch{sp: sp}
	s.refresh(sp, w.SID)
	b.retry(sp, w.SID)
	s.flush(&b)
	return *w, nil
}

func (s *Service) applyWorker(sp *space, w *Worker, p WorkerParams) error {
	if p.FriendlyName != nil {
		if err := checkName("FriendlyName", *p.FriendlyName); err != nil {
			return err
		}
		for _, o := range sp.workers.order {
			if o.FriendlyName == *p.FriendlyName && o.SID != w.SID {
				return apperr.Conflictf(apperr.CodeBadRequest, "Workspace %s already has a worker named %q", sp.SID, *p.FriendlyName)
			}
		}
		w.FriendlyName = *p.FriendlyName
	}
	if p.Attributes != nil {
		m, err := parseAttributes("Attributes", *p.Attributes)
		if err != nil {
			return err
		}
		w.Attributes, w.attrs = *p.Attributes, m
	}
	if p.ActivitySID != nil && *p.ActivitySID != w.ActivitySID {
		if sp.activities.bySID[*p.ActivitySID] == nil {
			return invalid("ActivitySid %s is not an activity of workspace %s", *p.ActivitySID, sp.SID)
		}
		w.ActivitySID, w.StatusChanged = *p.ActivitySID, s.stamp()
	}
	return nil
}

// Worker fetches a worker.
func (s *Service) Worker(ctx context.Context, workspaceSID, workerSID string) (Worker, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, _, err := s.worker(workspaceSID, workerSID)
	if err != nil {
		return Worker{}, err
	}
	return *w, nil
}

func (s *Service) worker(workspaceSID, workerSID string) (*Worker, *space, error) {
	return lookup(s, workspaceSID, workerSID, "Worker", func(sp *space) *collection[*Worker] { return &sp.workers })
}

// Available reports whether the worker's activity lets it take tasks.
func (s *Service) available(sp *space, w *Worker) bool {
	a := sp.activities.bySID[w.ActivitySID]
	return a != nil && a.Available
}

// WorkerView is a worker with what it is derived: its activity's name and
// whether it is available.
type WorkerView struct {
	Worker
	ActivityName string
	Available    bool
}

func (s *Service) view(sp *space, w *Worker) WorkerView {
	v := WorkerView{Worker: *w, Available: s.available(sp, w)}
	if a := sp.activities.bySID[w.ActivitySID]; a != nil {
		v.ActivityName = a.FriendlyName
	}
	return v
}

// WorkerFilter narrows a worker list.
type WorkerFilter struct {
	FriendlyName, ActivitySID, ActivityName string
	Available                               *bool
	TargetWorkersExpression                 string
	TaskQueueSID, TaskQueueName             string
}

// Workers lists a workspace's workers.
func (s *Service) Workers(ctx context.Context, workspaceSID string, f WorkerFilter, r PageRequest) (Page[WorkerView], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.space(workspaceSID)
	if err != nil {
		return Page[WorkerView]{}, err
	}
	var target *expr.Expr
	if f.TargetWorkersExpression != "" {
		if target, err = parseExpr("TargetWorkersExpression", f.TargetWorkersExpression); err != nil {
			return Page[WorkerView]{}, err
		}
	}
	if f.TaskQueueSID != "" || f.TaskQueueName != "" {
		q := sp.queues.bySID[f.TaskQueueSID]
		if q == nil {
			for _, x := range sp.queues.order {
				if x.FriendlyName == f.TaskQueueName {
					q = x
				}
			}
		}
		if q == nil {
			return Page[WorkerView]{}, invalid("TaskQueue %s%s is not in workspace %s", f.TaskQueueSID, f.TaskQueueName, sp.SID)
		}
		target = q.target
	}
	page := sp.workers.page(func(w *Worker) bool {
		a := sp.activities.bySID[w.ActivitySID]
		return (f.FriendlyName == "" || w.FriendlyName == f.FriendlyName) &&
			(f.ActivitySID == "" || w.ActivitySID == f.ActivitySID) &&
			(f.ActivityName == "" || a != nil && a.FriendlyName == f.ActivityName) &&
			(f.Available == nil || s.available(sp, w) == *f.Available) &&
			(target == nil || target.Eval(expr.Scope{Default: w.attrs, Worker: w.attrs}))
	}, r)
	out := Page[WorkerView]{HasNext: page.HasNext, HasPrev: page.HasPrev}
	for _, w := range page.Items {
		out.Items = append(out.Items, s.view(sp, w))
	}
	return out, nil
}

// WorkerOf is a worker with its derived fields.
func (s *Service) WorkerOf(ctx context.Context, workspaceSID, workerSID string) (WorkerView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, sp, err := s.worker(workspaceSID, workerSID)
	if err != nil {
		return WorkerView{}, err
	}
	return s.view(sp, w), nil
}

// UpdateWorker changes a worker's name, attributes or activity.
func (s *Service) UpdateWorker(ctx context.Context, workspaceSID, workerSID string, p WorkerParams) (WorkerView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, sp, err := s.worker(workspaceSID, workerSID)
	if err != nil {
		return WorkerView{}, err
	}
	next := w.clone()
	if err := s.applyWorker(sp, next, p); err != nil {
		return WorkerView{}, err
	}
	next.Updated = s.stamp()
	var c change
	c.put(KindWorker, w.SID, sp.SID, next)
	if err := s.commit(ctx, c, func() { sp.workers.put(w.SID, next) }); err != nil {
		return WorkerView{}, err
	}
	b := batch{sp: sp}
	if p.RejectPendingReservations != nil && *p.RejectPendingReservations && !s.available(sp, next) {
		for _, r := range slices.Clone(s.loadOf(sp, w.SID).reservations) {
			if r.Status == ReservationPending {
				s.decline(sp, sp.tasks.bySID[r.TaskSID], r, ReservationRejected, "", &b)
			}
		}
	}
	s.workerMoved(sp, w, next, &b)
	s.flush(&b)
	return s.view(sp, next), nil
}

// DeleteWorker removes a worker.
func (s *Service) DeleteWorker(ctx context.Context, workspaceSID, workerSID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, sp, err := s.worker(workspaceSID, workerSID)
	if err != nil {
		return err
	}
	if l := sp.loads[w.SID]; l != nil && l.total > 0 {
		return apperr.Conflictf(apperr.CodeBadRequest, "Worker %s holds %d reservations; complete, reject or cancel them first", w.SID, l.total)
	}
	var c change
	c.del(w.SID)
	return s.commit(ctx, c, func() {
		sp.workers.remove(w.SID)
		delete(sp.free, w.SID)
		delete(sp.loads, w.SID)
	})
}

// ---- worker channels ----

// WorkerChannelView is a worker's capacity on one channel, with its
// channel's name and how much of it is used.
type WorkerChannelView struct {
	Key int64 // the task channel's, for paging
	WorkerChannel
	WorkerSID             string
	WorkspaceSID          string
	TaskChannelUniqueName string
	AssignedTasks         int
}

// channelOf is w's setting for tc: stored, or the default (capacity 1,
// available) for a channel the worker was never configured on.
func (w *Worker) channelOf(tc *TaskChannel) WorkerChannel {
	if c := w.Channels[tc.SID]; c != nil {
		return *c
	}
	return WorkerChannel{SID: sid.Derive(sid.WorkerChannel, w.SID+tc.SID), TaskChannelSID: tc.SID, Capacity: 1,
		Available: true, Created: w.Created, Updated: w.Created}
}

func (s *Service) channelView(sp *space, w *Worker, tc *TaskChannel) WorkerChannelView {
	return WorkerChannelView{Key: tc.Key, WorkerChannel: w.channelOf(tc), WorkerSID: w.SID, WorkspaceSID: sp.SID,
		TaskChannelUniqueName: tc.UniqueName, AssignedTasks: s.loadOf(sp, w.SID).byChannel[tc.SID]}
}

// WorkerChannels lists a worker's capacity on every task channel.
func (s *Service) WorkerChannels(ctx context.Context, workspaceSID, workerSID string, r PageRequest) (Page[WorkerChannelView], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, sp, err := s.worker(workspaceSID, workerSID)
	if err != nil {
		return Page[WorkerChannelView]{}, err
	}
	page := sp.channels.page(nil, r)
	out := Page[WorkerChannelView]{HasNext: page.HasNext, HasPrev: page.HasPrev}
	for _, tc := range page.Items {
		out.Items = append(out.Items, s.channelView(sp, w, tc))
	}
	return out, nil
}

// WorkerChannel fetches a worker's capacity on one channel, by the worker
// channel's SID or the task channel's SID or unique name.
func (s *Service) WorkerChannel(ctx context.Context, workspaceSID, workerSID, ref string) (WorkerChannelView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, sp, tc, err := s.workerChannel(workspaceSID, workerSID, ref)
	if err != nil {
		return WorkerChannelView{}, err
	}
	return s.channelView(sp, w, tc), nil
}

func (s *Service) workerChannel(workspaceSID, workerSID, ref string) (*Worker, *space, *TaskChannel, error) {
	w, sp, err := s.worker(workspaceSID, workerSID)
	if err != nil {
		return nil, nil, nil, err
	}
	tc := sp.channel(ref)
	if tc == nil {
		for _, c := range sp.channels.order {
			if w.channelOf(c).SID == ref {
				tc = c
			}
		}
	}
	if tc == nil {
		return nil, nil, nil, notFound("WorkerChannel", ref)
	}
	return w, sp, tc, nil
}

// WorkerChannelParams change a worker's capacity on a channel.
type WorkerChannelParams struct {
	Capacity  *int
	Available *bool
}

// UpdateWorkerChannel sets a worker's capacity or availability on a
// channel: 3 means three chats at once.
func (s *Service) UpdateWorkerChannel(ctx context.Context, workspaceSID, workerSID, ref string, p WorkerChannelParams) (WorkerChannelView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, sp, tc, err := s.workerChannel(workspaceSID, workerSID, ref)
	if err != nil {
		return WorkerChannelView{}, err
	}
	wc := w.channelOf(tc)
	if p.Capacity != nil {
		if *p.Capacity < 0 || *p.Capacity > MaxCapacity {
			return WorkerChannelView{}, invalid("Capacity must be between 0 and %d, got %d", MaxCapacity, *p.Capacity)
		}
		if tc.UniqueName == "voice" && *p.Capacity > 1 {
			return WorkerChannelView{}, invalid("A worker takes one voice task at a time; Capacity on voice is at most 1")
		}
		wc.Capacity = *p.Capacity
	}
	if p.Available != nil {
		wc.Available = *p.Available
	}
	wc.Updated = s.stamp()
	next := w.clone()
	next.Channels[tc.SID] = &wc
	var c change
	c.put(KindWorker, w.SID, sp.SID, next)
	if err := s.commit(ctx, c, func() { sp.workers.put(w.SID, next) }); err != nil {
		return WorkerChannelView{}, err
	}
	b := batch{sp: sp}
	s.workerMoved(sp, next, next, &b)
	s.flush(&b)
	return s.channelView(sp, next, tc), nil
}

// Identity is the realtime identity of the person behind a worker: the
// "client:" contact_uri in its attributes, as Flex sets, or else its
// friendly name.
func (w *Worker) Identity() string {
	if uri, ok := w.attrs["contact_uri"].(string); ok {
		if id, ok := strings.CutPrefix(uri, "client:"); ok && id != "" {
			return id
		}
	}
	return w.FriendlyName
}
