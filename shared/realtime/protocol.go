// Package realtime is Parley's WebSocket protocol: the frames a client and
// the server exchange on /realtime, and how they are encoded. It compiles for
// the browser (GOOS=js) and the server alike; docs/REALTIME.md describes it
// for readers in other languages.
//
// Every frame is one JSON object in a text message, with a "type" field.
// A session starts with the client's hello (carrying its access token, since
// browsers cannot set headers on a WebSocket), answered by the server's ready.
// From then on the server streams events, each with a sequence number (seq)
// that only grows; a client that reconnects sends the last seq it saw as its
// cursor and receives exactly the events it missed before live ones.
package realtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Version is the protocol version this package speaks.
const Version = 1

// MaxFrameBytes bounds a client frame: a 32 KiB message body, JSON-escaped,
// with its attributes fits.
const MaxFrameBytes = 128 << 10

// MaxMediaPerSend is how many files one message may carry, as Twilio allows.
const MaxMediaPerSend = 10

// Client frame types.
const (
	TypeHello  = "hello"  // first frame: token, optional cursor
	TypeSend   = "send"   // send a message
	TypeRead   = "read"   // advance the read horizon
	TypeTyping = "typing" // the user is typing
	TypeToken  = "token"  // a refreshed access token for this session
	// TypeMonitor lets a supervisor's desk session follow a conversation
	// it takes no part in, read-only: from the ack on, the session (this
	// one only, not the identity's others) receives the conversation's
	// events as a participant's sessions do, until TypeUnmonitor or the
	// session ends. Sending, typing and reading into it stay refused.
	TypeMonitor   = "monitor"
	TypeUnmonitor = "unmonitor" // stop following a monitored conversation
)

// Server frame types.
const (
	TypeReady  = "ready"  // the session is authenticated; replay is done
	TypeEvent  = "event"  // something changed
	TypeAck    = "ack"    // a command succeeded
	TypeError  = "error"  // a command failed; the session goes on
	TypeResync = "resync" // the client missed too much: refetch over REST, then reconnect without a cursor
)

// Event names, in an event frame's "event" field.
const (
	ConversationAdded   = "conversation_added" // the user joined it; data is the conversation
	ConversationUpdated = "conversation_updated"
	ConversationRemoved = "conversation_removed" // deleted, or the user left it
	ParticipantAdded    = "participant_added"
	ParticipantUpdated  = "participant_updated" // includes read horizon moves
	ParticipantRemoved  = "participant_removed"
	MessageAdded        = "message_added"
	MessageUpdated      = "message_updated"
	MessageRemoved      = "message_removed"
	DeliveryUpdated     = "delivery_updated" // a receipt changed; data is the receipt
	TypingStarted       = "typing_started"   // data is Typing; not persisted, seq 0
	TypingEnded         = "typing_ended"
	UserOnline          = "user_online" // data is Presence; not persisted, seq 0
	UserOffline         = "user_offline"

	// Routing events go to the worker a reservation is for, and task
	// changes to the workers holding the task. Data is model.RoutingEvent.
	// They are not in the event log (seq 0): a reconnecting desktop lists
	// its worker's reservations over REST.
	ReservationCreated   = "reservation_created"
	ReservationAccepted  = "reservation_accepted"
	ReservationRejected  = "reservation_rejected"
	ReservationTimeout   = "reservation_timeout"
	ReservationCanceled  = "reservation_canceled"
	ReservationRescinded = "reservation_rescinded"
	ReservationWrapup    = "reservation_wrapup"
	ReservationCompleted = "reservation_completed"
	TaskUpdated          = "task_updated"   // any change to the task; data.event_type says which
	WorkerUpdated        = "worker_updated" // a worker's activity changed (to supervisors)

	// NoteAdded is a private note (data model.Note), sent to the agents
	// taking part in its conversation and to supervisors, never to a
	// customer. Not in the event log: the desktop lists notes over REST
	// when it opens a chat.
	NoteAdded = "note_added"

	// QueuePosition tells a waiting customer where their chat stands in
	// its queue and how long it may still wait (data model.QueuePosition),
	// sent to the conversation's customers only, when it changes (at most
	// about once a second). Once the task no longer waits, a last one has
	// a null position: an agent accepted it, or it left the queue. Not in
	// the event log: a reconnecting client reads
	// .../Conversations/{sid}/QueuePosition over REST.
	QueuePosition = "queue_position"
)

