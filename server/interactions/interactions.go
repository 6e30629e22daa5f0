// Package interactions is Flex's Interactions API: the glue between a
// conversation and routing. An interaction has a channel (one
// conversation); routing the channel makes a task; when a worker accepts
// it, the worker joins the conversation, and closing the channel takes the
// agents out and moves their tasks to wrap-up. Invites and transfers make
// more tasks on the same channel. It knows nothing of HTTP or SQL.
package interactions

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/routing"
	"parley/shared/model"
	"parley/shared/sid"
)

// Kinds of stored objects.
const (
	KindInteraction = "interaction"
	KindChannel     = "channel"
	KindParticipant = "participant"
	KindInvite      = "invite"
	KindTransfer    = "transfer"
)

// Object is one stored object: its JSON, by kind, SID and parent.
type Object struct {
	Kind, SID, Parent string
	Body              []byte
}

// Store keeps interactions and their parts.
type Store interface {
	Get(ctx context.Context, kind, sid string) (body []byte, found bool, err error)
	Children(ctx context.Context, parentSID, kind string) ([][]byte, error)
	Put(ctx context.Context, objs ...Object) error
}

// Interaction is one contact with a customer.
type Interaction struct {
	SID         string          `json:"sid"`
	Channel     json.RawMessage `json:"channel"` // as created, with its sid
	Routing     json.RawMessage `json:"routing"` // as created, with the task's sid
	ContextSID  string          `json:"interaction_context_sid,omitempty"`
	WebhookTTID string          `json:"webhook_ttid,omitempty"`
	Created     time.Time       `json:"created"`
}

// Channel statuses.
const (
	ChannelSetup    = "setup"
	ChannelActive   = "active"
	ChannelFailed   = "failed"
	ChannelClosed   = "closed"
	ChannelInactive = "inactive"
)

// Channel is an interaction's conversation, and how it is routed.
type Channel struct {
	SID             string    `json:"sid"`
	InteractionSID  string    `json:"interaction_sid"`
	Type            string    `json:"type"` // chat, web, sms, whatsapp ...
	Status          string    `json:"status"`
	ConversationSID string    `json:"conversation_sid"`
	Direction       string    `json:"direction"` // inbound or outbound
	Route           Route     `json:"route"`
	TaskAttributes  string    `json:"task_attributes"` // what every task of the channel carries
	AutoAcceptTask  string    `json:"auto_accept_task,omitempty"`
	Created         time.Time `json:"created"`
	Updated         time.Time `json:"updated"`
}

// Route is where a channel's tasks go.
type Route struct {
	WorkspaceSID string `json:"workspace_sid"`
	WorkflowSID  string `json:"workflow_sid,omitempty"`
	QueueSID     string `json:"queue_sid,omitempty"`
	WorkerSID    string `json:"worker_sid,omitempty"`
	TaskChannel  string `json:"task_channel_unique_name,omitempty"`
	Priority     *int   `json:"priority,omitempty"`
	Timeout      *int   `json:"timeout,omitempty"`
}

// Participant types and statuses.
const (
	TypeCustomer   = "customer"
	TypeAgent      = "agent"
	TypeSupervisor = "supervisor"
	TypeExternal   = "external"

	ParticipantOpen   = "open"
	ParticipantWrapup = "wrapup"
	ParticipantClosed = "closed"
)

// Participant is someone on a channel: the customer, or an agent who took
// one of its tasks.
type Participant struct {
	SID                        string         `json:"sid"`
	InteractionSID             string         `json:"interaction_sid"`
	ChannelSID                 string         `json:"channel_sid"`
	Type                       string         `json:"type"`
	Status                     string         `json:"status"`
	ConversationParticipantSID string         `json:"conversation_participant_sid,omitempty"`
	Identity                   string         `json:"identity,omitempty"`
	Address                    string         `json:"address,omitempty"`
	WorkerSID                  string         `json:"worker_sid,omitempty"`
	TaskSID                    string         `json:"task_sid,omitempty"`
	RoutingProperties          map[string]any `json:"routing_properties,omitempty"`
	Created                    time.Time      `json:"created"`
}

