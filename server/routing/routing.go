// Package routing is Parley's TaskRouter: workspaces and their activities,
// task channels, workers, task queues and workflows, with the rules Twilio's
// TaskRouter applies to them. It knows nothing of HTTP or SQL.
//
// A workspace's whole configuration lives in memory, so routing decisions
// never wait on a query; every change is written through to the Store in one
// transaction before memory changes, so a restart loses nothing.
package routing

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"parley/server/apperr"
	"parley/server/paging"
	"parley/server/textrule"
)

// Kinds of stored objects.
const (
	KindWorkspace   = "workspace"
	KindActivity    = "activity"
	KindTaskChannel = "task_channel"
	KindWorker      = "worker"
	KindTaskQueue   = "task_queue"
	KindWorkflow    = "workflow"
	KindTask        = "task"
	KindReservation = "reservation"
)

// Record is one stored object: its JSON, by kind and SID.
type Record struct {
	Kind         string
	SID          string
	WorkspaceSID string
	Body         []byte
}

// Store keeps routing objects. Routing reads them all once, at start.
type Store interface {
	LoadRouting(ctx context.Context) ([]Record, error)
	// SaveRouting writes puts and removes deletes (by SID) in one
	// transaction.
	SaveRouting(ctx context.Context, puts []Record, deletes []string) error
	// QueueRouting queues the same write behind every write queued before
	// it and returns without waiting: routing queues while holding its
	// lock, so writes keep its order, and many share one commit.
	QueueRouting(puts []Record, deletes []string) Pending
}

// PageRequest and Page are the paging types, named here for brevity.
type (
	PageRequest = paging.Request
	Page[T any] = paging.Page[T]
)

// Service is TaskRouter for one account.
type Service struct {
	store      Store
	accountSID string
	now        func() time.Time
	// after starts a timer, as time.AfterFunc: tests run deadlines on
	// their clock's time instead of waiting for them.
	after func(d time.Duration, f func()) timer

	mu         sync.Mutex // guards everything below; held across writes to keep memory and store in step
	seq        int64      // the last key handed out: creation order, for paging
	workspaces map[string]*space
	order      []*space
	closed     bool

	out        chan delivery // to the dispatcher, in the order of the changes
	dispatched chan struct{} // closed when the dispatcher has delivered everything
	listenMu   sync.Mutex
	listeners  []func(Event)

	// CheckURL is the outbound policy's check of a callback URL being
	// saved (an error for the caller naming param); nil accepts any http
	// or https URL. Set it before the service is used.
	CheckURL func(param, raw string) error
}

// checkURL applies CheckURL to a callback URL a change sets.
func (s *Service) checkURL(param string, v *string) error {
	if s.CheckURL == nil || v == nil || *v == "" {
		return nil
	}
	return s.CheckURL(param, *v)
}

// space is a workspace and everything in it.
type space struct {
	Workspace
	activities collection[*Activity]
	channels   collection[*TaskChannel]
	workers    collection[*Worker]
	queues     collection[*TaskQueue]
	workflows  collection[*Workflow]

	// Tasks and their reservations, and what the assignment engine keeps
	// to decide quickly: waiting tasks per queue in the order they are
	// offered, and every worker's load.
	tasks        collection[*Task]
	reservations map[string]*Reservation
	waiting      map[string]*taskList // by task queue SID
	loads        map[string]*load     // by worker SID
	free         map[string]struct{}  // workers that could take a task now

	counters      Counters
	queueCounters map[string]*Counters
	measures      map[string]*measures // by task queue SID: what wait estimates are made of
}

func newSpace(w Workspace) *space {
	return &space{Workspace: w, reservations: map[string]*Reservation{}, waiting: map[string]*taskList{},
		loads: map[string]*load{}, free: map[string]struct{}{}}
}

// collection keeps objects by SID and in creation order.
type collection[T interface{ key() int64 }] struct {
	bySID map[string]T
	order []T
}

func (c *collection[T]) put(sid string, v T) {
	if c.bySID == nil {
		c.bySID = map[string]T{}
	}
	if _, ok := c.bySID[sid]; !ok {
		c.order = append(c.order, v)
	} else {
		i := slices.IndexFunc(c.order, func(x T) bool { return x.key() == v.key() })
		c.order[i] = v
	}
	c.bySID[sid] = v
}

func (c *collection[T]) remove(sid string) {
	if v, ok := c.bySID[sid]; ok {
		delete(c.bySID, sid)
		// Keys grow with creation and order is in creation order, so the
		// object is found by halving, which matters for tasks: thousands
		// come and go every second.
		if i, found := slices.BinarySearchFunc(c.order, v.key(), func(x T, k int64) int { return cmp.Compare(x.key(), k) }); found {
			c.order = slices.Delete(c.order, i, i+1)
		}
	}
}

func (c *collection[T]) page(keep func(T) bool, r PageRequest) Page[T] {
	items := c.order
	if keep != nil {
		items = nil
		for _, v := range c.order {
			if keep(v) {
				items = append(items, v)
			}
		}
	}
	return paging.Slice(items, T.key, r)
}