// ClientFrame is any frame a client sends. Which fields matter depends on
// Type; Decode checks them.
type ClientFrame struct {
	Type string `json:"type"`
	// ID is chosen by the client and echoed in the ack or error answering
	// a send, read, typing, monitor or unmonitor command.
	ID string `json:"id,omitempty"`

	// hello and token
	Version int    `json:"v,omitempty"`
	Token   string `json:"token,omitempty"`
	// Cursor, in hello, is the seq of the last event the client processed;
	// absent on a first connection.
	Cursor *int64 `json:"cursor,omitempty"`

	// send, read, typing, monitor, unmonitor
	ConversationSID string `json:"conversation_sid,omitempty"`
	Body            string `json:"body,omitempty"`
	Attributes      string `json:"attributes,omitempty"`
	// IdempotencyKey makes a send safe to retry: the server stores one
	// message per key and conversation, and acks a retry with the same one.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// MediaSIDs, in send, are uploaded files to attach (at most
	// MaxMediaPerSend); a send with media may have no body.
	MediaSIDs []string `json:"media_sids,omitempty"`
	// Index, in read, is the new read horizon.
	Index *int `json:"index,omitempty"`
}

// ServerFrame is any frame the server sends.
type ServerFrame struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`

	// event
	Seq             int64           `json:"seq,omitempty"`
	Event           string          `json:"event,omitempty"`
	ConversationSID string          `json:"conversation_sid,omitempty"`
	Data            json.RawMessage `json:"data,omitempty"`

	// ready
	Version  int    `json:"v,omitempty"`
	Identity string `json:"identity,omitempty"`
	// Cursor, in ready, is the seq the session is caught up to.
	Cursor   int64 `json:"cursor,omitempty"`
	Resumed  bool  `json:"resumed,omitempty"`
	Replayed int   `json:"replayed,omitempty"`

	// ack of a send
	SID   string `json:"sid,omitempty"`
	Index *int   `json:"index,omitempty"`

	// error and resync
	Code    int    `json:"code,omitempty"`
	Status  int    `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}

// Typing is the data of typing events.
type Typing struct {
	Identity string `json:"identity"`
	// ExpiresInMS is how long the indicator stays without a refresh.
	ExpiresInMS int `json:"expires_in_ms,omitempty"`
}

// Presence is the data of user_online and user_offline events.
type Presence struct {
	Identity string `json:"identity"`
}

// WebSocket close codes Parley uses, with a reason text that says what to do.
const (
	CloseProtocol     = 4000 // a malformed frame or a wrong first frame
	CloseUnauthorized = 4001 // missing, forged, expired or revoked token
	// CloseRevoked: the session's access ended while it was open (the
	// agent signed out, its password or role changed, it was deleted; the
	// API key was revoked; the deployment was deleted). Do not reconnect
	// with the same token.
	CloseRevoked = 4003
	// CloseEnded: the guest's chat ended or was deleted.
	CloseEnded = 4010
	// CloseTooManySessions: the identity or the client's address has as
	// many sessions as the server allows; close one first.
	CloseTooManySessions = 4029
	CloseResync          = 4008 // the client fell too far behind: reconnect with its cursor
	CloseTokenExpired    = 4009 // the session's token expired without a refresh
)

// ErrFrame is wrapped by every error Decode returns.
var ErrFrame = errors.New("bad frame")

// TextError is DecodeClient's error for a frame that is well formed but
// for a field whose text is not valid UTF-8 (or escapes half a surrogate
// pair). The frame's type and id are decoded, so a server answers that
// command alone (status 400) and the session goes on. It wraps ErrFrame.
type TextError struct {
	Field string // the field's JSON name, as the client wrote it
}

func (e *TextError) Error() string {
	return ErrFrame.Error() + ": " + e.Field + " is not valid UTF-8 text: send it encoded as UTF-8 (nothing was stored)"
}

// Unwrap makes a TextError an ErrFrame.
func (e *TextError) Unwrap() error { return ErrFrame }

func frameErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFrame, fmt.Sprintf(format, args...))
}