// Invite asks another worker onto a channel.
type Invite struct {
	SID            string          `json:"sid"`
	InteractionSID string          `json:"interaction_sid"`
	ChannelSID     string          `json:"channel_sid"`
	Routing        json.RawMessage `json:"routing"`
	TaskSID        string          `json:"task_sid"`
	Created        time.Time       `json:"created"`
}

// Transfer statuses and types.
const (
	TransferActive    = "active"
	TransferCompleted = "completed"
	TransferFailed    = "failed"
	TransferWarm      = "warm"
	TransferCold      = "cold"
)

// Transfer hands a channel from one worker to another worker or a queue;
// a cold transfer takes the first worker out once the next accepts.
type Transfer struct {
	SID            string    `json:"sid"`
	InteractionSID string    `json:"interaction_sid"`
	ChannelSID     string    `json:"channel_sid"`
	Type           string    `json:"type"`
	Status         string    `json:"status"`
	From           string    `json:"from"` // a worker SID
	To             string    `json:"to"`   // a worker or a task queue SID
	TaskSID        string    `json:"task_sid"`
	Created        time.Time `json:"created"`
	Updated        time.Time `json:"updated"`
}

// Service is the Interactions API.
type Service struct {
	store   Store
	conv    Conversations
	routing Router
	log     *slog.Logger
	now     func() time.Time

	// JoinsElsewhere is set on a cluster's nodes: routing, and the join
	// an accept waits for, may run on another node, so Accept also looks
	// for the join in the store (alone, this node's follower wakes it).
	JoinsElsewhere bool

	mu       sync.Mutex // one change at a time: an accept and a close must not interleave
	events   chan work
	followed chan struct{}

	// accepts are the accepts waiting for their worker's join, by
	// reservation SID (see Accept).
	acceptsMu sync.Mutex
	accepts   map[string]*acceptWait
	queueMu   sync.RWMutex
	closing   bool // Close has begun: nothing more is queued
}

// work is what the follower handles, one at a time: a routing event, or a
// conversation that closed.
type work struct {
	event  *routing.Event
	closed string // the SID of a conversation that closed
}

// NewService returns the Interactions API over conversations and routing,
// and starts following routing's events. It takes the narrow views of
// deps.go; the app hands it *conversations.Service and routing.Router.
func NewService(store Store, conv Conversations, rt Router, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{store: store, conv: conv, routing: rt, log: log, now: time.Now, events: make(chan work, 4096),
		followed: make(chan struct{}), accepts: map[string]*acceptWait{}}
	rt.Subscribe(func(e routing.Event) {
		if e.Task == nil || e.Task.Attrs()[model.TaskAttrChannelSID] == nil {
			return
		}
		switch e.Type {
		case routing.EventReservationCreated, routing.EventReservationAccepted, routing.EventTaskCanceled:
			s.queue(work{event: &e}) // handled on its own goroutine: routing's dispatcher must not wait on us
		}
	})
	conv.Observe(closings{s})
	go s.follow()
	return s
}

// queue hands work to the follower, unless Close has begun.
func (s *Service) queue(w work) {
	s.queueMu.RLock()
	defer s.queueMu.RUnlock()
	if !s.closing {
		s.events <- w
	}
}

// Close stops following routing once the events handed over are handled.
// Call it after routing's Close, which delivers routing's last events.
func (s *Service) Close() {
	s.queueMu.Lock()
	s.closing = true
	close(s.events)
	s.queueMu.Unlock()
	<-s.followed
}

func (s *Service) follow() {
	defer close(s.followed)
	for w := range s.events {
		ctx := context.Background()
		if w.closed != "" {
			if err := s.conversationClosed(ctx, w.closed); err != nil {
				s.log.Error("interactions: settle the channels of a closed conversation", "conversation", w.closed, "err", err)
			}
			continue
		}
		e := *w.event
		err := s.react(ctx, e)
		if err != nil {
			s.log.Error("interactions: react to a routing event", "event", e.Type, "task", e.Task.SID, "err", err)
		}
		if e.Type == routing.EventReservationAccepted && e.Reservation != nil {
			s.joined(e.Reservation.SID)
		}
	}
}

