package interactions

import (
	"context"
	"encoding/json"
	"slices"

	"parley/server/apperr"
	"parley/server/conversations"
	"parley/server/routing"
	"parley/shared/model"
	"parley/shared/sid"
)

// ChannelParams update a channel.
type ChannelParams struct {
	Status  string // closed or inactive
	Routing string // JSON: {"status":"wrapup"} (the default) or {"status":"closed"}
}

// UpdateChannel closes a channel (or makes it inactive): its agents leave
// the conversation and their tasks go to wrap-up, or complete when Routing
// says "closed"; tasks still waiting for an agent are canceled; the
// conversation closes (or goes inactive) too.
func (s *Service) UpdateChannel(ctx context.Context, interactionSID, channelSID string, p ChannelParams) (Channel, error) {
	if p.Status != ChannelClosed && p.Status != ChannelInactive {
		return Channel{}, invalid("Status must be closed or inactive, got %q", p.Status)
	}
	then := ParticipantWrapup
	if p.Routing != "" {
		rd, _, err := parseRouting(p.Routing)
		if err != nil {
			return Channel{}, err
		}
		switch rd.Status {
		case "", "wrapup", "wrapping":
		case "closed", "completed":
			then = ParticipantClosed
		default:
			return Channel{}, invalid(`Routing status must be "wrapup" or "closed", got %q`, rd.Status)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.Channel(ctx, interactionSID, channelSID)
	if err != nil {
		return Channel{}, err
	}
	if ch.Status == ChannelClosed {
		return Channel{}, apperr.Conflictf(apperr.CodeBadRequest, "Channel %s is already closed", ch.SID)
	}
	return ch, s.closeChannel(ctx, &ch, then, p.Status, agentLeft)
}

// closeChannel takes the channel's agents out of the conversation (their
// tasks to wrap-up, or completed when then is closed), cancels its tasks
// still waiting, gives the conversation status (closed or inactive) unless
// it has it already, and stores the channel with that status.
func (s *Service) closeChannel(ctx context.Context, ch *Channel, then, status, reason string) error {
	parts, err := children[Participant](ctx, s, ch.SID, KindParticipant)
	if err != nil {
		return err
	}
	for i := range parts {
		if parts[i].Type != TypeCustomer && parts[i].Status == ParticipantOpen {
			if err := s.leave(ctx, *ch, &parts[i], then, reason); err != nil {
				return err
			}
		}
	}
	if err := s.cancelWaiting(ctx, *ch); err != nil {
		return err
	}
	if _, err := s.conv.UpdateConversation(ctx, ch.ConversationSID, conversations.ConversationParams{State: &status}); err != nil &&
		!apperr.Is(err, apperr.NotFound) && !apperr.Is(err, apperr.Conflict) {
		return err
	}
	ch.Status, ch.Updated = status, s.now().UTC()
	return s.store.Put(ctx, object(KindChannel, ch.SID, ch.InteractionSID, *ch))
}

// cancelWaiting cancels the channel's tasks nobody has accepted yet:
// invites and transfers that no longer have a chat to join.
func (s *Service) cancelWaiting(ctx context.Context, ch Channel) error {
	page, err := s.routing.Tasks(ctx, ch.Route.WorkspaceSID, routing.TaskFilter{
		AssignmentStatus:       []string{routing.TaskPending, routing.TaskReserved},
		EvaluateTaskAttributes: model.TaskAttrChannelSID + ` == "` + ch.SID + `"`}, routing.PageRequest{Size: 1000})
	if err != nil {
		return err
	}
	canceled, reason := routing.TaskCanceled, "The interaction channel closed"
	for _, t := range page.Items {
		if _, err := s.routing.UpdateTask(ctx, ch.Route.WorkspaceSID, t.SID, routing.TaskParams{AssignmentStatus: &canceled, Reason: &reason}); err != nil {
			return err
		}
	}
	return nil
}

// Participants lists a channel's participants.
func (s *Service) Participants(ctx context.Context, interactionSID, channelSID string) ([]Participant, error) {
	if _, err := s.Channel(ctx, interactionSID, channelSID); err != nil {
		return nil, err
	}
	return children[Participant](ctx, s, channelSID, KindParticipant)
}

// ParticipantParams add someone to a channel.
type ParticipantParams struct {
	Type              string // agent, supervisor, customer, external
	MediaProperties   string // JSON: {"identity":...} or {"address":...,"proxy_address":...}
	RoutingProperties string // JSON, kept
}

// AddParticipant adds someone to the channel's conversation by hand.
func (s *Service) AddParticipant(ctx context.Context, interactionSID, channelSID string, p ParticipantParams) (Participant, error) {
	if !slices.Contains([]string{TypeAgent, TypeSupervisor, TypeCustomer, TypeExternal}, p.Type) {
		return Participant{}, invalid("Type must be agent, supervisor, customer or external, got %q", p.Type)
	}
	var media struct {
		Identity     string `json:"identity"`
		Address      string `json:"address"`
		ProxyAddress string `json:"proxy_address"`
	}
	if err := json.Unmarshal([]byte(p.MediaProperties), &media); err != nil {
		return Participant{}, invalid("MediaProperties is not valid JSON: %v", err)
	}
	var rp map[string]any
	if p.RoutingProperties != "" {
		if err := json.Unmarshal([]byte(p.RoutingProperties), &rp); err != nil {
			return Participant{}, invalid("RoutingProperties is not a JSON object: %v", err)
		}
	}
	var cp conversations.ParticipantParams
	switch {
	case media.Identity != "":
		cp.Identity = &media.Identity
	case media.Address != "" && media.ProxyAddress != "":
		cp.Address, cp.ProxyAddress = &media.Address, &media.ProxyAddress
	default:
		return Participant{}, invalid("MediaProperties needs an identity, or an address and a proxy_address")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.Channel(ctx, interactionSID, channelSID)
	if err != nil {
		return Participant{}, err
	}
	if ch.Status == ChannelClosed {
		return Participant{}, apperr.Conflictf(apperr.CodeBadRequest, "Channel %s is closed", ch.SID)
	}
	member, err := s.conv.AddParticipant(ctx, ch.ConversationSID, cp)
	if err != nil {
		return Participant{}, err
	}
	out := Participant{SID: sid.New(sid.ChannelPartcpt), InteractionSID: ch.InteractionSID, ChannelSID: ch.SID, Type: p.Type,
		Status: ParticipantOpen, ConversationParticipantSID: member.SID, Identity: media.Identity, Address: media.Address,
		RoutingProperties: rp, Created: s.now().UTC()}
	return out, s.store.Put(ctx, object(KindParticipant, out.SID, ch.SID, out))
}

// UpdateParticipant closes a participant (status closed or wrapup): they
// leave the conversation, and an agent's task wraps up or completes.
func (s *Service) UpdateParticipant(ctx context.Context, interactionSID, channelSID, participantSID, status string) (Participant, error) {
	if status != ParticipantClosed && status != ParticipantWrapup {
		return Participant{}, invalid("Status must be closed or wrapup, got %q", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.Channel(ctx, interactionSID, channelSID)
	if err != nil {
		return Participant{}, err
	}
	var p Participant
	if err := s.get(ctx, KindParticipant, participantSID, &p); err != nil || p.ChannelSID != ch.SID {
		return Participant{}, apperr.NotFoundf("The requested resource Participant %s was not found on channel %s", participantSID, ch.SID)
	}
	if p.Status == ParticipantClosed {
		return Participant{}, apperr.Conflictf(apperr.CodeBadRequest, "Participant %s has already left", p.SID)
	}
	return p, s.leave(ctx, ch, &p, status, agentLeft)
}

// ---- invites and transfers ----

// Invite asks another worker onto the channel: a new task carrying the
// channel's attributes goes to routing, and whoever accepts joins the
// same conversation.
func (s *Service) Invite(ctx context.Context, interactionSID, channelSID, routingJSON string) (Invite, error) {
	rd, attrs, err := parseRouting(routingJSON)
	if err != nil {
		return Invite{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.openChannel(ctx, interactionSID, channelSID)
	if err != nil {
		return Invite{}, err
	}
	inv := Invite{SID: sid.New(sid.ChannelInvite), InteractionSID: ch.InteractionSID, ChannelSID: ch.SID, Created: s.now().UTC()}
	route := mergeRoute(ch.Route, rd.Properties.Route)
	task, err := s.routeTask(ctx, ch, route, taskAttrs(ch, attrs, model.TaskAttributes{InviteSID: inv.SID}))
	if err != nil {
		return Invite{}, err
	}
	inv.TaskSID = task.SID
	inv.Routing = withField(routingJSON, "properties.task_sid", task.SID)
	return inv, s.store.Put(ctx, object(KindInvite, inv.SID, ch.SID, inv))
}

// Invites lists a channel's invites.
func (s *Service) Invites(ctx context.Context, interactionSID, channelSID string) ([]Invite, error) {
	if _, err := s.Channel(ctx, interactionSID, channelSID); err != nil {
		return nil, err
	}
	return children[Invite](ctx, s, channelSID, KindInvite)
}

// TransferParams hand a channel on: from a worker on it, to a worker or a
// queue, warm (both stay) or cold (the first leaves once the next
// accepts).
type TransferParams struct {
	From, To, Type string
}

// Transfer starts a transfer: a new task for the target.
func (s *Service) Transfer(ctx context.Context, interactionSID, channelSID string, p TransferParams) (Transfer, error) {
	switch p.Type {
	case TransferWarm, TransferCold:
	case "WARM", "COLD":
		p.Type = map[string]string{"WARM": TransferWarm, "COLD": TransferCold}[p.Type]
	default:
		return Transfer{}, invalid(`type must be "warm" or "cold", got %q`, p.Type)
	}
	if len(p.To) < 2 || (p.To[:2] != sid.Worker && p.To[:2] != sid.TaskQueue) {
		return Transfer{}, invalid("to must be a worker (WK...) or a task queue (WQ...), got %q", p.To)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.openChannel(ctx, interactionSID, channelSID)
	if err != nil {
		return Transfer{}, err
	}
	parts, err := children[Participant](ctx, s, ch.SID, KindParticipant)
	if err != nil {
		return Transfer{}, err
	}
	if !slices.ContainsFunc(parts, func(x Participant) bool { return x.WorkerSID == p.From && x.Status == ParticipantOpen }) {
		return Transfer{}, invalid("from must be a worker on channel %s, got %q", ch.SID, p.From)
	}
	now := s.now().UTC()
	tr := Transfer{SID: sid.New(sid.Transfer), InteractionSID: ch.InteractionSID, ChannelSID: ch.SID, Type: p.Type,
		Status: TransferActive, From: p.From, To: p.To, Created: now, Updated: now}
	route := ch.Route
	route.WorkerSID, route.Priority = "", nil
	if p.To[:2] == sid.Worker {
		route.WorkerSID = p.To
	} else {
		route.WorkflowSID, route.QueueSID = "", p.To
	}
	task, err := s.routeTask(ctx, ch, route, taskAttrs(ch, model.TaskAttributes{}, model.TaskAttributes{TransferSID: tr.SID,
		TransferringWorkerSID: p.From, TransferType: p.Type}))
	if err != nil {
		return Transfer{}, err
	}
	tr.TaskSID = task.SID
	return tr, s.store.Put(ctx, object(KindTransfer, tr.SID, ch.SID, tr))
}

// TransferOf fetches a transfer.
func (s *Service) TransferOf(ctx context.Context, interactionSID, channelSID, transferSID string) (Transfer, error) {
	var tr Transfer
	if err := s.get(ctx, KindTransfer, transferSID, &tr); err != nil {
		return Transfer{}, err
	}
	if tr.InteractionSID != interactionSID || tr.ChannelSID != channelSID {
		return Transfer{}, apperr.NotFoundf("The requested resource Transfer %s was not found on channel %s", transferSID, channelSID)
	}
	return tr, nil
}

func (s *Service) openChannel(ctx context.Context, interactionSID, channelSID string) (Channel, error) {
	ch, err := s.Channel(ctx, interactionSID, channelSID)
	if err != nil {
		return Channel{}, err
	}
	if ch.Status != ChannelActive {
		return Channel{}, apperr.Conflictf(apperr.CodeBadRequest, "Channel %s is %s; invites and transfers need an active channel", ch.SID, ch.Status)
	}
	return ch, nil
}

// mergeRoute is the channel's route with what an invite overrides.
func mergeRoute(base, over Route) Route {
	out := base
	if over.WorkspaceSID != "" {
		out.WorkspaceSID = over.WorkspaceSID
	}
	if over.WorkflowSID != "" || over.QueueSID != "" {
		out.WorkflowSID, out.QueueSID = over.WorkflowSID, over.QueueSID
	}
	if over.TaskChannel != "" {
		out.TaskChannel = over.TaskChannel
	}
	out.WorkerSID, out.Priority, out.Timeout = over.WorkerSID, over.Priority, over.Timeout
	return out
}

// taskAttrs are the channel's task attributes, with extra and marks on top.
func taskAttrs(ch Channel, extra, marks model.TaskAttributes) string {
	return model.TaskAttributesOf(ch.TaskAttributes).Merge(extra).Merge(marks).String()
}
