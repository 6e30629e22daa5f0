package realtime

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeClient(t *testing.T) {
	tests := []struct {
		name, in string
		wantErr  string // "" means valid
	}{
		{"hello", `{"type":"hello","token":"t"}`, ""},
		{"hello with cursor and version", `{"type":"hello","token":"t","cursor":42,"v":1}`, ""},
		{"hello without token", `{"type":"hello"}`, "needs a token"},
		{"future version", `{"type":"hello","token":"t","v":9}`, "version 9 is not supported"},
		{"negative cursor", `{"type":"hello","token":"t","cursor":-1}`, "negative"},
		{"send", `{"type":"send","id":"1","conversation_sid":"CH1","body":"hi","idempotency_key":"k"}`, ""},
		{"send without body", `{"type":"send","conversation_sid":"CH1"}`, "needs a body"},
		{"send without conversation", `{"type":"send","body":"hi"}`, "needs conversation_sid"},
		{"read", `{"type":"read","conversation_sid":"CH1","index":0}`, ""},
		{"read without index", `{"type":"read","conversation_sid":"CH1"}`, "needs conversation_sid and index"},
		{"typing", `{"type":"typing","conversation_sid":"CH1"}`, ""},
		{"unknown type", `{"type":"shout"}`, `unknown frame type "shout"`},
		{"no type", `{}`, "no type"},
		{"not JSON", `hello`, "not a JSON object"},
		{"wrong field type", `{"type":"read","conversation_sid":"CH1","index":"five"}`, "not a JSON object"},
		{"long id", `{"type":"typing","conversation_sid":"CH1","id":"` + strings.Repeat("x", 65) + `"}`, "id is longer"},
		{"invalid UTF-8", "{\"type\":\"send\",\"body\":\"\xff\"}", "UTF-8"},
		{"oversized", `{"type":"send","body":"` + strings.Repeat("x", MaxFrameBytes) + `"}`, "limit"},
	}
	for _, tt := range tests {
		_, err := DecodeClient([]byte(tt.in))
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.wantErr)
		case err != nil && !errors.Is(err, ErrFrame):
			t.Errorf("%s: error %v does not wrap ErrFrame", tt.name, err)
		}
	}
}

// FuzzDecodeClient feeds the decoder arbitrary bytes: it must never panic,
// and whatever it accepts must survive a round trip unchanged.
func FuzzDecodeClient(f *testing.F) {
	for _, seed := range []string{
		`{"type":"hello","token":"t","cursor":3}`,
		`{"type":"send","id":"1","conversation_sid":"CH1","body":"hi","idempotency_key":"k"}`,
		`{"type":"read","conversation_sid":"CH1","index":2}`,
		`{"type":"typing","conversation_sid":"CH1"}`,
		`{"type":"token","token":"x"}`,
		`{"type":null}`, `[]`, `"`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		frame, err := DecodeClient(b)
		if err != nil {
			if !errors.Is(err, ErrFrame) {
				t.Fatalf("error %v does not wrap ErrFrame", err)
			}
			return
		}
		again, err := Encode(frame)
		if err != nil {
			t.Fatalf("accepted frame does not encode: %v", err)
		}
		back, err := DecodeClient(again)
		if err != nil {
			t.Fatalf("accepted frame %s re-encoded as %s is refused: %v", b, again, err)
		}
		if back.Type != frame.Type || back.Body != frame.Body || back.ConversationSID != frame.ConversationSID {
			t.Fatalf("round trip changed the frame: %+v != %+v", back, frame)
		}
	})
}