// ---- storage helpers ----

func (s *Service) get(ctx context.Context, kind, sid string, v any) error {
	b, ok, err := s.store.Get(ctx, kind, sid)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.NotFoundf("The requested resource %s %s was not found", strings.ToUpper(kind[:1])+kind[1:], sid)
	}
	return json.Unmarshal(b, v)
}

func children[T any](ctx context.Context, s *Service, parent, kind string) ([]T, error) {
	bodies, err := s.store.Children(ctx, parent, kind)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(bodies))
	for _, b := range bodies {
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func object(kind, sid, parent string, v any) Object {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // our types always marshal
	}
	return Object{Kind: kind, SID: sid, Parent: parent, Body: b}
}

func invalid(format string, args ...any) error {
	return apperr.Invalidf(apperr.CodeBadRequest, format, args...)
}

// ---- creating interactions ----

// channelDoc is the Channel parameter, as Flex takes it.
type channelDoc struct {
	Type        string `json:"type"`
	InitiatedBy string `json:"initiated_by"`
	Properties  struct {
		MediaChannelSID string `json:"media_channel_sid"`
		FriendlyName    string `json:"friendly_name"`
	} `json:"properties"`
	Participants []struct {
		Identity     string `json:"identity"`
		Address      string `json:"address"`
		ProxyAddress string `json:"proxy_address"`
		Name         string `json:"name"`
	} `json:"participants"`
}

// routingDoc is the Routing parameter, as Flex takes it.
type routingDoc struct {
	Properties struct {
		Route
		Attributes json.RawMessage `json:"attributes"`
	} `json:"properties"`
	Status string `json:"status"` // on channel updates: wrapup or closed
}

func parseRouting(raw string) (routingDoc, model.TaskAttributes, error) {
	var d routingDoc
	var attrs model.TaskAttributes
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return d, attrs, invalid("Routing is not valid JSON: %v", err)
	}
	if a := d.Properties.Attributes; len(a) > 0 && string(a) != "null" {
		// Attributes come as an object, or as a string holding one.
		var str string
		if json.Unmarshal(a, &str) == nil {
			a = []byte(str)
		}
		var object map[string]json.RawMessage
		if err := json.Unmarshal(a, &object); err != nil || object == nil {
			return d, attrs, invalid("Routing properties.attributes must be a JSON object")
		}
		attrs = model.TaskAttributesOf(string(a))
	}
	return d, attrs, nil
}

// Params create an interaction.
type Params struct {
	Channel, Routing        string // JSON
	ContextSID, WebhookTTID string
}

