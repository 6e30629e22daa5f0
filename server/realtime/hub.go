// Package realtime is Parley's connection hub: WebSocket sessions, the
// identities behind them, the topics they receive, fan-out and
// back-pressure. It knows nothing of conversations; a Handler supplies
// authentication, the initial state of a session and its commands.
package realtime

import (
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Frame is an encoded server frame on its way to sessions. Seq is its event
// sequence number, or 0 for frames that are not part of the event log.
type Frame struct {
	Seq   int64
	Bytes []byte
}

// Hub routes frames to sessions by topic and by identity. An identity
// receives a topic once joined to it; every session of the identity
// receives what the identity receives. Publishing never blocks: a session
// whose queue is full is disconnected to resync.
type Hub struct {
	mu     sync.RWMutex
	users  map[string]*user              // identity → its sessions and topics
	topics map[string]map[*user]struct{} // topic → subscribed identities
	// watchers are the sessions that follow a topic their identity is not
	// in (a supervisor monitoring a conversation): see Watch.
	watchers map[string]map[*Session]struct{}
	// holders and addresses count sessions against their caps, from
	// before a session attaches until after it detaches.
	holders   map[string]*holder
	addresses map[string]int

	// OnInterest, when set, hears when the hub starts or stops wanting
	// what is sent to a topic (its first subscriber joins, its last
	// leaves) or to an identity (its first session attaches, its last
	// detaches): a cluster node subscribes to those on the other nodes'
	// behalf. It runs under the hub's lock, so it must be quick and must
	// not call the hub.
	OnInterest func(kind, key string, on bool)

	// OnPresence hears when an identity's first session attaches (online)
	// and its last detaches (offline), with the topics it is in.
	OnPresence func(identity string, online bool, topics []string)

	metrics *Metrics
}

// Interest kinds, as OnInterest names them.
const (
	InterestTopic    = "topic"
	InterestIdentity = "identity"
)

type user struct {
	identity string
	sessions map[*Session]struct{}
	topics   map[string]struct{}
}

// NewHub returns an empty hub.
func NewHub(m *Metrics) *Hub {
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Hub{users: map[string]*user{}, topics: map[string]map[*user]struct{}{}, watchers: map[string]map[*Session]struct{}{},
		holders:   map[string]*holder{},
		addresses: map[string]int{}, metrics: m}
}

// attach adds a session for identity, subscribed to topics. The topics
// replace the identity's current ones when it is the first session: they
// are read at one consistent point with the event log.
func (h *Hub) attach(s *Session, topics []string) {
	h.mu.Lock()
	u := h.users[s.identity]
	first := u == nil
	if first {
		u = &user{identity: s.identity, sessions: map[*Session]struct{}{}, topics: map[string]struct{}{}}
		h.users[s.identity] = u
		h.interest(InterestIdentity, s.identity, true)
	}
	u.sessions[s] = struct{}{}
	for _, t := range topics {
		h.joinLocked(u, t)
	}
	var joined []string
	if first {
		joined = keys(u.topics)
	}
	h.mu.Unlock()
	h.metrics.Sessions.Inc()
	if first && h.OnPresence != nil {
		h.OnPresence(s.identity, true, joined)
	}
}

// detach removes a session; the identity goes offline with its last one.
func (h *Hub) detach(s *Session) {
	h.mu.Lock()
	u := h.users[s.identity]
	if u == nil {
		h.mu.Unlock()
		return
	}
	if _, ok := u.sessions[s]; !ok {
		h.mu.Unlock()
		return
	}
	delete(u.sessions, s)
	for t := range s.watching {
		h.unwatchLocked(s, t)
	}
	last := len(u.sessions) == 0
	var left []string
	if last {
		left = keys(u.topics)
		for t := range u.topics {
			h.leaveLocked(u, t)
		}
		delete(h.users, s.identity)
		h.interest(InterestIdentity, s.identity, false)
	}
	h.mu.Unlock()
	h.metrics.Sessions.Dec()
	if last && h.OnPresence != nil {
		h.OnPresence(s.identity, false, left)
	}
}

// Join subscribes identity's sessions to topic. An identity with no session
// is not tracked: it learns its topics when it next connects.
func (h *Hub) Join(identity, topic string) {
	h.mu.Lock()
	if u := h.users[identity]; u != nil {
		h.joinLocked(u, topic)
	}
	h.mu.Unlock()
}

// Leave unsubscribes identity from topic.
func (h *Hub) Leave(identity, topic string) {
	h.mu.Lock()
	if u := h.users[identity]; u != nil {
		h.leaveLocked(u, topic)
	}
	h.mu.Unlock()
}

func (h *Hub) joinLocked(u *user, topic string) {
	u.topics[topic] = struct{}{}
	subs := h.topics[topic]
	if subs == nil {
		subs = map[*user]struct{}{}
		if !h.wantedLocked(topic) {
			h.interest(InterestTopic, topic, true)
		}
		h.topics[topic] = subs
	}
	subs[u] = struct{}{}
}

func (h *Hub) leaveLocked(u *user, topic string) {
	delete(u.topics, topic)
	if subs := h.topics[topic]; subs != nil {
		delete(subs, u)
		if len(subs) == 0 {
			delete(h.topics, topic)
			if !h.wantedLocked(topic) {
				h.interest(InterestTopic, topic, false)
			}
		}
	}
}

// wantedLocked reports whether any identity or watching session receives
// topic: the hub's interest in it, for OnInterest.
func (h *Hub) wantedLocked(topic string) bool {
	return len(h.topics[topic]) > 0 || len(h.watchers[topic]) > 0
}

// maxWatches is how many topics one session may watch at once: a
// supervisor follows a few conversations, not the whole service.
const maxWatches = 50

// ErrTooManyWatches is Watch's refusal past maxWatches.
var ErrTooManyWatches = fmt.Errorf("a session watches at most %d conversations at once: stop watching one first", maxWatches)

// Watch makes session s (not its identity) receive what is published to
// topic, until Unwatch or until s ends: a supervisor's desk monitoring a
// conversation it takes no part in. Unlike Join it changes nothing for
// the identity: its other sessions receive nothing more, Subscribed stays
// false (so typing stays refused), presence is not announced to topic,
// and a reconnection does not bring it back (the client watches again).
// A session that already ended is not watched for.
func (h *Hub) Watch(s *Session, topic string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if u := h.users[s.identity]; u == nil {
		return nil // ended: nothing to deliver to
	} else if _, ok := u.sessions[s]; !ok {
		return nil
	}
	if _, ok := s.watching[topic]; ok {
		return nil
	}
	if len(s.watching) >= maxWatches {
		return ErrTooManyWatches
	}
	if s.watching == nil {
		s.watching = map[string]struct{}{}
	}
	s.watching[topic] = struct{}{}
	subs := h.watchers[topic]
	if subs == nil {
		subs = map[*Session]struct{}{}
		if !h.wantedLocked(topic) {
			h.interest(InterestTopic, topic, true)
		}
		h.watchers[topic] = subs
	}
	subs[s] = struct{}{}
	return nil
}

// Unwatch undoes Watch.
func (h *Hub) Unwatch(s *Session, topic string) {
	h.mu.Lock()
	h.unwatchLocked(s, topic)
	h.mu.Unlock()
}

func (h *Hub) unwatchLocked(s *Session, topic string) {
	if _, ok := s.watching[topic]; !ok {
		return
	}
	delete(s.watching, topic)
	subs := h.watchers[topic]
	delete(subs, s)
	if len(subs) == 0 {
		delete(h.watchers, topic)
		if !h.wantedLocked(topic) {
			h.interest(InterestTopic, topic, false)
		}
	}
}

func (h *Hub) interest(kind, key string, on bool) {
	if h.OnInterest != nil {
		h.OnInterest(kind, key, on)
	}
}

// Subscribed reports whether identity is connected and receives topic.
func (h *Hub) Subscribed(identity, topic string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	u := h.users[identity]
	if u == nil {
		return false
	}
	_, ok := u.topics[topic]
	return ok
}

// Publish sends a frame to every session subscribed to topic, and to the
// sessions watching it (once, when their identity is subscribed too).
func (h *Hub) Publish(topic string, f Frame) {
	h.mu.RLock()
	subs := h.topics[topic]
	for u := range subs {
		for s := range u.sessions {
			s.enqueue(f)
		}
	}
	for s := range h.watchers[topic] {
		if _, member := subs[h.users[s.identity]]; !member {
			s.enqueue(f)
		}
	}
	h.mu.RUnlock()
	h.metrics.Published.Inc()
}

// Wants reports whether any session here receives topic, as a member's
// or as a watcher.
func (h *Hub) Wants(topic string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.wantedLocked(topic)
}

// SendTo sends a frame to every session of identity.
func (h *Hub) SendTo(identity string, f Frame) {
	h.mu.RLock()
	if u := h.users[identity]; u != nil {
		for s := range u.sessions {
			s.enqueue(f)
		}
	}
	h.mu.RUnlock()
	h.metrics.Published.Inc()
}

// Online reports whether identity has a session.
func (h *Hub) Online(identity string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.users[identity] != nil
}

func keys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// holder is an identity's share of the limits: its sessions, and the
// command rate per conversation that all of them draw from.
type holder struct {
	sessions int
	mu       sync.Mutex
	rate     map[string]*bucket // by conversation; made on first use
}

func (h *holder) allow(conversation string, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	b := h.rate[conversation]
	if b == nil {
		if h.rate == nil {
			h.rate = map[string]*bucket{} // idle identities skip it
		}
		if len(h.rate) > 1000 {
			clear(h.rate) // bound the map; a forgotten bucket starts full
		}
		nb := newBucket(perConversationRate)
		b = &nb
		h.rate[conversation] = b
	}
	return b.take(now)
}

// reserve counts a new session against its identity's and its address's
// caps (negative: none), or says which is full.
func (h *Hub) reserve(identity, address string, perIdentity, perAddress int) (*holder, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ho := h.holders[identity]
	if ho != nil && perIdentity > 0 && ho.sessions >= perIdentity {
		return nil, fmt.Errorf("%s already has %d realtime sessions, the most allowed: close one first", identity, perIdentity)
	}
	if perAddress > 0 && h.addresses[address] >= perAddress {
		return nil, fmt.Errorf("your address already has %d realtime sessions, the most allowed: close one first", perAddress)
	}
	if ho == nil {
		ho = &holder{}
		h.holders[identity] = ho
	}
	ho.sessions++
	h.addresses[address]++
	return ho, nil
}

// release undoes a reserve.
func (h *Hub) release(identity, address string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ho := h.holders[identity]; ho != nil {
		if ho.sessions--; ho.sessions <= 0 {
			delete(h.holders, identity)
		}
	}
	if h.addresses[address]--; h.addresses[address] <= 0 {
		delete(h.addresses, address)
	}
}

// Revocation is why sessions are being closed, as their clients read it.
type Revocation struct {
	Code websocket.StatusCode // proto.CloseRevoked, proto.CloseEnded ...
	// Status and TwilioCode go in the error frame sent before the close:
	// 401 for revoked access, 410 for an ended chat.
	Status, TwilioCode int
	Reason             string
}

// Revoke closes every session whose identity and claims match, after the
// frames already queued for it, and returns how many it closed. match runs
// outside the hub's lock: it may ask other services (is this sign-in still
// good?) that must not wait on fan-out.
func (h *Hub) Revoke(match func(identity string, claims any) bool, why Revocation) int {
	all := h.all()
	doomed := all[:0]
	for _, s := range all {
		if match(s.identity, s.Claims()) {
			doomed = append(doomed, s)
		}
	}
	return h.end(doomed, why)
}

// all is every open session, as the hub holds them now.
func (h *Hub) all() []*Session {
	h.mu.RLock()
	defer h.mu.RUnlock()
	all := make([]*Session, 0, len(h.users))
	for _, u := range h.users {
		for s := range u.sessions {
			all = append(all, s)
		}
	}
	return all
}

// Sessions calls fn with the identity and claims of every open session,
// outside the hub's lock (fn may ask other services).
func (h *Hub) Sessions(fn func(identity string, claims any)) {
	for _, s := range h.all() {
		fn(s.identity, s.Claims())
	}
}

// RevokeMembers closes the sessions of the identities subscribed to topic
// that match.
func (h *Hub) RevokeMembers(topic string, match func(identity string) bool, why Revocation) int {
	var doomed []*Session
	h.mu.RLock()
	for u := range h.topics[topic] {
		if match(u.identity) {
			for s := range u.sessions {
				doomed = append(doomed, s)
			}
		}
	}
	h.mu.RUnlock()
	return h.end(doomed, why)
}

// end closes sessions after the frames queued for them, saying why.
func (h *Hub) end(sessions []*Session, why Revocation) int {
	for _, s := range sessions {
		s.end(why)
	}
	h.metrics.Revoked.Add(float64(len(sessions)))
	return len(sessions)
}