// NewService loads every routing object from store.
func NewService(ctx context.Context, store Store, accountSID string) (*Service, error) {
	s := &Service{store: store, accountSID: accountSID, now: time.Now, after: afterFunc, workspaces: map[string]*space{},
		out: make(chan delivery, 4096), dispatched: make(chan struct{})}
	recs, err := store.LoadRouting(ctx)
	if err != nil {
		return nil, fmt.Errorf("load routing: %w", err)
	}
	for _, r := range recs {
		if err := s.restore(r); err != nil {
			return nil, fmt.Errorf("load routing %s %s: %w", r.Kind, r.SID, err)
		}
	}
	go s.dispatch()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range s.order {
		s.resume(sp)
	}
	return s, nil
}

// restore puts a stored object back in memory.
func (s *Service) restore(r Record) error {
	decode := func(v interface{ key() int64 }) error {
		if err := json.Unmarshal(r.Body, v); err != nil {
			return err
		}
		s.seq = max(s.seq, v.key())
		return nil
	}
	if r.Kind == KindWorkspace {
		sp := newSpace(Workspace{})
		if err := decode(&sp.Workspace); err != nil {
			return err
		}
		s.workspaces[sp.SID], s.order = sp, append(s.order, sp)
		return nil
	}
	sp := s.workspaces[r.WorkspaceSID]
	if sp == nil {
		return fmt.Errorf("its workspace %s is missing", r.WorkspaceSID)
	}
	switch r.Kind {
	case KindActivity:
		v := &Activity{}
		if err := decode(v); err != nil {
			return err
		}
		sp.activities.put(v.SID, v)
	case KindTaskChannel:
		v := &TaskChannel{}
		if err := decode(v); err != nil {
			return err
		}
		sp.channels.put(v.SID, v)
	case KindWorker:
		v := &Worker{}
		if err := decode(v); err != nil {
			return err
		}
		if err := v.parse(); err != nil {
			return err
		}
		sp.workers.put(v.SID, v)
	case KindTaskQueue:
		v := &TaskQueue{}
		if err := decode(v); err != nil {
			return err
		}
		if err := v.compile(); err != nil {
			return err
		}
		sp.queues.put(v.SID, v)
	case KindWorkflow:
		v := &Workflow{}
		if err := decode(v); err != nil {
			return err
		}
		if err := v.compile(sp); err != nil {
			return err
		}
		sp.workflows.put(v.SID, v)
	case KindTask:
		v := &Task{}
		if err := decode(v); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(v.Attributes), &v.attrs); err != nil {
			return err
		}
		sp.tasks.put(v.SID, v)
	case KindReservation:
		v := &Reservation{}
		if err := decode(v); err != nil {
			return err
		}
		t := sp.tasks.bySID[v.TaskSID]
		if t == nil {
			return fmt.Errorf("its task %s is missing", v.TaskSID)
		}
		t.reservations = append(t.reservations, v)
		sp.reservations[v.SID] = v
	default:
		return fmt.Errorf("unknown kind %q", r.Kind)
	}
	return nil
}

// change collects the writes of one operation.
type change struct {
	puts    []Record
	deletes []string
}

func (c *change) put(kind, sid, workspaceSID string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // routing types always marshal
	}
	c.puts = append(c.puts, Record{Kind: kind, SID: sid, WorkspaceSID: workspaceSID, Body: b})
}

func (c *change) del(sid string) { c.deletes = append(c.deletes, sid) }

// commit writes c through to the store; on success apply changes memory.
func (s *Service) commit(ctx context.Context, c change, apply func()) error {
	if err := s.store.SaveRouting(ctx, c.puts, c.deletes); err != nil {
		return err
	}
	apply()
	return nil
}

func (s *Service) nextKey() int64 {
	s.seq++
	return s.seq
}

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Second) }

// space finds a workspace; the caller holds s.mu.
func (s *Service) space(sid string) (*space, error) {
	sp := s.workspaces[sid]
	if sp == nil {
		return nil, notFound("Workspace", sid)
	}
	return sp, nil
}

// lookup finds an object of a workspace by SID, naming what is missing.
func lookup[T interface{ key() int64 }](s *Service, workspaceSID, sid, what string, in func(*space) *collection[T]) (T, *space, error) {
	var zero T
	sp, err := s.space(workspaceSID)
	if err != nil {
		return zero, nil, err
	}
	v, ok := in(sp).bySID[sid]
	if !ok {
		return zero, sp, notFound(what, sid)
	}
	return v, sp, nil
}

func notFound(what, sid string) error {
	return apperr.NotFoundf("The requested resource %s %s was not found", what, sid)
}

func invalid(format string, args ...any) error {
	return apperr.Invalidf(apperr.CodeBadRequest, format, args...)
}

// checkName bounds a friendly name: required where Twilio requires it,
// at most 64 characters (Twilio's limit), nothing hidden (textrule.Name).
func checkName(param, v string) error {
	if v == "" {
		return invalid("%s is required", param)
	}
	if n := len([]rune(v)); n > 64 {
		return invalid("%s is %d characters; the limit is 64", param, n)
	}
	// Supervisors read these names (a worker's is its agent's identity):
	// none may hide characters.
	return textrule.Name(param, v)
}