// Create starts an interaction: for an existing conversation (inbound,
// properties.media_channel_sid), for customers the API names (outbound:
// participants with an identity, or an address and proxy_address), or for
// an agent (routing worker_sid with queue_sid), whose task is accepted for
// them. Its channel's first task goes to routing at once.
func (s *Service) Create(ctx context.Context, p Params) (Interaction, error) {
	var cd channelDoc
	if err := json.Unmarshal([]byte(p.Channel), &cd); err != nil {
		return Interaction{}, invalid("Channel is not valid JSON: %v", err)
	}
	if cd.Type == "" {
		return Interaction{}, invalid(`Channel needs a "type": chat, web, sms, whatsapp, email, messenger or gbm`)
	}
	rd, attrs, err := parseRouting(p.Routing)
	if err != nil {
		return Interaction{}, err
	}
	route := rd.Properties.Route
	if route.WorkspaceSID == "" {
		return Interaction{}, invalid(`Routing needs properties.workspace_sid`)
	}
	if route.WorkflowSID == "" && route.QueueSID == "" {
		return Interaction{}, invalid(`Routing needs properties.workflow_sid, or properties.queue_sid (with worker_sid for an agent-initiated interaction)`)
	}
	if route.TaskChannel == "" {
		route.TaskChannel = taskChannelFor(cd.Type)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC()
	ch := Channel{SID: sid.New(sid.InteractionCh), InteractionSID: sid.New(sid.Interaction), Type: cd.Type,
		Status: ChannelSetup, Direction: "inbound", Route: route, Created: now, Updated: now}
	var conv conversations.Conversation
	var parts []Object
	switch {
	case cd.Properties.MediaChannelSID != "":
		if conv, err = s.conv.Conversation(ctx, cd.Properties.MediaChannelSID); err != nil {
			return Interaction{}, invalid("Channel properties.media_channel_sid %s is not a conversation: %v", cd.Properties.MediaChannelSID, err)
		}
	case len(cd.Participants) > 0:
		ch.Direction = "outbound"
		var pp []conversations.ParticipantParams
		for i, cp := range cd.Participants {
			switch {
			case cp.Identity != "":
				pp = append(pp, conversations.ParticipantParams{Identity: &cp.Identity})
			case cp.Address != "" && cp.ProxyAddress != "":
				pp = append(pp, conversations.ParticipantParams{Address: &cp.Address, ProxyAddress: &cp.ProxyAddress})
			default:
				return Interaction{}, invalid("Channel participants[%d] needs an identity, or an address and a proxy_address", i)
			}
		}
		name := cd.Properties.FriendlyName
		if name == "" {
			name = "Interaction " + ch.InteractionSID
		}
		if conv, err = s.conv.CreateConversationWithParticipants(ctx, conversations.ConversationParams{FriendlyName: &name}, pp); err != nil {
			return Interaction{}, err
		}
	default:
		return Interaction{}, invalid("Channel needs properties.media_channel_sid (an existing conversation) or participants to start one with")
	}
	ch.ConversationSID = conv.SID

	// The customers on the conversation become the channel's customer
	// participants; the task says who they are.
	members, err := s.conv.Participants(ctx, conv.SID, conversations.PageRequest{Size: 50})
	if err != nil {
		return Interaction{}, err
	}
	var customerAddress string
	for _, m := range members.Items {
		cp := Participant{SID: sid.New(sid.ChannelPartcpt), InteractionSID: ch.InteractionSID, ChannelSID: ch.SID,
			Type: TypeCustomer, Status: ParticipantOpen, ConversationParticipantSID: m.SID, Identity: m.Identity, Created: now}
		if m.Binding != nil {
			cp.Address = m.Binding.Address
		}
		parts = append(parts, object(KindParticipant, cp.SID, ch.SID, cp))
		if customerAddress == "" {
			customerAddress = cmpOr(cp.Address, cp.Identity)
		}
	}
	customerName := cmpOr(conv.FriendlyName, customerAddress)

	// The routing's attributes win over what the task would say itself.
	defaults := model.TaskAttributes{ConversationSID: conv.SID, InteractionSID: ch.InteractionSID, ChannelSID: ch.SID,
		ChannelType: cd.Type, Direction: ch.Direction, CustomerName: customerName, CustomerAddress: customerAddress,
		From: customerAddress, Conversations: model.TaskConversation{ConversationID: ch.InteractionSID,
			InitiatedBy: cmpOr(cd.InitiatedBy, "customer")}}
	ch.TaskAttributes = defaults.Merge(attrs).String()
	ch.Status = ChannelActive

	task, err := s.routeTask(ctx, ch, route, ch.TaskAttributes)
	if err != nil {
		return Interaction{}, err
	}
	if route.WorkerSID != "" {
		ch.AutoAcceptTask = task.SID // the agent asked for this one
	}
	in := Interaction{SID: ch.InteractionSID, ContextSID: p.ContextSID, WebhookTTID: p.WebhookTTID, Created: now}
	in.Channel = withField(p.Channel, "sid", ch.SID)
	in.Routing = withField(p.Routing, "properties.task_sid", task.SID)
	objs := append([]Object{object(KindInteraction, in.SID, "", in), object(KindChannel, ch.SID, in.SID, ch), link(ch)}, parts...)
	if err := s.store.Put(ctx, objs...); err != nil {
		return Interaction{}, err
	}
	return in, nil
}

// taskChannelFor is the task channel a media type is routed on.
func taskChannelFor(channelType string) string {
	switch channelType {
	case "sms", "whatsapp", "email", "voice":
		return channelType
	}
	return "chat"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// withField returns doc (a JSON object) with a field set, at a dotted path.
func withField(doc, path string, value any) json.RawMessage {
	var m map[string]any
	if json.Unmarshal([]byte(doc), &m) != nil || m == nil {
		m = map[string]any{}
	}
	keys := strings.Split(path, ".")
	at := m
	for _, k := range keys[:len(keys)-1] {
		next, ok := at[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			at[k] = next
		}
		at = next
	}
	at[keys[len(keys)-1]] = value
	b, _ := json.Marshal(m)
	return b
}

// routeTask creates a task for a channel.
func (s *Service) routeTask(ctx context.Context, ch Channel, r Route, attrs string) (routing.Task, error) {
	p := routing.TaskParams{Attributes: &attrs, TaskChannel: &r.TaskChannel, Priority: r.Priority, Timeout: r.Timeout}
	if r.WorkflowSID != "" {
		p.WorkflowSID = &r.WorkflowSID
	} else {
		p.TaskQueueSID = &r.QueueSID
	}
	if r.WorkerSID != "" {
		p.RoutingTarget = &r.WorkerSID
	}
	t, err := s.routing.CreateTask(ctx, r.WorkspaceSID, p)
	if err != nil {
		return routing.Task{}, fmt.Errorf("route channel %s: %w", ch.SID, err)
	}
	return t, nil
}

// Interaction fetches an interaction.
func (s *Service) Interaction(ctx context.Context, sid string) (Interaction, error) {
	var in Interaction
	return in, s.get(ctx, KindInteraction, sid, &in)
}

// Channel fetches one of an interaction's channels.
func (s *Service) Channel(ctx context.Context, interactionSID, channelSID string) (Channel, error) {
	var ch Channel
	if err := s.get(ctx, KindChannel, channelSID, &ch); err != nil {
		return Channel{}, err
	}
	if ch.InteractionSID != interactionSID {
		return Channel{}, apperr.NotFoundf("The requested resource Channel %s was not found in interaction %s", channelSID, interactionSID)
	}
	return ch, nil
}

// Channels lists an interaction's channels.
func (s *Service) Channels(ctx context.Context, interactionSID string) ([]Channel, error) {
	if _, err := s.Interaction(ctx, interactionSID); err != nil {
		return nil, err
	}
	return children[Channel](ctx, s, interactionSID, KindChannel)
}

// ---- reacting to routing ----

// react joins an accepting worker to the channel's conversation, accepts
// an agent's own outbound task for them, and settles transfers.
func (s *Service) react(ctx context.Context, e routing.Event) error {
	chSID, _ := e.Task.Attrs()[model.TaskAttrChannelSID].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	var ch Channel
	if err := s.get(ctx, KindChannel, chSID, &ch); err != nil {
		return err
	}
	transferSID, _ := e.Task.Attrs()["flexTransferSid"].(string)
	switch e.Type {
	case routing.EventReservationCreated:
		if ch.AutoAcceptTask == e.Task.SID {
			_, err := s.routing.UpdateReservation(ctx, e.WorkspaceSID, e.Task.SID, "", e.Reservation.SID,
				routing.ReservationParams{Status: routing.ReservationAccepted})
			return err
		}
	case routing.EventReservationAccepted:
		if e.Worker == nil {
			return nil
		}
		if err := s.join(ctx, ch, *e.Worker, e.Task.SID); err != nil {
			return err
		}
		if transferSID != "" {
			return s.settleTransfer(ctx, ch, transferSID, TransferCompleted)
		}
	case routing.EventTaskCanceled:
		if transferSID != "" {
			return s.settleTransfer(ctx, ch, transferSID, TransferFailed)
		}
	}
	return nil
}

// join adds a worker to the channel's conversation and as the channel's
// agent participant.
func (s *Service) join(ctx context.Context, ch Channel, w routing.WorkerView, taskSID string) error {
	identity := w.Identity()
	// The customer's widget names the agent by friendlyName: the worker's
	// full_name (Flex's attribute), else its identity.
	name, _ := w.Attrs()["full_name"].(string)
	b, _ := json.Marshal(map[string]string{"member_type": "agent", "worker_sid": w.SID, "friendlyName": cmpOr(name, identity)})
	attrs := string(b)
	cp, err := s.conv.AddParticipant(ctx, ch.ConversationSID, conversations.ParticipantParams{Identity: &identity, Attributes: &attrs})
	if err != nil && apperr.Is(err, apperr.Conflict) {
		cp, err = s.conv.Participant(ctx, ch.ConversationSID, identity) // already there: a second task on the same chat
	}
	if err != nil {
		return fmt.Errorf("add worker %s to conversation %s: %w", w.SID, ch.ConversationSID, err)
	}
	p := Participant{SID: sid.New(sid.ChannelPartcpt), InteractionSID: ch.InteractionSID, ChannelSID: ch.SID, Type: TypeAgent,
		Status: ParticipantOpen, ConversationParticipantSID: cp.SID, Identity: identity, WorkerSID: w.SID, TaskSID: taskSID,
		RoutingProperties: map[string]any{"workspace_sid": w.WorkspaceSID, "task_sid": taskSID, "worker_sid": w.SID},
		Created:           s.now().UTC()}
	return s.store.Put(ctx, object(KindParticipant, p.SID, ch.SID, p))
}

func (s *Service) settleTransfer(ctx context.Context, ch Channel, transferSID, status string) error {
	var tr Transfer
	if err := s.get(ctx, KindTransfer, transferSID, &tr); err != nil {
		return err
	}
	if tr.Status != TransferActive {
		return nil
	}
	tr.Status, tr.Updated = status, s.now().UTC()
	if status == TransferCompleted && tr.Type == TransferCold {
		// The transferring agent leaves once the next one has the chat.
		parts, err := children[Participant](ctx, s, ch.SID, KindParticipant)
		if err != nil {
			return err
		}
		for _, p := range parts {
			if p.Type == TypeAgent && p.WorkerSID == tr.From && p.Status == ParticipantOpen {
				if err := s.leave(ctx, ch, &p, ParticipantWrapup, agentLeft); err != nil {
					return err
				}
			}
		}
	}
	return s.store.Put(ctx, object(KindTransfer, tr.SID, ch.SID, tr))
}

// agentLeft is the reason of a task whose agent left the interaction.
const agentLeft = "The agent left the interaction"

// leave takes a participant out of the conversation; an agent's task moves
// to wrapping (status wrapup) or completed (closed), for reason.
func (s *Service) leave(ctx context.Context, ch Channel, p *Participant, status, reason string) error {
	if p.ConversationParticipantSID != "" {
		err := s.conv.RemoveParticipant(ctx, ch.ConversationSID, p.ConversationParticipantSID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
	}
	if p.TaskSID != "" {
		t, err := s.routing.Task(ctx, ch.Route.WorkspaceSID, p.TaskSID)
		if err == nil {
			target := routing.TaskWrapping
			if status == ParticipantClosed || t.AssignmentStatus == routing.TaskWrapping {
				target = routing.TaskCompleted
			}
			if t.AssignmentStatus == routing.TaskAssigned || t.AssignmentStatus == routing.TaskWrapping {
				if _, err := s.routing.UpdateTask(ctx, ch.Route.WorkspaceSID, p.TaskSID, routing.TaskParams{AssignmentStatus: &target, Reason: &reason}); err != nil {
					return err
				}
			}
		}
	}
	p.Status = status
	return s.store.Put(ctx, object(KindParticipant, p.SID, ch.SID, *p))
}
