package desk

import (
	"strings"

	"parley/shared/model"
)

// Conversations an agent starts: the "Text a customer" dialog checks what
// the agent wrote and makes the agent-initiated Flex interaction; the
// first message waits for the chat to open.

// Number is an SMS or WhatsApp address the desk can text from.
type Number struct {
	Type, Address, FriendlyName string
}

// NumbersOf keeps the addresses an agent can text a customer from.
func NumbersOf(addrs []model.AddressConfiguration) []Number {
	var out []Number
	for _, a := range addrs {
		if a.Type == "sms" || a.Type == "whatsapp" {
			n := Number{Type: a.Type, Address: a.Address}
			if a.FriendlyName != nil {
				n.FriendlyName = *a.FriendlyName
			}
			out = append(out, n)
		}
	}
	return out
}

// Label is how the number shows in the dialog's list.
func (n Number) Label() string {
	label := n.Address
	if n.FriendlyName != "" {
		label += " (" + n.FriendlyName + ")"
	}
	return strings.ToUpper(n.Type[:1]) + n.Type[1:] + ": " + label
}

// Outbound is what the agent filled in: the number texted from, the
// customer's number and the first message.
type Outbound struct {
	From, To, Body string
}

// Start checks the dialog against the desk's numbers and queue (the one
// the agent's own task is made in) and makes the interaction's channel
// and routing: routed to the agent's own worker, accepted for them.
// problem says what to fix instead.
func (o Outbound) Start(numbers []Number, queue string, me model.Agent) (channel, routing map[string]any, body, problem string) {
	from, to := o.From, strings.Join(strings.Fields(o.To), "")
	if from == "" && len(numbers) == 1 {
		from = numbers[0].Address // the only choice, shown chosen
	}
	body = strings.TrimSpace(o.Body)
	var typ string
	for _, n := range numbers {
		if n.Address == from {
			typ = n.Type
		}
	}
	switch {
	case typ == "":
		return nil, nil, "", "Choose the number to text from."
	case body == "":
		return nil, nil, "", "Write the first message."
	case queue == "":
		return nil, nil, "", "The desk has no queue to start the conversation in."
	}
	if typ == "whatsapp" && !strings.HasPrefix(to, "whatsapp:") {
		to = "whatsapp:" + to
	}
	channel = map[string]any{"type": typ, "initiated_by": "agent",
		"participants": []map[string]string{{"address": to, "proxy_address": from}},
		"properties":   map[string]string{"friendly_name": to}}
	routing = map[string]any{"properties": map[string]any{"workspace_sid": me.WorkspaceSID,
		"queue_sid": queue, "worker_sid": me.WorkerSID, "task_channel_unique_name": typ,
		"attributes": model.TaskAttributes{CustomerName: to, CustomerAddress: to}}}
	return channel, routing, body, ""
}

// FirstMessage is what an agent wrote when starting a conversation, with
// the idempotency key that keeps its retries from sending it twice.
type FirstMessage struct {
	Body, Key string
}

// Started keeps the first message of the conversation an interaction
// started, until its chat opens.
func (m *Model) Started(interaction string, f FirstMessage) { m.firstMessages[interaction] = f }

// FirstMessage hands over, once, the first message waiting for an
// interaction's chat and the conversation to send it in; ok is false
// while the chat is not open (its opening asks again).
func (m *Model) FirstMessage(interaction string) (f FirstMessage, conv string, ok bool) {
	f, ok = m.firstMessages[interaction]
	c := m.ChatOf(interaction)
	if !ok || c == nil {
		return FirstMessage{}, "", false
	}
	delete(m.firstMessages, interaction)
	return f, c.Attrs.ConversationSID, true
}