// DecodeClient parses and checks a client frame.
func DecodeClient(b []byte) (ClientFrame, error) {
	var f ClientFrame
	if len(b) > MaxFrameBytes {
		return f, frameErr("frame is %d bytes; the limit is %d", len(b), MaxFrameBytes)
	}
	// The fast path takes only text that is valid UTF-8 without escapes;
	// anything else is checked field by field once encoding/json, which
	// would keep bad text as U+FFFD, has decoded it.
	f, ok := decodeClientFast(b)
	if !ok {
		f = ClientFrame{}
		if err := json.Unmarshal(b, &f); err != nil {
			return f, frameErr("not a JSON object: %v", err)
		}
		if field, bad := badText(b); bad && field == "" {
			return f, frameErr("frame is not valid UTF-8 text")
		} else if bad {
			return f, &TextError{Field: field}
		}
	}
	if len(f.ID) > 64 {
		return f, frameErr("id is longer than 64 characters")
	}
	switch f.Type {
	case TypeHello:
		if f.Token == "" {
			return f, frameErr("hello needs a token")
		}
		if f.Version != 0 && f.Version != Version {
			return f, frameErr("protocol version %d is not supported; this server speaks %d", f.Version, Version)
		}
		if f.Cursor != nil && *f.Cursor < 0 {
			return f, frameErr("cursor must not be negative")
		}
	case TypeToken:
		if f.Token == "" {
			return f, frameErr("token frame needs a token")
		}
	case TypeSend:
		if f.ConversationSID == "" {
			return f, frameErr("send needs conversation_sid")
		}
		if f.Body == "" && len(f.MediaSIDs) == 0 {
			return f, frameErr("send needs a body or media_sids")
		}
		if len(f.MediaSIDs) > MaxMediaPerSend {
			return f, frameErr("send carries %d media; the limit is %d", len(f.MediaSIDs), MaxMediaPerSend)
		}
		if len(f.IdempotencyKey) > 128 {
			return f, frameErr("idempotency_key is longer than 128 characters")
		}
	case TypeRead:
		if f.ConversationSID == "" || f.Index == nil {
			return f, frameErr("read needs conversation_sid and index")
		}
	case TypeTyping:
		if f.ConversationSID == "" {
			return f, frameErr("typing needs conversation_sid")
		}
	case TypeMonitor, TypeUnmonitor:
		if f.ConversationSID == "" {
			return f, frameErr("%s needs conversation_sid", f.Type)
		}
	case "":
		return f, frameErr("frame has no type")
	default:
		return f, frameErr("unknown frame type %q", f.Type)
	}
	return f, nil
}

// Encode writes a frame as JSON.
func Encode(f any) ([]byte, error) { return json.Marshal(f) }

// EncodeEvent writes an event frame, the same bytes Encode writes for
// ServerFrame{Type: TypeEvent, Seq: seq, Event: event, ConversationSID:
// conversationSID, Data: data}, with data copied as it is. Encode would
// check and compact data once more (a twentieth of the server's CPU at
// 5,000 messages a second); data must come from json.Marshal.
func EncodeEvent(seq int64, event, conversationSID string, data json.RawMessage) ([]byte, error) {
	b := make([]byte, 0, len(data)+len(event)+len(conversationSID)+64)
	b = append(b, `{"type":"event"`...)
	if seq != 0 {
		b = append(b, `,"seq":`...)
		b = strconv.AppendInt(b, seq, 10)
	}
	var err error
	if event != "" {
		b = append(b, `,"event":`...)
		if b, err = appendJSONString(b, event); err != nil {
			return nil, err
		}
	}
	if conversationSID != "" {
		b = append(b, `,"conversation_sid":`...)
		if b, err = appendJSONString(b, conversationSID); err != nil {
			return nil, err
		}
	}
	if len(data) > 0 {
		b = append(b, `,"data":`...)
		b = append(b, data...)
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as encoding/json writes a string. Event
// names and SIDs are plain ASCII, which it writes as it is; anything
// encoding/json would escape goes to encoding/json.
func appendJSONString(b []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			q, err := json.Marshal(s)
			return append(b, q...), err
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}

// DecodeServer parses a server frame. The frame's bytes may be reused
// once it returns.
func DecodeServer(b []byte) (ServerFrame, error) {
	f, ok := decodeServerFast(b)
	if !ok {
		f = ServerFrame{}
		if err := json.Unmarshal(b, &f); err != nil {
			return f, frameErr("not a JSON object: %v", err)
		}
	}
	if f.Type == "" {
		return f, frameErr("frame has no type")
	}
	return f, nil
}
