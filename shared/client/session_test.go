package client

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"parley/shared/realtime"
)

func TestSocketURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:8080", "ws://127.0.0.1:8080/realtime"},
		{"https://chat.example.com/", "wss://chat.example.com/realtime"},
		{"https://example.com/parley", "wss://example.com/parley/realtime"},
		{"wss://chat.example.com/realtime", "wss://chat.example.com/realtime"},
		{"ws://h", "ws://h/realtime"},
		{"ws://h/realtime/", "ws://h/realtime"},
	}
	for _, tt := range tests {
		if got, err := socketURL(tt.in); err != nil || got != tt.want {
			t.Errorf("socketURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"chat.example.com", "ftp://h", "http://", ""} {
		if got, err := socketURL(bad); err == nil {
			t.Errorf("socketURL(%q) = %q, want an error", bad, got)
		}
	}
}

func TestCursorDeliversEachSeqOnceAndLiveEventsAlways(t *testing.T) {
	c := cursor{seq: 10}
	steps := []struct {
		seq  int64
		want bool
	}{
		{9, false},  // the replay overlaps what the caller has
		{10, false}, // the cursor itself was processed
		{0, true},   // typing and presence carry no seq
		{11, true},
		{11, false}, // a duplicate
		{13, true},
		{12, false}, // never backwards
		{0, true},
	}
	for _, st := range steps {
		if got := c.admit(st.seq); got != st.want {
			t.Errorf("admit(%d) at cursor %d = %v, want %v", st.seq, c.seq, got, st.want)
		}
	}
	if c.seq != 13 {
		t.Errorf("cursor = %d, want 13", c.seq)
	}
	c.catchUp(7)
	if c.seq != 13 {
		t.Errorf("catchUp(7) moved the cursor back to %d", c.seq)
	}
	c.catchUp(20)
	if c.seq != 20 || c.admit(20) || !c.admit(21) {
		t.Errorf("after catchUp(20) the cursor is %d; want 20 delivered as had and 21 as new", c.seq)
	}
}

func TestAPIErrorSaysStatusCodeAndMessage(t *testing.T) {
	err := &APIError{Status: 409, Code: 50433, Message: "Participant already exists"}
	if got, want := err.Error(), "parley: 409 50433: Participant already exists"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestRefusalRecognisesTheUnauthorizedCloseCode(t *testing.T) {
	closed := func(code websocket.StatusCode) error {
		return errors.Join(errors.New("failed to read"), websocket.CloseError{Code: code, Reason: "token expired"})
	}
	var refused *TokenRefusedError
	if err := refusal(closed(realtime.CloseUnauthorized)); !errors.As(err, &refused) || refused.Reason != "token expired" ||
		!strings.Contains(err.Error(), "token refused: token expired") {
		t.Errorf("refusal(4001) = %v, want a TokenRefusedError with the reason", err)
	}
	for _, code := range []websocket.StatusCode{realtime.CloseResync, realtime.CloseTokenExpired, websocket.StatusGoingAway} {
		if err := refusal(closed(code)); errors.As(err, &refused) {
			t.Errorf("refusal(%d) = %v, want it passed through to reconnect", code, err)
		}
	}
}

// A frame the server would find malformed closes the connection, and a
// resent one every connection after it: commands are checked before they
// go out, without needing a connection.
func TestMalformedCommandsNeverLeave(t *testing.T) {
	s := &Session{}
	ctx := context.Background()
	if _, err := s.Send(ctx, "CH1", "", ""); !errors.Is(err, realtime.ErrFrame) {
		t.Errorf("Send with no body: %v, want ErrFrame", err)
	}
	if _, err := s.Send(ctx, "", "hi", ""); !errors.Is(err, realtime.ErrFrame) {
		t.Errorf("Send with no conversation: %v, want ErrFrame", err)
	}
	if _, err := s.Send(ctx, "CH1", strings.Repeat("x", realtime.MaxFrameBytes), ""); !errors.Is(err, realtime.ErrFrame) {
		t.Errorf("Send of an oversized body: %v, want ErrFrame", err)
	}
	if err := s.Typing(ctx, ""); !errors.Is(err, realtime.ErrFrame) {
		t.Errorf("Typing with no conversation: %v, want ErrFrame", err)
	}
	if err := s.UpdateToken(ctx, ""); !errors.Is(err, realtime.ErrFrame) {
		t.Errorf("UpdateToken with no token: %v, want ErrFrame", err)
	}
	if len(s.pending) != 0 {
		t.Errorf("%d refused commands are pending, to be resent", len(s.pending))
	}
}

func TestCommandsAreEncodedAsTheProtocolSays(t *testing.T) {
	b, err := encode(realtime.ClientFrame{Type: realtime.TypeSend, ID: newID(), ConversationSID: "CH1", Body: "hi",
		IdempotencyKey: newID()})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["type"] != "send" || got["conversation_sid"] != "CH1" || got["body"] != "hi" ||
		len(got["id"].(string)) != 32 || len(got["idempotency_key"].(string)) != 32 {
		t.Errorf("send frame %s", b)
	}
	if _, ok := got["attributes"]; ok {
		t.Errorf("send frame %s carries empty attributes", b)
	}
	if newID() == newID() {
		t.Error("newID repeated itself")
	}
}

func TestStateNames(t *testing.T) {
	for st, want := range map[State]string{Connecting: "connecting", Connected: "connected",
		Disconnected: "disconnected", Closed: "closed", State(9): "State(9)"} {
		if st.String() != want {
			t.Errorf("State(%d).String() = %q, want %q", int(st), st.String(), want)
		}
	}
}
